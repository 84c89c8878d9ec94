/**
 * What every Keel task starts from: the deployment's contracts (addresses from the Ignition deployment folder), the
 * signer, the settlement token and the output mode, plus the helpers to resolve markets and tokens given by name and to
 * send transactions.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { ContractTransactionReceipt, Interface, Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  ClearinghouseLens__factory,
  Clearinghouse__factory,
  ERC4626__factory,
  Errors__factory,
  IERC20Metadata__factory,
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  PriceOracle__factory,
  SafeCast__factory,
  SafeERC20__factory,
  TimelockController__factory,
  Vault__factory,
} from "../../../typechain-types";
import type {
  Clearinghouse,
  ClearinghouseLens,
  IClearinghouse,
  LiquidityPool,
  PriceOracle,
  TimelockController,
  Vault,
} from "../../../typechain-types";
import { parseAccountId } from "./units";

/** Options every task takes. */
export interface CommonArgs {
  deploymentId?: string;
  from?: string;
  json: boolean;
}

export interface DeploymentAddresses {
  vault: string;
  clearinghouse: string;
  /** The ClearinghouseLens: the read-only views that format state (positions, markets, parameters). */
  lens: string;
  pool: string;
  oracle: string;
  /** The TimelockController of a production deployment. */
  timelock?: string;
}

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
  signer: Signer;
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

/** Every interface whose custom errors a Keel transaction can revert with. */
export const ERROR_INTERFACES: Interface[] = [
  Clearinghouse__factory.createInterface(),
  Vault__factory.createInterface(),
  LiquidityPool__factory.createInterface(),
  PriceOracle__factory.createInterface(),
  TimelockController__factory.createInterface(),
  MockERC20__factory.createInterface(),
  MockV3Aggregator__factory.createInterface(),
  ERC4626__factory.createInterface(),
  SafeERC20__factory.createInterface(),
  SafeCast__factory.createInterface(),
  Errors__factory.createInterface(),
];

/** Chain ids of local development nodes: the only chains mock tasks may touch. */
export const LOCAL_CHAIN_IDS = new Set([31337n, 1337n]);

/** The single address whose Ignition future id ends in `#<contract>`. */
function pick(
  addresses: Record<string, string>,
  contract: string,
  file: string,
  required: boolean,
): string | undefined {
  const matches = Object.entries(addresses).filter(([id]) => id.endsWith(`#${contract}`));
  if (matches.length === 0) {
    if (required) throw new Error(`${file} has no "<module>#${contract}" entry`);
    return undefined;
  }
  if (matches.length > 1) throw new Error(`${file} has several ${contract} entries`);
  return ethers.getAddress(matches[0][1]);
}

/** Reads `deploy/deployments/<id>/deployed_addresses.json`. */
export function readDeployment(ignitionDir: string, deploymentId: string): DeploymentAddresses {
  const file = path.join(ignitionDir, "deployments", deploymentId, "deployed_addresses.json");
  if (!fs.existsSync(file)) {
    const dir = path.join(ignitionDir, "deployments");
    const known = fs.existsSync(dir) ? fs.readdirSync(dir).join(", ") || "none" : "none";
    throw new Error(
      `no deployment "${deploymentId}" (${path.relative(process.cwd(), file)} not found; deployments here: ${known}). ` +
        "Deploy first, or pass --deployment-id",
    );
  }
  const addresses = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  return {
    vault: pick(addresses, "Vault", file, true)!,
    clearinghouse: pick(addresses, "Clearinghouse", file, true)!,
    lens: pick(addresses, "ClearinghouseLens", file, true)!,
    pool: pick(addresses, "LiquidityPool", file, true)!,
    oracle: pick(addresses, "PriceOracle", file, true)!,
    timelock: pick(addresses, "TimelockController", file, false),
  };
}

/** `--from`: an index into the network's accounts, or an address the node can sign for. Default: account 0. */
async function resolveSigner(hre: HardhatRuntimeEnvironment, from: string | undefined): Promise<Signer> {
  if (from !== undefined && ethers.isAddress(from)) return hre.ethers.getSigner(ethers.getAddress(from));
  const signers = await hre.ethers.getSigners();
  const index = from === undefined ? 0 : Number(from);
  if (!Number.isInteger(index) || index < 0)
    throw new Error(`--from must be an account index or an address, got "${from}"`);
  if (signers.length === 0) {
    throw new Error(`network "${hre.network.name}" has no account: set its private key in the environment`);
  }
  if (index >= signers.length)
    throw new Error(`--from ${index}: network "${hre.network.name}" has ${signers.length} accounts`);
  return signers[index];
}

export async function loadContext(hre: HardhatRuntimeEnvironment, args: CommonArgs): Promise<TaskContext> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  const deploymentId = args.deploymentId ?? `chain-${chainId}`;
  const addresses = readDeployment(hre.config.paths.ignition, deploymentId);
  const signer = await resolveSigner(hre, args.from);
  const vault = Vault__factory.connect(addresses.vault, signer);
  const settlementAddress = await vault.settlementToken();
  return {
    hre,
    chainId,
    deploymentId,
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
    settlement: await tokenInfo(signer, settlementAddress),
    json: args.json,
  };
}

export async function tokenInfo(runner: Signer, address: string): Promise<TokenInfo> {
  const token = IERC20Metadata__factory.connect(address, runner);
  const [symbol, decimals] = await Promise.all([token.symbol(), token.decimals()]);
  return { address: ethers.getAddress(address), symbol, decimals: Number(decimals) };
}

/** Throws unless the chain is a local development chain (31337 or 1337). */
export function requireLocalChain(
  ctx: { chainId: bigint; hre: HardhatRuntimeEnvironment },
  what: string,
): void {
  if (!LOCAL_CHAIN_IDS.has(ctx.chainId)) {
    throw new Error(
      `refusing to ${what} on chain ${ctx.chainId} (network "${ctx.hre.network.name}"): mock tasks only run on a local ` +
        "development chain (31337 or 1337)",
    );
  }
}

/* MARKETS AND TOKENS BY NAME */

export interface MarketRef {
  marketId: bigint;
  /** `ETH` */
  symbol: string;
  /** `ETH-PERP` */
  name: string;
  params: IClearinghouse.MarketParamsStructOutput;
}

export const assetSymbol = (asset: string): string => {
  try {
    return ethers.decodeBytes32String(asset);
  } catch {
    return asset;
  }
};

export async function listMarkets(ctx: TaskContext): Promise<MarketRef[]> {
  const count = await ctx.clearinghouse.marketCount();
  const refs: MarketRef[] = [];
  for (let marketId = 0n; marketId < count; marketId++) {
    const params = await ctx.lens.marketParams(marketId);
    const symbol = assetSymbol(params.asset);
    refs.push({ marketId, symbol, name: `${symbol}-PERP`, params });
  }
  return refs;
}

/** `--market ETH`, `ETH-PERP` or a market id. */
export async function resolveMarket(ctx: TaskContext, market: string): Promise<MarketRef> {
  const markets = await listMarkets(ctx);
  const wanted = market
    .trim()
    .toUpperCase()
    .replace(/-PERP$/, "");
  const found =
    markets.find((m) => m.symbol.toUpperCase() === wanted) ??
    (/^\d+$/.test(wanted) ? markets.find((m) => m.marketId === BigInt(wanted)) : undefined);
  if (!found) {
    throw new Error(
      `no market "${market}"; markets: ${markets.map((m) => `${m.symbol} (id ${m.marketId})`).join(", ")}`,
    );
  }
  return found;
}

/** The settlement token and every listed collateral token. */
export async function listTokens(ctx: TaskContext): Promise<TokenInfo[]> {
  const collateral = await ctx.vault.collateralTokens();
  return [ctx.settlement, ...(await Promise.all(collateral.map((a) => tokenInfo(ctx.signer, a))))];
}

/** `--token USDC` (a symbol, case-insensitive) or an address; the settlement token when omitted. */
export async function resolveToken(ctx: TaskContext, token: string | undefined): Promise<TokenInfo> {
  if (token === undefined) return ctx.settlement;
  const wanted: string = token;
  if (ethers.isAddress(wanted)) return tokenInfo(ctx.signer, wanted);
  const tokens = await listTokens(ctx);
  const found = tokens.find((t) => t.symbol.toLowerCase() === token.toLowerCase());
  if (!found) throw new Error(`no token "${token}"; tokens: ${tokens.map((t) => t.symbol).join(", ")}`);
  return found;
}

/** `--account-id` wins; else `--address` (default: the signer) and `--subaccount`. */
export async function resolveAccountId(
  ctx: TaskContext,
  args: { accountId?: string; address?: string; subaccount?: string },
): Promise<{ accountId: bigint; owner: string; subaccount: bigint }> {
  if (args.accountId !== undefined) {
    const accountId = parseAccountId(args.accountId);
    return {
      accountId,
      owner: ethers.getAddress(ethers.toBeHex(accountId >> 96n, 20)),
      subaccount: accountId & ((1n << 96n) - 1n),
    };
  }
  const owner = ethers.getAddress(args.address ?? ctx.signerAddress);
  const subaccount = parseSubaccount(args.subaccount);
  return { accountId: (BigInt(owner) << 96n) | subaccount, owner, subaccount };
}

export function parseSubaccount(value: string | undefined): bigint {
  if (value === undefined) return 0n;
  if (!/^\d+$/.test(value) || BigInt(value) >= 1n << 96n)
    throw new Error(`--subaccount must be an integer below 2^96, got "${value}"`);
  return BigInt(value);
}

/* TRANSACTIONS */

/** Sends a transaction and waits for its receipt; throws (with the revert) if it failed. */
export async function send<R extends { status: number | null; hash: string }>(
  tx: Promise<{ hash: string; wait(): Promise<R | null> }>,
): Promise<R> {
  const response = await tx;
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`transaction ${response.hash} failed`);
  return receipt;
}

/** Approves `spender` for at least `amount` of `token` if the allowance is short. */
export async function ensureAllowance(
  ctx: TaskContext,
  token: string,
  spender: string,
  amount: bigint,
): Promise<void> {
  const erc20 = IERC20Metadata__factory.connect(token, ctx.signer);
  if ((await erc20.allowance(ctx.signerAddress, spender)) >= amount) return;
  await send(erc20.approve(spender, amount));
}

/** Decodes the first log of `receipt` that `iface` knows under `eventName`. */
export function findEvent(receipt: ContractTransactionReceipt, iface: Interface, eventName: string) {
  for (const log of receipt.logs) {
    try {
      const parsed = iface.parseLog(log);
      if (parsed?.name === eventName) return parsed;
    } catch {
      // another contract's event
    }
  }
  return undefined;
}
