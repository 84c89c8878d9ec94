import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, WAD, accountIdOf, latestTime, txTime } from "../../shared/fixtures";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../../deploy/config";
import * as math from "../../shared/math";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { GUARDIAN, MAX, RISK_ADMIN, name, riskOf, setup, trade } from "./shared";

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
});
