/**
 * The addresses of a Keel deployment, read from its Hardhat Ignition `deployed_addresses.json` (future ids such as
 * `LocalStack#Clearinghouse` → address), which the app's dev server serves under `/deployments/<id>` (see
 * app/deploymentsPlugin.ts). The deployment id is `chain-<chainId>` (Ignition's default), or `?deployment=<id>`.
 */
import { ethers } from "ethers";

export interface KeelAddresses {
  deploymentId: string;
  clearinghouse: string;
  vault: string;
  lens: string;
  pool: string;
  orderBook: string;
  oracle: string;
}

/** The deployment id the app loads on `chainId`: `?deployment=` when given, Ignition's `chain-<chainId>` otherwise. */
export function deploymentIdFor(chainId: bigint, search: string): string {
  const asked = new URLSearchParams(search).get("deployment");
  return asked && /^[\w.-]+$/.test(asked) ? asked : `chain-${chainId}`;
}

/** The single address whose future id ends in `#<contract>`; throws a one-line message when none or several. */
export function pickAddress(
  addresses: Record<string, string>,
  contract: string,
  deploymentId: string,
): string {
  const matches = Object.entries(addresses).filter(([id]) => id.endsWith(`#${contract}`));
  if (matches.length !== 1) {
    const what = matches.length === 0 ? `no ${contract} entry` : `several ${contract} entries`;
    throw new Error(`deployment "${deploymentId}" has ${what}`);
  }
  return ethers.getAddress(matches[0][1]);
}

/** Fetches and reads a deployment; the message says what to deploy when the chain has none. */
export async function loadAddresses(deploymentId: string, chainId: bigint): Promise<KeelAddresses> {
  const res = await fetch(`/deployments/${encodeURIComponent(deploymentId)}`);
  if (res.status === 404) {
    const { available } = (await res.json()) as { available: string[] };
    throw new Error(
      `No Keel deployment "${deploymentId}" for chain ${chainId} (deployments: ${available.join(", ") || "none"}). ` +
        "Deploy one: npx hardhat ignition deploy deploy/modules/LocalStack.ts --network localhost",
    );
  }
  if (!res.ok) throw new Error(`cannot load deployment "${deploymentId}": HTTP ${res.status}`);
  const addresses = (await res.json()) as Record<string, string>;
  const pick = (contract: string) => pickAddress(addresses, contract, deploymentId);
  return {
    deploymentId,
    clearinghouse: pick("Clearinghouse"),
    vault: pick("Vault"),
    lens: pick("ClearinghouseLens"),
    pool: pick("LiquidityPool"),
    orderBook: pick("OrderBook"),
    oracle: pick("PriceOracle"),
  };
}
