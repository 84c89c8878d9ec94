/**
 * Multi-collateral: #liquidate of an account with other collateral, and #liquidateCollateral.
 * Set-up: collateralContext.ts and collateralFixtures.ts; after every step the Vault must hold, per token,
 * exactly Σ account balances (+ pool + insurance for the settlement token).
 */
import { expect } from "chai";
import { ETH, USDC, WAD, accountIdOf, latestTime, txTime } from "../../shared/fixtures";
import * as math from "../../shared/math";
import * as ref from "../../shared/collateral";
import {
  TO_WAD,
  WETH_CONFIG,
  WBTC_CONFIG,
  load,
  withdraw,
  movePrice,
  liquidate,
  liquidateCollateral,
  expectAtMostTheDiscount,
  expectConservation,
} from "./collateralContext";
import { leveragedFixture, underwaterFixture } from "./collateralFixtures";

describe("Multi-collateral", function () {
  describe("#liquidate with other collateral", function () {
    it("closes out an account that holds WETH without running the waterfall: the debt stays for collateral liquidation", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2500");
      const { tx, r } = await liquidate(ctx, ctx.frank, id);
      expect(r.before.equity).to.be.lessThan(0n); // even with the WETH counted at its haircut value
      expect(r.fraction).to.equal(WAD(1));
      expect(r.penalty).to.equal(0n);
      expect(r.badDebt).to.equal(0n);
      await expect(tx).not.to.emit(ctx.vault, "BadDebtSettled");
      expect(await ctx.clearinghouse.positionCount(id)).to.equal(0n);
      expect(ctx.model.balance(id)).to.be.lessThan(-USDC(30_000));
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.weth.getAddress()]);
      await expectConservation(ctx);
    });

    it("limits the penalty of a full close to what the account still has, its WETH at haircut value included", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2650");
      const { tx, r } = await liquidate(ctx, ctx.frank, id);
      expect(r.fraction).to.equal(WAD(1));
      expect(r.before.equity).to.be.greaterThan(0n);
      const fullPenalty = math.divCeil(math.marginRequirement(WAD(60), WAD(2650), WAD("0.01")), TO_WAD);
      // The cap binds: the account pays its whole remaining value, counting the WETH, and no more.
      expect(r.penalty).to.be.greaterThan(0n);
      expect(r.penalty).to.be.lessThan(fullPenalty);
      const wethValue = ref.collateralValue(WAD(10), 18, WAD(2650), WETH_CONFIG.weight);
      expect(ctx.model.balance(id) + wethValue / TO_WAD).to.equal(0n);
      await expect(tx).not.to.emit(ctx.vault, "BadDebtSettled");
      await expectConservation(ctx);
    });

    it("lets a keeper liquidate collateral while the account is liquidatable and still has positions", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2700");
      expect(ctx.model.stateWithCollateral(id, await latestTime()).liquidatable).to.equal(true);
      expect(await ctx.clearinghouse.isLiquidatable(id)).to.equal(true);
      const before = await ctx.clearinghouse.accountState(id);
      const { expected, tx } = await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, USDC(1_000));
      // weight × (1 + discount) = 0.84 < 1: giving up collateral at the discount raises the account's equity.
      const after = await ctx.clearinghouse.accountState(id);
      const now = await txTime(tx);
      expect(after.equity).to.equal(ctx.model.stateWithCollateral(id, now).equity);
      expect(after.equity).to.be.greaterThan(before.equity);
      expect(after.maintenanceMargin).to.equal(before.maintenanceMargin);
      expect(expected.clamped).to.equal(false);
      expectAtMostTheDiscount(expected, 18, WAD(2700), WETH_CONFIG.liquidationDiscount);
      expect(await ctx.clearinghouse.positionCount(id)).to.equal(1n);
      await expectConservation(ctx);
    });
  });

  describe("#liquidateCollateral", function () {
    it("pays a keeper exactly repay × (1 + discount) / price of WETH, rounded down", async function () {
      const ctx = await load(underwaterFixture);
      const id = accountIdOf(ctx.dave.address);
      for (const repay of [USDC(1_000), 1n, 7n, 1_234_567_891n]) {
        const { expected } = await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, repay);
        expect(expected.repaid).to.equal(repay);
        expect(expected.clamped).to.equal(false);
        expectAtMostTheDiscount(expected, 18, WAD(2500), WETH_CONFIG.liquidationDiscount);
        await expectConservation(ctx);
      }
      // 1,000 USDC at 2,500 USD with a 5% discount is exactly 0.42 WETH.
      const reference = ref.collateralLiquidation({
        debt: USDC(1_000_000),
        repayAmount: USDC(1_000),
        held: WAD(10),
        decimals: 18,
        priceWad: WAD(2500),
        discount: WETH_CONFIG.liquidationDiscount,
        toWad: TO_WAD,
      });
      expect(reference.seized).to.equal(WAD("0.42"));
    });

    it("pays a keeper in WBTC (8 decimals) rounded down, down to nothing for a dust repayment", async function () {
      const ctx = await load(underwaterFixture);
      const id = accountIdOf(ctx.kim.address);
      const { expected } = await liquidateCollateral(ctx, ctx.frank, id, ctx.wbtc, USDC(1_000));
      expect(expected.seized).to.equal(1_750_000n); // 1,050 USD at 60,000 USD = 0.0175 WBTC
      const dust = await liquidateCollateral(ctx, ctx.frank, id, ctx.wbtc, 1n);
      expect(dust.expected.seized).to.equal(0n); // the account gives nothing for 1e-6 USDC
      expectAtMostTheDiscount(dust.expected, 8, WAD(60_000), WBTC_CONFIG.liquidationDiscount);
      await expectConservation(ctx);
    });

    it("clamps the seizure to what the account holds and shrinks the repayment to match, rounded up", async function () {
      const ctx = await load(underwaterFixture);
      for (const [who, token, c, price] of [
        [ctx.dave, ctx.weth, WETH_CONFIG, WAD(2500)],
        [ctx.kim, ctx.wbtc, WBTC_CONFIG, WAD(60_000)],
      ] as const) {
        const id = accountIdOf(who.address);
        const address = await token.getAddress();
        const held = ctx.model.tokenBalance(id, address);
        const debt = -ctx.model.balance(id);
        const { expected } = await liquidateCollateral(ctx, ctx.frank, id, token, USDC(1_000_000));
        expect(expected.clamped).to.equal(true);
        expect(expected.seized).to.equal(held);
        expect(expected.repaid).to.be.lessThan(debt);
        expectAtMostTheDiscount(expected, c.decimals, price, c.liquidationDiscount);
        expect(await ctx.vault.balanceOf(id, address)).to.equal(0n);
        expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([]);
        expect(await ctx.vault.balanceOf(id, await ctx.usdc.getAddress())).to.equal(
          -(debt - expected.repaid),
        );
        await expectConservation(ctx);
      }
    });

    it("repays at most the debt, leaving the rest of the collateral to the account", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2650");
      await liquidate(ctx, ctx.frank, id);
      const debt = -ctx.model.balance(id);
      expect(debt).to.be.greaterThan(0n);
      const { expected } = await liquidateCollateral(ctx, ctx.frank, id, ctx.weth, debt + USDC(1));
      expect(expected.repaid).to.equal(debt);
      expect(expected.clamped).to.equal(false);
      expectAtMostTheDiscount(expected, 18, WAD(2650), WETH_CONFIG.liquidationDiscount);
      expect(ctx.model.balance(id)).to.equal(0n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.weth.getAddress()]);
      await expect(ctx.vault.connect(ctx.frank).liquidateCollateral(id, await ctx.weth.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(id);
      await expect(ctx.vault.settleBadDebt(id))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(id);
      // The account keeps the rest and, with no positions and no debt, can take it out.
      await withdraw(ctx, ctx.dave, ctx.weth, ctx.model.tokenBalance(id, await ctx.weth.getAddress()));
      await expectConservation(ctx);
    });

    it("reverts VaultNoDebt, VaultCollateralNotLiquidatable, VaultUnsupportedToken and VaultZeroAmount with their arguments", async function () {
      const ctx = await load(leveragedFixture);
      const weth = await ctx.weth.getAddress();
      const usdc = await ctx.usdc.getAddress();
      const dave = accountIdOf(ctx.dave.address);
      const alice = accountIdOf(ctx.alice.address);
      const keeper = ctx.vault.connect(ctx.frank);
      await expect(keeper.liquidateCollateral(alice, weth, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultNoDebt")
        .withArgs(alice);
      // Dave owes his trading fee and has a position, but is healthy.
      expect(ctx.model.balance(dave)).to.be.lessThan(0n);
      expect(ctx.model.stateWithCollateral(dave, await latestTime()).liquidatable).to.equal(false);
      await expect(keeper.liquidateCollateral(dave, weth, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultCollateralNotLiquidatable")
        .withArgs(dave);
      await expect(keeper.liquidateCollateral(dave, usdc, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultUnsupportedToken")
        .withArgs(usdc);
      await expect(keeper.liquidateCollateral(dave, weth, 0n)).to.be.revertedWithCustomError(
        ctx.vault,
        "VaultZeroAmount",
      );
      await expectConservation(ctx);
    });

    it("reverts VaultCollateralNotHeld for a listed token the account does not hold", async function () {
      const ctx = await load(underwaterFixture);
      const erin = accountIdOf(ctx.erin.address);
      const wbtc = await ctx.wbtc.getAddress();
      await expect(ctx.vault.connect(ctx.frank).liquidateCollateral(erin, wbtc, USDC(1)))
        .to.be.revertedWithCustomError(ctx.vault, "VaultCollateralNotHeld")
        .withArgs(erin, wbtc);
      await expectConservation(ctx);
    });

    it("keeps working while the Clearinghouse is paused", async function () {
      const ctx = await load(underwaterFixture);
      await ctx.clearinghouse.pause();
      await liquidateCollateral(ctx, ctx.frank, accountIdOf(ctx.erin.address), ctx.weth, USDC(500));
      await expectConservation(ctx);
    });
  });
});
