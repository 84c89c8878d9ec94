/**
 * The hazard matrix, rounding and time: round trips in one block, a large funding index and a year of funding at
 * maximum skew. One named test per hazard, each asserting the exact custom error (with its arguments) or the
 * invariant the hazard threatens; expected values come from the references in test/shared/, never from the contract
 * under test. docs/SECURITY.md maps every hazard to its test.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  BTC,
  ETH,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  mintAndApprove,
  txTime,
} from "../shared/fixtures";
import { DEFAULT_MARKETS, toMarketParams } from "../../deploy/config";
import * as math from "../shared/math";
import { assetsForShares, sharesForAssets } from "../shared/poolValue";
import { MAX, RISK, ETH_MAX, DELAY, at, modelOf, trade, deposit, setEth } from "./shared";

describe("Hazard matrix: rounding and time", function () {
  /* ROUNDING AND TIME */

  it("rounding round trips (deposit→withdraw, open→close in one block return at most what went in)", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
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
    const model = modelOf(sys);
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
    const model = modelOf(sys);
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
});
