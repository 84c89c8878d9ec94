/**
 * Multi-collateral: #settleBadDebt and the waterfall (insurance fund, then the pool).
 * Set-up: collateralContext.ts and collateralFixtures.ts; after every step the Vault must hold, per token,
 * exactly Σ account balances (+ pool + insurance for the settlement token).
 */
import { expect } from "chai";
import { ETH, USDC, accountIdOf } from "../../shared/fixtures";
import * as ref from "../../shared/collateral";
import {
  record,
  load,
  collateralFixture,
  depositToken,
  movePrice,
  liquidate,
  liquidateCollateral,
  expectConservation,
} from "./collateralContext";
import { leveragedFixture, badDebtFixture } from "./collateralFixtures";

describe("Multi-collateral", function () {
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
