/**
 * The hazard matrix: one named test per hazard, each asserting the exact custom error (with its arguments) or the
 * invariant the hazard threatens. Expected values come from the references in test/shared/ (math.ts, model.ts,
 * collateral.ts, poolHelpers.ts), never from the contract under test. README "Security model" maps every hazard to
 * its test here.
 */
import { expect } from "chai";
import { artifacts, ethers, network } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, Interface } from "ethers";
import type {
  Clearinghouse,
  MockBlocklistToken,
  MockERC20,
  MockFalseReturnToken,
  MockFeeOnTransferToken,
  MockHookToken,
  MockReentrantFeed,
  MockV3Aggregator,
  ReentrancyAttacker,
  Vault,
} from "../../typechain-types";
import {
  BTC,
  ETH,
  POOL_LIQUIDITY,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  deployFixture,
  fundedFixture,
  latestTime,
  mintAndApprove,
  txTime,
} from "../shared/fixtures";
import {
  DEFAULT_MARKETS,
  DEFAULT_RISK,
  LOCAL_FEEDS,
  LOCAL_WITHDRAWAL_DELAY,
  assetKey,
  toMarketParams,
} from "../../deploy/config";
import * as math from "../shared/math";
import * as ref from "../shared/collateral";
import { KeelModel, localModel } from "../shared/model";
import { assetsForShares, sharesForAssets } from "../shared/poolHelpers";
import { deployStack } from "../shared/stack";

const MAX = ethers.MaxUint256;
const TO_WAD = 10n ** 12n;
const RISK = DEFAULT_RISK;
const ETH_KEY = assetKey("ETH");
const HEARTBEAT = BigInt(LOCAL_FEEDS[0].heartbeat);
const [ETH_MIN, ETH_MAX] = [LOCAL_FEEDS[0].minPrice, LOCAL_FEEDS[0].maxPrice];
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const RISK_ADMIN = ethers.id("RISK_ADMIN");
const GUARDIAN = ethers.id("GUARDIAN");
const DELAY = BigInt(LOCAL_WITHDRAWAL_DELAY);

type Funded = Awaited<ReturnType<typeof fundedFixture>>;

/** Sends `send()` in a block at `t` (so errors carrying block.timestamp can be predicted exactly). */
async function at<T>(t: bigint, send: () => Promise<T>): Promise<T> {
  await time.setNextBlockTimestamp(t);
  return send();
}

/** The funded stack with a model that knows the deposits and the pool (inputs of the fixture). */
async function modelOf(sys: Funded): Promise<KeelModel> {
  const model = localModel();
  for (const t of [sys.alice, sys.bob, sys.carol]) model.deposit(accountIdOf(t.address), TRADER_DEPOSIT);
  model.pool = await sys.vault.poolBalance();
  return model;
}

async function trade(
  sys: { clearinghouse: Clearinghouse },
  model: KeelModel,
  who: HardhatEthersSigner,
  marketId: bigint,
  delta: bigint,
  sub = 0n,
) {
  const tx = await sys.clearinghouse.connect(who).trade(sub, marketId, delta, delta > 0n ? MAX : 0n);
  return model.trade(accountIdOf(who.address, sub), Number(marketId), delta, await txTime(tx));
}

async function deposit(sys: Funded, model: KeelModel, who: HardhatEthersSigner, amount: bigint, sub = 0n) {
  await mintAndApprove(sys, who, amount, await sys.vault.getAddress());
  await sys.vault.connect(who).deposit(sub, await sys.usdc.getAddress(), amount);
  model.deposit(accountIdOf(who.address, sub), amount);
}

async function setEth(sys: Funded, model: KeelModel, usd: string) {
  await sys.ethFeed.updateAnswer(ethers.parseUnits(usd, 8));
  model.setPrice(0, ethers.parseUnits(usd, 18));
}

/**
 * The oracle gate fixture: Alice is long 5 ETH, Bob short 0.1 BTC (no ETH exposure), Carol flat. Every priced action
 * that touches ETH must stop on a broken ETH feed; Bob's and Carol's must not.
 */
async function gateFixture() {
  const sys = await fundedFixture();
  const model = await modelOf(sys);
  await trade(sys, model, sys.alice, ETH, WAD(5));
  await trade(sys, model, sys.bob, BTC, -WAD("0.1"));
  const [, lp] = sys.signers;
  return { ...sys, model, lp };
}

/**
 * Posts a broken ETH answer with `post`, then checks every ETH-priced action and view reverts with `error(t)` (the
 * oracle's error for a block at `t`), and that actions that read no ETH price still work.
 */
async function expectEthGate(
  sys: Awaited<ReturnType<typeof gateFixture>>,
  post: () => Promise<unknown>,
  error: (t: bigint) => [string, unknown[]],
) {
  await post();
  const { clearinghouse, vault, pool, oracle, alice, bob, carol, lp } = sys;
  const usdc = await sys.usdc.getAddress();
  const aliceId = accountIdOf(alice.address);
  const gated: [string, () => Promise<ContractTransactionResponse>][] = [
    ["increasing trade", () => clearinghouse.connect(alice).trade(0, ETH, WAD(1), MAX)],
    ["reducing trade", () => clearinghouse.connect(alice).trade(0, ETH, -WAD(1), 0n)],
    ["new ETH trade", () => clearinghouse.connect(carol).trade(0, ETH, WAD(1), MAX)],
    ["withdrawal against a position", () => vault.connect(alice).withdraw(0, usdc, USDC(1))],
    ["liquidation", () => clearinghouse.connect(bob).liquidate(aliceId)],
    ["LP deposit", () => pool.connect(lp).deposit(USDC(1), lp.address)],
  ];
  for (const [what, send] of gated) {
    const t = (await latestTime()) + 1n;
    const [name, args] = error(t);
    await expect(at(t, send), what)
      .to.be.revertedWithCustomError(oracle, name)
      .withArgs(...args);
  }
  // Views: evaluated at the latest block.
  const [name, args] = error(await latestTime());
  for (const [what, call] of [
    ["accountState", () => clearinghouse.accountState(aliceId)],
    ["isLiquidatable", () => clearinghouse.isLiquidatable(aliceId)],
    ["previewLiquidation", () => clearinghouse.previewLiquidation(aliceId)],
    ["market", () => sys.lens.market(ETH)],
    ["pool totalAssets", () => pool.totalAssets()],
  ] as const) {
    await expect((call as () => Promise<unknown>)(), what)
      .to.be.revertedWithCustomError(oracle, name)
      .withArgs(...args);
  }
  // Not exposed to ETH: Bob still trades BTC, Carol withdraws everything.
  await expect(clearinghouse.connect(bob).trade(0, BTC, WAD("0.05"), MAX)).to.emit(
    clearinghouse,
    "TradeExecuted",
  );
  await expect(vault.connect(carol).withdraw(0, usdc, TRADER_DEPOSIT)).to.emit(vault, "Withdrawn");
}

describe("Hazard matrix", function () {
  /* ORACLE */

  it("stale price: every ETH-priced action and view reverts with OracleStalePrice one second past the heartbeat", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    const updatedAt = (await latestTime()) + 1n;
    await at(updatedAt, () => sys.ethFeed.updateAnswer(LOCAL_FEEDS[0].initialAnswer));
    // Exactly one heartbeat old is still fresh; one second later it is stale.
    await expect(
      at(updatedAt + HEARTBEAT, () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)),
    ).to.emit(sys.clearinghouse, "TradeExecuted");
    await expectEthGate(
      sys,
      // BTC keeps its heartbeat: only ETH goes stale.
      () => sys.btcFeed.updateAnswer(LOCAL_FEEDS[1].initialAnswer),
      (t) => ["OracleStalePrice", [ETH_KEY, feed, updatedAt, HEARTBEAT, t]],
    );
  });

  it("zero price: every ETH-priced action and view reverts with OracleNonPositivePrice(asset, feed, 0)", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateAnswer(0),
      () => ["OracleNonPositivePrice", [ETH_KEY, feed, 0n]],
    );
  });

  it("negative price: every ETH-priced action and view reverts with OracleNonPositivePrice(asset, feed, answer)", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateAnswer(-1n),
      () => ["OracleNonPositivePrice", [ETH_KEY, feed, -1n]],
    );
  });

  it("future price: an answer stamped after the block (or at 0) reverts with OracleInvalidTimestamp", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    const future = (await latestTime()) + 10_000n;
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateRoundData(9, LOCAL_FEEDS[0].initialAnswer, future, future),
      (t) => ["OracleInvalidTimestamp", [ETH_KEY, feed, future, t]],
    );
    const again = await loadFixture(gateFixture);
    await expectEthGate(
      again,
      () => again.ethFeed.updateRoundData(9, LOCAL_FEEDS[0].initialAnswer, 0n, 0n),
      (t) => ["OracleInvalidTimestamp", [ETH_KEY, feed, 0n, t]],
    );
  });

  it("out-of-bounds price: one unit of the feed above maxPrice or below minPrice reverts with OraclePriceOutOfBounds", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    const above = ETH_MAX / 10n ** 10n + 1n; // 8-decimal answer
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateAnswer(above),
      () => ["OraclePriceOutOfBounds", [ETH_KEY, feed, ref.priceToWad(above, 8), ETH_MIN, ETH_MAX]],
    );
    const again = await loadFixture(gateFixture);
    const below = ETH_MIN / 10n ** 10n - 1n;
    await expectEthGate(
      again,
      () => again.ethFeed.updateAnswer(below),
      () => ["OraclePriceOutOfBounds", [ETH_KEY, feed, ref.priceToWad(below, 8), ETH_MIN, ETH_MAX]],
    );
  });

  /** A sequencer uptime feed (0 decimals, as Chainlink's) on the local stack's oracle, with a one-hour grace period. */
  async function sequencerFixture() {
    const sys = await gateFixture();
    const sequencer = (await ethers.deployContract(
      "MockV3Aggregator",
      [0, 0],
    )) as unknown as MockV3Aggregator;
    const upSince = (await latestTime()) - 2n * 86_400n;
    await sequencer.updateRoundData(1, 0, upSince, upSince);
    await sys.oracle.setSequencerUptimeFeed(await sequencer.getAddress(), 3_600);
    return { ...sys, sequencer };
  }

  it("sequencer down: every priced action and view reverts with OracleSequencerDown, unpriced ones still work", async function () {
    const sys = await loadFixture(sequencerFixture);
    const seq = await sys.sequencer.getAddress();
    const now = await latestTime();
    await sys.sequencer.updateRoundData(2, 1, now, now);
    const { clearinghouse, vault, oracle, alice, bob, carol } = sys;
    const usdc = await sys.usdc.getAddress();
    for (const send of [
      () => clearinghouse.connect(alice).trade(0, ETH, -WAD(1), 0n),
      () => clearinghouse.connect(bob).trade(0, BTC, WAD("0.05"), MAX),
      () => vault.connect(alice).withdraw(0, usdc, USDC(1)),
      () => clearinghouse.connect(carol).liquidate(accountIdOf(alice.address)),
    ]) {
      await expect(send()).to.be.revertedWithCustomError(oracle, "OracleSequencerDown").withArgs(seq, 1n);
    }
    await expect(clearinghouse.accountState(accountIdOf(alice.address)))
      .to.be.revertedWithCustomError(oracle, "OracleSequencerDown")
      .withArgs(seq, 1n);
    // Owing nothing, Carol needs no price: deposits and full withdrawals work while the sequencer is down.
    await expect(vault.connect(carol).withdraw(0, usdc, TRADER_DEPOSIT)).to.emit(vault, "Withdrawn");
    await expect(vault.connect(carol).deposit(0, usdc, USDC(5))).to.emit(vault, "Deposited");
  });

  it("inside the grace period: prices are refused until more than gracePeriod seconds after the sequencer came back", async function () {
    const sys = await loadFixture(sequencerFixture);
    const seq = await sys.sequencer.getAddress();
    const upAt = (await latestTime()) + 1n;
    await at(upAt, () => sys.sequencer.updateRoundData(3, 0, upAt, upAt));
    const lastSecond = upAt + 3_600n;
    await expect(at(lastSecond, () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)))
      .to.be.revertedWithCustomError(sys.oracle, "OracleSequencerGracePeriod")
      .withArgs(seq, upAt, 3_600n, lastSecond);
    await expect(
      at(lastSecond + 1n, () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)),
    ).to.emit(sys.clearinghouse, "TradeExecuted");
  });

  /* VALUATION */

  it("feed and token decimals matrix: one whole token of 6, 8, 18 or 24 decimals on an 8- or 18-decimal feed is worth exactly price × weight", async function () {
    const sys = await loadFixture(fundedFixture);
    const owner = sys.signers[9];
    const answers: Record<number, bigint> = {
      8: 234_567_890_123n, // 2,345.67890123 USD
      18: 2_345_678_901_234_567_891_234n, // 2,345.678901234567891234 USD
    };
    let sub = 0n;
    for (const decimals of [6, 8, 18, 24]) {
      for (const feedDecimals of [8, 18]) {
        const symbol = `D${decimals}F${feedDecimals}`;
        const weight = WAD("0.75");
        const token = (await ethers.deployContract("MockERC20", [
          symbol,
          symbol,
          decimals,
        ])) as unknown as MockERC20;
        const feed = await ethers.deployContract("MockV3Aggregator", [feedDecimals, answers[feedDecimals]]);
        await sys.oracle.setFeed(assetKey(symbol), await feed.getAddress(), 86_400, 1n, ref.MAX_UINT128);
        await sys.vault.setCollateral(
          await token.getAddress(),
          assetKey(symbol),
          weight,
          0n,
          ref.MAX_UINT128,
        );
        const one = 10n ** BigInt(decimals);
        await token.mint(owner.address, one + 1n);
        await token.connect(owner).approve(await sys.vault.getAddress(), MAX);
        const id = accountIdOf(owner.address, sub);
        await sys.vault.connect(owner).deposit(sub, await token.getAddress(), one);
        const price = ref.priceToWad(answers[feedDecimals], feedDecimals);
        const expected = ref.collateralValue(one, decimals, price, weight);
        expect(expected, symbol).to.equal((price * weight) / WAD(1)); // one whole token: exactly price × weight
        expect((await sys.clearinghouse.accountState(id)).collateralValue, symbol).to.equal(expected);
        // One more base unit adds its own value, rounded down on the whole holding.
        await sys.vault.connect(owner).deposit(sub, await token.getAddress(), 1n);
        expect((await sys.clearinghouse.accountState(id)).collateralValue, `${symbol} + 1 unit`).to.equal(
          ref.collateralValue(one + 1n, decimals, price, weight),
        );
        // Token amounts never round: the whole holding comes back.
        await expect(
          sys.vault.connect(owner).withdraw(sub, await token.getAddress(), one + 1n),
        ).to.changeTokenBalance(token, owner, one + 1n);
        sub++;
      }
    }
    // The settlement token: 6 and 18 decimals are taken at par; more than 18 is refused at construction.
    for (const decimals of [6, 18]) {
      const token = (await ethers.deployContract("MockERC20", ["S", "S", decimals])) as unknown as MockERC20;
      const stack = await deployStack(await token.getAddress());
      await token.mint(owner.address, 10n ** BigInt(decimals));
      await token.connect(owner).approve(await stack.vault.getAddress(), MAX);
      await stack.vault.connect(owner).deposit(0, await token.getAddress(), 10n ** BigInt(decimals));
      expect((await stack.clearinghouse.accountState(accountIdOf(owner.address))).collateralValue).to.equal(
        WAD(1),
      );
    }
    const wide = await ethers.deployContract("MockERC20", ["W", "W", 19]);
    await expect(
      ethers.deployContract("Vault", [
        sys.admin.address,
        await wide.getAddress(),
        await sys.oracle.getAddress(),
      ]),
    )
      .to.be.revertedWithCustomError(sys.vault, "VaultInvalidCollateralParameter")
      .withArgs(await wide.getAddress(), ethers.encodeBytes32String("decimals"), 19n);
  });

  /* CAPS AND MARGIN */

  it("open-interest cap against a pumped price: the pool cap binds on the notional at the new price, reductions stay open", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    await deposit(sys, model, sys.alice, USDC(90_000));
    await trade(sys, model, sys.alice, ETH, WAD(100)); // 300,000 USD of long open interest
    await setEth(sys, model, "12000"); // pumped: 1,200,000 USD against a pool of ~1,000,000
    const increased = model.markets[0].longOI + WAD("0.1");
    const notional = math.divCeil(increased * model.markets[0].price, math.WAD);
    const cap = (model.pool * TO_WAD * RISK.maxOpenInterestToPool) / math.WAD;
    expect(notional).to.be.greaterThan(cap);
    await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, WAD("0.1"), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePoolOpenInterestCapExceeded")
      .withArgs(ETH, notional, cap);
    // Reducing the long side is never capped; nor is opening the short side, far below the cap.
    await trade(sys, model, sys.alice, ETH, -WAD(10));
    await trade(sys, model, sys.bob, ETH, -WAD("0.1"));
    expect((await sys.lens.market(ETH)).longOpenInterest).to.equal(model.markets[0].longOI);
    // Base units are capped too, at any price: 2x the cap in one trade is refused before any price is read.
    const tooBig = 2n * DEFAULT_MARKETS[0].maxOpenInterest + 1n;
    await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, tooBig, MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseOpenInterestCapExceeded")
      .withArgs(ETH, tooBig, DEFAULT_MARKETS[0].maxOpenInterest);
  });

  it("withdrawing unrealized profit below initial margin: the balance must cover it and equity must stay >= IM", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const dave = sys.signers[5];
    const id = accountIdOf(dave.address);
    const usdc = await sys.usdc.getAddress();
    await deposit(sys, model, dave, USDC(7_000));
    await trade(sys, model, dave, ETH, WAD(20)); // 60,000 USD: IM 6,000
    await setEth(sys, model, "3150"); // +5%: about 3,000 USD of unrealized profit
    const t = (await latestTime()) + 10n;
    const state = model.accountState(id, t);
    const balance = model.balance(id);
    expect(state.unrealizedPnl).to.be.greaterThan(WAD(2_000));
    // 1. Unrealized profit is not cash: no withdrawal beyond the settlement balance.
    await expect(at(t, () => sys.vault.connect(dave).withdraw(0, usdc, balance + 1n)))
      .to.be.revertedWithCustomError(sys.vault, "VaultInsufficientBalance")
      .withArgs(id, usdc, balance, balance + 1n);
    // 2. Within the balance, one unit above the free collateral takes equity below IM.
    const t2 = t + 1n;
    const s2 = model.accountState(id, t2);
    const free = math.divFloor(s2.equity - s2.initialMargin, TO_WAD);
    expect(free).to.be.lessThan(balance);
    const after = model.accountState(id, t2, balance - free - 1n);
    await expect(at(t2, () => sys.vault.connect(dave).withdraw(0, usdc, free + 1n)))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientMargin")
      .withArgs(id, after.equity, after.initialMargin);
    // 3. Exactly the free collateral goes; equity stays at or above IM.
    const t3 = t2 + 1n;
    const s3 = model.accountState(id, t3);
    const free3 = math.divFloor(s3.equity - s3.initialMargin, TO_WAD);
    await expect(at(t3, () => sys.vault.connect(dave).withdraw(0, usdc, free3))).to.emit(
      sys.vault,
      "Withdrawn",
    );
    model.withdraw(id, free3);
    const left = await sys.clearinghouse.accountState(id);
    expect(left.equity).to.equal(model.accountState(id, t3).equity);
    expect(left.equity).to.be.at.least(left.initialMargin);
  });

  /* LIQUIDATION */

  it("self-liquidation at a fixed price: the owner's accounts together end with less, never more", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const dave = sys.signers[5];
    const [main, risky] = [accountIdOf(dave.address, 0n), accountIdOf(dave.address, 1n)];
    await deposit(sys, model, dave, USDC(1_000), 1n);
    await trade(sys, model, dave, ETH, WAD(3), 1n);
    await setEth(sys, model, "2750");
    const t = (await latestTime()) + 1n;
    const expected = model.previewLiquidation(risky, t, RISK);
    expect(expected.before.liquidatable).to.equal(true);
    const total = (m: KeelModel) => m.accountState(main, t).equity + m.accountState(risky, t).equity;
    const before = total(model);

    // The same liquidation by a third party, for comparison.
    const snapshot = await takeSnapshot();
    await at(t, () => sys.clearinghouse.connect(sys.carol).liquidate(risky));
    const byOther =
      (await sys.clearinghouse.accountState(main)).equity +
      (await sys.clearinghouse.accountState(risky)).equity;
    await snapshot.restore();

    const tx = await at(t, () => sys.clearinghouse.connect(dave).liquidate(risky));
    const r = model.liquidate(risky, main, await txTime(tx), RISK);
    expect(r).to.deep.equal(expected);
    await expect(tx)
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(risky, dave.address, r));
    const bySelf =
      (await sys.clearinghouse.accountState(main)).equity +
      (await sys.clearinghouse.accountState(risky)).equity;
    expect(bySelf).to.equal(total(model));
    // The owner keeps the keeper reward, which never exceeds the penalty it pays: no gain at a fixed price.
    expect(r.keeperReward).to.be.at.most(r.penalty);
    expect(bySelf - byOther).to.equal(r.keeperReward * TO_WAD);
    expect(bySelf).to.be.at.most(before);
    expect(before - bySelf).to.be.at.least((r.penalty - r.keeperReward) * TO_WAD);
  });

  it("equity == MM boundary: liquidate refuses at equality with ClearinghouseNotLiquidatable and proceeds one wei of price below", async function () {
    const sys = await loadFixture(fundedFixture);
    // An 18-decimal feed, so the price can move by one wei.
    const feed = (await ethers.deployContract("MockV3Aggregator", [
      18,
      WAD(3000),
    ])) as unknown as MockV3Aggregator;
    await sys.oracle.setFeed(ETH_KEY, await feed.getAddress(), 86_400, ETH_MIN, ETH_MAX);
    const model = await modelOf(sys);
    const dave = sys.signers[5];
    const victim = accountIdOf(dave.address);
    await deposit(sys, model, dave, USDC(400));
    // Opposite positions keep the skew at zero, so no funding moves the threshold between blocks.
    await trade(sys, model, dave, ETH, WAD(1));
    await trade(sys, model, sys.bob, ETH, -WAD(1));
    const gap = (p: bigint) => {
      model.setPrice(0, p);
      const st = model.accountState(victim, 0n);
      return st.equity - st.maintenanceMargin;
    };
    let [lo, hi] = [WAD(1000), WAD(3000)];
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (gap(mid) >= 0n) hi = mid;
      else lo = mid;
    }
    expect(gap(hi)).to.equal(0n); // equity == MM exactly at `hi`
    await feed.updateAnswer(hi);
    model.setPrice(0, hi);
    const s = model.accountState(victim, 0n);
    expect(await sys.clearinghouse.isLiquidatable(victim)).to.equal(false);
    expect((await sys.clearinghouse.previewLiquidation(victim)).liquidatable).to.equal(false);
    await expect(sys.clearinghouse.connect(sys.carol).liquidate(victim))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseNotLiquidatable")
      .withArgs(victim, s.equity, s.maintenanceMargin);
    await feed.updateAnswer(hi - 1n);
    model.setPrice(0, hi - 1n);
    expect(await sys.clearinghouse.isLiquidatable(victim)).to.equal(true);
    const t = (await latestTime()) + 1n;
    const expected = model.previewLiquidation(victim, t, RISK);
    await expect(at(t, () => sys.clearinghouse.connect(sys.carol).liquidate(victim)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(victim, sys.carol.address, expected));
  });

  it("liquidation of a blacklisted account (a mock token with a blocklist) still works: no token moves inside a liquidation", async function () {
    const [, lp, victim, keeper] = await ethers.getSigners();
    const token = (await ethers.deployContract("MockBlocklistToken")) as unknown as MockBlocklistToken;
    const stack = await deployStack(await token.getAddress());
    const { vault, clearinghouse, pool, ethFeed } = stack;
    const tokenAddress = await token.getAddress();
    await token.mint(lp.address, POOL_LIQUIDITY);
    await token.connect(lp).approve(await pool.getAddress(), MAX);
    await pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
    await token.mint(victim.address, USDC(1_000));
    await token.connect(victim).approve(await vault.getAddress(), MAX);
    await vault.connect(victim).deposit(0, tokenAddress, USDC(1_000));
    const model = localModel();
    model.pool = POOL_LIQUIDITY;
    const [victimId, keeperId] = [accountIdOf(victim.address), accountIdOf(keeper.address)];
    model.deposit(victimId, USDC(1_000));
    await trade(stack, model, victim, ETH, WAD(3));
    // The issuer blocks both the liquidated account's owner and the keeper.
    await token.setBlocked(victim.address, true);
    await token.setBlocked(keeper.address, true);
    await ethFeed.updateAnswer(ethers.parseUnits("2750", 8));
    model.setPrice(0, WAD(2750));
    const heldBefore = await token.balanceOf(await vault.getAddress());
    const t = (await latestTime()) + 1n;
    const expected = model.previewLiquidation(victimId, t, RISK);
    expect(expected.before.liquidatable).to.equal(true);
    await expect(at(t, () => clearinghouse.connect(keeper).liquidate(victimId)))
      .to.emit(clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(victimId, keeper.address, expected));
    model.liquidate(victimId, keeperId, t, RISK);
    // The reward is a ledger credit to the blocked keeper; the tokens never moved.
    expect(expected.keeperReward).to.be.greaterThan(0n);
    expect(await vault.balanceOf(keeperId, tokenAddress)).to.equal(model.balance(keeperId));
    expect(await vault.balanceOf(victimId, tokenAddress)).to.equal(model.balance(victimId));
    expect(await token.balanceOf(await vault.getAddress())).to.equal(heldBefore);
    // Only the token's own transfers are blocked.
    await expect(vault.connect(keeper).withdraw(0, tokenAddress, 1n))
      .to.be.revertedWithCustomError(token, "MockBlocklisted")
      .withArgs(keeper.address);
  });

  it("dust positions (min notional, forced full close): no position below the minimum survives a trade or a liquidation", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const min = DEFAULT_MARKETS[0].minPositionNotional; // 10 USD
    const alice = accountIdOf(sys.alice.address);
    // Opening below the minimum: 0.003 ETH at 3,000 USD is 9 USD.
    await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, WAD("0.003"), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePositionBelowMinimum")
      .withArgs(ETH, WAD(9), min);
    // Reducing to a remainder below it.
    await trade(sys, model, sys.alice, ETH, WAD(1));
    await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD("0.997"), 0n))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePositionBelowMinimum")
      .withArgs(ETH, WAD(9), min);
    // Exactly the minimum is a position; closing everything is always allowed.
    const exact = math.divCeil(min * math.WAD, model.markets[0].price);
    await trade(sys, model, sys.alice, ETH, exact - WAD(1));
    expect((await sys.lens.positions(alice))[0].size).to.equal(exact);
    await trade(sys, model, sys.alice, ETH, -exact);
    expect(await sys.lens.positions(alice)).to.have.length(0);

    // A liquidation that would leave dust closes everything.
    await trade(sys, model, sys.alice, ETH, WAD(30));
    const params = { ...DEFAULT_MARKETS[0], minPositionNotional: WAD(50_000) };
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(ETH, toMarketParams(params))));
    model.markets[0].params = params;
    await setEth(sys, model, "2750");
    const t = (await latestTime()) + 1n;
    // Without the dust rule the same state would close only part of the position.
    const withoutRule = localModel();
    Object.assign(withoutRule, structuredClone({ ...model }));
    withoutRule.markets[0].params = { ...params, minPositionNotional: 0n };
    expect(withoutRule.previewLiquidation(alice, t, RISK).fraction).to.be.lessThan(WAD(1));
    const expected = model.previewLiquidation(alice, t, RISK);
    expect(expected.fraction).to.equal(WAD(1));
    await expect(at(t, () => sys.clearinghouse.connect(sys.bob).liquidate(alice)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(alice, sys.bob.address, expected));
    expect(await sys.lens.positions(alice)).to.have.length(0);
  });

  it("gas at maxPositionsPerAccount (liquidation fits in 25% of 2^24 gas): 32 positions and 4 collateral tokens, partial and full", async function () {
    const BUDGET = 2n ** 24n / 4n; // 4,194,304
    const sys = await loadFixture(fundedFixture);
    const dave = sys.signers[5];
    const id = accountIdOf(dave.address);
    const max = RISK.maxPositionsPerAccount;
    // Markets 2 .. max-1 on assets of their own, at 100 USD.
    const feeds: MockV3Aggregator[] = [sys.ethFeed, sys.btcFeed];
    const answers = [LOCAL_FEEDS[0].initialAnswer, LOCAL_FEEDS[1].initialAnswer];
    for (let i = 2; i < max; i++) {
      const key = assetKey(`M${i}`);
      const feed = (await ethers.deployContract("MockV3Aggregator", [
        8,
        100n * 10n ** 8n,
      ])) as unknown as MockV3Aggregator;
      await sys.oracle.setFeed(key, await feed.getAddress(), 86_400, 1n, ref.MAX_UINT128);
      await sys.clearinghouse.addMarket(toMarketParams({ ...DEFAULT_MARKETS[0], symbol: `M${i}` }));
      feeds.push(feed);
      answers.push(100n * 10n ** 8n);
    }
    // Four non-settlement collateral tokens held (the per-account bound), each priced by its own feed.
    const tokens = [sys.weth, sys.wbtc];
    for (const symbol of ["X1", "X2"]) {
      const token = (await ethers.deployContract("MockERC20", [symbol, symbol, 18])) as unknown as MockERC20;
      await sys.vault.setCollateral(
        await token.getAddress(),
        assetKey("M2"),
        WAD("0.5"),
        0n,
        ref.MAX_UINT128,
      );
      tokens.push(token);
    }
    for (const token of tokens) {
      await token.mint(dave.address, 10n ** 18n);
      await token.connect(dave).approve(await sys.vault.getAddress(), MAX);
      await sys.vault.connect(dave).deposit(0, await token.getAddress(), 10n ** 6n);
    }
    expect(await sys.vault.accountCollaterals(id)).to.have.length(4);
    await mintAndApprove(sys, dave, USDC(4_000), await sys.vault.getAddress());
    await sys.vault.connect(dave).deposit(0, await sys.usdc.getAddress(), USDC(4_000));
    // 32 longs of about 1,000 USD each: about 8x leverage.
    for (let i = 0; i < max; i++) {
      const price = ref.priceToWad(answers[i], 8);
      await sys.clearinghouse.connect(dave).trade(0, i, (WAD(1_000) * math.WAD) / price, MAX);
    }
    expect(await sys.clearinghouse.positionCount(id)).to.equal(BigInt(max));
    const extra = await sys.clearinghouse.addMarket(toMarketParams({ ...DEFAULT_MARKETS[0], symbol: "M2" }));
    await extra.wait();
    await expect(sys.clearinghouse.connect(dave).trade(0, max, WAD(10), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseTooManyPositions")
      .withArgs(id, BigInt(max), BigInt(max));

    const measure = async (dropPermille: bigint) => {
      for (const [i, feed] of feeds.entries())
        await feed.updateAnswer((answers[i] * (1_000n - dropPermille)) / 1_000n);
      expect(await sys.clearinghouse.isLiquidatable(id)).to.equal(true);
      const preview = await sys.clearinghouse.previewLiquidation(id);
      const receipt = await (
        await sys.clearinghouse.connect(sys.bob).liquidate(id, { gasLimit: 2n ** 24n })
      ).wait();
      return { gas: receipt!.gasUsed, fraction: preview.fraction };
    };
    const snapshot = await takeSnapshot();
    const partial = await measure(100n);
    await snapshot.restore();
    const full = await measure(250n);
    expect(partial.fraction).to.be.lessThan(WAD(1));
    expect(full.fraction).to.equal(WAD(1));
    console.log(
      `      liquidation of ${max} positions + 4 collateral tokens: partial ${partial.gas} gas, full ${full.gas} gas (budget ${BUDGET})`,
    );
    expect(partial.gas).to.be.at.most(BUDGET);
    expect(full.gas).to.be.at.most(BUDGET);
  });

  /* ROUNDING AND TIME */

  it("rounding round trips (deposit→withdraw, open→close in one block return at most what went in)", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const dave = sys.signers[5];
    const usdc = await sys.usdc.getAddress();
    const vaultAddress = await sys.vault.getAddress();
    await mintAndApprove(sys, dave, USDC(100_000), vaultAddress);
    const inOneBlock = async (sends: (() => Promise<ContractTransactionResponse>)[]) => {
      await network.provider.send("evm_setAutomine", [false]);
      const txs: ContractTransactionResponse[] = [];
      try {
        for (const send of sends) txs.push(await send());
        await network.provider.send("evm_mine", []);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const receipts = await Promise.all(txs.map((tx) => tx.wait()));
      expect(new Set(receipts.map((r) => r!.blockNumber)).size).to.equal(1);
      return receipts[0]!.blockNumber;
    };
    // deposit → withdraw: exactly what went in, to the unit, for odd amounts.
    for (const amount of [1n, USDC("1234.567891"), USDC(99_999)]) {
      const wallet = await sys.usdc.balanceOf(dave.address);
      await inOneBlock([
        () => sys.vault.connect(dave).deposit(3, usdc, amount, { gasLimit: 1_000_000 }),
        () => sys.vault.connect(dave).withdraw(3, usdc, amount, { gasLimit: 1_000_000 }),
      ]);
      expect(await sys.usdc.balanceOf(dave.address)).to.equal(wallet);
      expect(await sys.vault.balanceOf(accountIdOf(dave.address, 3n), usdc)).to.equal(0n);
    }
    // open → close in one block: never more than went in, and exactly the reference's fees and premium less.
    await trade(sys, model, sys.carol, ETH, WAD("7.5")); // a skew, so both maker and taker fees apply
    const cases: [bigint, bigint][] = [
      [ETH, WAD("0.123456789012345678")],
      [ETH, -WAD("12.3456789")],
      [ETH, -WAD(15)], // crosses the skew of 7.5: maker part then taker part
      [BTC, WAD("0.000172")], // just above the 10 USD minimum
      [BTC, -WAD("0.5")],
    ];
    for (const [i, [marketId, size]] of cases.entries()) {
      const sub = BigInt(10 + i);
      const id = accountIdOf(dave.address, sub);
      await sys.vault.connect(dave).deposit(sub, usdc, USDC(5_000));
      model.deposit(id, USDC(5_000));
      const wallet = await sys.usdc.balanceOf(dave.address);
      const block = await inOneBlock([
        () =>
          sys.clearinghouse
            .connect(dave)
            .trade(sub, marketId, size, size > 0n ? MAX : 0n, { gasLimit: 2_000_000 }),
        () =>
          sys.clearinghouse
            .connect(dave)
            .trade(sub, marketId, -size, size > 0n ? 0n : MAX, { gasLimit: 2_000_000 }),
      ]);
      const t = BigInt((await ethers.provider.getBlock(block))!.timestamp);
      const poolBefore = model.pool + model.insurance;
      model.trade(id, Number(marketId), size, t);
      model.trade(id, Number(marketId), -size, t);
      const balance = await sys.vault.balanceOf(id, usdc);
      expect(balance, `case ${i}`).to.equal(model.balance(id));
      expect(balance, `case ${i}`).to.be.lessThan(USDC(5_000));
      // What the trader lost, the pool and the insurance fund gained, to the unit.
      expect(model.pool + model.insurance - poolBefore).to.equal(USDC(5_000) - balance);
      await sys.vault.connect(dave).withdraw(sub, usdc, balance);
      expect((await sys.usdc.balanceOf(dave.address)) - wallet).to.equal(balance);
    }
    // An LP's deposit → redeem with nothing open in between returns at most what went in.
    await trade(sys, model, sys.carol, ETH, -WAD("7.5"));
    const lp2 = sys.signers[6];
    const assets = USDC("777.777777");
    await mintAndApprove(sys, lp2, assets, await sys.pool.getAddress());
    const supply = await sys.pool.totalSupply();
    const nav = model.pool; // nothing open: the NAV is the pool's ledger
    const shares = sharesForAssets(assets, supply, nav);
    await expect(sys.pool.connect(lp2).deposit(assets, lp2.address))
      .to.emit(sys.pool, "Deposit")
      .withArgs(lp2.address, lp2.address, assets, shares);
    const requested = await txTime(await sys.pool.connect(lp2).requestWithdraw(shares));
    const back = assetsForShares(shares, supply + shares, nav + assets);
    expect(back).to.be.at.most(assets);
    await expect(at(requested + DELAY, () => sys.pool.connect(lp2).redeem(shares, lp2.address, lp2.address)))
      .to.emit(sys.pool, "Withdraw")
      .withArgs(lp2.address, lp2.address, lp2.address, back, shares);
    expect(await sys.usdc.balanceOf(lp2.address)).to.equal(back);
  });

  it("a position opened at a large funding index is still liquidated: size × lastFundingIndex beyond 2^127", async function () {
    // Found by the cascade simulation: the liquidation path multiplied the stored int128 size and index in 128 bits.
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const whale = sys.signers[5];
    await deposit(sys, model, whale, USDC(100_000));
    await trade(sys, model, whale, ETH, WAD(10));
    // Two days of funding at 100% a day (|skew| above the skew scale): the index grows by 2 × price.
    const defaults = DEFAULT_MARKETS[0];
    // The OI cap shrinks with the skew scale (DESIGN §18.17); the open 10 ETH stays.
    const hot = {
      ...defaults,
      skewScale: WAD(1),
      maxOpenInterest: WAD("0.0495"),
      maxFundingRatePerDay: WAD(1),
    };
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(ETH, toMarketParams(hot))));
    model.markets[0].params = hot;
    await time.increase(2n * 86_400n);
    await setEth(sys, model, "3000");
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(ETH, toMarketParams(defaults))));
    model.markets[0].params = defaults;
    // Carol opens 30 ETH at that index: her size × lastFundingIndex no longer fits 128 bits.
    const carol = accountIdOf(sys.carol.address);
    await trade(sys, model, sys.carol, ETH, WAD(30));
    const position = model.position(carol, 0);
    expect(position.size * position.lastFundingIndex).to.be.greaterThan(2n ** 127n);
    await setEth(sys, model, "2750");
    const t = (await latestTime()) + 1n;
    const r = model.previewLiquidation(carol, t, RISK);
    expect(r.before.liquidatable).to.equal(true);
    await expect(at(t, () => sys.clearinghouse.connect(sys.bob).liquidate(carol)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(carol, sys.bob.address, r));
    model.liquidate(carol, accountIdOf(sys.bob.address), t, RISK);
    const [view] = await sys.lens.positions(carol);
    expect(view.size).to.equal(model.position(carol, 0).size);
    // The pool's funding aggregate still matches the positions: its NAV equals the reference.
    expect(await sys.pool.totalAssets()).to.equal(model.poolValue(await latestTime()));
  });

  it("funding at maximum skew for a year of simulated time does not overflow or revert", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const whale = sys.signers[5];
    const id = accountIdOf(whale.address);
    await deposit(sys, model, whale, USDC(100_000));
    await trade(sys, model, whale, ETH, WAD(10));
    // The hardest bounds: funding at 100% a day, |skew| far above the skew scale, the oracle's highest price.
    const params = {
      ...DEFAULT_MARKETS[0],
      skewScale: WAD(1),
      maxOpenInterest: WAD("0.0495"), // the skew-premium bound (DESIGN §18.17); the open 10 ETH stays
      maxFundingRatePerDay: WAD(1),
    };
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(ETH, toMarketParams(params))));
    model.markets[0].params = params;
    const top = ETH_MAX / 10n ** 10n;
    await sys.ethFeed.updateAnswer(top);
    model.setPrice(0, ETH_MAX);
    const t0 = await latestTime();
    await time.increaseTo(t0 + 365n * 86_400n);
    await sys.ethFeed.updateAnswer(top); // a live feed keeps posting
    model.setPrice(0, ETH_MAX);
    const now = await latestTime();
    // A year at the clamp: the index grew by 365 days × 100% × price, exactly as the reference accrues it.
    const index = model.indexAt(0, now);
    expect(index - model.markets[0].fundingIndex).to.equal(
      math.fundingIndexDelta(WAD(10), WAD(1), WAD(1), now - model.markets[0].lastFundingTime, ETH_MAX),
    );
    expect(index).to.be.lessThan(2n ** 127n); // fits the int128 the index is stored in
    const market = await sys.lens.market(ETH);
    expect(market.fundingIndex).to.equal(index);
    const state = await sys.clearinghouse.accountState(id);
    const expected = model.accountState(id, now);
    expect(state.pendingFunding).to.equal(expected.pendingFunding);
    expect(state.equity).to.equal(expected.equity);
    expect(await sys.pool.totalAssets()).to.equal(model.poolValue(now));
    expect(await sys.clearinghouse.isLiquidatable(id)).to.equal(true);
    // The account owes far more than it has: it is closed out, the waterfall covers what it can, nothing reverts.
    const t = now + 1n;
    const r = model.previewLiquidation(id, t, RISK);
    expect(r.fraction).to.equal(WAD(1));
    await expect(at(t, () => sys.clearinghouse.connect(sys.bob).liquidate(id)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(id, sys.bob.address, r));
    model.liquidate(id, accountIdOf(sys.bob.address), t, RISK);
    const usdc = await sys.usdc.getAddress();
    expect(await sys.vault.balanceOf(id, usdc)).to.equal(model.balance(id));
    expect(await sys.vault.poolBalance()).to.equal(model.pool);
    expect(await sys.usdc.balanceOf(await sys.vault.getAddress())).to.equal(
      (await sys.vault.totalAccountBalance(usdc)) + model.pool + model.insurance,
    );
  });

  /* TOKENS */

  it("fee-on-transfer token rejected: deposits, LP deposits and insurance funding credit nothing and revert", async function () {
    const sys = await loadFixture(fundedFixture);
    const [who] = [sys.signers[5]];
    const fee = (await ethers.deployContract("MockFeeOnTransferToken")) as unknown as MockFeeOnTransferToken;
    const feeAddress = await fee.getAddress();
    const amount = USDC(1_000);
    const received = amount - amount / 100n; // the mock burns 1%
    // As collateral of the local stack.
    await sys.vault.setCollateral(feeAddress, ETH_KEY, WAD("0.8"), WAD("0.05"), ref.MAX_UINT128);
    await fee.mint(who.address, 10n * amount);
    await fee.connect(who).approve(await sys.vault.getAddress(), MAX);
    await expect(sys.vault.connect(who).deposit(0, feeAddress, amount))
      .to.be.revertedWithCustomError(sys.vault, "VaultTransferAmountMismatch")
      .withArgs(feeAddress, amount, received);
    expect(await sys.vault.totalAccountBalance(feeAddress)).to.equal(0n);
    // As the settlement token of a stack of its own: trader deposits, LP deposits and insurance funding.
    const stack = await deployStack(feeAddress);
    await fee.connect(who).approve(await stack.vault.getAddress(), MAX);
    await fee.connect(who).approve(await stack.pool.getAddress(), MAX);
    await expect(stack.vault.connect(who).deposit(0, feeAddress, amount))
      .to.be.revertedWithCustomError(stack.vault, "VaultTransferAmountMismatch")
      .withArgs(feeAddress, amount, received);
    await expect(stack.vault.connect(who).fundInsurance(amount))
      .to.be.revertedWithCustomError(stack.vault, "VaultTransferAmountMismatch")
      .withArgs(feeAddress, amount, received);
    await expect(stack.pool.connect(who).deposit(amount, who.address))
      .to.be.revertedWithCustomError(stack.pool, "PoolTransferAmountMismatch")
      .withArgs(amount, received);
    expect(await stack.vault.poolBalance()).to.equal(0n);
    expect(await stack.vault.insuranceBalance()).to.equal(0n);
    expect(await fee.balanceOf(await stack.vault.getAddress())).to.equal(0n);
  });

  it("a token returning false rejected: SafeERC20FailedOperation on the way in and out, the ledgers untouched", async function () {
    const sys = await loadFixture(fundedFixture);
    const who = sys.signers[5];
    const id = accountIdOf(who.address);
    const token = (await ethers.deployContract("MockFalseReturnToken")) as unknown as MockFalseReturnToken;
    const address = await token.getAddress();
    await sys.vault.setCollateral(address, ETH_KEY, WAD("0.8"), WAD("0.05"), ref.MAX_UINT128);
    await token.mint(who.address, WAD(10));
    await token.connect(who).approve(await sys.vault.getAddress(), MAX);
    await token.setFailing(true);
    await expect(sys.vault.connect(who).deposit(0, address, WAD(1)))
      .to.be.revertedWithCustomError(sys.vault, "SafeERC20FailedOperation")
      .withArgs(address);
    expect(await sys.vault.balanceOf(id, address)).to.equal(0n);
    await token.setFailing(false);
    await sys.vault.connect(who).deposit(0, address, WAD(1));
    await token.setFailing(true);
    await expect(sys.vault.connect(who).withdraw(0, address, WAD(1)))
      .to.be.revertedWithCustomError(sys.vault, "SafeERC20FailedOperation")
      .withArgs(address);
    expect(await sys.vault.balanceOf(id, address)).to.equal(WAD(1));
    expect(await sys.vault.totalAccountBalance(address)).to.equal(WAD(1));
    expect(await token.balanceOf(await sys.vault.getAddress())).to.equal(WAD(1));
    expect(await sys.vault.accountCollaterals(id)).to.deep.equal([address]);
    // As a settlement token, the pool refuses it too.
    const stack = await deployStack(address);
    await token.connect(who).approve(await stack.pool.getAddress(), MAX);
    await expect(stack.pool.connect(who).deposit(WAD(1), who.address))
      .to.be.revertedWithCustomError(stack.vault, "SafeERC20FailedOperation")
      .withArgs(address);
  });

  it("a token with transfer hooks that re-enters withdraw, trade, liquidate reverts and nothing is lost", async function () {
    const [, lp, victim] = await ethers.getSigners();
    const token = (await ethers.deployContract("MockHookToken", [6])) as unknown as MockHookToken;
    const tokenAddress = await token.getAddress();
    const stack = await deployStack(tokenAddress);
    const { vault, clearinghouse, pool, ethFeed } = stack;
    const [vaultAddress, chAddress] = [await vault.getAddress(), await clearinghouse.getAddress()];
    await token.mint(lp.address, POOL_LIQUIDITY);
    await token.connect(lp).approve(await pool.getAddress(), MAX);
    await pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
    // A victim to liquidate later.
    await token.mint(victim.address, USDC(1_000));
    await token.connect(victim).approve(vaultAddress, MAX);
    await vault.connect(victim).deposit(0, tokenAddress, USDC(1_000));
    await clearinghouse.connect(victim).trade(0, ETH, WAD(3), MAX);
    // The attacker: a contract with an account of its own, called back on every transfer of the token.
    const attacker = (await ethers.deployContract("ReentrancyAttacker")) as unknown as ReentrancyAttacker;
    const attackerAddress = await attacker.getAddress();
    const attackerId = accountIdOf(attackerAddress);
    const victimId = accountIdOf(victim.address);
    await token.mint(attackerAddress, USDC(100_000));
    await attacker.execute(tokenAddress, token.interface.encodeFunctionData("approve", [vaultAddress, MAX]));
    await attacker.execute(
      vaultAddress,
      vault.interface.encodeFunctionData("deposit", [0, tokenAddress, USDC(50_000)]),
    );
    await token.setHook(attackerAddress);

    const withdrawCall = vault.interface.encodeFunctionData("withdraw", [0, tokenAddress, USDC(1_000)]);
    const depositCall = vault.interface.encodeFunctionData("deposit", [0, tokenAddress, USDC(1_000)]);
    const tradeCall = clearinghouse.interface.encodeFunctionData("trade", [0, ETH, WAD(1), MAX]);
    const liquidateCall = clearinghouse.interface.encodeFunctionData("liquidate", [victimId]);
    const state = async () => ({
      held: await token.balanceOf(vaultAddress),
      wallet: await token.balanceOf(attackerAddress),
      attacker: await vault.balanceOf(attackerId, tokenAddress),
      victim: await vault.balanceOf(victimId, tokenAddress),
      pool: await vault.poolBalance(),
      insurance: await vault.insuranceBalance(),
      attackerPositions: (await stack.lens.positions(attackerId)).length,
      victimPositions: (await stack.lens.positions(victimId)).map((p) => p.size),
    });

    // Unarmed, the hook runs on every transfer and changes nothing: withdraw and deposit work.
    await attacker.execute(vaultAddress, withdrawCall);
    await attacker.execute(vaultAddress, depositCall);
    // Each re-entrant call works on its own, outside a transfer (the trade is undone at once).
    await attacker.execute(chAddress, tradeCall);
    await attacker.execute(
      chAddress,
      clearinghouse.interface.encodeFunctionData("trade", [0, ETH, -WAD(1), 0n]),
    );

    await ethFeed.updateAnswer(ethers.parseUnits("2750", 8)); // the victim is now liquidatable
    expect(await clearinghouse.isLiquidatable(victimId)).to.equal(true);
    for (const [what, target, payload] of [
      ["withdraw", vaultAddress, withdrawCall],
      ["trade", chAddress, tradeCall],
      ["liquidate", chAddress, liquidateCall],
    ] as const) {
      // Re-entering from inside a withdrawal's transfer out, and from inside a deposit's transfer in.
      for (const outer of [withdrawCall, depositCall]) {
        const before = await state();
        await attacker.arm(target, payload);
        await expect(attacker.execute(vaultAddress, outer), what).to.be.revertedWithCustomError(
          vault,
          "ReentrancyGuardReentrantCall",
        );
        expect(await state(), `${what}: nothing moved`).to.deep.equal(before);
      }
    }
    expect(await attacker.reentries()).to.equal(0n); // every armed attempt was rolled back with its transaction
    // The victim is still there to be liquidated the normal way.
    await expect(clearinghouse.connect(lp).liquidate(victimId)).to.emit(clearinghouse, "Liquidated");
  });

  /* LIQUIDITY POOL */

  it("ERC-4626 first-depositor inflation attack leaves the victim whole within ε (one token unit)", async function () {
    const sys = await loadFixture(deployFixture);
    const [attacker, victim] = [sys.signers[5], sys.signers[6]];
    const poolAddress = await sys.pool.getAddress();
    for (const who of [attacker, victim]) await mintAndApprove(sys, who, USDC(300_000), poolAddress);
    // 1. The attacker is first, with one unit.
    const attackerShares = sharesForAssets(1n, 0n, 0n);
    await expect(sys.pool.connect(attacker).deposit(1n, attacker.address))
      .to.emit(sys.pool, "Deposit")
      .withArgs(attacker.address, attacker.address, 1n, attackerShares);
    // 2. ... and donates 100,000 USDC to the Vault and 100,000 to the pool contract: neither is the pool's ledger.
    await sys.usdc.connect(attacker).transfer(await sys.vault.getAddress(), USDC(100_000));
    await sys.usdc.connect(attacker).transfer(poolAddress, USDC(100_000));
    expect(await sys.pool.totalAssets()).to.equal(1n);
    // 3. The victim deposits 10,000 USDC at an unmoved share price.
    const assets = USDC(10_000);
    const victimShares = sharesForAssets(assets, attackerShares, 1n);
    await expect(sys.pool.connect(victim).deposit(assets, victim.address))
      .to.emit(sys.pool, "Deposit")
      .withArgs(victim.address, victim.address, assets, victimShares);
    // 4. After the delay both leave; the victim is whole within one unit, the attacker gets at most its unit back.
    const supply = attackerShares + victimShares;
    const nav = 1n + assets;
    const requested = await txTime(await sys.pool.connect(victim).requestWithdraw(victimShares));
    await sys.pool.connect(attacker).requestWithdraw(attackerShares);
    const victimBack = assetsForShares(victimShares, supply, nav);
    expect(victimBack).to.be.closeTo(assets, 1n);
    await expect(
      at(requested + DELAY, () =>
        sys.pool.connect(victim).redeem(victimShares, victim.address, victim.address),
      ),
    )
      .to.emit(sys.pool, "Withdraw")
      .withArgs(victim.address, victim.address, victim.address, victimBack, victimShares);
    const attackerBack = assetsForShares(attackerShares, attackerShares, nav - victimBack);
    expect(attackerBack).to.be.at.most(1n);
    if (attackerBack > 0n) {
      await sys.pool.connect(attacker).redeem(attackerShares, attacker.address, attacker.address);
    }
    expect(await sys.usdc.balanceOf(victim.address)).to.equal(USDC(300_000) - assets + victimBack);
  });

  it("a price feed that calls back into the Clearinghouse cannot re-enter trade or liquidate", async function () {
    const sys = await loadFixture(fundedFixture);
    const { clearinghouse } = sys;
    const feed = (await ethers.deployContract("MockReentrantFeed", [
      ethers.parseUnits("3000", 8),
    ])) as unknown as MockReentrantFeed;
    await sys.oracle.setFeed(ETH_KEY, await feed.getAddress(), 86_400, ETH_MIN, ETH_MAX);
    const chAddress = await clearinghouse.getAddress();
    const alice = accountIdOf(sys.alice.address);
    await clearinghouse.connect(sys.alice).trade(0, ETH, WAD(30), MAX);
    const calls = [
      clearinghouse.interface.encodeFunctionData("trade", [0, ETH, WAD(1), MAX]),
      clearinghouse.interface.encodeFunctionData("liquidate", [alice]),
    ];
    const positions = async () => (await sys.lens.positions(alice)).map((p) => p.size);
    // Armed, the feed's read inside a trade calls back into the Clearinghouse: the guard refuses it.
    for (const payload of calls) {
      await feed.arm(chAddress, payload);
      await expect(clearinghouse.connect(sys.bob).trade(0, ETH, WAD(1), MAX)).to.be.revertedWithCustomError(
        clearinghouse,
        "ReentrancyGuardReentrantCall",
      );
    }
    await feed.arm(ethers.ZeroAddress, "0x");
    await feed.setAnswer(ethers.parseUnits("2750", 8));
    expect(await clearinghouse.isLiquidatable(alice)).to.equal(true);
    // The same inside a liquidation, and nothing moves.
    for (const payload of calls) {
      await feed.arm(chAddress, payload);
      await expect(clearinghouse.connect(sys.bob).liquidate(alice)).to.be.revertedWithCustomError(
        clearinghouse,
        "ReentrancyGuardReentrantCall",
      );
      await feed.arm(ethers.ZeroAddress, "0x");
      expect(await positions()).to.deep.equal([WAD(30)]);
    }
    // Disarmed, both go through.
    await expect(clearinghouse.connect(sys.bob).liquidate(alice)).to.emit(clearinghouse, "Liquidated");
    await expect(clearinghouse.connect(sys.bob).trade(0, ETH, WAD(1), MAX)).to.emit(
      clearinghouse,
      "TradeExecuted",
    );
  });

  it("every re-entrancy-guarded entry point of the Vault and the pool refuses a call from inside a token transfer", async function () {
    const [, lp] = await ethers.getSigners();
    const token = (await ethers.deployContract("MockHookToken", [6])) as unknown as MockHookToken;
    const tokenAddress = await token.getAddress();
    const { vault, pool } = await deployStack(tokenAddress);
    const [vaultAddress, poolAddress] = [await vault.getAddress(), await pool.getAddress()];
    await token.mint(lp.address, POOL_LIQUIDITY);
    await token.connect(lp).approve(poolAddress, MAX);
    await pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
    const attacker = (await ethers.deployContract("ReentrancyAttacker")) as unknown as ReentrancyAttacker;
    const attackerAddress = await attacker.getAddress();
    const attackerId = accountIdOf(attackerAddress);
    await token.mint(attackerAddress, USDC(100_000));
    for (const spender of [vaultAddress, poolAddress]) {
      await attacker.execute(tokenAddress, token.interface.encodeFunctionData("approve", [spender, MAX]));
    }
    await attacker.execute(
      vaultAddress,
      vault.interface.encodeFunctionData("deposit", [0, tokenAddress, USDC(1_000)]),
    );
    await attacker.execute(
      poolAddress,
      pool.interface.encodeFunctionData("deposit", [USDC(1_000), attackerAddress]),
    );
    await token.setHook(attackerAddress);

    const v = (fn: string, args: unknown[]) =>
      [vaultAddress, (vault.interface as Interface).encodeFunctionData(fn, args)] as const;
    const p = (fn: string, args: unknown[]) =>
      [poolAddress, (pool.interface as Interface).encodeFunctionData(fn, args)] as const;
    const vaultCalls = {
      deposit: v("deposit", [0, tokenAddress, USDC(1)]),
      depositFor: v("depositFor", [attackerId, tokenAddress, USDC(1)]),
      withdraw: v("withdraw", [0, tokenAddress, USDC(1)]),
      fundInsurance: v("fundInsurance", [USDC(1)]),
      liquidateCollateral: v("liquidateCollateral", [attackerId, tokenAddress, USDC(1)]),
      settleBadDebt: v("settleBadDebt", [attackerId]),
      transferSettlement: v("transferSettlement", [attackerId, 1n, -1n, 0n]),
      settleLiquidation: v("settleLiquidation", [attackerId, 0n, attackerId, 0n, 0n, 0n, false]),
      fundPool: v("fundPool", [attackerAddress, USDC(1)]),
      defundPool: v("defundPool", [attackerAddress, USDC(1)]),
    };
    const poolCalls = {
      deposit: p("deposit", [USDC(1), attackerAddress]),
      mint: p("mint", [10n ** 6n, attackerAddress]),
      withdraw: p("withdraw", [USDC(1), attackerAddress, attackerAddress]),
      redeem: p("redeem", [1n, attackerAddress, attackerAddress]),
      requestWithdraw: p("requestWithdraw", [1n]),
      cancelWithdraw: p("cancelWithdraw", []),
    };
    const state = async () => ({
      held: await token.balanceOf(vaultAddress),
      wallet: await token.balanceOf(attackerAddress),
      account: await vault.balanceOf(attackerId, tokenAddress),
      ledgers: [await vault.poolBalance(), await vault.insuranceBalance()],
      shares: [await pool.balanceOf(attackerAddress), await pool.totalSupply()],
    });
    // The Vault's guard: from inside the transfer in of a deposit and the transfer out of a withdrawal.
    const vaultOuters = [vaultCalls.deposit, vaultCalls.withdraw];
    // The pool's guard: from inside the transfer in of an LP deposit.
    const poolOuters = [poolCalls.deposit];
    for (const [outers, calls, guard] of [
      [vaultOuters, vaultCalls, vault],
      [poolOuters, poolCalls, pool],
    ] as const) {
      for (const [name, [target, payload]] of Object.entries(calls)) {
        for (const [outerTarget, outerPayload] of outers) {
          const before = await state();
          await attacker.arm(target, payload);
          await expect(attacker.execute(outerTarget, outerPayload), name).to.be.revertedWithCustomError(
            guard,
            "ReentrancyGuardReentrantCall",
          );
          expect(await state(), `${name}: nothing moved`).to.deep.equal(before);
        }
      }
    }
    expect(await attacker.reentries()).to.equal(0n);
    // Disarmed, the outer calls work.
    await attacker.arm(ethers.ZeroAddress, "0x");
    await token.setHook(ethers.ZeroAddress);
    await attacker.execute(...vaultCalls.deposit);
    await attacker.execute(...poolCalls.deposit);
  });

  it("an LP cannot exit ahead of a known bad debt: no request, no exit; by the time one matures the loss is booked", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const [, lp] = sys.signers;
    const dave = sys.signers[5];
    const daveId = accountIdOf(dave.address);
    const shares = await sys.pool.balanceOf(lp.address);
    const supply = await sys.pool.totalSupply();
    await deposit(sys, model, dave, USDC(1_000));
    await trade(sys, model, dave, ETH, WAD(3));
    // The crash makes Dave's loss larger than his collateral: a bad debt everyone can see coming.
    await setEth(sys, model, "2500");
    const tCrash = await latestTime();
    expect(model.accountState(daveId, tCrash).equity).to.be.lessThan(0n);
    // The LP holds no request: it cannot redeem at all...
    await expect(sys.pool.connect(lp).redeem(shares, lp.address, lp.address))
      .to.be.revertedWithCustomError(sys.pool, "PoolWithdrawalExceedsRequest")
      .withArgs(lp.address, shares, 0n);
    // ...and a request made now matures a full delay later.
    const requested = await txTime(await sys.pool.connect(lp).requestWithdraw(shares));
    const t = requested + 1n;
    await expect(at(t, () => sys.pool.connect(lp).redeem(shares, lp.address, lp.address)))
      .to.be.revertedWithCustomError(sys.pool, "PoolWithdrawalNotReady")
      .withArgs(lp.address, requested + DELAY, t);
    // Had it been able to leave now, it would have been paid at a NAV that still counts Dave's unpaid loss.
    const tl = t + 1n;
    const exitAhead = assetsForShares(shares, supply, model.poolValue(tl));
    // Keepers book the loss long before the request matures.
    const r = model.previewLiquidation(daveId, tl, RISK);
    expect(r.badDebt).to.be.greaterThan(0n);
    expect(r.poolWriteOff).to.be.greaterThan(0n); // the insurance fund cannot pay it all: the pool does
    await at(tl, () => sys.clearinghouse.connect(sys.bob).liquidate(daveId));
    model.liquidate(daveId, accountIdOf(sys.bob.address), tl, RISK);
    // At maturity the LP redeems at the NAV after the write-off: its share of the bad debt is in the price.
    const tr = requested + DELAY;
    const assets = assetsForShares(shares, supply, model.poolValue(tr));
    await expect(at(tr, () => sys.pool.connect(lp).redeem(shares, lp.address, lp.address)))
      .to.emit(sys.pool, "Withdraw")
      .withArgs(lp.address, lp.address, lp.address, assets, shares);
    expect(assets).to.be.lessThan(exitAhead);
  });

  /* ADMINISTRATION */

  it("pause never blocks closing, withdrawing free collateral or liquidation", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = await modelOf(sys);
    const [, lp] = sys.signers;
    const usdc = await sys.usdc.getAddress();
    const [aliceId, bobId] = [accountIdOf(sys.alice.address), accountIdOf(sys.bob.address)];
    await trade(sys, model, sys.alice, ETH, WAD(5));
    await trade(sys, model, sys.bob, ETH, WAD(30));
    const requested = await txTime(await sys.pool.connect(lp).requestWithdraw(1_000_000n));
    await sys.clearinghouse.pause();
    await sys.pool.pause();
    // Risk-increasing actions stop: opening, increasing, flipping, LP deposits.
    for (const send of [
      () => sys.clearinghouse.connect(sys.carol).trade(0, ETH, WAD(1), MAX),
      () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX),
      () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(6), 0n),
    ]) {
      await expect(send()).to.be.revertedWithCustomError(sys.clearinghouse, "EnforcedPause");
    }
    await expect(sys.pool.connect(lp).deposit(USDC(1), lp.address)).to.be.revertedWithCustomError(
      sys.pool,
      "EnforcedPause",
    );
    // Reducing and closing go on.
    await trade(sys, model, sys.alice, ETH, -WAD(2));
    // Withdrawing free collateral goes on, for an account with a position and one without.
    const t = (await latestTime()) + 1n;
    const st = model.accountState(aliceId, t);
    const free = math.divFloor(st.equity - st.initialMargin, TO_WAD);
    await expect(at(t, () => sys.vault.connect(sys.alice).withdraw(0, usdc, free))).to.emit(
      sys.vault,
      "Withdrawn",
    );
    model.withdraw(aliceId, free);
    await trade(sys, model, sys.alice, ETH, -WAD(3));
    await expect(sys.vault.connect(sys.carol).withdraw(0, usdc, TRADER_DEPOSIT)).to.emit(
      sys.vault,
      "Withdrawn",
    );
    // Liquidation goes on.
    await setEth(sys, model, "2750");
    const tl = (await latestTime()) + 1n;
    const r = model.previewLiquidation(bobId, tl, RISK);
    await expect(at(tl, () => sys.clearinghouse.connect(sys.carol).liquidate(bobId)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(bobId, sys.carol.address, r));
    // LPs with a matured request leave.
    await expect(
      at(requested + DELAY, () => sys.pool.connect(lp).redeem(1_000_000n, lp.address, lp.address)),
    ).to.emit(sys.pool, "Withdraw");
    await sys.clearinghouse.unpause();
    await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX)).to.emit(
      sys.clearinghouse,
      "TradeExecuted",
    );
  });

  it("every role-gated function refuses the wrong caller with the role in the error", async function () {
    const sys = await loadFixture(fundedFixture);
    const { oracle, vault, clearinghouse, pool } = sys;
    const [stranger, riskAdmin, guardian] = [sys.signers[10], sys.signers[11], sys.signers[12]];
    // Holders of one role each, so every function is also tried by someone holding the other roles.
    for (const c of [oracle, vault, clearinghouse, pool]) await c.grantRole(RISK_ADMIN, riskAdmin.address);
    for (const c of [clearinghouse, pool]) await c.grantRole(GUARDIAN, guardian.address);
    const holders: Record<string, HardhatEthersSigner[]> = {
      [DEFAULT_ADMIN_ROLE]: [sys.admin],
      [RISK_ADMIN]: [sys.admin, riskAdmin],
      [GUARDIAN]: [sys.admin, guardian],
    };
    const everyone = [stranger, riskAdmin, guardian, sys.alice];
    const market = toMarketParams(DEFAULT_MARKETS[0]);
    const weth = await sys.weth.getAddress();
    const timelock = await ethers.deployContract("TimelockController", [
      3_600,
      [riskAdmin.address],
      [guardian.address],
      ethers.ZeroAddress,
    ]);
    const [PROPOSER, EXECUTOR, CANCELLER] = [
      await timelock.PROPOSER_ROLE(),
      await timelock.EXECUTOR_ROLE(),
      await timelock.CANCELLER_ROLE(),
    ];
    const salt = ethers.ZeroHash;
    const operation = [
      await pool.getAddress(),
      0n,
      pool.interface.encodeFunctionData("pause"),
      ethers.ZeroHash,
      salt,
    ] as const;
    type Gated = [
      string,
      { interface: { getFunction(n: string): unknown } } & object,
      string,
      unknown[],
      string,
    ];
    const gated: Gated[] = [
      ["PriceOracle", oracle, "setFeed", [ETH_KEY, await sys.ethFeed.getAddress(), 1, 1n, 1n], RISK_ADMIN],
      ["PriceOracle", oracle, "setSequencerUptimeFeed", [ethers.ZeroAddress, 0], DEFAULT_ADMIN_ROLE],
      ["PriceOracle", oracle, "setStalenessBuffer", [600], RISK_ADMIN],
      ["Vault", vault, "initialize", [stranger.address, stranger.address], DEFAULT_ADMIN_ROLE],
      ["Vault", vault, "setCollateral", [weth, ETH_KEY, WAD("0.8"), 0n, 1n], RISK_ADMIN],
      ["Vault", vault, "setMaxCollateralsPerAccount", [4], RISK_ADMIN],
      ["Vault", vault, "setCollateralLiquidationBuffer", [WAD("0.1")], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "addMarket", [market], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "setMarketParams", [ETH, market], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "setRiskParams", [{ ...RISK }], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "pause", [], GUARDIAN],
      ["Clearinghouse", clearinghouse, "unpause", [], GUARDIAN],
      ["LiquidityPool", pool, "setWithdrawalDelay", [DELAY, 7_200n], RISK_ADMIN],
      ["LiquidityPool", pool, "pause", [], GUARDIAN],
      ["LiquidityPool", pool, "unpause", [], GUARDIAN],
    ];
    for (const [name, c] of [
      ["PriceOracle", oracle],
      ["Vault", vault],
      ["Clearinghouse", clearinghouse],
      ["LiquidityPool", pool],
    ] as const) {
      gated.push([name, c, "grantRole", [RISK_ADMIN, stranger.address], DEFAULT_ADMIN_ROLE]);
      gated.push([name, c, "revokeRole", [RISK_ADMIN, riskAdmin.address], DEFAULT_ADMIN_ROLE]);
    }
    for (const [name, c, fn, args, role] of gated) {
      const contract = c as unknown as {
        connect(s: HardhatEthersSigner): Record<string, { staticCall(...a: unknown[]): Promise<unknown> }>;
      };
      for (const caller of everyone.filter((x) => !holders[role].includes(x))) {
        await expect(contract.connect(caller)[fn].staticCall(...args), `${name}.${fn} by ${caller.address}`)
          .to.be.revertedWithCustomError(c as unknown as Vault, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      // The role's holder passes the role check (the call may still fail its own checks, e.g. initialize twice).
      const holder = holders[role][holders[role].length - 1];
      const error = await contract
        .connect(holder)
        [fn].staticCall(...args)
        .then(
          () => null,
          (e: { data?: string }) =>
            e.data ? (c as unknown as Vault).interface.parseError(e.data)?.name : "unknown",
        );
      expect(error, `${name}.${fn} by its role holder`).to.not.equal("AccessControlUnauthorizedAccount");
    }
    // The governance timelock of real deployments: proposer, executor and canceller roles, and the self-only delay.
    for (const [fn, args, role] of [
      ["schedule", [...operation, 3_600n], PROPOSER],
      ["cancel", [ethers.ZeroHash], CANCELLER],
      ["execute", operation, EXECUTOR],
    ] as const) {
      await expect(
        (timelock.connect(stranger) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](
          ...args,
        ),
      )
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
    }
    await expect(timelock.connect(riskAdmin).updateDelay(1n))
      .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
      .withArgs(riskAdmin.address);
    // Ledger moves: the Clearinghouse and the pool only, whoever else calls, admins included.
    const id = accountIdOf(stranger.address);
    for (const [fn, args] of [
      ["transferSettlement", [id, 1n, -1n, 0n]],
      ["settleLiquidation", [id, -1n, id, 1n, 0n, 0n, false]],
      ["fundPool", [stranger.address, 1n]],
      ["defundPool", [stranger.address, 1n]],
    ] as const) {
      for (const caller of [stranger, sys.admin]) {
        await expect(
          (vault.connect(caller) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](
            ...args,
          ),
        )
          .to.be.revertedWithCustomError(vault, "VaultUnauthorizedCaller")
          .withArgs(caller.address);
      }
    }
    // Every state-changing function of the four contracts is in one of the lists: a new one must be classified here.
    const open: Record<string, string[]> = {
      PriceOracle: ["renounceRole"],
      Vault: [
        "deposit",
        "depositFor",
        "withdraw",
        "liquidateCollateral",
        "settleBadDebt",
        "fundInsurance",
        "renounceRole",
      ],
      Clearinghouse: ["trade", "liquidate", "deleverage", "renounceRole"],
      LiquidityPool: [
        "deposit",
        "mint",
        "withdraw",
        "redeem",
        "requestWithdraw",
        "cancelWithdraw",
        "approve",
        "transfer",
        "transferFrom",
        "renounceRole",
      ],
    };
    const callerGated: Record<string, string[]> = {
      Vault: ["transferSettlement", "settleLiquidation", "fundPool", "defundPool"],
    };
    for (const name of Object.keys(open)) {
      const abi = (await artifacts.readArtifact(name)).abi as {
        type: string;
        name: string;
        stateMutability: string;
      }[];
      const mutating = new Set(
        abi
          .filter((f) => f.type === "function" && !["view", "pure"].includes(f.stateMutability))
          .map((f) => f.name),
      );
      const classified = new Set([
        ...open[name],
        ...(callerGated[name] ?? []),
        ...gated.filter((g) => g[0] === name).map((g) => g[2]),
      ]);
      expect([...mutating].sort(), name).to.deep.equal([...classified].sort());
    }
  });
});
