import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  ETH,
  USDC,
  WAD,
  accountIdOf,
  deployFixture,
  latestTime,
  mintAndApprove,
  setPrice,
  txTime,
} from "../../shared/fixtures";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../../deploy/config";
import { localModel } from "../../shared/model";
import * as math from "../../shared/math";
import { MAX, expectState, setup, trade } from "./shared";

describe("Clearinghouse", function () {
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
});
