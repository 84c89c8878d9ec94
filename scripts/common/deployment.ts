/**
 * Reading a Hardhat Ignition deployment: `<ignition dir>/deployments/<id>/deployed_addresses.json` maps future ids
 * (`LocalStack#Clearinghouse`) to addresses; `journal.jsonl` holds the deployment receipts, from which the block the
 * Vault was deployed in is read (no account can exist before it, so account discovery starts there). And checking
 * that a deployment is really on the chain a tool is connected to.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { Provider } from "ethers";
import { IN_PROCESS_NETWORK, describeNetwork } from "./chains";

export interface Deployment {
  deploymentId: string;
  /** `<ignition dir>/deployments/<id>` */
  directory: string;
  clearinghouse: string;
  vault: string;
  /** The ClearinghouseLens (read-only views), when the deployment has one. */
  lens?: string;
  /** The LiquidityPool, when the deployment has one. */
  pool?: string;
  /** The OrderBook (two-step and conditional orders), when the deployment has one. */
  orderBook?: string;
  /** The PriceOracle, when the deployment has one. */
  oracle?: string;
  /** The TimelockController of a production deployment. */
  timelock?: string;
  /** First block of the deployment's Vault/Clearinghouse, when the journal has their receipts. */
  deployBlock?: number;
}

/** The keeper's name for a deployment (the same shape). */
export type KeeperDeployment = Deployment;

/** The deployment id Ignition uses by default on a chain: `chain-<chainId>`. */
export const defaultDeploymentId = (chainId: bigint | number): string => `chain-${chainId}`;

/** The single address whose future id ends in `#<contract>`; undefined when none, throws when several. */
function pick(addresses: Record<string, string>, contract: string, file: string): string | undefined {
  const matches = Object.entries(addresses).filter(([id]) => id.endsWith(`#${contract}`));
  if (matches.length === 0) return undefined;
  if (matches.length > 1) {
    throw new Error(`${file} has several ${contract} entries (${matches.map(([id]) => id).join(", ")})`);
  }
  return ethers.getAddress(matches[0][1]);
}

function required(address: string | undefined, contract: string, file: string): string {
  if (address === undefined) throw new Error(`${file} has no "<module>#${contract}" entry`);
  return address;
}

/** The deployment ids present under `<ignition dir>/deployments`, comma-separated, or `none`. */
export function listDeployments(ignitionDir: string): string {
  const dir = path.join(ignitionDir, "deployments");
  return fs.existsSync(dir) ? fs.readdirSync(dir).join(", ") || "none" : "none";
}

/** Reads a deployment; throws a one-line message naming the file and the deployments present when it is missing. */
export function readIgnitionDeployment(ignitionDir: string, deploymentId: string): Deployment {
  const directory = path.join(ignitionDir, "deployments", deploymentId);
  const file = path.join(directory, "deployed_addresses.json");
  const shown = path.relative(process.cwd(), file) || file;
  let addresses: Record<string, string>;
  try {
    addresses = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        `no Ignition deployment "${deploymentId}" (${shown} not found; deployments: ${listDeployments(ignitionDir)}). ` +
          "Deploy first (npx hardhat ignition deploy deploy/modules/LocalStack.ts --network <network>) " +
          "or pass --deployment-id",
      );
    }
    throw new Error(`cannot read ${shown}: ${(err as Error).message.split("\n")[0]}`);
  }
  const clearinghouse = required(pick(addresses, "Clearinghouse", shown), "Clearinghouse", shown);
  const vault = required(pick(addresses, "Vault", shown), "Vault", shown);
  const futureIds = Object.entries(addresses)
    .filter(([, address]) => [clearinghouse, vault].includes(ethers.getAddress(address)))
    .map(([id]) => id);
  return {
    deploymentId,
    directory,
    clearinghouse,
    vault,
    lens: pick(addresses, "ClearinghouseLens", shown),
    pool: pick(addresses, "LiquidityPool", shown),
    orderBook: pick(addresses, "OrderBook", shown),
    oracle: pick(addresses, "PriceOracle", shown),
    timelock: pick(addresses, "TimelockController", shown),
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

/** Where a tool looked: the network's name and chain id. */
export interface NetworkRef {
  network: string;
  chainId: bigint;
}

/** The advice for a tool that found no deployment where it looked. */
export function deploymentAdvice({ network }: NetworkRef): string {
  if (network === IN_PROCESS_NETWORK) {
    return (
      `"${IN_PROCESS_NETWORK}" is the in-process network, empty at every start: to use the stack on a running ` +
      "node (npx hardhat node), pass --network localhost (or export HARDHAT_NETWORK=localhost)"
    );
  }
  return (
    `deploy there first (npx hardhat ignition deploy deploy/modules/LocalStack.ts --network ${network}) ` +
    "or pass the right --network / --deployment-id"
  );
}

/**
 * Throws unless contract code exists at the deployment's Vault and Clearinghouse on the connected chain: a tool pointed
 * at the wrong network would otherwise fail later with `could not decode result data`. The message names the network
 * and chain id it looked at and what to do.
 */
export async function requireDeployedCode(
  provider: Pick<Provider, "getCode">,
  deployment: Pick<Deployment, "deploymentId" | "clearinghouse" | "vault">,
  where: NetworkRef,
): Promise<void> {
  for (const [name, address] of [
    ["Clearinghouse", deployment.clearinghouse],
    ["Vault", deployment.vault],
  ] as const) {
    if ((await provider.getCode(address)) === "0x") {
      throw new Error(
        `no contract at ${address} (${name} of deployment "${deployment.deploymentId}") on ` +
          `${describeNetwork(where.network, where.chainId)}: ` +
          (where.network === IN_PROCESS_NETWORK
            ? deploymentAdvice(where)
            : `is this the node the deployment was made on (a restarted node forgets it)? ${deploymentAdvice(where)}`),
      );
    }
  }
}
