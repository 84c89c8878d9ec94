/**
 * The one fixture module: every test deploys Keel through `deployStack`, with ethers, in one fixed order (settlement
 * token, oracle, Vault, the Clearinghouse's linked libraries, Clearinghouse, lens, pool, `initialize`, then each feed
 * with the markets on its asset, then the collateral tokens). What differs between set-ups is parameters:
 *
 * - `deployFixture` / `fundedFixture`: the local stack of deploy/config.ts (mock USDC, ETH and BTC on
 *   `MockV3Aggregator` feeds, WETH and WBTC collateral, the default markets and risk), as the `System` of
 *   scripts/lib/system.ts plus its collateral tokens; test/unit/Deploy.test.ts holds it equal, parameter by parameter,
 *   to what the Ignition module deploy/modules/LocalStack.ts deploys;
 * - `tokenStack(token)`: the same protocol around another settlement token (a blocklist, hooks, a transfer fee);
 * - the gas fixture (test/gas/setup.ts): a fixed deployer, 33 markets on proxied OCR2-style feeds, each transaction in
 *   its own block (`beforeTx`), so its figures depend on nothing but the code.
 */
import hre, { ethers } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type {
  Clearinghouse,
  ClearinghouseLens,
  LiquidityPool,
  MockAggregatorProxy,
  MockERC20,
  MockOCR2Aggregator,
  MockV3Aggregator,
  OrderBook,
  PriceOracle,
  Vault,
} from "../../typechain-types";
import {
  DEFAULT_MARKETS,
  DEFAULT_RISK,
  LOCAL_COLLATERALS,
  LOCAL_FEEDS,
  LOCAL_ORDER_PARAMS,
  LOCAL_WITHDRAWAL_DELAY,
  LOCAL_WITHDRAWAL_WINDOW,
  assetKey,
  toMarketParams,
} from "../../deploy/config";
import type { CollateralConfig, RiskConfig } from "../../deploy/config";
import { attachSystem } from "../../scripts/lib/system";
import type { System } from "../../scripts/lib/system";
import { accountIdOf } from "./math";
import { type KeelModel, localModel } from "./model";

export { accountIdOf };
export type { System };

export const ETH = 0n;
export const BTC = 1n;
export const USDC = (amount: string | number): bigint => ethers.parseUnits(String(amount), 6);
export const WAD = (amount: string | number): bigint => ethers.parseUnits(String(amount), 18);
/** A Chainlink 8-decimal answer. */
export const FEED = (amount: string | number): bigint => ethers.parseUnits(String(amount), 8);

/* DEPLOYMENT */

export interface FeedSetup {
  /** Oracle key as a string (`"ETH"`). */
  symbol: string;
  decimals: number;
  initialAnswer: bigint;
  heartbeat: number;
  minPrice: bigint;
  maxPrice: bigint;
}

/** `IClearinghouse.MarketParams` (the `asset` as a bytes32 oracle key). */
export type MarketParams = ReturnType<typeof toMarketParams>;

export interface StackConfig {
  /** Deploys everything and holds every role; signer 0 when omitted. */
  deployer?: Signer;
  /** An existing settlement token; a 6-decimal mock USDC is deployed when omitted. */
  settlementToken?: string;
  risk?: RiskConfig;
  withdrawalDelay?: number;
  withdrawalWindow?: number;
  /** `v3`: the oracle reads a `MockV3Aggregator`; `proxy`: a `MockAggregatorProxy` over a `MockOCR2Aggregator`. */
  feedKind?: "v3" | "proxy";
  feeds?: FeedSetup[];
  /** Listed right after the feed of their asset, so market ids follow the feeds' order. */
  markets?: MarketParams[];
  /** `setImmediateTrades(id, true)` on every market listed (the local stack's setting); true when omitted. */
  immediateTrades?: boolean;
  /** Mock tokens deployed and listed in this order (their index in the Vault). */
  collaterals?: CollateralConfig[];
  /** Gas limit and the like, on every transaction. */
  overrides?: Record<string, unknown>;
  /** Runs before every transaction (the gas fixture mines each in its own block at a fixed step). */
  beforeTx?: () => Promise<void>;
}

export interface FeedHandle {
  symbol: string;
  /** Where answers are posted (`updateAnswer`). */
  aggregator: MockV3Aggregator | MockOCR2Aggregator;
  /** What the oracle reads, for `proxy` feeds. */
  proxy?: MockAggregatorProxy;
}

export interface Stack {
  /** The settlement token (a `MockERC20` handle: `mint` works on the mocks only). */
  usdc: MockERC20;
  oracle: PriceOracle;
  vault: Vault;
  clearinghouse: Clearinghouse;
  lens: ClearinghouseLens;
  pool: LiquidityPool;
  orderBook: OrderBook;
  feeds: FeedHandle[];
  collaterals: MockERC20[];
}

/** Deploys and wires the whole protocol as `config` says (every omitted field: the local stack's value). */
export async function deployStack(config: StackConfig = {}): Promise<Stack> {
  const deployer = config.deployer ?? (await ethers.getSigners())[0];
  const admin = await deployer.getAddress();
  const overrides = config.overrides ?? {};
  const send = async (tx: () => Promise<ContractTransactionResponse>) => {
    await config.beforeTx?.();
    const receipt = await (await tx()).wait();
    if (receipt === null || receipt.status !== 1) throw new Error("deployStack: transaction failed");
  };
  const deploy = async <T>(name: string, args: unknown[], libraries?: Record<string, string>): Promise<T> => {
    await config.beforeTx?.();
    const factory = await ethers.getContractFactory(name, { signer: deployer, libraries });
    const contract = await factory.deploy(...args, overrides);
    await contract.waitForDeployment();
    return contract as unknown as T;
  };
  const at = (c: { getAddress(): Promise<string> }) => c.getAddress();

  const usdc =
    config.settlementToken === undefined
      ? await deploy<MockERC20>("MockERC20", ["USD Coin (mock)", "USDC", 6])
      : await ethers.getContractAt("MockERC20", config.settlementToken, deployer);
  const oracle = await deploy<PriceOracle>("PriceOracle", [admin]);
  const vault = await deploy<Vault>("Vault", [admin, await at(usdc), await at(oracle)]);
  // The Clearinghouse's linked logic libraries run by DELEGATECALL in its context (DESIGN §2).
  const libraries: Record<string, string> = {};
  for (const name of ["LiquidationLogic", "ConfigLogic", "DeleverageLogic"]) {
    libraries[name] = await at(await deploy(name, []));
  }
  const risk = { ...(config.risk ?? DEFAULT_RISK) };
  const clearinghouse = await deploy<Clearinghouse>(
    "Clearinghouse",
    [admin, await at(vault), await at(oracle), risk],
    libraries,
  );
  const lens = await deploy<ClearinghouseLens>("ClearinghouseLens", [await at(clearinghouse)]);
  const pool = await deploy<LiquidityPool>("LiquidityPool", [
    admin,
    await at(vault),
    await at(clearinghouse),
    config.withdrawalDelay ?? LOCAL_WITHDRAWAL_DELAY,
    config.withdrawalWindow ?? LOCAL_WITHDRAWAL_WINDOW,
  ]);
  await send(() => vault.connect(deployer).initialize(clearinghouse, pool, overrides));
  const o = LOCAL_ORDER_PARAMS;
  const orderBook = await deploy<OrderBook>("OrderBook", [
    admin,
    await at(clearinghouse),
    await at(oracle),
    o.settlementFee,
    o.minDelay,
    o.maxLifetime,
  ]);
  await send(() => clearinghouse.connect(deployer).grantRole(ethers.id("ORDER"), orderBook, overrides));

  const markets = config.markets ?? DEFAULT_MARKETS.map(toMarketParams);
  const feeds: FeedHandle[] = [];
  for (const f of config.feeds ?? LOCAL_FEEDS) {
    const key = assetKey(f.symbol);
    let handle: FeedHandle;
    if ((config.feedKind ?? "v3") === "v3") {
      const aggregator = await deploy<MockV3Aggregator>("MockV3Aggregator", [f.decimals, f.initialAnswer]);
      handle = { symbol: f.symbol, aggregator };
    } else {
      const aggregator = await deploy<MockOCR2Aggregator>("MockOCR2Aggregator", [
        f.decimals,
        f.initialAnswer,
      ]);
      const proxy = await deploy<MockAggregatorProxy>("MockAggregatorProxy", [await at(aggregator)]);
      handle = { symbol: f.symbol, aggregator, proxy };
    }
    const source = await at(handle.proxy ?? handle.aggregator);
    await send(() =>
      oracle.connect(deployer).setFeed(key, source, f.heartbeat, f.minPrice, f.maxPrice, overrides),
    );
    for (const m of markets.filter((m) => m.asset === key)) {
      await send(() => clearinghouse.connect(deployer).addMarket(m, overrides));
      if (config.immediateTrades ?? true) {
        const id = (await clearinghouse.marketCount()) - 1n;
        await send(() => clearinghouse.connect(deployer).setImmediateTrades(id, true, overrides));
      }
    }
    feeds.push(handle);
  }
  const collaterals: MockERC20[] = [];
  for (const c of config.collaterals ?? LOCAL_COLLATERALS) {
    const token = await deploy<MockERC20>("MockERC20", [`${c.symbol} (mock)`, c.symbol, c.decimals]);
    await send(() =>
      vault
        .connect(deployer)
        .setCollateral(token, assetKey(c.asset), c.weight, c.liquidationDiscount, c.depositCap, overrides),
    );
    collaterals.push(token);
  }
  return { usdc, oracle, vault, clearinghouse, lens, pool, orderBook, feeds, collaterals };
}

/* FIXTURES */

/** The local stack as scripts/lib/system.ts's `System`, with its collateral tokens. */
export type LocalSystem = System & { weth: MockERC20; wbtc: MockERC20 };

/** The local stack (deploy/config.ts), deployed by signer 0, which holds every role. */
export async function deployFixture(): Promise<LocalSystem> {
  const stack = await deployStack();
  const [ethFeed, btcFeed] = stack.feeds.map((f) => f.aggregator);
  const addresses = {
    usdc: await stack.usdc.getAddress(),
    oracle: await stack.oracle.getAddress(),
    vault: await stack.vault.getAddress(),
    clearinghouse: await stack.clearinghouse.getAddress(),
    lens: await stack.lens.getAddress(),
    pool: await stack.pool.getAddress(),
    orderBook: await stack.orderBook.getAddress(),
    ethFeed: await ethFeed.getAddress(),
    btcFeed: await btcFeed.getAddress(),
  };
  const [weth, wbtc] = stack.collaterals;
  return { ...(await attachSystem(hre, addresses)), weth, wbtc };
}

/**
 * The local stack's protocol around another settlement token (no collateral tokens listed): for the tests of tokens
 * the local stack does not have — a blocklist, transfer hooks, a transfer fee.
 */
export async function tokenStack(settlementToken: string) {
  const stack = await deployStack({ settlementToken, collaterals: [] });
  const [ethFeed, btcFeed] = stack.feeds.map((f) => f.aggregator as MockV3Aggregator);
  return { ...stack, ethFeed, btcFeed };
}

/** LP capital in the pool at the start of the funded fixture. */
export const POOL_LIQUIDITY = USDC(1_000_000);
/** Collateral each trader deposits into subaccount 0 in the funded fixture. */
export const TRADER_DEPOSIT = USDC(10_000);

/**
 * The local stack with an LP (signer 1) that deposited `POOL_LIQUIDITY` into the pool and three traders
 * (signers 2–4) that each deposited `TRADER_DEPOSIT` into subaccount 0.
 */
export async function fundedFixture() {
  const sys = await deployFixture();
  const [, lp, alice, bob, carol] = sys.signers;
  await mintAndApprove(sys, lp, POOL_LIQUIDITY, await sys.pool.getAddress());
  await sys.pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
  for (const trader of [alice, bob, carol]) {
    await mintAndApprove(sys, trader, TRADER_DEPOSIT * 10n, await sys.vault.getAddress());
    await sys.vault.connect(trader).deposit(0, await sys.usdc.getAddress(), TRADER_DEPOSIT);
  }
  return { ...sys, lp, alice, bob, carol };
}

/** The ledger model (./model.ts) of `fundedFixture`'s start: the pool's liquidity and the traders' deposits. */
export function fundedModel(sys: {
  alice: { address: string };
  bob: { address: string };
  carol: { address: string };
}) {
  return localModel({
    pool: POOL_LIQUIDITY,
    deposits: [sys.alice, sys.bob, sys.carol].map((t) => [accountIdOf(t.address), TRADER_DEPOSIT]),
  });
}

/* HELPERS */

/** Sends a trade without a price limit and applies it to `model` at the block time it landed at. */
export async function tradeWithModel(
  sys: { clearinghouse: Clearinghouse },
  model: KeelModel,
  who: HardhatEthersSigner,
  marketId: bigint | number,
  delta: bigint,
  sub = 0n,
) {
  const limit = delta > 0n ? ethers.MaxUint256 : 0n;
  const tx = await sys.clearinghouse.connect(who).trade(sub, marketId, delta, limit);
  return model.trade(accountIdOf(who.address, sub), Number(marketId), delta, await txTime(tx));
}

export async function mintAndApprove(
  sys: { usdc: MockERC20 },
  who: HardhatEthersSigner,
  amount: bigint,
  spender: string,
) {
  await sys.usdc.mint(who.address, amount);
  await sys.usdc.connect(who).approve(spender, ethers.MaxUint256);
}

/** Sets a mock feed's answer at the current block time. */
export async function setPrice(feed: MockV3Aggregator, usd: string | number) {
  await feed.updateAnswer(FEED(usd));
}

/** The timestamp of the block a transaction landed in. */
export async function txTime(tx: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/** The latest block's timestamp. */
export async function latestTime(): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}
