/**
 * The local Keel stack as typed contracts: deploy it through its Ignition module or attach to known addresses,
 * and read its state into plain objects (bigints only, no ethers `Result`s) that can be printed and compared.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import type { ContractRunner } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DeploymentResultType, deploy as ignitionDeploy } from "@nomicfoundation/ignition-core";
import {
  HardhatArtifactResolver,
  errorDeploymentResultToExceptionMessage,
} from "@nomicfoundation/hardhat-ignition/helpers";
import LocalStack from "../../deploy/modules/LocalStack";
import { IN_PROCESS_NETWORK, isLocalChain } from "../common/chains";
import {
  ClearinghouseLens__factory,
  Clearinghouse__factory,
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  OrderBook__factory,
  PriceOracle__factory,
  Vault__factory,
} from "../../typechain-types";
import type {
  Clearinghouse,
  ClearinghouseLens,
  IClearinghouseLens,
  IClearinghouse,
  LiquidityPool,
  MockERC20,
  MockV3Aggregator,
  OrderBook,
  PriceOracle,
  Vault,
} from "../../typechain-types";

/** The contracts the LocalStack module returns, by the names it returns them under. */
export const SYSTEM_CONTRACTS = [
  "usdc",
  "oracle",
  "vault",
  "clearinghouse",
  "lens",
  "pool",
  "orderBook",
  "ethFeed",
  "btcFeed",
] as const;
export type SystemContractName = (typeof SYSTEM_CONTRACTS)[number];
export type SystemAddresses = Record<SystemContractName, string>;

export interface System {
  addresses: SystemAddresses;
  usdc: MockERC20;
  oracle: PriceOracle;
  vault: Vault;
  clearinghouse: Clearinghouse;
  /** Read-only periphery: positions, markets and parameters as views (the core keeps the views actions use). */
  lens: ClearinghouseLens;
  pool: LiquidityPool;
  /** Two-step and conditional orders (DESIGN §21). */
  orderBook: OrderBook;
  ethFeed: MockV3Aggregator;
  btcFeed: MockV3Aggregator;
  /** Signer 0: deployed the stack and holds every role. */
  admin: HardhatEthersSigner;
  signers: HardhatEthersSigner[];
}

/** Throws unless `hre` points at a local development chain (the scripts mint tokens and move time). */
export async function requireDevChain(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  const { chainId } = await hre.ethers.provider.getNetwork();
  if (hre.network.name !== IN_PROCESS_NETWORK && !isLocalChain(chainId)) {
    throw new Error(
      `network "${hre.network.name}" (chain ${chainId}) is not a local development chain: ` +
        "the simulation mints mock tokens and moves time, run it on the in-process network or --network localhost",
    );
  }
  return chainId;
}

/**
 * Deploys the local stack (mock USDC, mock feeds, the protocol, the default markets) with its Ignition module and
 * returns it as typed contracts.
 *
 * The module is deployed through Ignition's core without a deployment directory (an ephemeral deployment, exactly
 * what `hre.ignition.deploy` does on the in-process Hardhat network). On a `npx hardhat node` behind
 * `--network localhost`, `hre.ignition.deploy` would instead keep a journal under `deploy/deployments/chain-31337`
 * and on the next run reuse or, against a restarted node, fail to reconcile it; a simulation wants a fresh stack
 * every run. The artifact resolver reads each contract's build info once per process (`CachingArtifactResolver`):
 * Ignition's own reads and parses the whole build-info file (about 10 MB) for every contract of every deployment,
 * seconds per stack, which a simulation deploying one stack per variant and per seed pays again and again.
 */
export async function deployLocalStack(hre: HardhatRuntimeEnvironment): Promise<System> {
  const result = await ignitionDeploy({
    config: {},
    artifactResolver: new CachingArtifactResolver(hre),
    provider: hre.network.provider,
    deploymentDir: undefined,
    ignitionModule: LocalStack,
    deploymentParameters: {},
    accounts: (await hre.network.provider.request({ method: "eth_accounts" })) as string[],
    maxRetries: hre.config.ignition.maxRetries,
    retryInterval: hre.config.ignition.retryInterval,
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new Error(`LocalStack deployment failed: ${errorDeploymentResultToExceptionMessage(result)}`);
  }
  const addresses = await resolveAddresses((name) =>
    Promise.resolve(result.contracts[LocalStack.results[name].id].address),
  );
  return attachSystem(hre, addresses);
}

type BuildInfoOf = Awaited<ReturnType<HardhatArtifactResolver["getBuildInfo"]>>;
/** Build info per build-info file, per process: the artifacts do not change while a process runs. */
const buildInfos = new Map<string, Promise<BuildInfoOf>>();

/**
 * Ignition's Hardhat artifact resolver, reading each build-info file once per process (every contract compiled
 * together shares one): the same lookup as Ignition's (the artifact's `.dbg.json` names its build info).
 */
class CachingArtifactResolver extends HardhatArtifactResolver {
  constructor(private readonly runtime: HardhatRuntimeEnvironment) {
    super(runtime);
  }

  override async getBuildInfo(contractName: string): Promise<BuildInfoOf> {
    if (contractName.includes(":")) return super.getBuildInfo(contractName);
    const artifactPath = (await this.runtime.artifacts.getArtifactPaths()).find(
      (p) => path.parse(p).name === contractName,
    );
    if (artifactPath === undefined) return super.getBuildInfo(contractName); // Ignition's own error
    const debugPath = artifactPath.replace(/\.json$/, ".dbg.json");
    const debug = JSON.parse(await fs.promises.readFile(debugPath, "utf8")) as { buildInfo: string };
    const file = path.join(path.dirname(debugPath), debug.buildInfo);
    let info = buildInfos.get(file);
    if (!info) {
      info = fs.promises.readFile(file, "utf8").then((text) => JSON.parse(text) as BuildInfoOf);
      // A failed read is not kept: the next deployment tries again.
      info.catch(() => buildInfos.delete(file));
      buildInfos.set(file, info);
    }
    return info;
  }
}

async function resolveAddresses(
  get: (name: SystemContractName) => Promise<string>,
): Promise<SystemAddresses> {
  const entries = await Promise.all(SYSTEM_CONTRACTS.map(async (name) => [name, await get(name)] as const));
  return Object.fromEntries(entries) as SystemAddresses;
}

/** Typed handles on an already deployed stack, connected to signer 0 (the admin). */
export async function attachSystem(
  hre: HardhatRuntimeEnvironment,
  addresses: SystemAddresses,
): Promise<System> {
  const signers = await hre.ethers.getSigners();
  const admin = signers[0];
  const runner: ContractRunner = admin;
  return {
    addresses,
    usdc: MockERC20__factory.connect(addresses.usdc, runner),
    oracle: PriceOracle__factory.connect(addresses.oracle, runner),
    vault: Vault__factory.connect(addresses.vault, runner),
    clearinghouse: Clearinghouse__factory.connect(addresses.clearinghouse, runner),
    lens: ClearinghouseLens__factory.connect(addresses.lens, runner),
    pool: LiquidityPool__factory.connect(addresses.pool, runner),
    orderBook: OrderBook__factory.connect(addresses.orderBook, runner),
    ethFeed: MockV3Aggregator__factory.connect(addresses.ethFeed, runner),
    btcFeed: MockV3Aggregator__factory.connect(addresses.btcFeed, runner),
    admin,
    signers,
  };
}

/* STATE AS PLAIN DATA */

/** `IClearinghouse.AccountState` (DESIGN §9), USD values in WAD. */
export interface AccountStateData {
  equity: bigint;
  collateralValue: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  freeCollateral: bigint;
  liquidatable: boolean;
}

/** `IClearinghouse.PositionView`, WAD. `openNotional` is signed like the size. */
export interface PositionData {
  marketId: bigint;
  size: bigint;
  openNotional: bigint;
  entryPrice: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
}

/** The part of `IClearinghouse.MarketView` the reports use, with a readable name. */
export interface MarketData {
  marketId: bigint;
  /** `ETH-PERP` */
  name: string;
  oraclePrice: bigint;
  skew: bigint;
  longOpenInterest: bigint;
  shortOpenInterest: bigint;
  fundingIndex: bigint;
  /** Signed WAD fraction per day; positive when longs pay. */
  fundingRatePerDay: bigint;
  imf: bigint;
  mmf: bigint;
}

export const toAccountStateData = (s: IClearinghouse.AccountStateStructOutput): AccountStateData => ({
  equity: s.equity,
  collateralValue: s.collateralValue,
  unrealizedPnl: s.unrealizedPnl,
  pendingFunding: s.pendingFunding,
  initialMargin: s.initialMargin,
  maintenanceMargin: s.maintenanceMargin,
  freeCollateral: s.freeCollateral,
  liquidatable: s.liquidatable,
});

export const readAccountState = async (sys: System, accountId: bigint): Promise<AccountStateData> =>
  toAccountStateData(await sys.clearinghouse.accountState(accountId));

export const toPositionData = (p: IClearinghouseLens.PositionViewStructOutput): PositionData => ({
  marketId: p.marketId,
  size: p.size,
  openNotional: p.openNotional,
  entryPrice: p.entryPrice,
  unrealizedPnl: p.unrealizedPnl,
  pendingFunding: p.pendingFunding,
});

export const readPositions = async (sys: System, accountId: bigint): Promise<PositionData[]> =>
  (await sys.lens.positions(accountId)).map(toPositionData);

/** Every listed market, at `blockTag` (the latest block by default). */
export async function readMarkets(sys: System, blockTag?: number): Promise<MarketData[]> {
  const at = { blockTag: blockTag ?? "latest" };
  const count = await sys.clearinghouse.marketCount(at);
  const markets: MarketData[] = [];
  for (let marketId = 0n; marketId < count; marketId++) {
    const m = await sys.lens.market(marketId, at);
    markets.push({
      marketId,
      name: `${ethers.decodeBytes32String(m.params.asset)}-PERP`,
      oraclePrice: m.oraclePrice,
      skew: m.skew,
      longOpenInterest: m.longOpenInterest,
      shortOpenInterest: m.shortOpenInterest,
      fundingIndex: m.fundingIndex,
      fundingRatePerDay: m.fundingRatePerDay,
      imf: m.params.imf,
      mmf: m.params.mmf,
    });
  }
  return markets;
}

/** Everything the reports show about one account at one moment. */
export interface Snapshot {
  blockNumber: number;
  timestamp: number;
  account: AccountStateData;
  positions: PositionData[];
  markets: MarketData[];
  /** `pool.totalAssets()`, settlement-token units (6 decimals). */
  poolTotalAssets: bigint;
  /** The pool's settlement ledger in the Vault, settlement-token units. */
  poolBalance: bigint;
  /** The insurance fund's ledger in the Vault, settlement-token units. */
  insuranceBalance: bigint;
}

/** Reads a `Snapshot` at the latest block. */
export async function readSnapshot(sys: System, accountId: bigint): Promise<Snapshot> {
  const provider = sys.clearinghouse.runner?.provider;
  if (!provider) throw new Error("the system's contracts are not connected to a provider");
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  // Every read is pinned to the same block so the numbers are one consistent picture.
  const at = { blockTag: block.number };
  const [account, views, poolTotalAssets, poolBalance, insuranceBalance, markets] = await Promise.all([
    sys.clearinghouse.accountState(accountId, at),
    sys.lens.positions(accountId, at),
    sys.pool.totalAssets(at),
    sys.vault.poolBalance(at),
    sys.vault.insuranceBalance(at),
    readMarkets(sys, block.number),
  ]);
  return {
    blockNumber: block.number,
    timestamp: block.timestamp,
    account: toAccountStateData(account),
    positions: views.map(toPositionData),
    markets,
    poolTotalAssets,
    poolBalance,
    insuranceBalance,
  };
}
