/**
 * The Keeper against the in-process Hardhat network (debts): collateral liquidation, bad-debt settlement, the
 * wallet, the per-transaction budget, the minimum profit, lost races. Fixture: `debtFixture` in helpers.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { USDC, WAD } from "../../shared/fixtures";
import { collateralLiquidation as refCollateralLiquidation } from "../../shared/collateral";
import type { LogEntry } from "../../../scripts/keeper";
import type { TypedEventLog } from "../../../typechain-types/common";
import type { CollateralLiquidatedEvent } from "../../../typechain-types/contracts/Vault";
import type { DebtSystem } from "./helpers";
import { debtFixture, fund, makeDebtKeeper, usdcOf } from "./helpers";

/** A `CollateralLiquidated` log as `queryFilter` returns it. */
type SeizedEvent = TypedEventLog<CollateralLiquidatedEvent.Event>;

/** Each `CollateralLiquidated` event: by keeper A, in WETH at `ethPrice`, repaid and seized as the reference says. */
async function expectSeizuresAsReference(
  sys: DebtSystem,
  seizedEvents: SeizedEvent[],
  ethPrice: bigint,
  discount: bigint,
) {
  const usdc = await sys.usdc.getAddress();
  for (const e of seizedEvents) {
    const { accountId, keeper: by, token, repaid, seized, price } = e.args;
    expect(by).to.equal(sys.keeperA.address);
    expect(token).to.equal(sys.wethAddress);
    expect(price).to.equal(ethPrice);
    // The debt the account had just before, from its balance in the block before the seizure.
    const debt = -(await sys.vault.balanceOf(accountId, usdc, { blockTag: e.blockNumber - 1 }));
    const held = await sys.vault.balanceOf(accountId, sys.wethAddress, { blockTag: e.blockNumber - 1 });
    const ref = refCollateralLiquidation({
      debt,
      repayAmount: debt,
      held,
      decimals: 18,
      priceWad: ethPrice,
      discount,
      toWad: 10n ** 12n,
    });
    expect([repaid, seized]).to.deep.equal([ref.repaid, ref.seized]);
    expect(ref.clamped).to.equal(accountId === sys.erinId);
  }
}

/** The `collateral_liquidated` lines: their keys, and their amounts in human units and raw, as the events say. */
function expectCollateralLines(logged: LogEntry[], seizedEvents: SeizedEvent[]) {
  expect(logged[0]).to.include.keys(
    "token",
    "symbol",
    "repaidUsdc",
    "repaidRaw",
    "seizedToken",
    "seizedRaw",
    "txHash",
    "block",
    "debtAfterUsdc",
  );
  for (const e of seizedEvents) {
    const line = logged.find((l) => l.accountId === e.args.accountId)!;
    expect(line).to.include({
      symbol: "WETH",
      repaidRaw: e.args.repaid,
      repaidUsdc: ethers.formatUnits(e.args.repaid, 6),
      seizedRaw: e.args.seized,
      seizedToken: ethers.formatUnits(e.args.seized, 18),
      priceUsd: "2640.0",
    });
  }
}

describe("Keeper on the Hardhat network: collateral and bad debt", function () {
  it("liquidates the positions, repays each debt with the WETH, then settles what the WETH could not cover", async function () {
    const sys = await loadFixture(debtFixture);
    await fund(sys, sys.keeperA, USDC(20_000));
    const { keeper, logger } = makeDebtKeeper(sys);
    const ethPrice = WAD(2640);
    const discount = (await sys.vault.collateralConfig(sys.wethAddress)).liquidationDiscount;

    // Round 1: both liquidated in full; each debt is then met with the account's WETH.
    const start = await ethers.provider.getBlockNumber();
    const round1 = await keeper.checkAndLiquidate();
    // Liquidations in account order, then the debts, largest first (Dave's).
    const [low, high] = sys.daveId < sys.erinId ? [sys.daveId, sys.erinId] : [sys.erinId, sys.daveId];
    expect(round1.map((o) => [o.action, o.accountId, o.status])).to.deep.equal([
      ["liquidate", low, "succeeded"],
      ["liquidate", high, "succeeded"],
      ["liquidateCollateral", sys.daveId, "succeeded"],
      ["liquidateCollateral", sys.erinId, "succeeded"],
    ]);
    const liquidated = await sys.clearinghouse.queryFilter(sys.clearinghouse.filters.Liquidated(), start + 1);
    const byAccount = new Map(liquidated.map((e) => [e.args.accountId, e.args]));
    expect(byAccount.get(sys.daveId)!.fraction).to.equal(WAD(1));
    expect(byAccount.get(sys.daveId)!.equityBefore).to.be.greaterThan(0n);
    expect(byAccount.get(sys.erinId)!.fraction).to.equal(WAD(1));
    expect(byAccount.get(sys.erinId)!.equityBefore).to.be.lessThan(0n);
    expect(await sys.clearinghouse.positionCount(sys.daveId)).to.equal(0n);

    const seizedEvents = await sys.vault.queryFilter(sys.vault.filters.CollateralLiquidated(), start + 1);
    expect(seizedEvents).to.have.length(2);
    await expectSeizuresAsReference(sys, seizedEvents, ethPrice, discount);
    // Dave: no debt left, 0.8 WETH left (4.2 went to the keeper). Erin: no WETH, some debt left.
    expect(await usdcOf(sys, sys.daveId)).to.equal(0n);
    expect(await sys.vault.balanceOf(sys.daveId, sys.wethAddress)).to.be.greaterThan(0n);
    expect(await sys.vault.balanceOf(sys.erinId, sys.wethAddress)).to.equal(0n);
    expect(await sys.vault.accountCollaterals(sys.erinId)).to.deep.equal([]);
    const erinDebt = -(await usdcOf(sys, sys.erinId));
    expect(erinDebt).to.be.greaterThan(0n);
    const repaidTotal = seizedEvents.reduce((sum, e) => sum + e.args.repaid, 0n);
    const seizedTotal = seizedEvents.reduce((sum, e) => sum + e.args.seized, 0n);
    expect(await sys.usdc.balanceOf(sys.keeperA.address)).to.equal(USDC(20_000) - repaidTotal);
    expect(await sys.weth.balanceOf(sys.keeperA.address)).to.equal(seizedTotal);
    expect(keeper.stats.collateralRepaid).to.equal(repaidTotal);
    expect(keeper.stats.collateralLiquidations.succeeded).to.equal(2);
    expect(logger.events("settlement_approved")).to.have.length(1);
    const logged = logger.events("collateral_liquidated");
    expect(logged.map((l) => l.accountId)).to.have.members([sys.daveId, sys.erinId]);
    expectCollateralLines(logged, seizedEvents);
    expect(logged.find((l) => l.accountId === sys.daveId)!.debtAfterUsdc).to.equal("0.0");

    // The liquidation log says whether it left bad debt: Erin's (negative equity) left debt her WETH does not
    // cover, booked against it (BadDebtBooked in the same transaction); Dave's left none.
    const liquidationLines = logger.events("liquidation_succeeded");
    const erinLine = liquidationLines.find((l) => l.accountId === sys.erinId)!;
    const [booked] = await sys.vault.queryFilter(
      sys.vault.filters.BadDebtBooked(sys.erinId),
      erinLine.block as number,
      erinLine.block as number,
    );
    expect(booked.args.booked).to.be.greaterThan(0n);
    expect(erinLine).to.include({
      leftBadDebt: true,
      badDebtCover: "booked",
      badDebtRaw: booked.args.booked,
      badDebtUsdc: ethers.formatUnits(booked.args.booked, 6),
    });
    expect(liquidationLines.find((l) => l.accountId === sys.daveId)).to.include({ leftBadDebt: false });
    expect(round1.find((o) => o.action === "liquidate" && o.accountId === sys.erinId)).to.include({
      badDebt: booked.args.booked,
    });

    // Round 2: Erin has neither positions nor WETH: her debt goes through the waterfall. (Her equity is negative
    // with no positions, so `liquidatable` reports her — `liquidate` would close nothing: the keeper uses
    // settleBadDebt.)
    expect(await sys.clearinghouse.isLiquidatable(sys.erinId)).to.equal(true);
    const insuranceBefore = await sys.vault.insuranceBalance();
    const poolBefore = await sys.vault.poolBalance();
    const round2 = await keeper.checkAndLiquidate();
    expect(round2.map((o) => [o.action, o.accountId, o.status])).to.deep.equal([
      ["settleBadDebt", sys.erinId, "succeeded"],
    ]);
    const [settled] = await sys.vault.queryFilter(sys.vault.filters.BadDebtSettled(sys.erinId));
    const { badDebt, insuranceDraw, poolWriteOff, unrecovered } = settled.args;
    expect(badDebt).to.equal(erinDebt);
    expect(insuranceDraw).to.equal(insuranceBefore < badDebt ? insuranceBefore : badDebt);
    expect(poolWriteOff).to.equal(badDebt - insuranceDraw);
    expect(unrecovered).to.equal(0n);
    expect(await sys.vault.poolBalance()).to.equal(poolBefore - poolWriteOff);
    expect(await usdcOf(sys, sys.erinId)).to.equal(0n);
    expect(logger.events("bad_debt_settled")[0]).to.include({
      level: "info",
      accountId: sys.erinId,
      badDebtRaw: badDebt,
      badDebtUsdc: ethers.formatUnits(badDebt, 6),
      insuranceDrawRaw: insuranceDraw,
      poolWriteOffRaw: poolWriteOff,
      poolWriteOffUsdc: ethers.formatUnits(poolWriteOff, 6),
      unrecoveredRaw: 0n,
      unrecoveredUsdc: "0.0",
    });
    // Erin is `liquidatable` on chain (negative equity) but holds no position: not counted as liquidatable.
    expect(await sys.clearinghouse.positionCount(sys.erinId)).to.equal(0n);
    expect(keeper.stats.liquidatableAtLastCheck).to.equal(0);
    expect(logger.events("accounts_checked").at(-1)).to.include({ liquidatable: 0, withoutPositions: 1 });
    expect(keeper.stats.badDebtSettlements.succeeded).to.equal(1);
    expect(keeper.stats.badDebtSettled).to.equal(badDebt);

    // Nothing owed any more: the watch list empties and the next round does nothing.
    expect(await keeper.checkAndLiquidate()).to.deep.equal([]);
    expect(keeper.debtAccounts()).to.deep.equal([]);
    expect(logger.entries.filter((e) => e.level === "error" || e.level === "warn")).to.deep.equal([]);

    // A fresh keeper that only reads the logs finds the liquidated accounts for its debt pass too.
    const fresh = makeDebtKeeper(sys, sys.keeperB).keeper;
    await fresh.scanLogs(0, await ethers.provider.getBlockNumber());
    expect(fresh.debtAccounts()).to.have.members([sys.daveId, sys.erinId]);
    expect(await fresh.processDebts()).to.deep.equal([]); // nothing owed: dropped
    expect(fresh.debtAccounts()).to.deep.equal([]);
  });

  it("without USDC in its wallet warns once and skips, and goes on once funded; it settles bad debt unfunded", async function () {
    const sys = await loadFixture(debtFixture);
    const { keeper, logger } = makeDebtKeeper(sys);
    const round1 = await keeper.checkAndLiquidate();
    const skips = round1.filter((o) => o.action === "liquidateCollateral");
    expect(skips.map((o) => [o.status, "reason" in o && o.reason])).to.deep.equal([
      ["skipped", "no_funds"],
      ["skipped", "no_funds"],
    ]);
    expect(keeper.stats.collateralLiquidations.no_funds).to.equal(2);
    expect(logger.events("insufficient_funds")).to.have.length(1);
    const warning = logger.events("insufficient_funds")[0];
    expect(warning).to.include({ level: "warn", walletUsdc: "0.0", accounts: 2 });
    const shortfall = -(await usdcOf(sys, sys.daveId)) - (await usdcOf(sys, sys.erinId));
    expect(warning.shortfallRaw).to.equal(shortfall);
    expect(warning.shortfallUsdc).to.equal(ethers.formatUnits(shortfall, 6));
    expect(logger.events("settlement_approved")).to.have.length(0); // nothing to approve for

    // A standing decision is not logged (nor counted) again every round.
    await keeper.checkAndLiquidate();
    expect(keeper.stats.collateralLiquidations.no_funds).to.equal(2);
    expect(logger.events("insufficient_funds").filter((e) => e.level === "warn")).to.have.length(1);
    expect(logger.events("collateral_liquidation_skipped").filter((e) => e.level === "info")).to.have.length(
      2,
    );

    // Funded with 1,000 USDC: it repays that much of the largest debt (Dave's); Erin's waits.
    await fund(sys, sys.keeperA, USDC(1_000));
    const round3 = await keeper.checkAndLiquidate();
    const sent = round3.filter((o) => o.status === "succeeded");
    expect(sent.map((o) => [o.action, o.accountId])).to.deep.equal([["liquidateCollateral", sys.daveId]]);
    expect(sent[0].action === "liquidateCollateral" && sent[0].repaid).to.equal(USDC(1_000));
    expect(await sys.usdc.balanceOf(sys.keeperA.address)).to.equal(0n);
    expect(logger.events("insufficient_funds").filter((e) => e.level === "warn")).to.have.length(2);

    // Erin: her WETH taken by another keeper, the bad debt is settled by ours without any USDC.
    const b = makeDebtKeeper(sys, sys.keeperB);
    await fund(sys, sys.keeperB, USDC(50_000));
    b.keeper.watchDebt(sys.erinId);
    const [taken] = await b.keeper.processDebts();
    expect(taken).to.include({ action: "liquidateCollateral", status: "succeeded" });
    const round4 = await keeper.checkAndLiquidate();
    expect(round4.find((o) => o.accountId === sys.erinId)).to.include({
      action: "settleBadDebt",
      status: "succeeded",
    });
    expect(await usdcOf(sys, sys.erinId)).to.equal(0n);
  });

  it("splits a debt by the per-transaction budget and skips a liquidation below the minimum profit", async function () {
    const sys = await loadFixture(debtFixture);
    await fund(sys, sys.keeperA, USDC(20_000));
    const { keeper } = makeDebtKeeper(sys, sys.keeperA, { maxRepayPerTx: USDC(2_000) });
    await keeper.checkAndLiquidate();
    const first = await sys.vault.queryFilter(sys.vault.filters.CollateralLiquidated(sys.daveId));
    expect(first.map((e) => e.args.repaid)).to.deep.equal([USDC(2_000)]);
    // One budget per pass, until Dave's WETH covers what is left with the Vault's buffer (DESIGN §12): each repayment
    // takes 0.84 of its value off the haircut value, so the coverage improves until he is left alone.
    for (let pass = 0; pass < 4; pass++) await keeper.checkAndLiquidate();
    const all = await sys.vault.queryFilter(sys.vault.filters.CollateralLiquidated(sys.daveId));
    expect(all.map((e) => e.args.repaid)).to.deep.equal([USDC(2_000), USDC(2_000), USDC(2_000)]);
    const rest = -(await usdcOf(sys, sys.daveId));
    expect(rest).to.be.greaterThan(0n);
    const weth = await sys.vault.balanceOf(sys.daveId, sys.wethAddress);
    const haircut = (weth * WAD(2640) * WAD("0.8")) / WAD(1) / WAD(1);
    expect(haircut).to.be.at.least((rest * 10n ** 12n * WAD("1.1")) / WAD(1));
    await expect(sys.vault.connect(sys.keeperA).liquidateCollateral(sys.daveId, sys.wethAddress, 1n))
      .to.be.revertedWithCustomError(sys.vault, "VaultCollateralNotLiquidatable")
      .withArgs(sys.daveId);

    // $1,000,000 minimum profit: nothing is worth it.
    const sys2 = await loadFixture(debtFixture);
    await fund(sys2, sys2.keeperA, USDC(20_000));
    const greedy = makeDebtKeeper(sys2, sys2.keeperA, { minProfitUsd: WAD(1_000_000) });
    const outcomes = await greedy.keeper.checkAndLiquidate();
    expect(
      outcomes.filter((o) => o.action === "liquidateCollateral").map((o) => "reason" in o && o.reason),
    ).to.deep.equal(["unprofitable", "unprofitable"]);
    expect(greedy.keeper.stats.collateralLiquidations.unprofitable).to.equal(2);
    const line = greedy.logger.events("collateral_liquidation_skipped")[0];
    expect(line).to.include.keys("profitUsd", "gasCostUsd", "minProfitUsd");
    expect(Number(line.gasCostUsd)).to.be.greaterThan(0); // priced with the ETH feed
  });

  it("logs a collateral liquidation another keeper got to first as `lost`, not as an error", async function () {
    const sys = await loadFixture(debtFixture);
    await fund(sys, sys.keeperA, USDC(20_000));
    await fund(sys, sys.keeperB, USDC(20_000));
    const a = makeDebtKeeper(sys, sys.keeperA);
    const b = makeDebtKeeper(sys, sys.keeperB);
    await a.keeper.liquidateAccounts([sys.daveId], await ethers.provider.getBlockNumber());
    const stale = await ethers.provider.getBlockNumber();
    b.keeper.watchDebt(sys.daveId);
    await b.keeper.processDebts(); // B repays Dave's whole debt
    const [outcome] = await a.keeper.processDebts(stale); // A decided on the state before B's transaction
    expect(outcome).to.include({
      action: "liquidateCollateral",
      status: "lost",
      winner: sys.keeperB.address,
    });
    expect(a.keeper.stats.collateralLiquidations).to.include({ lost: 1, failed: 0, succeeded: 0 });
    expect(a.logger.events("collateral_liquidation_lost")[0]).to.include({ level: "info" });
    expect(a.logger.entries.filter((e) => e.level === "error")).to.deep.equal([]);
    expect(await sys.usdc.balanceOf(sys.keeperA.address)).to.equal(USDC(20_000));
  });
});
