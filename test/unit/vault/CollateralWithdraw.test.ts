/**
 * Multi-collateral: deposit caps, and withdrawals of collateral against margin.
 * Set-up: collateralContext.ts and collateralFixtures.ts; after every step the Vault must hold, per token,
 * exactly Σ account balances (+ pool + insurance for the settlement token).
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, WAD, accountIdOf, latestTime } from "../../shared/fixtures";
import { assetKey } from "../../../deploy/config";
import * as math from "../../shared/math";
import * as ref from "../../shared/collateral";
import {
  TO_WAD,
  WETH_CONFIG,
  WBTC_CONFIG,
  load,
  collateralFixture,
  mintToken,
  depositToken,
  withdraw,
  movePrice,
  liquidate,
  expectConservation,
} from "./collateralContext";
import type { Ctx } from "./collateralContext";
import { wethPositionFixture, leveragedFixture } from "./collateralFixtures";

describe("Multi-collateral", function () {
  describe("deposit caps", function () {
    for (const [symbol, c] of [
      ["WETH", WETH_CONFIG],
      ["WBTC", WBTC_CONFIG],
    ] as const) {
      it(`accepts ${symbol} deposits up to exactly the cap and reverts VaultDepositCapExceeded(token, cap + 1, cap) one unit above`, async function () {
        const ctx = await load(collateralFixture);
        const token = symbol === "WETH" ? ctx.weth : ctx.wbtc;
        const address = await token.getAddress();
        await depositToken(ctx, ctx.leo, token, c.depositCap - 1n);
        await depositToken(ctx, ctx.mia, token, 1n); // Σ balances == cap
        expect(await ctx.vault.totalAccountBalance(address)).to.equal(c.depositCap);
        await mintToken(ctx, token, ctx.mia, 1n);
        await expect(ctx.vault.connect(ctx.mia).deposit(0, address, 1n))
          .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
          .withArgs(address, c.depositCap + 1n, c.depositCap);
        await expectConservation(ctx);

        // One unit out makes room for exactly one unit in, from any account.
        await withdraw(ctx, ctx.leo, token, 1n);
        await depositToken(ctx, ctx.mia, token, 1n, 3n);
        await expectConservation(ctx);
      });
    }

    it("blocks deposits but never withdrawals once the cap is lowered under Σ balances, and a zero cap closes deposits", async function () {
      const ctx = await load(collateralFixture);
      const weth = await ctx.weth.getAddress();
      await depositToken(ctx, ctx.leo, ctx.weth, WAD(5));
      await ctx.vault.setCollateral(
        weth,
        assetKey("ETH"),
        WETH_CONFIG.weight,
        WETH_CONFIG.liquidationDiscount,
        WAD(2),
      );
      await mintToken(ctx, ctx.weth, ctx.mia, 1n);
      await expect(ctx.vault.connect(ctx.mia).deposit(0, weth, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
        .withArgs(weth, WAD(5) + 1n, WAD(2));
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(4));
      await depositToken(ctx, ctx.mia, ctx.weth, WAD(1)); // back to exactly the cap
      await ctx.vault.setCollateral(
        weth,
        assetKey("ETH"),
        WETH_CONFIG.weight,
        WETH_CONFIG.liquidationDiscount,
        0n,
      );
      await expect(ctx.vault.connect(ctx.mia).deposit(0, weth, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
        .withArgs(weth, WAD(2) + 1n, 0n);
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(1));
      await withdraw(ctx, ctx.mia, ctx.weth, WAD(1));
      await expectConservation(ctx);
    });
  });

  describe("#withdraw of collateral against margin", function () {
    /** Gina's state at `now` and the largest WETH withdrawal that keeps equity >= initial margin. */
    function freeWeth(ctx: Ctx, now: bigint) {
      const id = accountIdOf(ctx.gina.address);
      const price = ctx.model.price("ETH");
      const settlementOnly = ctx.model.accountState(id, now);
      // equity = settlement + unrealized PnL − funding + floor(balance · price · weight); solve for the balance.
      const need = settlementOnly.initialMargin - settlementOnly.equity;
      const minBalance = ref.balanceForValue(need, 18, price, WETH_CONFIG.weight);
      const valueAt = (balance: bigint) => ref.collateralValue(balance, 18, price, WETH_CONFIG.weight);
      expect(settlementOnly.equity + valueAt(minBalance)).to.be.at.least(settlementOnly.initialMargin);
      expect(settlementOnly.equity + valueAt(minBalance - 1n)).to.be.lessThan(settlementOnly.initialMargin);
      return { id, settlementOnly, minBalance, valueAt, free: WAD(10) - minBalance };
    }

    it("accepts a WETH withdrawal of exactly the free collateral, counted at price × weight rounded down", async function () {
      const ctx = await load(wethPositionFixture);
      const id = accountIdOf(ctx.gina.address);
      // No USDC: the settlement balance is the fee debt, so USDC cannot be withdrawn at all.
      expect(ctx.model.balance(id)).to.equal(-math.divCeil(ctx.tradeFee, TO_WAD));
      await expect(ctx.vault.connect(ctx.gina).withdraw(0, await ctx.usdc.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInsufficientBalance")
        .withArgs(id, await ctx.usdc.getAddress(), ctx.model.balance(id), 1n);

      const now = (await latestTime()) + 10n;
      const { free, settlementOnly, minBalance, valueAt } = freeWeth(ctx, now);
      expect(free).to.be.greaterThan(0n);
      await time.setNextBlockTimestamp(now);
      await withdraw(ctx, ctx.gina, ctx.weth, free);

      const after = await ctx.clearinghouse.accountState(id);
      expect(after.equity).to.equal(settlementOnly.equity + valueAt(minBalance));
      expect(after.initialMargin).to.equal(settlementOnly.initialMargin);
      expect(after.freeCollateral).to.equal(ctx.model.stateWithCollateral(id, now).freeCollateral);
      expect(after.freeCollateral).to.be.at.least(0n);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([
        ctx.model.balance(id),
        valueAt(minBalance),
        true,
      ]);
      await expectConservation(ctx);
    });

    it("reverts with ClearinghouseInsufficientMargin(accountId, equity, initialMargin) one wei of WETH above the free collateral", async function () {
      const ctx = await load(wethPositionFixture);
      const now = (await latestTime()) + 10n;
      const { id, free, settlementOnly, minBalance, valueAt } = freeWeth(ctx, now);
      await time.setNextBlockTimestamp(now);
      await expect(ctx.vault.connect(ctx.gina).withdraw(0, await ctx.weth.getAddress(), free + 1n))
        .to.be.revertedWithCustomError(ctx.clearinghouse, "ClearinghouseInsufficientMargin")
        .withArgs(id, settlementOnly.equity + valueAt(minBalance - 1n), settlementOnly.initialMargin);
      await expectConservation(ctx);
    });

    it("lets a closed-out account with debt withdraw collateral only down to zero equity, one wei more reverting", async function () {
      const ctx = await load(leveragedFixture);
      const id = accountIdOf(ctx.dave.address);
      await movePrice(ctx, ETH, "2650");
      await liquidate(ctx, ctx.frank, id);
      await movePrice(ctx, ETH, "3000");
      const debt = -ctx.model.balance(id);
      const minBalance = ref.balanceForValue(debt * TO_WAD, 18, WAD(3000), WETH_CONFIG.weight);
      const free = WAD(10) - minBalance;
      expect(free).to.be.greaterThan(0n);
      const equityAt = (balance: bigint) =>
        -debt * TO_WAD + ref.collateralValue(balance, 18, WAD(3000), WETH_CONFIG.weight);
      await expect(ctx.vault.connect(ctx.dave).withdraw(0, await ctx.weth.getAddress(), free + 1n))
        .to.be.revertedWithCustomError(ctx.clearinghouse, "ClearinghouseInsufficientMargin")
        .withArgs(id, equityAt(minBalance - 1n), 0n);
      await withdraw(ctx, ctx.dave, ctx.weth, free);
      expect((await ctx.clearinghouse.accountState(id)).equity).to.equal(equityAt(minBalance));
      expect(equityAt(minBalance)).to.be.at.least(0n);
      await expectConservation(ctx);
    });

    it("takes the token out of the account's collateral set when its balance reaches zero", async function () {
      const ctx = await load(collateralFixture);
      const id = accountIdOf(ctx.leo.address);
      await depositToken(ctx, ctx.leo, ctx.weth, WAD(2));
      await depositToken(ctx, ctx.leo, ctx.wbtc, 3n);
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(2) - 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.have.length(2);
      await withdraw(ctx, ctx.leo, ctx.weth, 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.wbtc.getAddress()]);
      await withdraw(ctx, ctx.leo, ctx.wbtc, 3n);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, 0n, false]);
      await expectConservation(ctx);
    });
  });
});
