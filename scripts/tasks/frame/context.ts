/**
 * What every Keel task starts from: the deployment's contracts (addresses from the Ignition deployment folder, checked
 * to have code on the connected chain), the signer behind this process's one nonce manager, the settlement token and
 * the output mode.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  ClearinghouseLens__factory,
  Clearinghouse__factory,
  IERC20Metadata__factory,
  LiquidityPool__factory,
  PriceOracle__factory,
  TimelockController__factory,
  Vault__factory,
} from "../../../typechain-types";
import type {
  Clearinghouse,
  ClearinghouseLens,
  LiquidityPool,
  PriceOracle,
  TimelockController,
  Vault,
} from "../../../typechain-types";
import { describeNetwork, requireLocalChain as requireLocal } from "../../common/chains";
import {
  defaultDeploymentId,
  deploymentAdvice,
  listDeployments,
  readIgnitionDeployment,
  requireDeployedCode,
} from "../../common/deployment";
import type { Deployment } from "../../common/deployment";
import { ManagedSigner } from "../../common/send";

/** Options every task takes. */
export interface CommonArgs {
  deploymentId?: string;
  from?: string;
  json: boolean;
}

/** The addresses a task needs: the deployment's, with the lens, pool and oracle required. */
export type DeploymentAddresses = Deployment & { lens: string; pool: string; oracle: string };

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
}

export interface TaskContext {
  hre: HardhatRuntimeEnvironment;
  chainId: bigint;
  deploymentId: string;
  addresses: DeploymentAddresses;
  /** The signer, behind this process's nonce manager: every transaction of the task goes through it. */
  signer: ManagedSigner;
  signerAddress: string;
  vault: Vault;
  clearinghouse: Clearinghouse;
  lens: ClearinghouseLens;
  pool: LiquidityPool;
  oracle: PriceOracle;
  timelock?: TimelockController;
  settlement: TokenInfo;
  json: boolean;
}

/** Reads the deployment a task uses on this network and checks it is there; messages name network and chain id. */
export async function locateDeployment(
  hre: HardhatRuntimeEnvironment,
  deploymentId: string | undefined,
): Promise<{ chainId: bigint; addresses: DeploymentAddresses }> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const where = { network: hre.network.name, chainId };
  const id = deploymentId ?? defaultDeploymentId(chainId);
  const ignition = hre.config.paths.ignition;
  const file = path.join(ignition, "deployments", id, "deployed_addresses.json");
  if (!fs.existsSync(file)) {
    throw new Error(
      `no Ignition deployment "${id}" for ${describeNetwork(where.network, chainId)} ` +
        `(${path.relative(process.cwd(), file)} not found; deployments: ${listDeployments(ignition)}): ` +
        deploymentAdvice(where),
    );
  }
  const deployment = readIgnitionDeployment(ignition, id);
  await requireDeployedCode(hre.ethers.provider, deployment, where);
  const missing = (["lens", "pool", "oracle"] as const).filter((k) => deployment[k] === undefined);
  if (missing.length > 0) throw new Error(`deployment "${id}" has no ${missing.join(", ")} address`);
  return { chainId, addresses: deployment as DeploymentAddresses };
}

/**
 * Whether an option's text is an address, as `ethers.isAddress` says, but without its `value is string` guard: that
 * narrows a string that is not an address to `never`, and the error message quoting it no longer type-checks.
 */
export function isAddressText(value: string): boolean {
  return ethers.isAddress(value);
}

/** `--from`: an index into the network's accounts, or an address the node can sign for. Default: account 0. */
async function resolveSigner(hre: HardhatRuntimeEnvironment, from: string | undefined): Promise<Signer> {
  if (from !== undefined && isAddressText(from)) return hre.ethers.getSigner(ethers.getAddress(from));
  const signers = await hre.ethers.getSigners();
  if (from !== undefined && !/^\d+$/.test(from.trim()))
    throw new Error(`--from must be an account index or an address, got "${from}"`);
  const index = from === undefined ? 0 : Number(from);
  if (signers.length === 0) {
    throw new Error(`network "${hre.network.name}" has no account: set its private key in the environment`);
  }
  if (index >= signers.length)
    throw new Error(
      `--from ${index}: network "${hre.network.name}" has ${signers.length} accounts (0..${signers.length - 1})`,
    );
  return signers[index];
}

export async function loadContext(hre: HardhatRuntimeEnvironment, args: CommonArgs): Promise<TaskContext> {
  const { chainId, addresses } = await locateDeployment(hre, args.deploymentId);
  const signer = new ManagedSigner(await resolveSigner(hre, args.from));
  const vault = Vault__factory.connect(addresses.vault, signer);
  return {
    hre,
    chainId,
    deploymentId: addresses.deploymentId,
    addresses,
    signer,
    signerAddress: await signer.getAddress(),
    vault,
    clearinghouse: Clearinghouse__factory.connect(addresses.clearinghouse, signer),
    lens: ClearinghouseLens__factory.connect(addresses.lens, signer),
    pool: LiquidityPool__factory.connect(addresses.pool, signer),
    oracle: PriceOracle__factory.connect(addresses.oracle, signer),
    timelock: addresses.timelock
      ? TimelockController__factory.connect(addresses.timelock, signer)
      : undefined,
    settlement: await tokenInfo(signer, await vault.settlementToken()),
    json: args.json,
  };
}

export async function tokenInfo(runner: Signer, address: string): Promise<TokenInfo> {
  const token = IERC20Metadata__factory.connect(address, runner);
  const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
  return { address: ethers.getAddress(address), symbol, decimals: Number(decimals) };
}

/** Throws unless the task runs on a local development chain (mock tasks: mint, set prices, move time). */
export const requireLocalChain = (ctx: TaskContext, what: string): void =>
  requireLocal(ctx.hre.network.name, ctx.chainId, what);
