import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  mintAndApprove,
  txTime,
} from "../../shared/fixtures";
import { DEFAULT_MARKETS, toMarketParams } from "../../../deploy/config";
import { localModel } from "../../shared/model";
import * as math from "../../shared/math";
import { RISK, liquidate, movePrice, nextLiquidation, trade, withModel } from "./shared";

describe("Liquidation: how much is closed", function () {
  it("closes the fraction of a single position that restores M' and leaves the account healthier", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await trade(sys, model, sys.alice, 0, WAD(30));
    await movePrice(sys, model, 0, 2_750);
    const { r } = await liquidate(sys, model, sys.bob, alice);
    expect(r.fraction).to.be.greaterThan(0n);
    expect(r.fraction).to.be.lessThan(WAD(1));
    expect(r.keeperReward).to.equal(
      math.min(
        math.max((r.penalty * RISK.keeperShare) / math.WAD, RISK.minKeeperReward),
        RISK.maxKeeperReward,
      ),
    );
    const after = model.accountState(alice, await latestTime());
    expect(after.liquidatable).to.equal(false);
    // Equity lands at M' on what remains (up to rounding), so the margin ratio rises from below 1 to about 1.25.
    expect((after.equity * math.WAD) / after.maintenanceMargin).to.be.greaterThan(WAD("1.24"));
    const state = await sys.clearinghouse.accountState(alice);
    expect(state.equity).to.equal(after.equity);
    expect(state.liquidatable).to.equal(false);
  });

  it("caps the keeper reward at maxKeeperReward: equal to the cap pays it, one unit less pays the cap", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await trade(sys, model, sys.alice, 0, WAD(30));
    await movePrice(sys, model, 0, 2_750);
    // Every liquidation below is mined at T, after a parameter change at T - 1.
    const T = (await latestTime()) + 2n;
    // The reward before any cap: keeperShare of the penalty, above the floor and below the default cap.
    const uncapped = model.previewLiquidation(alice, T, RISK).keeperReward;
    expect(uncapped).to.be.greaterThan(RISK.minKeeperReward);
    expect(uncapped).to.be.lessThan(RISK.maxKeeperReward);
    const snapshot = await takeSnapshot();
    // Cap exactly at the reward: paid in full.
    const atCap = { ...RISK, maxKeeperReward: uncapped };
    await time.setNextBlockTimestamp(T - 1n);
    await sys.clearinghouse.setRiskParams(atCap);
    const whole = model.previewLiquidation(alice, T, atCap);
    expect(whole.keeperReward).to.equal(uncapped);
    await time.setNextBlockTimestamp(T);
    await expect(sys.clearinghouse.connect(sys.bob).liquidate(alice))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(
        alice,
        sys.bob.address,
        whole.fraction,
        anyValue,
        anyValue,
        anyValue,
        whole.penalty,
        uncapped,
      );
    await snapshot.restore();
    // One unit lower: the cap binds, and the keeper's account, the pool and insurance all follow the reference.
    const belowCap = { ...RISK, maxKeeperReward: uncapped - 1n };
    await time.setNextBlockTimestamp(T - 1n);
    await sys.clearinghouse.setRiskParams(belowCap);
    const { tx, r } = await liquidate(sys, model, sys.bob, alice, belowCap);
    expect(await txTime(tx)).to.equal(T);
    expect(r.keeperReward).to.equal(uncapped - 1n);
  });

  it("closes the same fraction of every leg of a hedged book", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await trade(sys, model, sys.alice, 0, WAD(15));
    await trade(sys, model, sys.alice, 1, -WAD("0.75"));
    await movePrice(sys, model, 0, 2_700);
    await movePrice(sys, model, 1, 63_000);
    const { r } = await liquidate(sys, model, sys.bob, alice);
    expect(r.fraction).to.be.lessThan(WAD(1));
    expect(r.legs.map((l) => l.sizeClosed)).to.deep.equal([
      math.divCeil(WAD(15) * r.fraction, math.WAD),
      -math.divCeil(WAD("0.75") * r.fraction, math.WAD),
    ]);
    const views = await sys.lens.positions(alice);
    expect(views.map((v) => v.size)).to.deep.equal(r.legs.map((l) => l.newSize));
  });

  it("closes everything when a remainder would fall under the minimum notional", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await trade(sys, model, sys.alice, 0, WAD(30));
    const params = { ...DEFAULT_MARKETS[0], minPositionNotional: WAD(50_000) };
    // The update accrues funding under the old parameters first.
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(0, toMarketParams(params))));
    model.markets[0].params = params;
    await movePrice(sys, model, 0, 2_750);
    const { r } = await liquidate(sys, model, sys.bob, alice);
    expect(r.fraction).to.equal(WAD(1));
    expect(await sys.lens.positions(alice)).to.have.length(0);
  });

  it("previews exactly what it then does, and previews a healthy account without reverting", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const [alice, bob] = [accountIdOf(sys.alice.address), accountIdOf(sys.bob.address)];
    await trade(sys, model, sys.alice, 0, WAD(30));
    await trade(sys, model, sys.bob, 1, -WAD("0.5"));
    await movePrice(sys, model, 0, 2_750);
    const now = await latestTime();
    const expected = model.previewLiquidation(alice, now, RISK);
    const p = await sys.clearinghouse.previewLiquidation(alice);
    expect(p.liquidatable).to.equal(true);
    expect(p.fraction).to.equal(expected.fraction);
    expect(p.marketIds).to.deep.equal([0n]);
    expect(p.sizesClosed).to.deep.equal(expected.legs.map((l) => l.sizeClosed));
    expect(p.notionalsClosed).to.deep.equal(expected.legs.map((l) => l.notionalClosed));
    expect([p.penalty, p.keeperReward, p.badDebt, p.insuranceDraw, p.poolWriteOff]).to.deep.equal([
      expected.penalty,
      expected.keeperReward,
      expected.badDebt,
      expected.insuranceDraw,
      expected.poolWriteOff,
    ]);
    expect(p.capAllows).to.equal(true);
    const healthy = await sys.clearinghouse.previewLiquidation(bob);
    expect(healthy.liquidatable).to.equal(false);
    expect(healthy.fraction).to.equal(0n);
  });

  it("is refused at equity == maintenance margin and accepted one wei of price below", async function () {
    const sys = await loadFixture(fundedFixture);
    const feed = await (await ethers.getContractFactory("MockV3Aggregator")).deploy(18, WAD(3000));
    await sys.oracle.setFeed(
      ethers.encodeBytes32String("ETH"),
      await feed.getAddress(),
      86_400,
      WAD(1),
      WAD(1_000_000),
    );
    const model = localModel();
    model.pool = await sys.vault.poolBalance();
    const [, , , , , dave] = sys.signers;
    const [victim, bob] = [accountIdOf(dave.address), accountIdOf(sys.bob.address)];
    await mintAndApprove(sys, dave, USDC(400), await sys.vault.getAddress());
    await sys.vault.connect(dave).deposit(0, await sys.usdc.getAddress(), USDC(400));
    model.deposit(victim, USDC(400));
    model.deposit(bob, TRADER_DEPOSIT);
    // Opposite positions keep the skew at zero: no funding moves the threshold between blocks.
    model.trade(
      victim,
      0,
      WAD(1),
      await txTime(await sys.clearinghouse.connect(dave).trade(0, 0, WAD(1), ethers.MaxUint256)),
    );
    model.trade(
      bob,
      0,
      -WAD(1),
      await txTime(await sys.clearinghouse.connect(sys.bob).trade(0, 0, -WAD(1), 0n)),
    );
    const gap = (p: bigint) => {
      model.setPrice(0, p);
      const s = model.accountState(victim, 0n);
      return s.equity - s.maintenanceMargin;
    };
    let [lo, hi] = [WAD(1000), WAD(3000)];
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (gap(mid) >= 0n) hi = mid;
      else lo = mid;
    }
    expect(gap(hi)).to.equal(0n);
    await feed.updateAnswer(hi);
    model.setPrice(0, hi);
    const s = model.accountState(victim, 0n);
    await expect(sys.clearinghouse.connect(sys.carol).liquidate(victim))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseNotLiquidatable")
      .withArgs(victim, s.equity, s.maintenanceMargin);
    await feed.updateAnswer(hi - 1n);
    model.setPrice(0, hi - 1n);
    const tx = await sys.clearinghouse.connect(sys.carol).liquidate(victim);
    const r = model.liquidate(victim, accountIdOf(sys.carol.address), await txTime(tx), RISK);
    await expect(tx)
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(
        victim,
        sys.carol.address,
        r.fraction,
        r.before.equity,
        r.before.maintenanceMargin,
        r.notionalClosed,
        r.penalty,
        r.keeperReward,
      );
    expect(await sys.vault.balanceOf(victim, await sys.usdc.getAddress())).to.equal(model.balance(victim));
  });

  it("never reverts in the views for a healthy account", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    await trade(sys, model, sys.alice, 0, WAD(1));
    const ids = [
      accountIdOf(sys.alice.address),
      accountIdOf(sys.bob.address),
      accountIdOf(sys.admin.address, 9n),
    ];
    expect(await sys.clearinghouse.liquidatable(ids)).to.deep.equal([false, false, false]);
    expect((await nextLiquidation(model, ids[0])).before.liquidatable).to.equal(false);
  });
});
