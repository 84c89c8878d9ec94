/**
 * The gas fixture: the whole protocol deployed through `deployStack` (test/shared/fixtures.ts) by a dedicated
 * deployer (so every address, hence every calldata byte, is the same on every run), 33 markets each priced by its
 * own Chainlink-like proxy + aggregator pair (`contracts/mocks/ChainlinkFeedMock.sol`, ~15.7k gas per cold read like
 * the real path), a funded pool, and two background traders holding a long and a short on every market, so each
 * market is already traded (both sides open, a long skew accruing funding) when a measured transaction touches it.
 *
 * Every transaction goes through `send`, which mines it in its own block `STEP` seconds after the previous one: the
 * figures depend on nothing but the code (no wall-clock time, no nonce history).
 */
import { ethers, network } from "hardhat";
import { deployStack } from "../shared/fixtures";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type {
  Clearinghouse,
  LiquidityPool,
  MockAggregatorProxy,
  MockERC20,
  MockOCR2Aggregator,
  OrderBook,
  PriceOracle,
  Vault,
} from "../../typechain-types";
import { accountIdOf } from "../shared/math";

/** Markets listed: enough for a 32nd position next to 31 others and a 32-position liquidation. */
export const MARKETS = 33;
/** Seconds between consecutive blocks. */
export const STEP = 12;
/** Gas limit of every transaction (no estimation, so nothing depends on the pending block). */
export const GAS_LIMIT = 15_000_000n;

export const usdc = (amount: string | number): bigint => ethers.parseUnits(String(amount), 6);
export const wad = (amount: string | number): bigint => ethers.parseUnits(String(amount), 18);
export const feedAnswer = (usd: string | number): bigint => ethers.parseUnits(String(usd), 8);

/** Every market's oracle price at the start (USD). */
export const PRICE = 1_000;
/** LP capital in the pool. */
export const POOL_LIQUIDITY = usdc(10_000_000);

const DEPLOYER_KEY = ethers.id("keel.gas.deployer");

export const assetOf = (i: number): string => ethers.encodeBytes32String(`GAS${i}`);

export const marketParams = (i: number) => ({
  asset: assetOf(i),
  imf: wad("0.1"),
  mmf: wad("0.05"),
  liquidationFee: wad("0.01"),
  takerFee: wad("0.0005"),
  makerFee: wad("0.0002"),
  maxFundingRatePerDay: wad("0.1"),
  skewScale: wad(1_000_000),
  // 40,000 / 1,000,000 + 0.0005 <= mmf: the skew-premium bound (DESIGN §18.17).
  maxOpenInterest: wad(40_000),
  minPositionNotional: wad(10),
  maxLiquidationNotionalPerWindow: wad(1_000_000_000),
  liquidationWindow: 300,
});

export const RISK = {
  maxPositionsPerAccount: 64,
  insuranceFeeShare: wad("0.2"),
  maxOpenInterestToPool: wad(1),
  liquidationBuffer: wad("0.25"),
  keeperShare: wad("0.3"),
  minKeeperReward: usdc(1),
  maxKeeperReward: usdc(1_000),
  maxPnlToPool: wad("0.45"),
};

/** Sends one transaction in its own block, `STEP` seconds after the latest, and returns its receipt. */
export async function send(
  tx: () => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt> {
  await nextBlock();
  const receipt = await (await tx()).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("gas fixture: transaction failed");
  return receipt;
}

/** Gas used by one transaction sent through `send`. */
export async function gasOf(tx: () => Promise<ContractTransactionResponse>): Promise<number> {
  return Number((await send(tx)).gasUsed);
}

async function nextBlock(seconds = STEP) {
  const latest = await ethers.provider.getBlock("latest");
  await network.provider.send("evm_setNextBlockTimestamp", [latest!.timestamp + seconds]);
}

/** Lets `seconds` pass before the next transaction (in addition to its `STEP`). */
export async function wait(seconds: number) {
  const latest = await ethers.provider.getBlock("latest");
  await network.provider.send("evm_setNextBlockTimestamp", [latest!.timestamp + seconds]);
  await network.provider.send("evm_mine", []);
}

const overrides = { gasLimit: GAS_LIMIT };

export interface GasSystem {
  usdc: MockERC20;
  oracle: PriceOracle;
  vault: Vault;
  clearinghouse: Clearinghouse;
  pool: LiquidityPool;
  orderBook: OrderBook;
  aggregators: MockOCR2Aggregator[];
  proxies: MockAggregatorProxy[];
  admin: HardhatEthersSigner;
  lp: HardhatEthersSigner;
  /** Holds a long of 100 on every market. */
  longs: HardhatEthersSigner;
  /** Holds a short of 50 on every market. */
  shorts: HardhatEthersSigner;
  trader: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  /** Owners of the accounts of the batch view. */
  others: HardhatEthersSigner[];
}

export async function gasFixture(): Promise<GasSystem> {
  const signers = await ethers.getSigners();
  const [, lp, longs, shorts, trader, keeper, ...others] = signers;
  const admin = signers[0];
  const deployer = new ethers.Wallet(DEPLOYER_KEY, ethers.provider);
  if ((await ethers.provider.getTransactionCount(deployer.address)) !== 0) {
    throw new Error("gas fixture: the deployer has been used already, so addresses would differ");
  }
  await network.provider.send("hardhat_setBalance", [deployer.address, ethers.toQuantity(wad(1_000_000))]);

  // The settlement token first, then the protocol through the shared deployment, each in its own block.
  await nextBlock();
  const token = await (
    await ethers.getContractFactory("MockERC20", deployer)
  ).deploy("USD Coin (gas)", "USDC", 6, overrides);
  await token.waitForDeployment();
  const stack = await deployStack({
    deployer,
    settlementToken: await token.getAddress(),
    risk: RISK,
    withdrawalDelay: 86_400,
    withdrawalWindow: 2 * 86_400,
    feedKind: "proxy",
    feeds: Array.from({ length: MARKETS }, (_, i) => ({
      symbol: `GAS${i}`,
      decimals: 8,
      initialAnswer: feedAnswer(PRICE),
      heartbeat: 86_400,
      minPrice: wad(1),
      maxPrice: wad(10_000_000),
    })),
    markets: Array.from({ length: MARKETS }, (_, i) => marketParams(i)),
    collaterals: [],
    overrides,
    beforeTx: () => nextBlock(),
  });
  const { oracle, vault, clearinghouse, pool, orderBook } = stack;
  const usdcToken = token as unknown as MockERC20;
  const aggregators = stack.feeds.map((f) => f.aggregator as MockOCR2Aggregator);
  const proxies = stack.feeds.map((f) => f.proxy!);

  const sys: GasSystem = {
    usdc: usdcToken,
    oracle,
    vault,
    clearinghouse,
    pool,
    orderBook,
    aggregators,
    proxies,
    admin,
    lp,
    longs,
    shorts,
    trader,
    keeper,
    others,
  };

  // The pool, and every trader's wallet funded and approved once (an approval is not what is measured).
  await fund(sys, lp, POOL_LIQUIDITY * 2n, await pool.getAddress());
  await send(() => pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address, overrides));
  for (const who of [longs, shorts, trader, keeper, ...others]) {
    await fund(sys, who, usdc(100_000_000), await vault.getAddress());
  }
  // A running keeper: its subaccount 0, where rewards land, already holds a balance.
  await deposit(sys, keeper, 0, usdc(100));
  // Background: every market traded on both sides, skew long.
  await deposit(sys, longs, 0, usdc(10_000_000));
  await deposit(sys, shorts, 0, usdc(10_000_000));
  for (let i = 0; i < MARKETS; i++) {
    await trade(sys, longs, 0, i, wad(100));
    await trade(sys, shorts, 0, i, -wad(50));
  }
  return sys;
}

export async function fund(sys: GasSystem, who: HardhatEthersSigner, amount: bigint, spender: string) {
  await send(() => sys.usdc.connect(who).mint(who.address, amount, overrides));
  await send(() => sys.usdc.connect(who).approve(spender, ethers.MaxUint256, overrides));
}

export function depositTx(sys: GasSystem, who: HardhatEthersSigner, subaccount: number, amount: bigint) {
  return () => sys.vault.connect(who).deposit(subaccount, sys.usdc, amount, overrides);
}

export async function deposit(sys: GasSystem, who: HardhatEthersSigner, subaccount: number, amount: bigint) {
  return send(depositTx(sys, who, subaccount, amount));
}

export function withdrawTx(sys: GasSystem, who: HardhatEthersSigner, subaccount: number, amount: bigint) {
  return () => sys.vault.connect(who).withdraw(subaccount, sys.usdc, amount, overrides);
}

/** A trade with no price limit. */
export function tradeTx(
  sys: GasSystem,
  who: HardhatEthersSigner,
  subaccount: number,
  marketId: number,
  delta: bigint,
) {
  return () =>
    sys.clearinghouse
      .connect(who)
      .trade(subaccount, marketId, delta, delta > 0n ? ethers.MaxUint256 : 0n, overrides);
}

export async function trade(
  sys: GasSystem,
  who: HardhatEthersSigner,
  subaccount: number,
  marketId: number,
  delta: bigint,
) {
  return send(tradeTx(sys, who, subaccount, marketId, delta));
}

export function liquidateTx(sys: GasSystem, accountId: bigint) {
  return () => sys.clearinghouse.connect(sys.keeper).liquidate(accountId, overrides);
}

/** Posts a new answer on market `i`'s aggregator. */
export async function setPrice(sys: GasSystem, i: number, usd: string | number) {
  return send(() => sys.aggregators[i].updateAnswer(feedAnswer(usd), overrides));
}

export { accountIdOf, overrides };

/** Commits a market order of `sizeDelta` on market `i` for `who`'s subaccount, settleable for `lifetime` seconds. */
export async function commitTx(
  sys: GasSystem,
  who: HardhatEthersSigner,
  subaccount: number,
  i: number,
  sizeDelta: bigint,
  lifetime = 600,
) {
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + BigInt(STEP + lifetime);
  const limit = sizeDelta > 0n ? ethers.MaxUint256 : 0n;
  const id = accountIdOf(who.address, subaccount);
  return () => sys.orderBook.connect(who).commitOrder(id, i, sizeDelta, limit, deadline, false, overrides);
}

/** The push-feed proof of market `i`'s latest round (its proxy's round id). */
export async function latestRoundProof(sys: GasSystem, i: number): Promise<string> {
  const [roundId] = await sys.proxies[i].latestRoundData();
  return ethers.AbiCoder.defaultAbiCoder().encode(["uint80"], [roundId]);
}
