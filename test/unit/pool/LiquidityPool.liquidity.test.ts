import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  POOL_LIQUIDITY,
  USDC,
  WAD,
  fundedFixture,
  mintAndApprove,
  setPrice,
} from "../../shared/fixtures";
import { localModel } from "../../shared/model";
import type { KeelModel } from "../../shared/model";
import { assetsForShares, sharesForAssets } from "../../shared/poolValue";
import * as math from "../../shared/math";
import { TO_WAD, accountIdOf } from "../../shared/math";
import {
  ANY_BUY_PRICE,
  ANY_SELL_PRICE,
  DELAY,
  LP_SHARES,
  WINDOW,
  blockTime,
  emptyPoolFixture,
  latestTime,
} from "./shared";

describe("LiquidityPool", function () {
  describe("#availableLiquidity", function () {
    /** LP requests everything; Alice goes long and Bob short 20 ETH; a day later ETH is at 3,300. */
    async function winningTraderFixture() {
      const sys = await fundedFixture();
      const { pool, clearinghouse, lp, alice, bob } = sys;
      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(LP_SHARES));
      const aliceTrade = await blockTime(
        await clearinghouse.connect(alice).trade(0, ETH, WAD(20), ANY_BUY_PRICE),
      );
      const bobTrade = await blockTime(
        await clearinghouse.connect(bob).trade(0, ETH, -WAD(20), ANY_SELL_PRICE),
      );
      await time.setNextBlockTimestamp(requestTime + DELAY);
      await setPrice(sys.ethFeed, 3_300);
      return { ...sys, requestTime, aliceTrade, bobTrade };
    }

    function winningTraderBook(alice: string, bob: string, aliceTrade: bigint, bobTrade: bigint): KeelModel {
      const book = localModel({ pool: POOL_LIQUIDITY });
      book.deposit(accountIdOf(alice), USDC(10_000));
      book.deposit(accountIdOf(bob), USDC(10_000));
      book.trade(accountIdOf(alice), Number(ETH), WAD(20), aliceTrade);
      book.trade(accountIdOf(bob), Number(ETH), -WAD(20), bobTrade);
      book.setPrice(Number(ETH), WAD(3_300));
      return book;
    }

    it("equals the pool balance minus the winning traders' claims rounded up to token units", async function () {
      const { pool, alice, bob, aliceTrade, bobTrade } = await loadFixture(winningTraderFixture);
      const book = winningTraderBook(alice.address, bob.address, aliceTrade, bobTrade);
      const claims = book.traderClaims(await latestTime());
      expect(claims).to.be.greaterThan(WAD(5_000)); // Alice's long is ~6,000 USD up
      const available = book.pool - math.divCeil(claims, TO_WAD);

      expect(await pool.availableLiquidity()).to.equal(available);
      // Bob's loss is in the NAV but not in the cash: the NAV is above what can be paid out.
      expect(await pool.totalAssets()).to.equal(book.poolValue(await latestTime()));
      expect(book.poolValue(await latestTime())).to.be.greaterThan(available);
    });

    it("reports maxWithdraw and maxRedeem as the matured request limited by the available liquidity", async function () {
      const { pool, lp, alice, bob, aliceTrade, bobTrade } = await loadFixture(winningTraderFixture);
      const book = winningTraderBook(alice.address, bob.address, aliceTrade, bobTrade);
      const now = await latestTime(); // views run at the latest block's time: the request matured at it
      const nav = book.poolValue(now);
      const available = book.availableLiquidity(now);
      expect(assetsForShares(LP_SHARES, LP_SHARES, nav)).to.be.greaterThan(available);
      expect(await pool.maxWithdraw(lp.address)).to.equal(available);
      expect(await pool.maxRedeem(lp.address)).to.equal(sharesForAssets(available, LP_SHARES, nav));
      // Someone without a request can take nothing out.
      expect([await pool.maxWithdraw(alice.address), await pool.maxRedeem(alice.address)]).to.deep.equal([
        0n,
        0n,
      ]);
    });

    it("reports zero maxWithdraw and maxRedeem one second before maturity and from the expiry on", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const requested = await blockTime(await pool.connect(lp).requestWithdraw(LP_SHARES));
      const limits = async () => [await pool.maxWithdraw(lp.address), await pool.maxRedeem(lp.address)];
      await time.increaseTo(requested + DELAY - 1n);
      expect(await limits()).to.deep.equal([0n, 0n]);
      await time.increaseTo(requested + DELAY);
      expect(await limits()).to.deep.equal([
        assetsForShares(LP_SHARES, LP_SHARES, POOL_LIQUIDITY),
        LP_SHARES,
      ]);
      await time.increaseTo(requested + DELAY + WINDOW - 1n);
      expect(await limits()).to.deep.equal([
        assetsForShares(LP_SHARES, LP_SHARES, POOL_LIQUIDITY),
        LP_SHARES,
      ]);
      await time.increaseTo(requested + DELAY + WINDOW);
      expect(await limits()).to.deep.equal([0n, 0n]);
    });

    it("is zero, never negative, when the winning traders' claims exceed the pool's cash", async function () {
      const sys = await loadFixture(emptyPoolFixture);
      const { pool, vault, usdc, clearinghouse, lp, alice } = sys;
      await pool.connect(lp).deposit(USDC(10_000), lp.address);
      await mintAndApprove(sys, alice, USDC(10_000), await vault.getAddress());
      await vault.connect(alice).deposit(0, await usdc.getAddress(), USDC(10_000));
      const traded = await blockTime(await clearinghouse.connect(alice).trade(0, ETH, WAD(3), ANY_BUY_PRICE));
      const book = localModel({ pool: USDC(10_000) });
      book.deposit(accountIdOf(alice.address), USDC(10_000));
      book.trade(accountIdOf(alice.address), Number(ETH), WAD(3), traded);
      // ETH at 6,500: a 3 ETH long is about 10,500 USD up, more than the pool's 10,000 USDC.
      await setPrice(sys.ethFeed, 6_500);
      book.setPrice(Number(ETH), WAD(6_500));
      expect(book.traderClaims(await latestTime())).to.be.greaterThan(USDC(10_000) * TO_WAD);
      expect(await vault.poolBalance()).to.equal(book.pool);
      expect(await pool.availableLiquidity()).to.equal(0n);
      expect(await pool.maxWithdraw(lp.address)).to.equal(0n);
    });

    it("reverts a redemption above the available liquidity with PoolInsufficientLiquidity(assets, available)", async function () {
      const { pool, lp, alice, bob, aliceTrade, bobTrade } = await loadFixture(winningTraderFixture);
      const book = winningTraderBook(alice.address, bob.address, aliceTrade, bobTrade);
      const now = (await latestTime()) + 1n;
      const assets = assetsForShares(LP_SHARES, LP_SHARES, book.poolValue(now));
      const available = book.availableLiquidity(now);
      expect(assets).to.be.greaterThan(available);

      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(lp).redeem(LP_SHARES, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolInsufficientLiquidity")
        .withArgs(assets, available);
    });

    it("pays a redemption within the available liquidity at the NAV of its block", async function () {
      const { pool, usdc, lp, alice, bob, aliceTrade, bobTrade } = await loadFixture(winningTraderFixture);
      const book = winningTraderBook(alice.address, bob.address, aliceTrade, bobTrade);
      const now = (await latestTime()) + 1n;
      const shares = LP_SHARES / 2n;
      const assets = assetsForShares(shares, LP_SHARES, book.poolValue(now));
      expect(assets).to.be.at.most(book.availableLiquidity(now));

      await time.setNextBlockTimestamp(now);
      const tx = pool.connect(lp).redeem(shares, lp.address, lp.address);
      await expect(tx).to.emit(pool, "Withdraw").withArgs(lp.address, lp.address, lp.address, assets, shares);
      await expect(tx).to.changeTokenBalance(usdc, lp, assets);
    });
  });
});
