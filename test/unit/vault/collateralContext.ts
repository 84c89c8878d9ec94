/**
 * Shared set-up of the multi-collateral tests (DESIGN §9, §10, §12): the context (the funded stack, the reference
 * model and the steps that rebuilt it), the actions that move chain and model together, and the expectations (the
 * discount bound, conservation). Expected values come from test/shared/collateral.ts (and math.ts / model.ts), never
 * from the contracts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockERC20, MockV3Aggregator } from "../../../typechain-types";
import {
  ETH,
  POOL_LIQUIDITY,
  TRADER_DEPOSIT,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  mintAndApprove,
  setPrice,
  txTime,
} from "../../shared/fixtures";
import { DEFAULT_RISK, LOCAL_COLLATERALS, assetKey } from "../../../deploy/config";
import * as math from "../../shared/math";
import * as ref from "../../shared/collateral";
import { liquidatedEventArgs } from "../../shared/liquidation";
import type { CollateralModel } from "../../shared/collateral";

export const RISK = DEFAULT_RISK;
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const MAX128 = ref.MAX_UINT128;
export const { TO_WAD } = math;
export const HEARTBEAT = 86_400;
export const name = (s: string) => ethers.encodeBytes32String(s);
export const [WETH_CONFIG, WBTC_CONFIG] = LOCAL_COLLATERALS;

/** A replayable change to the model: fixtures record them, each test replays them into a fresh model. */
export type Step<T = unknown> = (m: CollateralModel) => T;

export type Funded = Awaited<ReturnType<typeof fundedFixture>>;
export interface Ctx extends Funded {
  model: CollateralModel;
  steps: Step[];
  dave: HardhatEthersSigner;
  erin: HardhatEthersSigner;
  frank: HardhatEthersSigner;
  gina: HardhatEthersSigner;
  hank: HardhatEthersSigner;
  ivy: HardhatEthersSigner;
  judy: HardhatEthersSigner;
  kim: HardhatEthersSigner;
  leo: HardhatEthersSigner;
  mia: HardhatEthersSigner;
}

export function record<T>(ctx: Ctx, step: Step<T>): T {
  const result = step(ctx.model);
  ctx.steps.push(step);
  return result;
}

/** Loads a fixture and rebuilds its model from the recorded steps (the fixture's own objects are shared). */
export async function load<T extends Ctx>(fixture: () => Promise<T>): Promise<T> {
  const fx = await loadFixture(fixture);
  const model = ref.localCollateralModel();
  for (const step of fx.steps) step(model);
  return { ...fx, model, steps: [...fx.steps] };
}

/** The funded local stack; fresh signers 5–14 for every account these tests touch. */
export async function collateralFixture(): Promise<Ctx> {
  const sys = await fundedFixture();
  const [dave, erin, frank, gina, hank, ivy, judy, kim, leo, mia] = sys.signers.slice(5, 15);
  const ctx: Ctx = {
    ...sys,
    model: ref.localCollateralModel(),
    steps: [],
    dave,
    erin,
    frank,
    gina,
    hank,
    ivy,
    judy,
    kim,
    leo,
    mia,
  };
  const weth = await sys.weth.getAddress();
  const wbtc = await sys.wbtc.getAddress();
  const traders = [sys.alice, sys.bob, sys.carol].map((t) => accountIdOf(t.address));
  record(ctx, (m) => {
    m.pool = POOL_LIQUIDITY;
    for (const id of traders) m.deposit(id, TRADER_DEPOSIT);
    for (const [token, c] of [
      [weth, WETH_CONFIG],
      [wbtc, WBTC_CONFIG],
    ] as const) {
      m.listCollateral(token, {
        asset: c.asset,
        decimals: c.decimals,
        weight: c.weight,
        liquidationDiscount: c.liquidationDiscount,
      });
    }
  });
  return ctx;
}

/* ACTIONS: each sends the transaction and records what it does to the model. */

export async function mintToken(ctx: Ctx, token: MockERC20, who: HardhatEthersSigner, amount: bigint) {
  await token.mint(who.address, amount);
  await token.connect(who).approve(await ctx.vault.getAddress(), ethers.MaxUint256);
}

export async function depositToken(
  ctx: Ctx,
  who: HardhatEthersSigner,
  token: MockERC20,
  amount: bigint,
  sub = 0n,
) {
  await mintToken(ctx, token, who, amount);
  const address = await token.getAddress();
  const id = accountIdOf(who.address, sub);
  await expect(ctx.vault.connect(who).deposit(sub, address, amount))
    .to.emit(ctx.vault, "Deposited")
    .withArgs(id, address, who.address, amount);
  record(ctx, (m) => m.depositToken(id, address, amount));
}

export async function depositUsdc(ctx: Ctx, who: HardhatEthersSigner, amount: bigint, sub = 0n) {
  await mintAndApprove(ctx, who, amount, await ctx.vault.getAddress());
  const id = accountIdOf(who.address, sub);
  await expect(ctx.vault.connect(who).deposit(sub, await ctx.usdc.getAddress(), amount))
    .to.emit(ctx.vault, "Deposited")
    .withArgs(id, await ctx.usdc.getAddress(), who.address, amount);
  record(ctx, (m) => m.deposit(id, amount));
}

export async function withdraw(
  ctx: Ctx,
  who: HardhatEthersSigner,
  token: MockERC20,
  amount: bigint,
  sub = 0n,
) {
  const address = await token.getAddress();
  const id = accountIdOf(who.address, sub);
  const tx = await ctx.vault.connect(who).withdraw(sub, address, amount);
  await expect(tx).to.emit(ctx.vault, "Withdrawn").withArgs(id, address, who.address, amount);
  await expect(tx).to.changeTokenBalances(token, [who, ctx.vault], [amount, -amount]);
  const settlement = address === (await ctx.usdc.getAddress());
  record(ctx, (m) => (settlement ? m.withdraw(id, amount) : m.withdrawToken(id, address, amount)));
  return tx;
}

export async function trade(ctx: Ctx, who: HardhatEthersSigner, marketId: bigint, delta: bigint, sub = 0n) {
  const tx = await ctx.clearinghouse
    .connect(who)
    .trade(sub, marketId, delta, delta > 0n ? ethers.MaxUint256 : 0n);
  const now = await txTime(tx);
  const id = accountIdOf(who.address, sub);
  return record(ctx, (m) => m.trade(id, Number(marketId), delta, now));
}

/** Moves a market's feed (and with it WETH or WBTC) to `usd`. */
export async function movePrice(ctx: Ctx, marketId: bigint, usd: string) {
  await setPrice(marketId === ETH ? ctx.ethFeed : ctx.btcFeed, usd);
  const price = ethers.parseUnits(usd, 18);
  record(ctx, (m) => m.setPrice(Number(marketId), price));
}

export interface Listed {
  symbol: string;
  token: MockERC20;
  feed: MockV3Aggregator;
  decimals: number;
  feedDecimals: number;
  weight: bigint;
}

/** Deploys a token and a feed, gives the oracle the feed under a new asset key and lists the token. */
export async function listToken(
  ctx: Ctx,
  symbol: string,
  decimals: number,
  feedDecimals: number,
  answer: bigint,
  weight: bigint,
  depositCap: bigint,
  liquidationDiscount = WAD("0.05"),
): Promise<Listed> {
  const token = await ethers.deployContract("MockERC20", [symbol, symbol, decimals]);
  const feed = await ethers.deployContract("MockV3Aggregator", [feedDecimals, answer]);
  await ctx.oracle.setFeed(assetKey(symbol), await feed.getAddress(), HEARTBEAT, 1n, MAX128);
  await ctx.vault.setCollateral(
    await token.getAddress(),
    assetKey(symbol),
    weight,
    liquidationDiscount,
    depositCap,
  );
  const address = await token.getAddress();
  const price = ref.priceToWad(answer, feedDecimals);
  record(ctx, (m) => {
    m.listCollateral(address, { asset: symbol, decimals, weight, liquidationDiscount });
    m.setAssetPrice(symbol, price);
  });
  return { symbol, token, feed, decimals, feedDecimals, weight };
}

export async function setAnswer(ctx: Ctx, listed: Listed, answer: bigint) {
  await listed.feed.updateAnswer(answer);
  const price = ref.priceToWad(answer, listed.feedDecimals);
  record(ctx, (m) => m.setAssetPrice(listed.symbol, price));
}

/** Liquidates through the Clearinghouse and checks the event against the collateral-aware reference. */
export async function liquidate(ctx: Ctx, keeper: HardhatEthersSigner, accountId: bigint) {
  const expected = ctx.model.previewLiquidation(accountId, (await latestTime()) + 1n, RISK);
  const tx = await ctx.clearinghouse.connect(keeper).liquidate(accountId);
  const now = await txTime(tx);
  const keeperId = accountIdOf(keeper.address);
  const r = record(ctx, (m) => m.liquidate(accountId, keeperId, now, RISK));
  expect(r).to.deep.equal(expected);
  await expect(tx)
    .to.emit(ctx.clearinghouse, "Liquidated")
    .withArgs(...liquidatedEventArgs(accountId, keeper.address, r));
  return { tx, r };
}

/** A keeper's `liquidateCollateral`, checked against the reference: return values, event and both token flows. */
export async function liquidateCollateral(
  ctx: Ctx,
  keeper: HardhatEthersSigner,
  accountId: bigint,
  token: MockERC20,
  repayAmount: bigint,
) {
  const address = await token.getAddress();
  const expected = ctx.model.previewCollateralLiquidation(accountId, address, repayAmount);
  const price = ctx.model.price(ctx.model.collateral(address).asset);
  const [repaid, seized] = await ctx.vault
    .connect(keeper)
    .liquidateCollateral.staticCall(accountId, address, repayAmount);
  expect([repaid, seized]).to.deep.equal([expected.repaid, expected.seized]);
  const tx = await ctx.vault.connect(keeper).liquidateCollateral(accountId, address, repayAmount);
  await expect(tx)
    .to.emit(ctx.vault, "CollateralLiquidated")
    .withArgs(accountId, keeper.address, address, expected.repaid, expected.seized, price);
  await expect(tx).to.changeTokenBalances(token, [keeper, ctx.vault], [expected.seized, -expected.seized]);
  await expect(tx).to.changeTokenBalances(ctx.usdc, [keeper, ctx.vault], [-expected.repaid, expected.repaid]);
  record(ctx, (m) => m.liquidateCollateral(accountId, address, repayAmount));
  return { tx, expected, price };
}

/** The keeper never receives more than `repaid * (1 + discount)` of value, and never pays less than the seizure's
 * value discounted: `seized * price <= repaid * toWad * (1 + d)` and, when clamped, the repayment is the least one
 * whose premium covers the seizure. */
export function expectAtMostTheDiscount(
  r: ref.CollateralLiquidationRef,
  decimals: number,
  price: bigint,
  discount: bigint,
) {
  const unit = 10n ** BigInt(decimals);
  // seized * price / unit <= repaid * toWad * (1e18 + d) / 1e18, compared exactly in integers.
  expect(r.seized * price * WAD(1)).to.be.at.most(r.repaid * TO_WAD * (WAD(1) + discount) * unit);
  if (r.clamped && r.repaid > 0n) {
    // One settlement unit less would not pay for the seizure at the discount.
    expect((r.repaid - 1n) * TO_WAD * (WAD(1) + discount) * unit).to.be.lessThan(r.seized * price * WAD(1));
  }
}

/** Conservation to the wei, per token, and every touched account's ledger and collateral set equal to the model. */
export async function expectConservation(ctx: Ctx) {
  const { vault, model } = ctx;
  const vaultAddress = await vault.getAddress();
  const usdc = await ctx.usdc.getAddress();
  for (const [id, balance] of model.balances) {
    expect(await vault.balanceOf(id, usdc), `USDC balance of ${id}`).to.equal(balance);
  }
  expect(await vault.poolBalance(), "pool ledger").to.equal(model.pool);
  expect(await vault.insuranceBalance(), "insurance ledger").to.equal(model.insurance);
  expect(await vault.totalAccountBalance(usdc), "Σ USDC balances").to.equal(model.settlementTotal());
  expect(await ctx.usdc.balanceOf(vaultAddress), "USDC held").to.equal(
    model.settlementTotal() + model.pool + model.insurance,
  );
  const holders = new Set<bigint>();
  for (const [token, balances] of model.tokenBalances) {
    const erc20 = await ethers.getContractAt("MockERC20", token);
    for (const [id, balance] of balances) {
      expect(await vault.balanceOf(id, token), `${token} balance of ${id}`).to.equal(balance);
      holders.add(id);
    }
    expect(await vault.totalAccountBalance(token), `Σ ${token} balances`).to.equal(model.tokenTotal(token));
    expect(await erc20.balanceOf(vaultAddress), `${token} held`).to.equal(model.tokenTotal(token));
  }
  for (const id of holders) {
    const held = [...(await vault.accountCollaterals(id))].map((a) => a.toLowerCase()).sort();
    expect(held, `collateral set of ${id}`).to.deep.equal(model.held(id).sort());
  }
}

/* FIXTURES */
