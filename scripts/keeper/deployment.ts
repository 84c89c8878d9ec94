/**
 * Reads the contract addresses (and the deployment block) of a Hardhat Ignition deployment:
 * `<ignition dir>/deployments/<id>/deployed_addresses.json` maps future ids (`LocalStack#Clearinghouse`) to
 * addresses; `journal.jsonl` holds the deployment receipts, from which the block the Vault was deployed in is read
 * (no account can exist before it, so account discovery starts there).
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";

export interface KeeperDeployment {
  deploymentId: string;
  directory: string;
  clearinghouse: string;
  vault: string;
  /** The PriceOracle, when the deployment has one (its errors are decoded in logs). */
  oracle?: string;
  /** First block of the deployment's Vault/Clearinghouse, when the journal has their receipts. */
  deployBlock?: number;
}

/** The single address whose future id ends in `#<contract>`; throws when there is none or several. */
function pick(addresses: Record<string, string>, contract: string, file: string, required: true): string;
function pick(
  addresses: Record<string, string>,
  contract: string,
  file: string,
  required: false,
): string | undefined;
function pick(
  addresses: Record<string, string>,
  contract: string,
  file: string,
  required: boolean,
): string | undefined {
  const matches = Object.entries(addresses).filter(([id]) => id.endsWith(`#${contract}`));
  if (matches.length === 0) {
    if (!required) return undefined;
    throw new Error(`${file} has no "<module>#${contract}" entry`);
  }
  if (matches.length > 1) {
    throw new Error(`${file} has several ${contract} entries (${matches.map(([id]) => id).join(", ")})`);
  }
  return ethers.getAddress(matches[0][1]);
}

export function readIgnitionDeployment(ignitionDir: string, deploymentId: string): KeeperDeployment {
  const directory = path.join(ignitionDir, "deployments", deploymentId);
  const file = path.join(directory, "deployed_addresses.json");
  let addresses: Record<string, string>;
  try {
    addresses = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      const available = fs.existsSync(path.join(ignitionDir, "deployments"))
        ? fs.readdirSync(path.join(ignitionDir, "deployments")).join(", ") || "none"
        : "none";
      throw new Error(
        `no Ignition deployment "${deploymentId}" (${file} not found; deployments: ${available}). ` +
          "Deploy first (npx hardhat ignition deploy deploy/modules/LocalStack.ts --network <network>) " +
          "or pass --deployment-id",
      );
    }
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const clearinghouse = pick(addresses, "Clearinghouse", file, true);
  const vault = pick(addresses, "Vault", file, true);
  const oracle = pick(addresses, "PriceOracle", file, false);
  const futureIds = Object.entries(addresses)
    .filter(([, address]) => [clearinghouse, vault].includes(ethers.getAddress(address)))
    .map(([id]) => id);
  return {
    deploymentId,
    directory,
    clearinghouse,
    vault,
    oracle,
    deployBlock: deployBlockFromJournal(path.join(directory, "journal.jsonl"), futureIds),
  };
}

/** The lowest block number of the `TRANSACTION_CONFIRM` receipts of these futures, if the journal has them. */
export function deployBlockFromJournal(
  journalFile: string,
  futureIds: readonly string[],
): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(journalFile, "utf8");
  } catch {
    return undefined;
  }
  let block: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.includes("TRANSACTION_CONFIRM")) continue;
    try {
      const entry = JSON.parse(line) as {
        type?: string;
        futureId?: string;
        receipt?: { blockNumber?: number };
      };
      const n = entry.receipt?.blockNumber;
      if (
        entry.type === "TRANSACTION_CONFIRM" &&
        futureIds.includes(entry.futureId ?? "") &&
        typeof n === "number"
      ) {
        block = block === undefined ? n : Math.min(block, n);
      }
    } catch {
      // a torn last line of an interrupted deployment: ignore it
    }
  }
  return block;
}
