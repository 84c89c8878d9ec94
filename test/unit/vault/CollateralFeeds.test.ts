/**
 * Multi-collateral: stale or invalid feeds, and whom they block.
 * Set-up: collateralContext.ts and collateralFixtures.ts; after every step the Vault must hold, per token,
 * exactly Σ account balances (+ pool + insurance for the settlement token).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { BTC, ETH, USDC, WAD, accountIdOf, latestTime, setPrice } from "../../shared/fixtures";
import { LOCAL_FEEDS, assetKey } from "../../../deploy/config";
import {
  MAX128,
  HEARTBEAT,
  load,
  depositToken,
  depositUsdc,
  withdraw,
  trade,
  movePrice,
  listToken,
  expectConservation,
} from "./collateralContext";
import type { Ctx } from "./collateralContext";
import { feedFixture } from "./collateralFixtures";

describe("Multi-collateral", function () {
  describe("stale or invalid feeds", function () {
    async function makeBtcStale(ctx: Ctx) {
      await time.increase(HEARTBEAT + 1);
      await movePrice(ctx, ETH, "3000"); // ETH stays fresh
      const [, , , updatedAt] = await ctx.btcFeed.latestRoundData();
      expect((await latestTime()) - updatedAt).to.be.greaterThan(BigInt(HEARTBEAT));
      return updatedAt;
    }

    async function expectUnblocked(ctx: Ctx, who: HardhatEthersSigner) {
      const id = accountIdOf(who.address);
      const state = await ctx.clearinghouse.accountState(id);
      expect(state.equity).to.equal(ctx.model.stateWithCollateral(id, await latestTime()).equity);
      expect(await ctx.clearinghouse.isLiquidatable(id)).to.equal(false);
      await trade(ctx, who, ETH, WAD(1));
      await trade(ctx, who, ETH, -WAD(2));
      await withdraw(ctx, who, ctx.weth, WAD(1));
      await withdraw(ctx, who, ctx.usdc, USDC(100));
      await depositToken(ctx, who, ctx.weth, WAD(1));
      await expectConservation(ctx);
    }

    it("does not let a stale BTC feed block the trades, withdrawals or accountState of an account that holds no WBTC", async function () {
      const ctx = await load(feedFixture);
      await makeBtcStale(ctx);
      await expectUnblocked(ctx, ctx.hank);
    });

    it("does not let an out-of-bounds BTC answer block an account that holds no WBTC", async function () {
      const ctx = await load(feedFixture);
      await setPrice(ctx.btcFeed, 20_000_000); // above the 10,000,000 USD bound
      const btc = LOCAL_FEEDS[1];
      await expect(ctx.clearinghouse.accountState(accountIdOf(ctx.ivy.address)))
        .to.be.revertedWithCustomError(ctx.oracle, "OraclePriceOutOfBounds")
        .withArgs(
          assetKey("BTC"),
          await ctx.btcFeed.getAddress(),
          WAD(20_000_000),
          btc.minPrice,
          btc.maxPrice,
        );
      await expectUnblocked(ctx, ctx.hank);
    });

    it("does not let a feed whose latestRoundData reverts block an account that does not hold its token", async function () {
      const ctx = await load(feedFixture);
      const rev = await listToken(ctx, "REV", 18, 8, 100_000_000n, WAD("0.5"), WAD(1_000));
      const id = accountIdOf(ctx.mia.address);
      await depositToken(ctx, ctx.mia, rev.token, WAD(1));
      // A contract without latestRoundData as the feed: every price read of REV reverts without a reason.
      await ctx.oracle.setFeed(assetKey("REV"), await ctx.usdc.getAddress(), HEARTBEAT, 1n, MAX128);
      await expect(ctx.clearinghouse.accountState(id)).to.be.revertedWithoutReason();
      await depositUsdc(ctx, ctx.mia, USDC(10));
      await depositToken(ctx, ctx.mia, rev.token, 1n);
      await expectUnblocked(ctx, ctx.hank);
    });

    it("blocks accountState, trades and withdrawals of an account holding WBTC with the oracle's error, but not its deposits", async function () {
      const ctx = await load(feedFixture);
      const updatedAt = await makeBtcStale(ctx);
      const id = accountIdOf(ctx.ivy.address);
      const stale = [
        assetKey("BTC"),
        await ctx.btcFeed.getAddress(),
        updatedAt,
        BigInt(HEARTBEAT),
        anyValue,
      ] as const;
      const oracle = ctx.oracle;

      await expect(ctx.clearinghouse.accountState(id))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      await expect(ctx.vault.accountCollateral(id))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      await expect(ctx.vault.connect(ctx.ivy).withdraw(0, await ctx.usdc.getAddress(), 1n))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      await expect(ctx.vault.connect(ctx.ivy).withdraw(0, await ctx.wbtc.getAddress(), 1n))
        .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
        .withArgs(...stale);
      for (const delta of [WAD(1), -WAD(1)]) {
        await expect(
          ctx.clearinghouse.connect(ctx.ivy).trade(0, ETH, delta, delta > 0n ? ethers.MaxUint256 : 0n),
        )
          .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
          .withArgs(...stale);
      }

      // Deposits need no price.
      await depositUsdc(ctx, ctx.ivy, USDC(100));
      await depositToken(ctx, ctx.ivy, ctx.wbtc, 1n);
      await expectConservation(ctx);

      // A fresh answer unblocks everything.
      await movePrice(ctx, BTC, "60000");
      expect((await ctx.clearinghouse.accountState(id)).equity).to.equal(
        ctx.model.stateWithCollateral(id, await latestTime()).equity,
      );
      await withdraw(ctx, ctx.ivy, ctx.usdc, USDC(100));
      await trade(ctx, ctx.ivy, ETH, -WAD(1));
      await expectConservation(ctx);
    });

    it("lets an account with no positions and no debt withdraw everything while the feed of a token it holds is stale", async function () {
      // DESIGN §9: withdraw is accepted "... or the account has no positions and no debt"; §15.7: such an account
      // "can always withdraw everything". Neither needs a price, so a stale feed must not block it.
      const ctx = await load(feedFixture);
      await makeBtcStale(ctx);
      expect(await ctx.clearinghouse.positionCount(accountIdOf(ctx.judy.address))).to.equal(0n);
      await withdraw(ctx, ctx.judy, ctx.usdc, USDC(1_000));
      await withdraw(ctx, ctx.judy, ctx.wbtc, 10_000_000n);
      await expectConservation(ctx);
    });
  });
});
