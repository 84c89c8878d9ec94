import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockERC20, MockV3Aggregator } from "../../../typechain-types";
import {
  BTC,
  ETH,
  POOL_LIQUIDITY,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  mintAndApprove,
  setPrice,
  txTime,
} from "../../shared/fixtures";
import { DEFAULT_RISK, LOCAL_COLLATERALS, LOCAL_FEEDS, assetKey } from "../../../deploy/config";
import * as math from "../../shared/math";
import * as ref from "../../shared/collateral";
import type { CollateralModel } from "../../shared/collateral";

/*
 * Multi-collateral (DESIGN §9, §10, §12): the collateral registry, haircut valuation across token and feed decimals,
 * deposit caps, withdrawals against margin, oracle failures, collateral liquidation and bad-debt settlement.
 * Expected values come from test/shared/collateral.ts (and math.ts / model.ts), never from the contracts; after every
 * step the Vault must hold, per token, exactly Σ account balances (+ pool + insurance for the settlement token).
 */

const RISK = DEFAULT_RISK;
const RISK_ADMIN = ethers.id("RISK_ADMIN");
const MAX128 = ref.MAX_UINT128;
const { TO_WAD } = math;
const HEARTBEAT = 86_400;
const name = (s: string) => ethers.encodeBytes32String(s);
const [WETH_CONFIG, WBTC_CONFIG] = LOCAL_COLLATERALS;

/** A replayable change to the model: fixtures record them, each test replays them into a fresh model. */
type Step<T = unknown> = (m: CollateralModel) => T;

type Funded = Awaited<ReturnType<typeof fundedFixture>>;
interface Ctx extends Funded {
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

function record<T>(ctx: Ctx, step: Step<T>): T {
  const result = step(ctx.model);
  ctx.steps.push(step);
  return result;
}

/** Loads a fixture and rebuilds its model from the recorded steps (the fixture's own objects are shared). */
async function load<T extends Ctx>(fixture: () => Promise<T>): Promise<T> {
  const fx = await loadFixture(fixture);
  const model = ref.localCollateralModel();
  for (const step of fx.steps) step(model);
  return { ...fx, model, steps: [...fx.steps] };
}

/** The funded local stack; fresh signers 5–14 for every account these tests touch. */
async function collateralFixture(): Promise<Ctx> {
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

async function mintToken(ctx: Ctx, token: MockERC20, who: HardhatEthersSigner, amount: bigint) {
  await token.mint(who.address, amount);
  await token.connect(who).approve(await ctx.vault.getAddress(), ethers.MaxUint256);
}

async function depositToken(ctx: Ctx, who: HardhatEthersSigner, token: MockERC20, amount: bigint, sub = 0n) {
  await mintToken(ctx, token, who, amount);
  const address = await token.getAddress();
  const id = accountIdOf(who.address, sub);
  await expect(ctx.vault.connect(who).deposit(sub, address, amount))
    .to.emit(ctx.vault, "Deposited")
    .withArgs(id, address, who.address, amount);
  record(ctx, (m) => m.depositToken(id, address, amount));
}

async function depositUsdc(ctx: Ctx, who: HardhatEthersSigner, amount: bigint, sub = 0n) {
  await mintAndApprove(ctx, who, amount, await ctx.vault.getAddress());
  const id = accountIdOf(who.address, sub);
  await expect(ctx.vault.connect(who).deposit(sub, await ctx.usdc.getAddress(), amount))
    .to.emit(ctx.vault, "Deposited")
    .withArgs(id, await ctx.usdc.getAddress(), who.address, amount);
  record(ctx, (m) => m.deposit(id, amount));
}

async function withdraw(ctx: Ctx, who: HardhatEthersSigner, token: MockERC20, amount: bigint, sub = 0n) {
  const address = await token.getAddress();
  const id = accountIdOf(who.address, sub);
  const tx = await ctx.vault.connect(who).withdraw(sub, address, amount);
  await expect(tx).to.emit(ctx.vault, "Withdrawn").withArgs(id, address, who.address, amount);
  await expect(tx).to.changeTokenBalances(token, [who, ctx.vault], [amount, -amount]);
  const settlement = address === (await ctx.usdc.getAddress());
  record(ctx, (m) => (settlement ? m.withdraw(id, amount) : m.withdrawToken(id, address, amount)));
  return tx;
}

async function trade(ctx: Ctx, who: HardhatEthersSigner, marketId: bigint, delta: bigint, sub = 0n) {
  const tx = await ctx.clearinghouse
    .connect(who)
    .trade(sub, marketId, delta, delta > 0n ? ethers.MaxUint256 : 0n);
  const now = await txTime(tx);
  const id = accountIdOf(who.address, sub);
  return record(ctx, (m) => m.trade(id, Number(marketId), delta, now));
}

/** Moves a market's feed (and with it WETH or WBTC) to `usd`. */
async function movePrice(ctx: Ctx, marketId: bigint, usd: string) {
  await setPrice(marketId === ETH ? ctx.ethFeed : ctx.btcFeed, usd);
  const price = ethers.parseUnits(usd, 18);
  record(ctx, (m) => m.setPrice(Number(marketId), price));
}

interface Listed {
  symbol: string;
  token: MockERC20;
  feed: MockV3Aggregator;
  decimals: number;
  feedDecimals: number;
  weight: bigint;
}

/** Deploys a token and a feed, gives the oracle the feed under a new asset key and lists the token. */
async function listToken(
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

async function setAnswer(ctx: Ctx, listed: Listed, answer: bigint) {
  await listed.feed.updateAnswer(answer);
  const price = ref.priceToWad(answer, listed.feedDecimals);
  record(ctx, (m) => m.setAssetPrice(listed.symbol, price));
}

/** Liquidates through the Clearinghouse and checks the event against the collateral-aware reference. */
async function liquidate(ctx: Ctx, keeper: HardhatEthersSigner, accountId: bigint) {
  const expected = ctx.model.previewLiquidation(accountId, (await latestTime()) + 1n, RISK);
  const tx = await ctx.clearinghouse.connect(keeper).liquidate(accountId);
  const now = await txTime(tx);
  const keeperId = accountIdOf(keeper.address);
  const r = record(ctx, (m) => m.liquidate(accountId, keeperId, now, RISK));
  expect(r).to.deep.equal(expected);
  await expect(tx)
    .to.emit(ctx.clearinghouse, "Liquidated")
    .withArgs(
      accountId,
      keeper.address,
      r.fraction,
      r.before.equity,
      r.before.maintenanceMargin,
      r.notionalClosed,
      r.penalty,
      r.keeperReward,
    );
  return { tx, r };
}

/** A keeper's `liquidateCollateral`, checked against the reference: return values, event and both token flows. */
async function liquidateCollateral(
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
function expectAtMostTheDiscount(
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
async function expectConservation(ctx: Ctx) {
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

const MATRIX_ANSWERS: Record<number, bigint> = {
  8: 234_567_890_123n, // 2,345.67890123 USD
  18: 2_345_678_901_234_567_891_234n, // 2,345.678901234567891234 USD
};
const MATRIX = [6, 8, 18, 24].flatMap((decimals, i) =>
  [8, 18].map((feedDecimals, j) => ({
    decimals,
    feedDecimals,
    symbol: `T${decimals}F${feedDecimals}`,
    weight: WAD(["0.8", "0.75", "0.5", "1", "0.9", "0.65", "0.6", "0.95"][2 * i + j]),
  })),
);

/** Tokens of 6, 8, 18 and 24 decimals, each priced by an 8-decimal and an 18-decimal feed under its own asset key. */
async function matrixFixture() {
  const ctx = await collateralFixture();
  const listed: Listed[] = [];
  for (const c of MATRIX) {
    const cap = 1_000_000n * 10n ** BigInt(c.decimals);
    listed.push(
      await listToken(
        ctx,
        c.symbol,
        c.decimals,
        c.feedDecimals,
        MATRIX_ANSWERS[c.feedDecimals],
        c.weight,
        cap,
        // weight * (1 + discount) must stay <= 1.
        c.weight === WAD(1) ? 0n : WAD("0.05"),
      ),
    );
  }
  return { ...ctx, listed };
}

/** Gina posts 10 WETH and no USDC, then goes long 20 ETH at 3,012.34567891 USD: her settlement balance is the fee debt. */
async function wethPositionFixture() {
  const ctx = await collateralFixture();
  await movePrice(ctx, ETH, "3012.34567891");
  await depositToken(ctx, ctx.gina, ctx.weth, WAD(10));
  const tx = await trade(ctx, ctx.gina, ETH, WAD(20));
  return { ...ctx, tradeFee: tx.fee };
}

/**
 * Hank holds WETH and USDC and no WBTC; Ivy holds WBTC and USDC; both are long 5 ETH. Judy holds WBTC and USDC and
 * has no position.
 */
async function feedFixture() {
  const ctx = await collateralFixture();
  await depositToken(ctx, ctx.hank, ctx.weth, WAD(5));
  await depositUsdc(ctx, ctx.hank, USDC(5_000));
  await trade(ctx, ctx.hank, ETH, WAD(5));
  await depositToken(ctx, ctx.ivy, ctx.wbtc, 50_000_000n); // 0.5 WBTC
  await depositUsdc(ctx, ctx.ivy, USDC(5_000));
  await trade(ctx, ctx.ivy, ETH, WAD(5));
  await depositToken(ctx, ctx.judy, ctx.wbtc, 10_000_000n); // 0.1 WBTC
  await depositUsdc(ctx, ctx.judy, USDC(1_000));
  return ctx;
}

/**
 * Dave and Erin each post 10 WETH (24,000 USD at weight 0.8) and Kim 0.5 WBTC (22,500 USD at 0.75), no USDC, and
 * each goes long 60 ETH: their settlement balances are the fee debts. Frank, the keeper, has 300,000 USDC in his
 * wallet, approved to the Vault.
 */
async function leveragedFixture() {
  const ctx = await collateralFixture();
  await depositToken(ctx, ctx.dave, ctx.weth, WAD(10));
  await trade(ctx, ctx.dave, ETH, WAD(60));
  await depositToken(ctx, ctx.erin, ctx.weth, WAD(10));
  await trade(ctx, ctx.erin, ETH, WAD(60));
  await depositToken(ctx, ctx.kim, ctx.wbtc, 50_000_000n);
  await trade(ctx, ctx.kim, ETH, WAD(60));
  await mintAndApprove(ctx, ctx.frank, USDC(300_000), await ctx.vault.getAddress());
  return ctx;
}

/** ETH falls to 2,500: Dave, Erin and Kim are closed out by Frank and owe more than their collateral is worth. */
async function underwaterFixture() {
  const ctx = await leveragedFixture();
  await movePrice(ctx, ETH, "2500");
  for (const who of [ctx.dave, ctx.erin, ctx.kim]) await liquidate(ctx, ctx.frank, accountIdOf(who.address));
  return ctx;
}

/** The underwater accounts after Frank took all of Dave's and Erin's WETH: only debt is left on them. */
async function badDebtFixture() {
  const ctx = await underwaterFixture();
  for (const who of [ctx.dave, ctx.erin]) {
    await liquidateCollateral(ctx, ctx.frank, accountIdOf(who.address), ctx.weth, USDC(1_000_000));
  }
  return ctx;
}

describe("Multi-collateral", function () {
  describe("#setCollateral", function () {
    it("lists the local stack's WETH (18 decimals) and WBTC (8 decimals) with their configured parameters", async function () {
      const ctx = await load(collateralFixture);
      const tokens = [await ctx.weth.getAddress(), await ctx.wbtc.getAddress()];
      expect([...(await ctx.vault.collateralTokens())]).to.deep.equal(tokens);
      for (const [i, c] of LOCAL_COLLATERALS.entries()) {
        const config = await ctx.vault.collateralConfig(tokens[i]);
        expect(config.asset).to.equal(assetKey(c.asset));
        expect(config.weight).to.equal(c.weight);
        expect(config.liquidationDiscount).to.equal(c.liquidationDiscount);
        expect(config.depositCap).to.equal(c.depositCap);
        expect(config.decimals).to.equal(BigInt(c.decimals));
        expect(config.index).to.equal(BigInt(i));
      }
      expect(await ctx.vault.maxCollateralsPerAccount()).to.equal(4n);
    });

    it("lists a new token at the next index with the decimals it reports and emits CollateralSet", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Big", "BIG", 24]);
      const address = await token.getAddress();
      await expect(ctx.vault.setCollateral(address, assetKey("ETH"), WAD("0.7"), WAD("0.08"), 123n))
        .to.emit(ctx.vault, "CollateralSet")
        .withArgs(address, [assetKey("ETH"), WAD("0.7"), WAD("0.08"), 123n, 24n, 2n]);
      expect((await ctx.vault.collateralTokens())[2]).to.equal(address);
      expect((await ctx.vault.collateralConfig(address)).decimals).to.equal(24n);
    });

    it("updates a listed token in place, keeping its index and decimals", async function () {
      const ctx = await load(collateralFixture);
      const weth = await ctx.weth.getAddress();
      await expect(ctx.vault.setCollateral(weth, assetKey("ETH"), WAD("0.5"), WAD("0.1"), WAD(5)))
        .to.emit(ctx.vault, "CollateralSet")
        .withArgs(weth, [assetKey("ETH"), WAD("0.5"), WAD("0.1"), WAD(5), 18n, 0n]);
      expect(await ctx.vault.collateralTokens()).to.have.length(2);
    });

    it("accepts a weight of exactly 1 and reverts VaultInvalidCollateralParameter(token, weight, value) for 0 and 1 + 1 wei", async function () {
      const ctx = await load(collateralFixture);
      const weth = await ctx.weth.getAddress();
      const eth = assetKey("ETH");
      for (const weight of [0n, WAD(1) + 1n]) {
        await expect(ctx.vault.setCollateral(weth, eth, weight, WAD("0.05"), 1n))
          .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
          .withArgs(weth, name("weight"), weight);
      }
      await expect(ctx.vault.setCollateral(weth, eth, WAD(1), 0n, 1n)).to.emit(ctx.vault, "CollateralSet");
      await expect(ctx.vault.setCollateral(weth, eth, 1n, WAD("0.05"), 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
    });

    it("accepts a 50% liquidation discount and reverts one wei above it", async function () {
      const ctx = await load(collateralFixture);
      const wbtc = await ctx.wbtc.getAddress();
      const btc = assetKey("BTC");
      // At weight 0.5, weight * (1 + discount) stays <= 1 up to the 50% bound itself.
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.5"), WAD("0.5") + 1n, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(wbtc, name("liquidationDiscount"), WAD("0.5") + 1n);
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.5"), WAD("0.5"), 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.75"), 0n, 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
    });

    it("refuses a discount that would let a collateral liquidation lower the account's equity", async function () {
      const ctx = await load(collateralFixture);
      const wbtc = await ctx.wbtc.getAddress();
      const btc = assetKey("BTC");
      // 0.8 * (1 + 0.25) = 1 is the limit; one wei more of discount is refused.
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.8"), WAD("0.25"), 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.8"), WAD("0.25") + 1n, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(wbtc, name("liquidationDiscount"), WAD("0.25") + 1n);
    });

    it("reverts with VaultInvalidCollateralParameter(token, asset, key) for an asset the oracle has no feed for", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Sol", "SOL", 9]);
      const address = await token.getAddress();
      await expect(ctx.vault.setCollateral(address, assetKey("SOL"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(address, name("asset"), BigInt(assetKey("SOL")));
    });

    it("refuses the settlement token and the zero address as collateral", async function () {
      const ctx = await load(collateralFixture);
      const usdc = await ctx.usdc.getAddress();
      await expect(ctx.vault.setCollateral(usdc, assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(usdc, name("token"), BigInt(usdc));
      await expect(ctx.vault.setCollateral(ethers.ZeroAddress, assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(ethers.ZeroAddress, name("token"), 0n);
    });

    it("refuses a token that reports more than 36 decimals", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Huge", "HUGE", 37]);
      const address = await token.getAddress();
      await expect(ctx.vault.setCollateral(address, assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(address, name("decimals"), 37n);
    });

    it("lists at most 64 tokens and refuses the 65th with VaultInvalidCollateralParameter(token, count, 64)", async function () {
      const ctx = await load(collateralFixture);
      for (let i = 2; i < 64; i++) {
        const token = await ethers.deployContract("MockERC20", [`C${i}`, `C${i}`, 18]);
        await ctx.vault.setCollateral(await token.getAddress(), assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n);
      }
      expect(await ctx.vault.collateralTokens()).to.have.length(64);
      const extra = await ethers.deployContract("MockERC20", ["C64", "C64", 18]);
      await expect(
        ctx.vault.setCollateral(await extra.getAddress(), assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n),
      )
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(await extra.getAddress(), name("count"), 64n);
      // A listed token can still be updated.
      await expect(
        ctx.vault.setCollateral(await ctx.weth.getAddress(), assetKey("ETH"), WAD("0.7"), WAD("0.05"), 1n),
      ).to.emit(ctx.vault, "CollateralSet");
    });

    it("reverts with AccessControlUnauthorizedAccount(caller, RISK_ADMIN) for a caller without the risk admin role", async function () {
      const ctx = await load(collateralFixture);
      expect(RISK_ADMIN).to.equal(ethers.keccak256(ethers.toUtf8Bytes("RISK_ADMIN")));
      await expect(
        ctx.vault
          .connect(ctx.alice)
          .setCollateral(await ctx.weth.getAddress(), assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n),
      )
        .to.be.revertedWithCustomError(ctx.vault, "AccessControlUnauthorizedAccount")
        .withArgs(ctx.alice.address, RISK_ADMIN);
      await expect(ctx.vault.connect(ctx.alice).setMaxCollateralsPerAccount(8))
        .to.be.revertedWithCustomError(ctx.vault, "AccessControlUnauthorizedAccount")
        .withArgs(ctx.alice.address, RISK_ADMIN);
    });

    it("reads the configuration of an unlisted token as VaultUnsupportedToken(token)", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Other", "OTH", 18]);
      await expect(ctx.vault.collateralConfig(await token.getAddress()))
        .to.be.revertedWithCustomError(ctx.vault, "VaultUnsupportedToken")
        .withArgs(await token.getAddress());
      await expect(ctx.vault.collateralConfig(await ctx.usdc.getAddress()))
        .to.be.revertedWithCustomError(ctx.vault, "VaultUnsupportedToken")
        .withArgs(await ctx.usdc.getAddress());
    });
  });

  describe("#setMaxCollateralsPerAccount", function () {
    it("accepts 1 to 16, emits MaxCollateralsPerAccountSet and reverts for 0 and 17", async function () {
      const ctx = await load(collateralFixture);
      for (const max of [1, 16]) {
        await expect(ctx.vault.setMaxCollateralsPerAccount(max))
          .to.emit(ctx.vault, "MaxCollateralsPerAccountSet")
          .withArgs(max);
        expect(await ctx.vault.maxCollateralsPerAccount()).to.equal(BigInt(max));
      }
      for (const max of [0, 17]) {
        await expect(ctx.vault.setMaxCollateralsPerAccount(max))
          .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
          .withArgs(ethers.ZeroAddress, name("maxCollateralsPerAccount"), max);
      }
    });

    it("refuses a new token past the bound with VaultTooManyCollaterals(accountId, max), but not more of a held token or USDC", async function () {
      const ctx = await load(collateralFixture);
      const id = accountIdOf(ctx.leo.address);
      await ctx.vault.setMaxCollateralsPerAccount(1);
      await depositToken(ctx, ctx.leo, ctx.weth, WAD(1));
      await mintToken(ctx, ctx.wbtc, ctx.leo, 1n);
      await expect(ctx.vault.connect(ctx.leo).deposit(0, await ctx.wbtc.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultTooManyCollaterals")
        .withArgs(id, 1n);
      await depositToken(ctx, ctx.leo, ctx.weth, 1n);
      await depositUsdc(ctx, ctx.leo, USDC(1));
      await expectConservation(ctx);

      // Emptying WETH frees the slot: the set follows the balances.
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(1) + 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([]);
      await depositToken(ctx, ctx.leo, ctx.wbtc, 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.wbtc.getAddress()]);
      // Another subaccount is another account with its own set.
      await depositToken(ctx, ctx.leo, ctx.weth, 1n, 1n);
      await expectConservation(ctx);
    });

    it("lets an account hold exactly the default 4 tokens and refuses a 5th", async function () {
      const ctx = await load(collateralFixture);
      const id = accountIdOf(ctx.leo.address);
      const a = await listToken(ctx, "AAA", 6, 8, 100_000_000n, WAD("0.5"), USDC(1_000));
      const b = await listToken(ctx, "BBB", 24, 18, WAD(2), WAD("0.5"), 10n ** 30n);
      const c = await listToken(ctx, "CCC", 18, 8, 300_000_000n, WAD("0.5"), WAD(1_000));
      for (const token of [ctx.weth, ctx.wbtc, a.token, b.token])
        await depositToken(ctx, ctx.leo, token, 1_000n);
      await mintToken(ctx, c.token, ctx.leo, 1n);
      await expect(ctx.vault.connect(ctx.leo).deposit(0, await c.token.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultTooManyCollaterals")
        .withArgs(id, 4n);
      await expectConservation(ctx);
    });
  });

  describe("valuation: the decimals matrix", function () {
    for (const [i, c] of MATRIX.entries()) {
      it(`values one whole ${c.decimals}-decimal token priced by a ${c.feedDecimals}-decimal feed at exactly price × weight`, async function () {
        const ctx = await load(matrixFixture);
        const listed = ctx.listed[i];
        const address = await listed.token.getAddress();
        const id = accountIdOf(ctx.leo.address, BigInt(i + 1));
        expect((await ctx.vault.collateralConfig(address)).decimals).to.equal(BigInt(c.decimals));

        const one = 10n ** BigInt(c.decimals);
        await depositToken(ctx, ctx.leo, listed.token, one, BigInt(i + 1));
        const price = ref.priceToWad(MATRIX_ANSWERS[c.feedDecimals], c.feedDecimals);
        const expected = ref.collateralValue(one, c.decimals, price, c.weight);
        // One whole token is worth P · weight in WAD whatever the decimals of the token and of the feed.
        expect(expected).to.equal((price * c.weight) / WAD(1));
        expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
        const state = await ctx.clearinghouse.accountState(id);
        expect(state.collateralValue).to.equal(expected);
        expect(state.equity).to.equal(expected);
        await expectConservation(ctx);
      });
    }

    it("values the whole cap of 2^128 − 1 units at the oracle's highest price without overflow and refuses one unit more", async function () {
      const ctx = await load(matrixFixture);
      for (const [i, listed] of ctx.listed.entries()) {
        const address = await listed.token.getAddress();
        const id = accountIdOf(ctx.leo.address, BigInt(100 + i));
        // The oracle's bound is 2^128 − 1 WAD; an 8-decimal feed gets as close to it as its unit allows.
        const answer = listed.feedDecimals === 18 ? MAX128 : MAX128 / 10n ** 10n;
        await setAnswer(ctx, listed, answer);
        await ctx.vault.setCollateral(address, assetKey(listed.symbol), listed.weight, 0n, MAX128);
        await depositToken(ctx, ctx.leo, listed.token, MAX128, BigInt(100 + i));
        await mintToken(ctx, listed.token, ctx.mia, 1n);
        await expect(ctx.vault.connect(ctx.mia).deposit(0, address, 1n))
          .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
          .withArgs(address, MAX128 + 1n, MAX128);

        const price = ref.priceToWad(answer, listed.feedDecimals);
        const expected = ref.collateralValue(MAX128, listed.decimals, price, listed.weight);
        expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
        expect((await ctx.clearinghouse.accountState(id)).equity).to.equal(expected);
      }
      await expectConservation(ctx);
    });

    it("sums four tokens held at their caps and the highest price, each rounded down on its own, without overflow", async function () {
      const ctx = await load(matrixFixture);
      const id = accountIdOf(ctx.leo.address, 200n);
      const eighteen = ctx.listed.filter((l) => l.feedDecimals === 18);
      expect(eighteen.map((l) => l.decimals)).to.deep.equal([6, 8, 18, 24]);
      let expected = 0n;
      for (const listed of eighteen) {
        await setAnswer(ctx, listed, MAX128);
        await ctx.vault.setCollateral(
          await listed.token.getAddress(),
          assetKey(listed.symbol),
          listed.weight,
          0n,
          MAX128,
        );
        await depositToken(ctx, ctx.leo, listed.token, MAX128, 200n);
        expected += ref.collateralValue(MAX128, listed.decimals, MAX128, listed.weight);
      }
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
      expect((await ctx.clearinghouse.accountState(id)).collateralValue).to.equal(expected);
      await expectConservation(ctx);
    });
  });

  describe("valuation: haircut rounding", function () {
    it("values 1 wei of an 18-decimal token at 1.2 USD and weight 0.8 at 0 (0.96 rounded down), and 2 wei at 1", async function () {
      const ctx = await load(collateralFixture);
      const low = await listToken(ctx, "LOW", 18, 8, 120_000_000n, WAD("0.8"), WAD(1_000));
      const id = accountIdOf(ctx.leo.address);
      expect(ref.collateralValue(1n, 18, WAD("1.2"), WAD("0.8"))).to.equal(0n);
      expect(ref.collateralValue(2n, 18, WAD("1.2"), WAD("0.8"))).to.equal(1n);

      await depositToken(ctx, ctx.leo, low.token, 1n);
      // The account holds the token (it counts towards the set) but it is worth nothing.
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, 0n, true]);
      expect((await ctx.clearinghouse.accountState(id)).collateralValue).to.equal(0n);
      await depositToken(ctx, ctx.leo, low.token, 1n);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, 1n, true]);
      await expectConservation(ctx);
    });

    it("rounds 1 wei of WETH at 3,012.34567891 USD and weight 0.8 down to 2,409 WAD wei", async function () {
      const ctx = await load(collateralFixture);
      await movePrice(ctx, ETH, "3012.34567891");
      const id = accountIdOf(ctx.leo.address);
      await depositToken(ctx, ctx.leo, ctx.weth, 1n);
      const expected = ref.collateralValue(1n, 18, WAD("3012.34567891"), WETH_CONFIG.weight);
      expect(expected).to.equal(2_409n); // 2,409.876543128 rounded down
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
      await expectConservation(ctx);
    });

    it("rounds each held token down on its own: the value is the sum of the floors, not the floor of the sum", async function () {
      const ctx = await load(collateralFixture);
      await movePrice(ctx, ETH, "3012.34567891");
      const low = await listToken(ctx, "LOW", 18, 8, 120_000_000n, WAD("0.8"), WAD(1_000));
      const id = accountIdOf(ctx.leo.address);
      await depositToken(ctx, ctx.leo, ctx.weth, 1n);
      await depositToken(ctx, ctx.leo, low.token, 1n);
      // 2,409.876543128 + 0.96 WAD wei: the floors sum to 2,409, the floor of the sum would be 2,410.
      const weth = ref.collateralValue(1n, 18, WAD("3012.34567891"), WETH_CONFIG.weight);
      const lowValue = ref.collateralValue(1n, 18, WAD("1.2"), WAD("0.8"));
      const floorOfSum =
        (WAD("3012.34567891") * WETH_CONFIG.weight + WAD("1.2") * WAD("0.8")) / (WAD(1) * WAD(1));
      expect([weth, lowValue, floorOfSum]).to.deep.equal([2_409n, 0n, 2_410n]);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, weth + lowValue, true]);
      expect((await ctx.clearinghouse.accountState(id)).collateralValue).to.equal(2_409n);
      await expectConservation(ctx);
    });
  });

  describe("deposit caps", function () {
    for (const [symbol, c] of [
      ["WETH", WETH_CONFIG],
      ["WBTC", WBTC_CONFIG],
    ] as const) {
      it(`accepts ${symbol} deposits up to exactly the cap and reverts VaultDepositCapExceeded(token, cap + 1, cap) one unit above`, async function () {
        const ctx = await load(collateralFixture);
        const token = symbol === "WETH" ? ctx.weth : ctx.wbtc;
        const address = await token.getAddress();
        await depositToken(ctx, ctx.leo, token, c.depositCap - 1n);
        await depositToken(ctx, ctx.mia, token, 1n); // Σ balances == cap
        expect(await ctx.vault.totalAccountBalance(address)).to.equal(c.depositCap);
        await mintToken(ctx, token, ctx.mia, 1n);
        await expect(ctx.vault.connect(ctx.mia).deposit(0, address, 1n))
          .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
          .withArgs(address, c.depositCap + 1n, c.depositCap);
        await expectConservation(ctx);

        // One unit out makes room for exactly one unit in, from any account.
        await withdraw(ctx, ctx.leo, token, 1n);
        await depositToken(ctx, ctx.mia, token, 1n, 3n);
        await expectConservation(ctx);
      });
    }

    it("blocks deposits but never withdrawals once the cap is lowered under Σ balances, and a zero cap closes deposits", async function () {
      const ctx = await load(collateralFixture);
      const weth = await ctx.weth.getAddress();
      await depositToken(ctx, ctx.leo, ctx.weth, WAD(5));
      await ctx.vault.setCollateral(
        weth,
        assetKey("ETH"),
        WETH_CONFIG.weight,
        WETH_CONFIG.liquidationDiscount,
        WAD(2),
      );
      await mintToken(ctx, ctx.weth, ctx.mia, 1n);
      await expect(ctx.vault.connect(ctx.mia).deposit(0, weth, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
        .withArgs(weth, WAD(5) + 1n, WAD(2));
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(4));
      await depositToken(ctx, ctx.mia, ctx.weth, WAD(1)); // back to exactly the cap
      await ctx.vault.setCollateral(
        weth,
        assetKey("ETH"),
        WETH_CONFIG.weight,
        WETH_CONFIG.liquidationDiscount,
        0n,
      );
      await expect(ctx.vault.connect(ctx.mia).deposit(0, weth, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
        .withArgs(weth, WAD(2) + 1n, 0n);
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(1));
      await withdraw(ctx, ctx.mia, ctx.weth, WAD(1));
      await expectConservation(ctx);
    });
  });

  describe("#withdraw of collateral against margin", function () {
    /** Gina's state at `now` and the largest WETH withdrawal that keeps equity >= initial margin. */
    function freeWeth(ctx: Ctx, now: bigint) {
      const id = accountIdOf(ctx.gina.address);
      const price = ctx.model.price("ETH");
      const settlementOnly = ctx.model.accountState(id, now);
      // equity = settlement + unrealized PnL − funding + floor(balance · price · weight); solve for the balance.
      const need = settlementOnly.initialMargin - settlementOnly.equity;
      const minBalance = ref.balanceForValue(need, 18, price, WETH_CONFIG.weight);
      const valueAt = (balance: bigint) => ref.collateralValue(balance, 18, price, WETH_CONFIG.weight);
      expect(settlementOnly.equity + valueAt(minBalance)).to.be.at.least(settlementOnly.initialMargin);
      expect(settlementOnly.equity + valueAt(minBalance - 1n)).to.be.lessThan(settlementOnly.initialMargin);
      return { id, settlementOnly, minBalance, valueAt, free: WAD(10) - minBalance };
    }

    it("accepts a WETH withdrawal of exactly the free collateral, counted at price × weight rounded down", async function () {
      const ctx = await load(wethPositionFixture);
      const id = accountIdOf(ctx.gina.address);
      // No USDC: the settlement balance is the fee debt, so USDC cannot be withdrawn at all.
      expect(ctx.model.balance(id)).to.equal(-math.divCeil(ctx.tradeFee, TO_WAD));
      await expect(ctx.vault.connect(ctx.gina).withdraw(0, await ctx.usdc.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInsufficientBalance")
        .withArgs(id, await ctx.usdc.getAddress(), ctx.model.balance(id), 1n);

      const now = (await latestTime()) + 10n;
      const { free, settlementOnly, minBalance, valueAt } = freeWeth(ctx, now);
      expect(free).to.be.greaterThan(0n);
      await time.setNextBlockTimestamp(now);
      await withdraw(ctx, ctx.gina, ctx.weth, free);

      const after = await ctx.clearinghouse.accountState(id);
      expect(after.equity).to.equal(settlementOnly.equity + valueAt(minBalance));
      expect(after.initialMargin).to.equal(settlementOnly.initialMargin);
      expect(after.freeCollateral).to.equal(ctx.model.stateWithCollateral(id, now).freeCollateral);
      expect(after.freeCollateral).to.be.at.least(0n);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([
        ctx.model.balance(id),
        valueAt(minBalance),
        true,
      ]);
      await expectConservation(ctx);
    });

    it("reverts with ClearinghouseInsufficientMargin(accountId, equity, initialMargin) one wei of WETH above the free collateral", async function () {
      const ctx = await load(wethPositionFixture);
      const now = (await latestTime()) + 10n;
      const { id, free, settlementOnly, minBalance, valueAt } = freeWeth(ctx, now);
      await time.setNextBlockTimestamp(now);
      await expect(ctx.vault.connect(ctx.gina).withdraw(0, await ctx.weth.getAddress(), free + 1n))
        .to.be.revertedWithCustomError(ctx.clearinghouse, "ClearinghouseInsufficientMargin")
        .withArgs(id, settlementOnly.equity + valueAt(minBalance - 1n), settlementOnly.initialMargin);
      await expectConservation(ctx);
    });

    it("lets a closed-out account with debt withdraw collateral only down to zero equity, one wei more reverting", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2650");
      await liquidate(ctx, ctx.frank, id);
      await movePrice(ctx, ETH, "3000");
      const debt = -ctx.model.balance(id);
      const minBalance = ref.balanceForValue(debt * TO_WAD, 18, WAD(3000), WETH_CONFIG.weight);
      const free = WAD(10) - minBalance;
      expect(free).to.be.greaterThan(0n);
      const equityAt = (balance: bigint) =>
        -debt * TO_WAD + ref.collateralValue(balance, 18, WAD(3000), WETH_CONFIG.weight);
      await expect(ctx.vault.connect(ctx.dave).withdraw(0, await ctx.weth.getAddress(), free + 1n))
        .to.be.revertedWithCustomError(ctx.clearinghouse, "ClearinghouseInsufficientMargin")
        .withArgs(id, equityAt(minBalance - 1n), 0n);
      await withdraw(ctx, ctx.dave, ctx.weth, free);
      expect((await ctx.clearinghouse.accountState(id)).equity).to.equal(equityAt(minBalance));
      expect(equityAt(minBalance)).to.be.at.least(0n);
      await expectConservation(ctx);
    });

    it("takes the token out of the account's collateral set when its balance reaches zero", async function () {
      const ctx = await load(collateralFixture);
      const id = accountIdOf(ctx.leo.address);
      await depositToken(ctx, ctx.leo, ctx.weth, WAD(2));
      await depositToken(ctx, ctx.leo, ctx.wbtc, 3n);
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(2) - 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.have.length(2);
      await withdraw(ctx, ctx.leo, ctx.weth, 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.wbtc.getAddress()]);
      await withdraw(ctx, ctx.leo, ctx.wbtc, 3n);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, 0n, false]);
      await expectConservation(ctx);
    });
  });

  describe("stale or invalid feeds", function () {
    async function makeBtcStale(ctx: Ctx) {
      await time.increase(HEARTBEAT + 1);
      await movePrice(ctx, ETH, "3000"); // ETH stays fresh
      const [, , , updatedAt] = await ctx.btcFeed.latestRoundData();
      expect((await latestTime()) - updatedAt).to.be.greaterThan(BigInt(HEARTBEAT));
      return updatedAt;
    }

    async function expectUnblocked(ctx: Ctx, who: HardhatEthersSigner) {
      const id = accountIdOf(who.address);
      const state = await ctx.clearinghouse.accountState(id);
      expect(state.equity).to.equal(ctx.model.stateWithCollateral(id, await latestTime()).equity);
      expect(await ctx.clearinghouse.isLiquidatable(id)).to.equal(false);
      await trade(ctx, who, ETH, WAD(1));
      await trade(ctx, who, ETH, -WAD(2));
      await withdraw(ctx, who, ctx.weth, WAD(1));
      await withdraw(ctx, who, ctx.usdc, USDC(100));
      await depositToken(ctx, who, ctx.weth, WAD(1));
      await expectConservation(ctx);
    }

    it("does not let a stale BTC feed block the trades, withdrawals or accountState of an account that holds no WBTC", async function () {
      const ctx = await load(feedFixture);
      await makeBtcStale(ctx);
      await expectUnblocked(ctx, ctx.hank);
    });

    it("does not let an out-of-bounds BTC answer block an account that holds no WBTC", async function () {
      const ctx = await load(feedFixture);
      await setPrice(ctx.btcFeed, 20_000_000); // above the 10,000,000 USD bound
      const btc = LOCAL_FEEDS[1];
      await expect(ctx.clearinghouse.accountState(accountIdOf(ctx.ivy.address)))
        .to.be.revertedWithCustomError(ctx.oracle, "OraclePriceOutOfBounds")
        .withArgs(
          assetKey("BTC"),
          await ctx.btcFeed.getAddress(),
          WAD(20_000_000),
          btc.minPrice,
          btc.maxPrice,
        );
      await expectUnblocked(ctx, ctx.hank);
    });

    it("does not let a feed whose latestRoundData reverts block an account that does not hold its token", async function () {
      const ctx = await load(feedFixture);
      const rev = await listToken(ctx, "REV", 18, 8, 100_000_000n, WAD("0.5"), WAD(1_000));
      const id = accountIdOf(ctx.mia.address);
      await depositToken(ctx, ctx.mia, rev.token, WAD(1));
      // A contract without latestRoundData as the feed: every price read of REV reverts without a reason.
      await ctx.oracle.setFeed(assetKey("REV"), await ctx.usdc.getAddress(), HEARTBEAT, 1n, MAX128);
      await expect(ctx.clearinghouse.accountState(id)).to.be.revertedWithoutReason();
      await depositUsdc(ctx, ctx.mia, USDC(10));
      await depositToken(ctx, ctx.mia, rev.token, 1n);
      await expectUnblocked(ctx, ctx.hank);
    });

    it("blocks accountState, trades and withdrawals of an account holding WBTC with the oracle's error, but not its deposits", async function () {
      const ctx = await load(feedFixture);
      const updatedAt = await makeBtcStale(ctx);
      const id = accountIdOf(ctx.ivy.address);
      const stale = [
        assetKey("BTC"),
        await ctx.btcFeed.getAddress(),
        updatedAt,
        BigInt(HEARTBEAT),
        anyValue,
      ] as const;
      const oracle = ctx.oracle;

      await expect(ctx.clearinghouse.accountState(id))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      await expect(ctx.vault.accountCollateral(id))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      await expect(ctx.vault.connect(ctx.ivy).withdraw(0, await ctx.usdc.getAddress(), 1n))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      await expect(ctx.vault.connect(ctx.ivy).withdraw(0, await ctx.wbtc.getAddress(), 1n))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      for (const delta of [WAD(1), -WAD(1)]) {
        await expect(
          ctx.clearinghouse.connect(ctx.ivy).trade(0, ETH, delta, delta > 0n ? ethers.MaxUint256 : 0n),
        )
          .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
          .withArgs(...stale);
      }

      // Deposits need no price.
      await depositUsdc(ctx, ctx.ivy, USDC(100));
      await depositToken(ctx, ctx.ivy, ctx.wbtc, 1n);
      await expectConservation(ctx);

      // A fresh answer unblocks everything.
      await movePrice(ctx, BTC, "60000");
      expect((await ctx.clearinghouse.accountState(id)).equity).to.equal(
        ctx.model.stateWithCollateral(id, await latestTime()).equity,
      );
      await withdraw(ctx, ctx.ivy, ctx.usdc, USDC(100));
      await trade(ctx, ctx.ivy, ETH, -WAD(1));
      await expectConservation(ctx);
    });

    it("lets an account with no positions and no debt withdraw everything while the feed of a token it holds is stale", async function () {
      // DESIGN §9: withdraw is accepted "... or the account has no positions and no debt"; §15.7: such an account
      // "can always withdraw everything". Neither needs a price, so a stale feed must not block it.
      const ctx = await load(feedFixture);
      await makeBtcStale(ctx);
      expect(await ctx.clearinghouse.positionCount(accountIdOf(ctx.judy.address))).to.equal(0n);
      await withdraw(ctx, ctx.judy, ctx.usdc, USDC(1_000));
      await withdraw(ctx, ctx.judy, ctx.wbtc, 10_000_000n);
      await expectConservation(ctx);
    });
  });

  describe("#liquidate with other collateral", function () {
    it("closes out an account that holds WETH without running the waterfall: the debt stays for collateral liquidation", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2500");
      const { tx, r } = await liquidate(ctx, ctx.frank, id);
      expect(r.before.equity).to.be.lessThan(0n); // even with the WETH counted at its haircut value
      expect(r.fraction).to.equal(WAD(1));
      expect(r.penalty).to.equal(0n);
      expect(r.badDebt).to.equal(0n);
      await expect(tx).not.to.emit(ctx.vault, "BadDebtSettled");
      expect(await ctx.clearinghouse.positionCount(id)).to.equal(0n);
      expect(ctx.model.balance(id)).to.be.lessThan(-USDC(30_000));
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.weth.getAddress()]);
      await expectConservation(ctx);
    });

    it("limits the penalty of a full close to what the account still has, its WETH at haircut value included", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2650");
      const { tx, r } = await liquidate(ctx, ctx.frank, id);
      expect(r.fraction).to.equal(WAD(1));
      expect(r.before.equity).to.be.greaterThan(0n);
      const fullPenalty = math.divCeil(math.marginRequirement(WAD(60), WAD(2650), WAD("0.01")), TO_WAD);
      // The cap binds: the account pays its whole remaining value, counting the WETH, and no more.
      expect(r.penalty).to.be.greaterThan(0n);
      expect(r.penalty).to.be.lessThan(fullPenalty);
      const wethValue = ref.collateralValue(WAD(10), 18, WAD(2650), WETH_CONFIG.weight);
      expect(ctx.model.balance(id) + wethValue / TO_WAD).to.equal(0n);
      await expect(tx).not.to.emit(ctx.vault, "BadDebtSettled");
      await expectConservation(ctx);
    });

    it("lets a keeper liquidate collateral while the account is liquidatable and still has positions", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2700");
      expect(ctx.model.stateWithCollateral(id, await latestTime()).liquidatable).to.equal(true);
      expect(await ctx.clearinghouse.isLiquidatable(id)).to.equal(true);
      const before = await ctx.clearinghouse.accountState(id);
      const { expected, tx } = await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, USDC(1_000));
      // weight × (1 + discount) = 0.84 < 1: giving up collateral at the discount raises the account's equity.
      const after = await ctx.clearinghouse.accountState(id);
      const now = await txTime(tx);
      expect(after.equity).to.equal(ctx.model.stateWithCollateral(id, now).equity);
      expect(after.equity).to.be.greaterThan(before.equity);
      expect(after.maintenanceMargin).to.equal(before.maintenanceMargin);
      expect(expected.clamped).to.equal(false);
      expectAtMostTheDiscount(expected, 18, WAD(2700), WETH_CONFIG.liquidationDiscount);
      expect(await ctx.clearinghouse.positionCount(id)).to.equal(1n);
      await expectConservation(ctx);
    });
  });

  describe("#liquidateCollateral", function () {
    it("pays a keeper exactly repay × (1 + discount) / price of WETH, rounded down", async function () {
      const ctx = await load(underwaterFixture);
      const id = accountIdOf(ctx.dave.address);
      for (const repay of [USDC(1_000), 1n, 7n, 1_234_567_891n]) {
        const { expected } = await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, repay);
        expect(expected.repaid).to.equal(repay);
        expect(expected.clamped).to.equal(false);
        expectAtMostTheDiscount(expected, 18, WAD(2500), WETH_CONFIG.liquidationDiscount);
        await expectConservation(ctx);
      }
      // 1,000 USDC at 2,500 USD with a 5% discount is exactly 0.42 WETH.
      const reference = ref.collateralLiquidation({
        debt: USDC(1_000_000),
        repayAmount: USDC(1_000),
        held: WAD(10),
        decimals: 18,
        priceWad: WAD(2500),
        discount: WETH_CONFIG.liquidationDiscount,
        toWad: TO_WAD,
      });
      expect(reference.seized).to.equal(WAD("0.42"));
    });

    it("pays a keeper in WBTC (8 decimals) rounded down, down to nothing for a dust repayment", async function () {
      const ctx = await load(underwaterFixture);
      const id = accountIdOf(ctx.kim.address);
      const { expected } = await liquidateCollateral(ctx, ctx.frank, id, ctx.wbtc, USDC(1_000));
      expect(expected.seized).to.equal(1_750_000n); // 1,050 USD at 60,000 USD = 0.0175 WBTC
      const dust = await liquidateCollateral(ctx, ctx.frank, id, ctx.wbtc, 1n);
      expect(dust.expected.seized).to.equal(0n); // the account gives nothing for 1e-6 USDC
      expectAtMostTheDiscount(dust.expected, 8, WAD(60_000), WBTC_CONFIG.liquidationDiscount);
      await expectConservation(ctx);
    });

    it("clamps the seizure to what the account holds and shrinks the repayment to match, rounded up", async function () {
      const ctx = await load(underwaterFixture);
      for (const [who, token, c, price] of [
        [ctx.dave, ctx.weth, WETH_CONFIG, WAD(2500)],
        [ctx.kim, ctx.wbtc, WBTC_CONFIG, WAD(60_000)],
      ] as const) {
        const id = accountIdOf(who.address);
        const address = await token.getAddress();
        const held = ctx.model.tokenBalance(id, address);
        const debt = -ctx.model.balance(id);
        const { expected } = await liquidateCollateral(ctx, ctx.frank, id, token, USDC(1_000_000));
        expect(expected.clamped).to.equal(true);
        expect(expected.seized).to.equal(held);
        expect(expected.repaid).to.be.lessThan(debt);
        expectAtMostTheDiscount(expected, c.decimals, price, c.liquidationDiscount);
        expect(await ctx.vault.balanceOf(id, address)).to.equal(0n);
        expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([]);
        expect(await ctx.vault.balanceOf(id, await ctx.usdc.getAddress())).to.equal(
          -(debt - expected.repaid),
        );
        await expectConservation(ctx);
      }
    });

    it("repays at most the debt, leaving the rest of the collateral to the account", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2650");
      await liquidate(ctx, ctx.frank, id);
      const debt = -ctx.model.balance(id);
      expect(debt).to.be.greaterThan(0n);
      const { expected } = await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, debt + USDC(1));
      expect(expected.repaid).to.equal(debt);
      expect(expected.clamped).to.equal(false);
      expectAtMostTheDiscount(expected, 18, WAD(2650), WETH_CONFIG.liquidationDiscount);
      expect(ctx.model.balance(id)).to.equal(0n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.weth.getAddress()]);
      await expect(ctx.vault.connect(ctx.frank).liquidateCollateral(id, await ctx.weth.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(id);
      await expect(ctx.vault.settleBadDebt(id))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(id);
      // The account keeps the rest and, with no positions and no debt, can take it out.
      await withdraw(ctx, ctx.dave, ctx.weth, ctx.model.tokenBalance(id, await ctx.weth.getAddress()));
      await expectConservation(ctx);
    });

    it("reverts VaultNoDebt, VaultCollateralNotLiquidatable, VaultUnsupportedToken and VaultZeroAmount with their arguments", async function () {
      const ctx = await load(leveragedFixture);
      const weth = await ctx.weth.getAddress();
      const usdc = await ctx.usdc.getAddress();
      const dave = accountIdOf(ctx.dave.address);
      const alice = accountIdOf(ctx.alice.address);
      const keeper = ctx.vault.connect(ctx.frank);
      await expect(keeper.liquidateCollateral(alice, weth, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(alice);
      // Dave owes his trading fee and has a position, but is healthy.
      expect(ctx.model.balance(dave)).to.be.lessThan(0n);
      expect(ctx.model.stateWithCollateral(dave, await latestTime()).liquidatable).to.equal(false);
      await expect(keeper.liquidateCollateral(dave, weth, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultCollateralNotLiquidatable")
        .withArgs(dave);
      await expect(keeper.liquidateCollateral(dave, usdc, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultUnsupportedToken")
        .withArgs(usdc);
      await expect(keeper.liquidateCollateral(dave, weth, 0n)).to.be.revertedWithCustomError(
        ctx.vault,
        "VaultZeroAmount",
      );
      await expectConservation(ctx);
    });

    it("reverts VaultCollateralNotHeld for a listed token the account does not hold", async function () {
      const ctx = await load(underwaterFixture);
      const erin = accountIdOf(ctx.erin.address);
      const wbtc = await ctx.wbtc.getAddress();
      await expect(ctx.vault.connect(ctx.frank).liquidateCollateral(erin, wbtc, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultCollateralNotHeld")
        .withArgs(erin, wbtc);
      await expectConservation(ctx);
    });

    it("keeps working while the Clearinghouse is paused", async function () {
      const ctx = await load(underwaterFixture);
      await ctx.clearinghouse.pause();
      await liquidateCollateral(ctx, ctx.frank, accountIdOf(ctx.erin.address), ctx.weth, USDC(500));
      await expectConservation(ctx);
    });
  });

  describe("#settleBadDebt", function () {
    it("reverts VaultBadDebtNotSettleable with positions, re-marks the booked bad debt while collateral is left, settles once it is gone", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      const notSettleable = (positions: bigint, collaterals: bigint) =>
        expect(ctx.vault.settleBadDebt(id))
          .to.be.revertedWithCustomError(ctx.vault, "VaultBadDebtNotSettleable")
          .withArgs(id, positions, collaterals);
      await notSettleable(1n, 1n);
      await depositToken(ctx, ctx.dave, ctx.wbtc, 1n);
      await notSettleable(1n, 2n);
      await movePrice(ctx, ETH, "2500");
      await liquidate(ctx, ctx.frank, id);
      // Closed out with collateral left: what it does not cover at haircut value is booked at once (DESIGN §10.5).
      const booked = ctx.model.bookedOf(id);
      expect(booked).to.be.greaterThan(0n);
      expect(await ctx.vault.badDebtBooked(id)).to.equal(booked);
      expect(await ctx.vault.pendingBadDebt()).to.equal(ctx.model.pendingBadDebt());
      // settleBadDebt re-marks it at today's prices (unchanged here) instead of running the waterfall.
      await expect(ctx.vault.settleBadDebt(id)).not.to.emit(ctx.vault, "BadDebtSettled");
      expect(await ctx.vault.badDebtBooked(id)).to.equal(booked);
      // ETH falls further: the re-mark books more.
      await movePrice(ctx, ETH, "2400");
      const remarked = record(ctx, (m) => {
        m.book(id, m.uncovered(id));
        return m.bookedOf(id);
      });
      expect(remarked).to.be.greaterThan(booked);
      await expect(ctx.vault.settleBadDebt(id))
        .to.emit(ctx.vault, "BadDebtBooked")
        .withArgs(id, remarked, ctx.model.pendingBadDebt());
      await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, USDC(1_000_000));
      expect(await ctx.vault.badDebtBooked(id)).to.equal(ctx.model.bookedOf(id));
      await liquidateCollateral(ctx, ctx.frank, id, ctx.wbtc, USDC(1_000_000));
      // Only debt left: the booking is the whole debt.
      expect(await ctx.vault.badDebtBooked(id)).to.equal(-ctx.model.balance(id));
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([]);
      const debt = -ctx.model.balance(id);
      const split = ref.waterfall(debt, ctx.model.insurance, ctx.model.pool);
      await expect(ctx.vault.connect(ctx.mia).settleBadDebt(id))
        .to.emit(ctx.vault, "BadDebtSettled")
        .withArgs(id, debt, split.insuranceDraw, split.poolWriteOff, split.unrecovered);
      record(ctx, (m) => m.settleBadDebt(id));
      expect(ctx.model.balance(id)).to.equal(0n);
      expect(await ctx.vault.badDebtBooked(id)).to.equal(0n);
      expect(await ctx.vault.pendingBadDebt()).to.equal(ctx.model.pendingBadDebt());
      await expectConservation(ctx);
    });

    it("moves exactly the debt out of a seeded insurance fund and leaves the pool alone", async function () {
      const ctx = await load(badDebtFixture);
      const id = accountIdOf(ctx.dave.address);
      await ctx.vault.connect(ctx.frank).fundInsurance(USDC(100_000));
      record(ctx, (m) => {
        m.insurance += USDC(100_000);
      });
      const debt = -ctx.model.balance(id);
      const poolBefore = ctx.model.pool;
      const insuranceBefore = ctx.model.insurance;
      await expect(ctx.vault.connect(ctx.mia).settleBadDebt(id))
        .to.emit(ctx.vault, "BadDebtSettled")
        .withArgs(id, debt, debt, 0n, 0n);
      const r = record(ctx, (m) => m.settleBadDebt(id));
      expect(r).to.deep.equal({ badDebt: debt, insuranceDraw: debt, poolWriteOff: 0n, unrecovered: 0n });
      expect(await ctx.vault.insuranceBalance()).to.equal(insuranceBefore - debt);
      expect(await ctx.vault.poolBalance()).to.equal(poolBefore);
      expect(await ctx.vault.balanceOf(id, await ctx.usdc.getAddress())).to.equal(0n);
      await expectConservation(ctx);
      await expect(ctx.vault.settleBadDebt(id))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(id);
    });

    it("draws the insurance fund dry, then writes the rest off against the pool", async function () {
      const ctx = await load(badDebtFixture);
      const id = accountIdOf(ctx.dave.address);
      const debt = -ctx.model.balance(id);
      const insurance = ctx.model.insurance; // the fees' share only
      expect(insurance).to.be.greaterThan(0n);
      expect(insurance).to.be.lessThan(debt);
      const split = ref.waterfall(debt, insurance, ctx.model.pool);
      expect(split).to.deep.equal({
        insuranceDraw: insurance,
        poolWriteOff: debt - insurance,
        unrecovered: 0n,
      });
      await expect(ctx.vault.settleBadDebt(id))
        .to.emit(ctx.vault, "BadDebtSettled")
        .withArgs(id, debt, split.insuranceDraw, split.poolWriteOff, 0n);
      record(ctx, (m) => m.settleBadDebt(id));
      expect(await ctx.vault.insuranceBalance()).to.equal(0n);
      await expectConservation(ctx);
    });

    it("writes the whole debt off against the pool once the insurance fund is empty", async function () {
      const ctx = await load(badDebtFixture);
      const dave = accountIdOf(ctx.dave.address);
      const erin = accountIdOf(ctx.erin.address);
      await ctx.vault.settleBadDebt(dave);
      record(ctx, (m) => m.settleBadDebt(dave));
      expect(ctx.model.insurance).to.equal(0n);
      const debt = -ctx.model.balance(erin);
      const poolBefore = ctx.model.pool;
      await expect(ctx.vault.settleBadDebt(erin))
        .to.emit(ctx.vault, "BadDebtSettled")
        .withArgs(erin, debt, 0n, debt, 0n);
      record(ctx, (m) => m.settleBadDebt(erin));
      expect(await ctx.vault.poolBalance()).to.equal(poolBefore - debt);
      await expectConservation(ctx);
    });

    it("reverts VaultNoDebt for an account without debt", async function () {
      const ctx = await load(collateralFixture);
      const alice = accountIdOf(ctx.alice.address);
      await expect(ctx.vault.settleBadDebt(alice))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(alice);
      const empty = accountIdOf(ctx.mia.address);
      await expect(ctx.vault.settleBadDebt(empty))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(empty);
    });
  });
});
