import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  ETH,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  latestTime,
  mintAndApprove,
  setPrice,
  txTime,
} from "../../shared/fixtures";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../../deploy/config";
import { localModel } from "../../shared/model";
import * as math from "../../shared/math";
import { MAX, expectState, movePrices, name, riskOf, setup, trade } from "./shared";

describe("Clearinghouse", function () {
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
      await movePrices(sys, model, 3100, 59_000);
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

    it("the lens's accountStates reads many accounts as the reference does, with one quote per market", async function () {
      const { sys, model } = await setup();
      const [alice, bob, carol] = [sys.alice, sys.bob, sys.carol].map((s) => accountIdOf(s.address));
      await trade(sys, model, sys.alice, ETH, WAD(2));
      await trade(sys, model, sys.alice, BTC, -WAD("0.1"));
      await trade(sys, model, sys.bob, ETH, -WAD(20));
      await time.increase(3_600);
      await movePrices(sys, model, 3450, 61_000);
      const now = await latestTime();
      // Two markets, a short under water (liquidatable at 3,450), a flat account, a repeat and an unused id.
      const ids = [alice, bob, carol, alice, 12_345n];
      const states = await sys.lens.accountStates(ids);
      expect(states.length).to.equal(ids.length);
      expect(model.accountState(bob, now).liquidatable).to.equal(true);
      for (const [i, id] of ids.entries()) {
        expectState(states[i], model.accountState(id, now));
        expect(states[i]).to.deep.equal(await sys.clearinghouse.accountState(id));
      }
      expect(await sys.lens.accountStates([])).to.deep.equal([]);
      // One price read per market for the batch: six accounts (seven positions on two markets) cost less than read one
      // by one (measured: 232,625 gas against 295,789; the batch's fixed cost is its two quotes, ~70k each through the
      // core's getters, and each further account costs about a third of its `accountState`).
      const more = sys.signers.slice(5, 8);
      for (const s of more) {
        await mintAndApprove(sys, s, TRADER_DEPOSIT, await sys.vault.getAddress());
        await sys.vault.connect(s).deposit(0, await sys.usdc.getAddress(), TRADER_DEPOSIT);
        await trade(sys, model, s, ETH, WAD(1));
      }
      const six = [alice, bob, carol, ...more.map((s) => accountIdOf(s.address))];
      const one = async (id: bigint) => (await sys.clearinghouse.accountState.estimateGas(id)) - 21_000n;
      let singles = 0n;
      for (const id of six) singles += await one(id);
      const batch = (await sys.lens.accountStates.estimateGas(six)) - 21_000n;
      expect(batch < singles).to.equal(true);
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
