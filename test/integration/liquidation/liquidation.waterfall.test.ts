import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { USDC, WAD, accountIdOf, fundedFixture, mintAndApprove, txTime } from "../../shared/fixtures";
import { DEFAULT_MARKETS, toMarketParams } from "../../../deploy/config";
import * as math from "../../shared/math";
import { RISK, expectLedgers, liquidate, movePrice, nextLiquidation, trade, withModel } from "./shared";

describe("Liquidation: the loss waterfall", function () {
  it("closes an underwater account fully and pays its bad debt from the insurance fund", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await mintAndApprove(sys, sys.carol, USDC(5_000), await sys.vault.getAddress());
    await sys.vault.connect(sys.carol).fundInsurance(USDC(5_000));
    model.insurance += USDC(5_000);
    await trade(sys, model, sys.alice, 0, WAD(30));
    await movePrice(sys, model, 0, 2_600); // -12,000 on 10,000 of collateral
    const poolBefore = model.pool;
    // The preview (through the lens, at the block the liquidation lands in) runs the Vault's waterfall split.
    const preview = await sys.lens.previewLiquidation(alice, { blockTag: "pending" });
    const { r } = await liquidate(sys, model, sys.bob, alice);
    expect([preview.badDebt, preview.insuranceDraw, preview.poolWriteOff]).to.deep.equal([
      r.badDebt,
      r.insuranceDraw,
      r.poolWriteOff,
    ]);
    expect(r.fraction).to.equal(WAD(1));
    expect(r.penalty).to.equal(0n); // a closed-out account pays no penalty it does not have
    // The keeper still gets the floor: the insurance fund pays what the account cannot (DESIGN §10.4).
    expect(r.keeperReward).to.equal(RISK.minKeeperReward);
    expect(r.subsidyInsurance).to.equal(RISK.minKeeperReward);
    expect(r.badDebt).to.be.greaterThan(USDC(1_900));
    expect(r.insuranceDraw).to.equal(r.badDebt);
    expect(r.poolWriteOff).to.equal(0n);
    expect(model.balance(alice)).to.equal(0n);
    // The pool received the account's whole realized loss (PnL net of funding, floored to token units) and kept it.
    const loss = -math.divFloor(
      r.legs.reduce((sum, l) => sum + l.realizedPnl - l.fundingOwed, 0n),
      10n ** 12n,
    );
    expect((await sys.vault.poolBalance()) - poolBefore).to.equal(loss);
    expect(await sys.lens.positions(alice)).to.have.length(0);
  });

  it("moves what an empty insurance fund cannot pay onto the pool's NAV, losing nothing else", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await trade(sys, model, sys.alice, 0, WAD(30));
    await movePrice(sys, model, 0, 2_600);
    const insuranceBefore = model.insurance; // the trading fees' share only
    const navBefore = await sys.pool.totalAssets();
    const { r } = await liquidate(sys, model, sys.bob, alice);
    // The fund first pays the keeper's floor (the account has nothing), then the bad debt.
    expect(r.subsidyInsurance).to.equal(RISK.minKeeperReward);
    expect(r.insuranceDraw).to.equal(insuranceBefore - RISK.minKeeperReward);
    expect(r.poolWriteOff).to.equal(r.badDebt - r.insuranceDraw);
    expect(r.poolWriteOff).to.be.greaterThan(0n);
    expect(await sys.vault.insuranceBalance()).to.equal(0n);
    // Before, the pool's NAV already counted the account's unrealized loss as a gain it could not collect; after,
    // the write-off removes exactly that uncollectable part.
    const navAfter = await sys.pool.totalAssets();
    expect(navAfter).to.equal(
      model.poolValue(await (async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp))()),
    );
    expect(navBefore - navAfter).to.be.greaterThan(0n);
    await expectLedgers(sys, model, [alice, accountIdOf(sys.bob.address)]);
  });
});

describe("Liquidation: who may, when and how often", function () {
  it("does not pay twice for the same account in one block", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const alice = accountIdOf(sys.alice.address);
    await trade(sys, model, sys.alice, 0, WAD(30));
    await movePrice(sys, model, 0, 2_750);
    const usdc = await sys.usdc.getAddress();
    await network.provider.send("evm_setAutomine", [false]);
    try {
      const a = await sys.clearinghouse.connect(sys.bob).liquidate(alice, { gasLimit: 2_000_000 });
      const b = await sys.clearinghouse.connect(sys.carol).liquidate(alice, { gasLimit: 2_000_000 });
      await network.provider.send("evm_mine", []);
      const [ra, rb] = [
        await ethers.provider.getTransactionReceipt(a.hash),
        await ethers.provider.getTransactionReceipt(b.hash),
      ];
      expect(ra!.blockNumber).to.equal(rb!.blockNumber);
      expect([ra!.status, rb!.status]).to.deep.equal([1, 0]);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    expect(await sys.vault.balanceOf(accountIdOf(sys.carol.address), usdc)).to.equal(
      model.balance(accountIdOf(sys.carol.address)),
    );
  });

  it("never lets an owner gain by liquidating their own account at a fixed price", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const [, , , , , dave] = sys.signers;
    const usdc = await sys.usdc.getAddress();
    await mintAndApprove(sys, dave, USDC(20_000), await sys.vault.getAddress());
    for (const sub of [0n, 1n]) {
      await sys.vault.connect(dave).deposit(sub, usdc, USDC(10_000));
      model.deposit(accountIdOf(dave.address, sub), USDC(10_000));
      await trade(sys, model, dave, 0, WAD(30), sub);
    }
    await movePrice(sys, model, 0, 2_750);
    const value = async () => {
      let total = 0n;
      for (const sub of [0n, 1n])
        total += (await sys.clearinghouse.accountState(accountIdOf(dave.address, sub))).equity;
      return total;
    };
    const before = await value();
    // Liquidating subaccount 1 credits the reward to subaccount 0; liquidating subaccount 0 credits it to itself.
    await liquidate(sys, model, dave, accountIdOf(dave.address, 1n));
    await liquidate(sys, model, dave, accountIdOf(dave.address, 0n));
    expect(await value()).to.be.lessThan(before);
  });

  it("is never blocked by pause", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    await trade(sys, model, sys.alice, 0, WAD(30));
    await movePrice(sys, model, 0, 2_750);
    await sys.clearinghouse.pause();
    await sys.pool.pause();
    await liquidate(sys, model, sys.bob, accountIdOf(sys.alice.address));
  });

  it("no window defers a liquidation: cascade damping's parameters are stored but not enforced", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const [alice, bob] = [accountIdOf(sys.alice.address), accountIdOf(sys.bob.address)];
    const cap = WAD(100_000);
    const params = { ...DEFAULT_MARKETS[0], maxLiquidationNotionalPerWindow: cap, liquidationWindow: 300 };
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(0, toMarketParams(params))));
    model.markets[0].params = params;
    await trade(sys, model, sys.alice, 0, WAD(30));
    await trade(sys, model, sys.bob, 0, WAD(31));
    await movePrice(sys, model, 0, 2_750);
    const first = await liquidate(sys, model, sys.carol, alice);
    // Bob's plan alone, above zero equity, would have taken the stored window past its cap: it closes in full.
    const next = await nextLiquidation(model, bob);
    expect(next.before.equity).to.be.greaterThan(0n);
    expect(first.r.notionalClosed + next.notionalClosed).to.be.greaterThan(cap);
    expect((await sys.clearinghouse.previewLiquidation(bob)).capAllows).to.equal(true);
    await liquidate(sys, model, sys.carol, bob);
    const state = await sys.lens.marketState(0);
    expect([state.liquidationWindowStart, state.liquidatedInWindow]).to.deep.equal([0n, 0n]);
  });
});
