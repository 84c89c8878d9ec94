import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  ETH,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  deployFixture,
  fundedFixture,
  latestTime,
  mintAndApprove,
  setPrice,
  txTime,
} from "../shared/fixtures";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../deploy/config";
import { KeelModel, localModel } from "../shared/model";
import * as math from "../shared/math";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

const MAX = ethers.MaxUint256;
const name = (s: string) => ethers.encodeBytes32String(s);
const RISK_ADMIN = ethers.id("RISK_ADMIN");
const GUARDIAN = ethers.id("GUARDIAN");

type Sys = Awaited<ReturnType<typeof fundedFixture>>;

/** The risk parameters as plain bigints, from a config object or the contract's struct. */
const riskOf = (r: { [K in keyof typeof DEFAULT_RISK]: bigint | number }) =>
  Object.fromEntries(Object.keys(DEFAULT_RISK).map((k) => [k, BigInt(r[k as keyof typeof DEFAULT_RISK])]));

/** Opens the funded fixture with a model that already knows the traders' deposits. */
async function setup() {
  const sys = await loadFixture(fundedFixture);
  const model = localModel();
  for (const t of [sys.alice, sys.bob, sys.carol]) model.deposit(accountIdOf(t.address), TRADER_DEPOSIT);
  model.pool = await sys.vault.poolBalance(); // the LP's deposit, an input of the fixture
  return { sys, model };
}

/** Sends a trade with no price limit and applies it to the model at the block time it landed in. */
async function trade(
  sys: Sys,
  model: KeelModel,
  who: HardhatEthersSigner,
  marketId: bigint,
  delta: bigint,
  sub = 0n,
) {
  const tx = await sys.clearinghouse.connect(who).trade(sub, marketId, delta, delta > 0n ? MAX : 0n);
  const ref = model.trade(accountIdOf(who.address, sub), Number(marketId), delta, await txTime(tx));
  return { tx, ref };
}

function expectState(actual: math.AccountStateRef, expected: math.AccountStateRef) {
  expect({
    equity: actual.equity,
    collateralValue: actual.collateralValue,
    unrealizedPnl: actual.unrealizedPnl,
    pendingFunding: actual.pendingFunding,
    initialMargin: actual.initialMargin,
    maintenanceMargin: actual.maintenanceMargin,
    freeCollateral: actual.freeCollateral,
    liquidatable: actual.liquidatable,
  }).to.deep.equal(expected);
}

describe("Clearinghouse", function () {
  describe("#addMarket", function () {
    const base = toMarketParams(DEFAULT_MARKETS[0]);
    const cases: [string, Partial<typeof base>, string, bigint][] = [
      ["liquidationFee is zero", { liquidationFee: 0n }, "liquidationFee", 0n],
      ["mmf equals liquidationFee", { mmf: base.liquidationFee }, "mmf", base.liquidationFee],
      ["imf equals mmf", { imf: base.mmf }, "imf", base.mmf],
      ["imf is above 1", { imf: WAD(1) + 1n }, "imf", WAD(1) + 1n],
      ["takerFee is above 1%", { takerFee: WAD("0.01") + 1n }, "takerFee", WAD("0.01") + 1n],
      ["makerFee is above 1%", { makerFee: WAD("0.01") + 1n }, "makerFee", WAD("0.01") + 1n],
      [
        "maxFundingRatePerDay is above 100%",
        { maxFundingRatePerDay: WAD(1) + 1n },
        "maxFundingRatePerDay",
        WAD(1) + 1n,
      ],
      ["skewScale is zero", { skewScale: 0n }, "skewScale", 0n],
      ["maxOpenInterest is zero", { maxOpenInterest: 0n }, "maxOpenInterest", 0n],
      [
        "maxLiquidationNotionalPerWindow is zero",
        { maxLiquidationNotionalPerWindow: 0n },
        "maxLiquidationNotionalPerWindow",
        0n,
      ],
      [
        "maxLiquidationNotionalPerWindow does not fit in 96 bits",
        { maxLiquidationNotionalPerWindow: 2n ** 96n },
        "maxLiquidationNotionalPerWindow",
        2n ** 96n,
      ],
      ["liquidationWindow is zero", { liquidationWindow: 0 }, "liquidationWindow", 0n],
    ];
    for (const [title, patch, param, value] of cases) {
      it(`reverts when ${title}`, async function () {
        const { sys } = await setup();
        await expect(sys.clearinghouse.addMarket({ ...base, ...patch }))
          .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidParameter")
          .withArgs(name(param), value);
      });
    }

    it("accepts the bounds themselves (imf = 1, fees = 1%, funding = 100%/day)", async function () {
      const { sys } = await setup();
      const params = {
        ...base,
        imf: WAD(1),
        takerFee: WAD("0.01"),
        makerFee: WAD("0.01"),
        maxFundingRatePerDay: WAD(1),
      };
      await expect(sys.clearinghouse.addMarket(params)).to.emit(sys.clearinghouse, "MarketAdded");
      expect(await sys.clearinghouse.marketCount()).to.equal(3n);
    });

    it("accepts a window cap of 2^96 - 1 and lists ids up to 255, refusing id 256 with ClearinghouseTooManyMarkets", async function () {
      const { sys } = await setup();
      const widest = { ...base, maxLiquidationNotionalPerWindow: 2n ** 96n - 1n };
      await expect(sys.clearinghouse.addMarket(widest))
        .to.emit(sys.clearinghouse, "MarketAdded")
        .withArgs(2n, anyValue);
      for (let id = 3; id < 256; id++) await sys.clearinghouse.addMarket(base);
      expect(await sys.clearinghouse.marketCount()).to.equal(256n);
      await expect(sys.clearinghouse.addMarket(base))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseTooManyMarkets")
        .withArgs(256n);
    });

    it("reverts for an asset without a feed and for the zero asset", async function () {
      const { sys } = await setup();
      const asset = name("DOGE");
      await expect(sys.clearinghouse.addMarket({ ...base, asset }))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidParameter")
        .withArgs(name("asset"), BigInt(asset));
      // The zero asset marks an unknown market id, so it can never be listed.
      await expect(sys.clearinghouse.addMarket({ ...base, asset: ethers.ZeroHash }))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidParameter")
        .withArgs(name("asset"), 0n);
    });

    it("refuses a caller without the risk admin role", async function () {
      const { sys } = await setup();
      await expect(sys.clearinghouse.connect(sys.alice).addMarket(base))
        .to.be.revertedWithCustomError(sys.clearinghouse, "AccessControlUnauthorizedAccount")
        .withArgs(sys.alice.address, RISK_ADMIN);
    });
  });

  describe("#setMarketParams and #setRiskParams", function () {
    it("accrues funding under the old parameters before changing them", async function () {
      const { sys, model } = await setup();
      await trade(sys, model, sys.alice, ETH, WAD(10));
      await time.increase(3_600);
      const params = { ...toMarketParams(DEFAULT_MARKETS[0]), maxFundingRatePerDay: 0n };
      const tx = await sys.clearinghouse.setMarketParams(ETH, params);
      model.accrue(0, await txTime(tx));
      model.markets[0].params = { ...model.markets[0].params, maxFundingRatePerDay: 0n };
      await time.increase(3_600);
      const [view] = await sys.lens.positions(accountIdOf(sys.alice.address));
      const pos = model.position(accountIdOf(sys.alice.address), 0);
      expect(view.pendingFunding).to.equal(
        math.fundingOwed(pos.size, model.indexAt(0, await latestTime()), pos.lastFundingIndex),
      );
      expect(view.pendingFunding).to.be.greaterThan(0n);
    });

    it("refuses to update a market that is not listed with ClearinghouseUnknownMarket", async function () {
      const { sys } = await setup();
      await expect(sys.clearinghouse.setMarketParams(2n, toMarketParams(DEFAULT_MARKETS[0])))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnknownMarket")
        .withArgs(2n);
    });

    it("refuses to change a market's asset", async function () {
      const { sys } = await setup();
      const params = { ...toMarketParams(DEFAULT_MARKETS[0]), asset: name("BTC") };
      await expect(sys.clearinghouse.setMarketParams(ETH, params))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidParameter")
        .withArgs(name("asset"), BigInt(name("BTC")));
    });

    it("bounds the risk parameters", async function () {
      const { sys } = await setup();
      const ok = { ...DEFAULT_RISK };
      for (const [field, value] of [
        ["maxPositionsPerAccount", 0n],
        ["maxPositionsPerAccount", 65n],
        ["insuranceFeeShare", WAD(1) + 1n],
        ["maxOpenInterestToPool", 0n],
        ["maxOpenInterestToPool", WAD(10) + 1n],
        ["liquidationBuffer", WAD(1) + 1n],
        ["keeperShare", WAD(1) + 1n],
        ["minKeeperReward", ok.maxKeeperReward + 1n],
        ["maxPnlToPool", 0n],
        ["maxPnlToPool", WAD(1)],
      ] as const) {
        await expect(sys.clearinghouse.setRiskParams({ ...ok, [field]: value }))
          .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidParameter")
          .withArgs(name(field), value);
      }
      await expect(
        sys.clearinghouse.setRiskParams({ ...ok, minKeeperReward: 0n, maxKeeperReward: 2n ** 96n }),
      )
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidParameter")
        .withArgs(name("maxKeeperReward"), 2n ** 96n);
      // The bounds themselves are accepted.
      const widest = {
        ...ok,
        liquidationBuffer: WAD(1),
        keeperShare: WAD(1),
        minKeeperReward: 2n ** 96n - 1n,
        maxKeeperReward: 2n ** 96n - 1n,
        maxPnlToPool: WAD(1) - 1n,
      };
      await expect(sys.clearinghouse.setRiskParams(widest)).to.emit(sys.clearinghouse, "RiskParamsUpdated");
      expect(riskOf(await sys.lens.riskParams())).to.deep.equal(riskOf(widest));
      await expect(sys.clearinghouse.setRiskParams({ ...ok, maxPositionsPerAccount: 64 })).to.emit(
        sys.clearinghouse,
        "RiskParamsUpdated",
      );
    });
  });

  describe("#trade", function () {
    it("opens a long at the skew-premium fill and charges the taker fee", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      const delta = WAD(2);
      const { tx, ref } = await trade(sys, model, sys.alice, ETH, delta);
      // From an empty book: fill = 3000 * (1 + 2 / (2 * 100000)), taker fee 5 bp.
      expect(ref.fill).to.equal(WAD(3000) + math.divCeil(WAD(3000) * delta, 2n * WAD(100_000)));
      await expect(tx)
        .to.emit(sys.clearinghouse, "TradeExecuted")
        .withArgs(
          id,
          ETH,
          delta,
          ref.fill,
          ref.fee,
          0n,
          0n,
          ref.accountDelta,
          ref.newSize,
          ref.newOpenNotional,
        );
      expect(await sys.vault.balanceOf(id, await sys.usdc.getAddress())).to.equal(model.balance(id));
      expect(await sys.vault.poolBalance()).to.equal(model.pool);
      expect(await sys.vault.insuranceBalance()).to.equal(model.insurance);
      expectState(await sys.clearinghouse.accountState(id), model.accountState(id, await latestTime()));
    });

    it("charges the maker fee on the part that reduces the skew and the taker fee on the rest", async function () {
      const { sys, model } = await setup();
      await trade(sys, model, sys.alice, ETH, WAD(3));
      const { ref } = await trade(sys, model, sys.bob, ETH, -WAD(5));
      const split = math.tradeFee(
        WAD(3),
        -WAD(5),
        ref.fill,
        DEFAULT_MARKETS[0].makerFee,
        DEFAULT_MARKETS[0].takerFee,
      );
      expect(split.makerSize).to.equal(WAD(3));
      expect(split.takerSize).to.equal(WAD(2));
      const bob = accountIdOf(sys.bob.address);
      expect(await sys.vault.balanceOf(bob, await sys.usdc.getAddress())).to.equal(model.balance(bob));
      expect(await sys.vault.insuranceBalance()).to.equal(model.insurance);
    });

    it("increases, reduces, flips and closes with realized PnL matching the reference", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      const usdc = await sys.usdc.getAddress();
      const steps: [bigint, string][] = [
        [WAD("1.5"), "3000"],
        [WAD("0.5"), "3100"],
        [-WAD("0.7"), "3250"],
        [-WAD("2.3"), "2900"], // flip to short 1
        [WAD(1), "2800"], // close
      ];
      for (const [delta, price] of steps) {
        await setPrice(sys.ethFeed, price);
        model.setPrice(0, WAD(price));
        const { tx, ref } = await trade(sys, model, sys.alice, ETH, delta);
        await expect(tx)
          .to.emit(sys.clearinghouse, "TradeExecuted")
          .withArgs(...math.tradeExecutedEventArgs(id, ETH, delta, ref));
        expect(await sys.vault.balanceOf(id, usdc)).to.equal(model.balance(id));
      }
      expect(await sys.lens.positions(id)).to.have.length(0);
      expect(await sys.vault.poolBalance()).to.equal(model.pool);
    });

    it("settles funding for longs and shorts over time", async function () {
      const { sys, model } = await setup();
      const [alice, bob] = [accountIdOf(sys.alice.address), accountIdOf(sys.bob.address)];
      await trade(sys, model, sys.alice, ETH, WAD(20));
      await trade(sys, model, sys.bob, ETH, -WAD(5));
      await time.increase(86_400 / 2);
      await setPrice(sys.ethFeed, "3000"); // refresh the feed's timestamp
      const now = await latestTime();
      const [pa] = await sys.lens.positions(alice);
      const [pb] = await sys.lens.positions(bob);
      const ma = model.position(alice, 0);
      const mb = model.position(bob, 0);
      const index = model.indexAt(0, now);
      expect(pa.pendingFunding).to.equal(math.fundingOwed(ma.size, index, ma.lastFundingIndex));
      expect(pb.pendingFunding).to.equal(math.fundingOwed(mb.size, index, mb.lastFundingIndex));
      // Skew is long: the long pays, the short receives.
      expect(pa.pendingFunding).to.be.greaterThan(0n);
      expect(pb.pendingFunding).to.be.lessThan(0n);
      const { tx, ref } = await trade(sys, model, sys.alice, ETH, -WAD(1));
      expect(ref.fundingOwed).to.be.greaterThan(pa.pendingFunding); // one more second accrued
      await expect(tx)
        .to.emit(sys.clearinghouse, "TradeExecuted")
        .withArgs(...math.tradeExecutedEventArgs(alice, ETH, -WAD(1), ref));
      expect(await sys.vault.balanceOf(alice, await sys.usdc.getAddress())).to.equal(model.balance(alice));
      expectState(await sys.clearinghouse.accountState(bob), model.accountState(bob, await latestTime()));
    });

    it("reverts one wei past the acceptable price on both sides", async function () {
      const { sys, model } = await setup();
      const buy = model.previewTrade(accountIdOf(sys.alice.address), 0, WAD(1), (await latestTime()) + 1n);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), buy.fill - 1n))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseSlippageExceeded")
        .withArgs(WAD(1), buy.fill, buy.fill - 1n);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), buy.fill)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
      model.trade(accountIdOf(sys.alice.address), 0, WAD(1), await latestTime());
      const sell = model.previewTrade(accountIdOf(sys.bob.address), 0, -WAD(1), (await latestTime()) + 1n);
      await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, -WAD(1), sell.fill + 1n))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseSlippageExceeded")
        .withArgs(-WAD(1), sell.fill, sell.fill + 1n);
    });

    it("reverts with ClearinghouseInvalidFillPrice when the skew premium takes the fill to zero or below", async function () {
      const { sys } = await setup();
      // Bob short 0.2 ETH, Alice long 0.01: skew −0.19. The skew scale then drops to 0.195 ETH, the OI cap with it
      // (0.0096525 / 0.195 + 0.0005 = mmf, DESIGN §18.17): Alice's reduce-only sale of 0.01 ETH fills at
      // 3000 × (1 + (−0.19 − 0.005) / 0.195) = 0.
      await sys.clearinghouse.connect(sys.bob).trade(0, ETH, -WAD("0.2"), 0n);
      await sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD("0.01"), ethers.MaxUint256);
      await sys.clearinghouse.setMarketParams(ETH, {
        ...toMarketParams(DEFAULT_MARKETS[0]),
        skewScale: WAD("0.195"),
        maxOpenInterest: WAD("0.0096525"),
      });
      const fill = math.fillPrice(WAD(3000), -WAD("0.19"), -WAD("0.01"), WAD("0.195"));
      expect(fill).to.equal(0n);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD("0.01"), 0n))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidFillPrice")
        .withArgs(fill);
      // One wei less fills just above zero and is refused for other reasons, not the price.
      expect(math.fillPrice(WAD(3000), -WAD("0.19"), -(WAD("0.01") - 1n), WAD("0.195")) > 0n).to.equal(true);
      await expect(
        sys.clearinghouse.connect(sys.alice).trade(0, ETH, -(WAD("0.01") - 1n), 0n),
      ).not.to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInvalidFillPrice");
    });

    it("reverts for a zero size and an unknown market", async function () {
      const { sys } = await setup();
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, 0n, 0n)).to.be.revertedWithCustomError(
        sys.clearinghouse,
        "ClearinghouseZeroSizeDelta",
      );
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, 7n, WAD(1), MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnknownMarket")
        .withArgs(7n);
    });

    it("enforces the minimum position notional one unit either side", async function () {
      const { sys } = await setup();
      const min = DEFAULT_MARKETS[0].minPositionNotional; // 10 USD at 3000 → size 1/300 ETH
      const exact = math.divCeil(min * math.WAD, WAD(3000));
      const below = exact - 1n;
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, below, MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePositionBelowMinimum")
        .withArgs(ETH, (below * WAD(3000)) / math.WAD, min);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, exact, MAX)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
      // A reduction that would leave dust is refused; closing fully is not.
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -1n, 0n)).to.be.revertedWithCustomError(
        sys.clearinghouse,
        "ClearinghousePositionBelowMinimum",
      );
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -exact, 0n)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
    });

    it("caps each side's open interest in base units", async function () {
      const { sys } = await setup();
      const cap = WAD(1); // 1 BTC per side, well inside the pool-fraction cap
      await sys.clearinghouse.setMarketParams(BTC, {
        ...toMarketParams(DEFAULT_MARKETS[1]),
        maxOpenInterest: cap,
      });
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, BTC, cap + 1n, MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseOpenInterestCapExceeded")
        .withArgs(BTC, cap + 1n, cap);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, BTC, cap, MAX)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
      // The short side has its own cap.
      await expect(sys.clearinghouse.connect(sys.bob).trade(0, BTC, -(cap + 1n), 0n))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseOpenInterestCapExceeded")
        .withArgs(BTC, cap + 1n, cap);
    });

    it("caps open-interest notional at a fraction of the pool's balance", async function () {
      const { sys } = await setup();
      await mintAndApprove(sys, sys.alice, USDC(1_000_000), await sys.vault.getAddress());
      await sys.vault.connect(sys.alice).deposit(0, await sys.usdc.getAddress(), USDC(1_000_000));
      const pool = await sys.vault.poolBalance();
      const cap = (pool * 10n ** 12n * DEFAULT_RISK.maxOpenInterestToPool) / math.WAD; // 1x the pool
      const size = math.divCeil(cap * math.WAD, WAD(60_000)) + 1n; // notional just above the cap
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, BTC, size, MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePoolOpenInterestCapExceeded")
        .withArgs(BTC, math.divCeil(size * WAD(60_000), math.WAD), cap);
      const fits = (cap * math.WAD) / WAD(60_000);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, BTC, fits, MAX)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
    });

    it("limits the number of positions per account", async function () {
      const { sys } = await setup();
      await sys.clearinghouse.setRiskParams({ ...DEFAULT_RISK, maxPositionsPerAccount: 1 });
      await sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX);
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, BTC, WAD("0.01"), MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseTooManyPositions")
        .withArgs(accountIdOf(sys.alice.address), 1n, 1n);
      // Adding to an existing position is fine.
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
    });

    it("accepts a trade that leaves equity exactly at initial margin and refuses one unit less collateral", async function () {
      const { sys } = await setup();
      const [, , , , , dave] = sys.signers;
      const usdc = await sys.usdc.getAddress();
      await mintAndApprove(sys, dave, USDC(100_000), await sys.vault.getAddress());
      const model = localModel();
      const delta = WAD(10);
      const id = accountIdOf(dave.address);
      const r = model.previewTrade(id, 0, delta, 0n);
      const im = math.marginRequirement(delta, WAD(3000), DEFAULT_MARKETS[0].imf);
      const upnl = math.unrealizedPnl(r.newSize, r.newOpenNotional, WAD(3000));
      // equity = (deposit + accountDelta) * 1e12 + upnl >= im  ⇔  deposit >= ceil((im - upnl) / 1e12) - accountDelta
      const needed = math.divCeil(im - upnl, 10n ** 12n) - r.accountDelta;
      await sys.vault.connect(dave).deposit(0, usdc, needed - 1n);
      const equity = (needed - 1n + r.accountDelta) * 10n ** 12n + upnl;
      await expect(sys.clearinghouse.connect(dave).trade(0, ETH, delta, MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientMargin")
        .withArgs(id, equity, im);
      await sys.vault.connect(dave).deposit(0, usdc, 1n);
      await expect(sys.clearinghouse.connect(dave).trade(0, ETH, delta, MAX)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
      const state = await sys.clearinghouse.accountState(id);
      expect(state.initialMargin).to.equal(im);
      expect(state.equity - state.initialMargin).to.be.lessThan(10n ** 12n); // within one token unit of IM
    });

    it("lets an account below initial margin reduce but not increase", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      await trade(sys, model, sys.alice, ETH, WAD(30)); // ~90k notional on 10k: at 9x
      await setPrice(sys.ethFeed, "2900");
      model.setPrice(0, WAD(2900));
      const s = model.accountState(id, await latestTime());
      expect(s.equity < s.initialMargin && !s.liquidatable).to.equal(true);
      await expect(
        sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX),
      ).to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientMargin");
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
    });

    it("refuses every trade of a liquidatable account", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      await trade(sys, model, sys.alice, ETH, WAD(30));
      await setPrice(sys.ethFeed, "2750");
      model.setPrice(0, WAD(2750));
      const now = (await latestTime()) + 1n;
      const s = model.accountState(id, now);
      expect(s.liquidatable).to.equal(true);
      // Funding accrues in the trade's own block, one second on.
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(30), 0n))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseAccountLiquidatable")
        .withArgs(id, s.equity, s.maintenanceMargin);
    });

    it("refuses a trade whose realized profit the pool cannot pay", async function () {
      const sys = await loadFixture(deployFixture);
      const [, lp, alice] = sys.signers;
      const usdc = await sys.usdc.getAddress();
      const model = localModel();
      const id = accountIdOf(alice.address);
      await sys.clearinghouse.setRiskParams({ ...DEFAULT_RISK, maxOpenInterestToPool: WAD(10) });
      await mintAndApprove(sys, lp, USDC(20_000), await sys.pool.getAddress());
      await sys.pool.connect(lp).deposit(USDC(20_000), lp.address);
      await mintAndApprove(sys, alice, USDC(100_000), await sys.vault.getAddress());
      await sys.vault.connect(alice).deposit(0, usdc, USDC(100_000));
      model.pool = USDC(20_000);
      model.deposit(id, USDC(100_000));
      model.trade(
        id,
        0,
        WAD(50),
        await txTime(await sys.clearinghouse.connect(alice).trade(0, ETH, WAD(50), MAX)),
      );
      await setPrice(sys.ethFeed, "3600"); // +30k for the trader against a ~20k pool
      model.setPrice(0, WAD(3600));
      const r = model.previewTrade(id, 0, -WAD(50), (await latestTime()) + 1n);
      expect(-r.poolDelta).to.be.greaterThan(model.pool);
      await expect(sys.clearinghouse.connect(alice).trade(0, ETH, -WAD(50), 0n))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientPoolLiquidity")
        .withArgs(-r.poolDelta, model.pool);
    });
  });

  describe("pause", function () {
    it("blocks increasing trades but not reducing ones", async function () {
      const { sys } = await setup();
      await sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(2), MAX);
      await sys.clearinghouse.pause();
      await expect(
        sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX),
      ).to.be.revertedWithCustomError(sys.clearinghouse, "EnforcedPause");
      await expect(
        sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(3), 0n),
      ).to.be.revertedWithCustomError(sys.clearinghouse, "EnforcedPause"); // a flip increases risk
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
      await sys.clearinghouse.unpause();
      await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX)).to.emit(
        sys.clearinghouse,
        "TradeExecuted",
      );
    });

    it("refuses to pause twice with EnforcedPause", async function () {
      const { sys } = await setup();
      await sys.clearinghouse.pause();
      await expect(sys.clearinghouse.pause()).to.be.revertedWithCustomError(
        sys.clearinghouse,
        "EnforcedPause",
      );
      expect(await sys.clearinghouse.paused()).to.equal(true);
    });

    it("is guardian-only", async function () {
      const { sys } = await setup();
      await expect(sys.clearinghouse.connect(sys.alice).pause())
        .to.be.revertedWithCustomError(sys.clearinghouse, "AccessControlUnauthorizedAccount")
        .withArgs(sys.alice.address, GUARDIAN);
      await expect(sys.clearinghouse.connect(sys.alice).unpause())
        .to.be.revertedWithCustomError(sys.clearinghouse, "AccessControlUnauthorizedAccount")
        .withArgs(sys.alice.address, GUARDIAN);
    });
  });

  describe("views", function () {
    it("previewTrade returns what trade then does", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      await trade(sys, model, sys.alice, BTC, -WAD("0.3"));
      await trade(sys, model, sys.bob, ETH, WAD(4));
      await time.increase(600);
      await setPrice(sys.ethFeed, "3050");
      model.setPrice(0, WAD(3050));
      // The preview runs at the latest block time; mine the trade in a block at that same second is impossible,
      // so compare the preview with the reference at the preview's time instead.
      const now = await latestTime();
      const [fill, fee, after] = await sys.clearinghouse.previewTrade(id, ETH, WAD(3));
      const r = model.previewTrade(id, 0, WAD(3), now);
      expect(fill).to.equal(r.fill);
      expect(fee).to.equal(r.fee);
      const clone = localModel();
      Object.assign(clone, { pool: model.pool, insurance: model.insurance });
      clone.markets.splice(0, clone.markets.length, ...model.markets.map((m) => ({ ...m })));
      for (const [k, v] of model.positions)
        clone.positions.set(k, new Map([...v].map(([m, p]) => [m, { ...p }])));
      for (const [k, v] of model.balances) clone.balances.set(k, v);
      clone.trade(id, 0, WAD(3), now);
      expectState(after, clone.accountState(id, now));
    });

    it("reports positions with entry price, PnL and funding", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      await trade(sys, model, sys.alice, ETH, WAD(2));
      await trade(sys, model, sys.alice, BTC, -WAD("0.1"));
      await time.increase(3_600);
      await setPrice(sys.ethFeed, "3100");
      await setPrice(sys.btcFeed, "59000");
      model.setPrice(0, WAD(3100));
      model.setPrice(1, WAD(59_000));
      const now = await latestTime();
      const views = await sys.lens.positions(id);
      expect(views.map((v) => v.marketId)).to.deep.equal([ETH, BTC]);
      for (const v of views) {
        const m = Number(v.marketId);
        const p = model.position(id, m);
        expect(v.size).to.equal(p.size);
        expect(v.openNotional).to.equal(p.openNotional);
        expect(v.entryPrice).to.equal((math.abs(p.openNotional) * math.WAD) / math.abs(p.size));
        expect(v.unrealizedPnl).to.equal(math.unrealizedPnl(p.size, p.openNotional, model.markets[m].price));
        expect(v.pendingFunding).to.equal(
          math.fundingOwed(p.size, model.indexAt(m, now), p.lastFundingIndex),
        );
      }
      expectState(await sys.clearinghouse.accountState(id), model.accountState(id, now));
    });

    it("is not liquidatable at equity == maintenance margin and is one wei below", async function () {
      const { sys } = await setup();
      // An 18-decimal ETH feed makes every wei of price reachable.
      const feed = await (await ethers.getContractFactory("MockV3Aggregator")).deploy(18, WAD(3000));
      await sys.oracle.setFeed(name("ETH"), await feed.getAddress(), 86_400, WAD(1), WAD(1_000_000));
      const model = localModel();
      const [, , , , , dave] = sys.signers;
      const [alice, bob] = [accountIdOf(dave.address), accountIdOf(sys.bob.address)];
      await mintAndApprove(sys, dave, USDC(400), await sys.vault.getAddress());
      await sys.vault.connect(dave).deposit(0, await sys.usdc.getAddress(), USDC(400));
      model.deposit(alice, USDC(400));
      model.deposit(bob, TRADER_DEPOSIT);
      // One whole ETH makes equity move by exactly one wei per wei of price, so equity == MM is reachable.
      // Equal and opposite positions keep the skew at zero, so no funding moves the threshold between blocks.
      model.trade(
        alice,
        0,
        WAD(1),
        await txTime(await sys.clearinghouse.connect(dave).trade(0, ETH, WAD(1), MAX)),
      );
      model.trade(
        bob,
        0,
        -WAD(1),
        await txTime(await sys.clearinghouse.connect(sys.bob).trade(0, ETH, -WAD(1), 0n)),
      );
      // Find the price at which alice's equity equals her maintenance margin (equity - MM is monotonic in price).
      const gap = (p: bigint) => {
        model.setPrice(0, p);
        const s = model.accountState(alice, 0n);
        return s.equity - s.maintenanceMargin;
      };
      let lo = WAD(1000);
      let hi = WAD(3000);
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n;
        if (gap(mid) >= 0n) hi = mid;
        else lo = mid;
      }
      expect(gap(hi)).to.equal(0n);
      expect(gap(hi - 1n)).to.be.lessThan(0n);
      await feed.updateAnswer(hi);
      expect(await sys.clearinghouse.isLiquidatable(alice)).to.equal(false);
      await feed.updateAnswer(hi - 1n);
      expect(await sys.clearinghouse.isLiquidatable(alice)).to.equal(true);
      expect(await sys.clearinghouse.liquidatable([alice, bob])).to.deep.equal([true, false]);
    });

    it("derives account ids from owner and subaccount", async function () {
      const { sys } = await setup();
      const id = accountIdOf(sys.alice.address, 7n);
      expect(await sys.lens.accountIdOf(sys.alice.address, 7n)).to.equal(id);
      expect(await sys.lens.ownerOf(id)).to.equal(sys.alice.address);
    });

    it("reports the risk and market parameters as configured, and refuses unknown market ids", async function () {
      const { sys } = await setup();
      expect(riskOf(await sys.lens.riskParams())).to.deep.equal(riskOf(DEFAULT_RISK));
      for (const [id, m] of DEFAULT_MARKETS.entries()) {
        const p = await sys.lens.marketParams(id);
        const expected = toMarketParams(m);
        for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
          expect(p[key], key).to.equal(key === "asset" ? expected[key] : BigInt(expected[key]));
        }
      }
      for (const view of [() => sys.lens.marketParams(2n), () => sys.lens.marketState(2n)]) {
        await expect(view())
          .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnknownMarket")
          .withArgs(2n);
      }
    });

    it("reports a market's stored state: open interest, notionals, funding checkpoint and the liquidation window", async function () {
      const { sys, model } = await setup();
      await trade(sys, model, sys.alice, ETH, WAD(20));
      await setPrice(sys.ethFeed, "3100");
      model.setPrice(0, WAD(3100));
      const { tx } = await trade(sys, model, sys.bob, ETH, -WAD(5));
      const t = await txTime(tx);
      const [a, b] = [
        model.position(accountIdOf(sys.alice.address), 0),
        model.position(accountIdOf(sys.bob.address), 0),
      ];
      const state = await sys.lens.marketState(ETH);
      expect(state.longOpenInterest).to.equal(WAD(20));
      expect(state.shortOpenInterest).to.equal(WAD(5));
      expect(state.longOpenNotional).to.equal(a.openNotional);
      expect(state.shortOpenNotional).to.equal(b.openNotional); // signed: a short's open notional is negative
      expect(state.lastFundingTime).to.equal(t);
      expect(state.fundingIndex).to.equal(model.indexAt(0, t));
      expect(state.sizeTimesLastIndexSum).to.equal(a.size * a.lastFundingIndex + b.size * b.lastFundingIndex);
      expect([state.liquidationWindowStart, state.liquidatedInWindow]).to.deep.equal([0n, 0n]);
    });

    it("answers liquidatable for a batch of one like isLiquidatable", async function () {
      const { sys } = await setup();
      const alice = accountIdOf(sys.alice.address);
      await sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(30), MAX);
      expect(await sys.clearinghouse.liquidatable([alice])).to.deep.equal([false]);
      await setPrice(sys.ethFeed, "2000");
      expect(await sys.clearinghouse.liquidatable([alice])).to.deep.equal([true]);
      expect(await sys.clearinghouse.liquidatable([])).to.deep.equal([]);
    });

    it("reports a market's state with funding accrued to now", async function () {
      const { sys, model } = await setup();
      await trade(sys, model, sys.alice, ETH, WAD(20));
      await time.increase(7_200);
      await setPrice(sys.ethFeed, "3000");
      const view = await sys.lens.market(ETH);
      expect(view.skew).to.equal(WAD(20));
      expect(view.longOpenInterest).to.equal(WAD(20));
      expect(view.fundingIndex).to.equal(model.indexAt(0, await latestTime()));
      // 20 / 100000 of the 10%/day maximum.
      expect(view.fundingRatePerDay).to.equal(
        (((WAD(20) * math.WAD) / WAD(100_000)) * DEFAULT_MARKETS[0].maxFundingRatePerDay) / math.WAD,
      );
    });
  });
});
