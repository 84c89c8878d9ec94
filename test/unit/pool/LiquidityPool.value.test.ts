/**
 * The pool's signed value, the deposit minimum, redemptions while insolvent, the withdrawal reserve's per-side bound
 * and the minimum withdrawal delay (DESIGN §11, §18.2, §18.21, §18.22), against the reference in
 * test/shared/poolValue.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  FEED,
  USDC,
  WAD,
  deployFixture,
  latestTime,
  mintAndApprove,
  txTime,
} from "../../shared/fixtures";
import { type KeelModel, localModel } from "../../shared/model";
import { sharesForAssets } from "../../shared/poolValue";
import { accountIdOf } from "../../shared/math";
import * as poolRef from "../../shared/poolValue";
import { LOCAL_WITHDRAWAL_WINDOW } from "../../../deploy/config";

const ANY_BUY_PRICE = ethers.MaxUint256;
const ANY_SELL_PRICE = 0n;
const LP_ASSETS = USDC(10_000);
const LONG = WAD(3);

/** A pool of `lpAssets` and one 3 ETH long; `book()` builds a fresh reference of it. */
async function poolWithLong(lpAssets: bigint) {
  const sys = await deployFixture();
  const [, lp, alice, newLp] = sys.signers;
  await mintAndApprove(sys, lp, lpAssets, await sys.pool.getAddress());
  await sys.pool.connect(lp).deposit(lpAssets, lp.address);
  await mintAndApprove(sys, alice, USDC(20_000), await sys.vault.getAddress());
  await sys.vault.connect(alice).deposit(0, await sys.usdc.getAddress(), USDC(20_000));
  await mintAndApprove(sys, newLp, USDC(1_000), await sys.pool.getAddress());
  const traded = await txTime(await sys.clearinghouse.connect(alice).trade(0, ETH, LONG, ANY_BUY_PRICE));
  const book = () => {
    const b = localModel({ pool: lpAssets });
    b.deposit(accountIdOf(alice.address), USDC(20_000));
    b.trade(accountIdOf(alice.address), Number(ETH), LONG, traded);
    return b;
  };
  return { ...sys, lp, alice, newLp, book, supply: lpAssets * 10n ** 6n };
}

const smallPoolFixture = () => poolWithLong(LP_ASSETS);
const largePoolFixture = () => poolWithLong(USDC(100_000));

/** The highest 8-decimal ETH answer at which the reference pool value at `now` is at least `target`. */
function answerForValue(book: KeelModel, now: bigint, target: bigint): bigint {
  let lo = FEED(3_000);
  let hi = FEED(20_000);
  const valueAt = (answer: bigint) => {
    book.setPrice(Number(ETH), answer * 10n ** 10n);
    return book.signedPoolValue(now);
  };
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (valueAt(mid) >= target) lo = mid;
    else hi = mid;
  }
  valueAt(lo);
  return lo;
}

describe("LiquidityPool: value, deposit minimum, reserve", function () {
  describe("#poolValue", function () {
    it("is the signed reference value below zero while totalAssets reads 0", async function () {
      const { pool, ethFeed, book: makeBook } = await loadFixture(smallPoolFixture);
      const book = makeBook();
      await ethFeed.updateAnswer(FEED(8_000)); // the long is ~15,000 USD up, the pool holds ~10,000
      book.setPrice(Number(ETH), WAD(8_000));
      const value = book.signedPoolValue(await latestTime());
      expect(value).to.be.lessThan(0n);
      expect(await pool.poolValue()).to.equal(value);
      expect(await pool.totalAssets()).to.equal(0n);
      expect(await pool.convertToAssets(10n ** 18n)).to.equal(0n);
      expect(await pool.previewMint(1n)).to.equal(ethers.MaxUint256);
    });

    it("subtracts the skew premium P·skew²/(2·skewScale), rounded up", async function () {
      const { pool, book: makeBook } = await loadFixture(smallPoolFixture);
      const book = makeBook();
      const now = await latestTime();
      const premium = poolRef.skewPremium(LONG, WAD(3_000), book.markets[0].params.skewScale);
      expect(premium).to.equal(WAD("0.135")); // 3000 · 9 / 200,000
      expect(await pool.poolValue()).to.equal(book.signedPoolValue(now));
    });
  });

  describe("deposit minimum", function () {
    it("accepts a deposit at exactly minimumDepositValue and refuses one a unit below with PoolValueTooLow", async function () {
      const { pool, ethFeed, newLp, book: makeBook, supply } = await loadFixture(smallPoolFixture);
      const book = makeBook();
      const minimum = poolRef.minimumDepositValue(supply);
      expect(minimum).to.equal(USDC(100)); // 1% of the $10,000 the shares were minted for
      expect(await pool.minimumDepositValue()).to.equal(minimum);

      // One unit below: the views read 0 and deposit and mint revert.
      let now = (await latestTime()) + 10n;
      await ethFeed.updateAnswer(answerForValue(book, now, minimum - 1n));
      expect(book.signedPoolValue(now)).to.equal(minimum - 1n);
      await time.setNextBlockTimestamp(now);
      await ethers.provider.send("evm_mine", []);
      expect(await pool.poolValue()).to.equal(minimum - 1n);
      expect(await pool.maxDeposit(newLp.address)).to.equal(0n);
      expect(await pool.maxMint(newLp.address)).to.equal(0n);
      now += 10n;
      await ethFeed.updateAnswer(answerForValue(book, now, minimum - 1n));
      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(newLp).deposit(USDC(1), newLp.address))
        .to.be.revertedWithCustomError(pool, "PoolValueTooLow")
        .withArgs(minimum - 1n, minimum);
      now += 10n;
      await ethFeed.updateAnswer(answerForValue(book, now, minimum - 1n));
      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(newLp).mint(10n ** 12n, newLp.address))
        .to.be.revertedWithCustomError(pool, "PoolValueTooLow")
        .withArgs(minimum - 1n, minimum);

      // At the minimum: accepted, priced from the value.
      now += 10n;
      await ethFeed.updateAnswer(answerForValue(book, now, minimum));
      expect(book.signedPoolValue(now)).to.equal(minimum);
      await time.setNextBlockTimestamp(now);
      const shares = sharesForAssets(USDC(1), supply, minimum);
      await expect(pool.connect(newLp).deposit(USDC(1), newLp.address))
        .to.emit(pool, "Deposit")
        .withArgs(newLp.address, newLp.address, USDC(1), shares);
    });

    it("refuses redemptions while the value is zero or below with PoolInsolvent(value)", async function () {
      const { pool, ethFeed, lp, book: makeBook } = await loadFixture(smallPoolFixture);
      const book = makeBook();
      await pool.connect(lp).requestWithdraw(10n ** 12n);
      await time.increase(86_400);
      await ethFeed.updateAnswer(FEED(8_000));
      book.setPrice(Number(ETH), WAD(8_000));
      const now = (await latestTime()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(lp).redeem(10n ** 12n, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolInsolvent")
        .withArgs(book.signedPoolValue(now));
      expect(await pool.maxRedeem(lp.address)).to.equal(0n);
      expect(await pool.maxWithdraw(lp.address)).to.equal(0n);
    });
  });

  describe("#recapitalize", function () {
    it("lifts an insolvent pool's value by exactly the gift, mints no shares; accepted one unit below the minimum, refused at it", async function () {
      const sys = await loadFixture(smallPoolFixture);
      const { pool, ethFeed, lp, newLp, book: makeBook, supply } = sys;
      const book = makeBook();
      await mintAndApprove(sys, newLp, USDC(100_000), await pool.getAddress());
      await ethFeed.updateAnswer(FEED(8_000));
      book.setPrice(Number(ETH), WAD(8_000));
      const now = (await latestTime()) + 1n;
      const deficit = -book.signedPoolValue(now);
      expect(deficit).to.be.greaterThan(0n);
      const minimum = poolRef.minimumDepositValue(supply);
      // The pool's value is its cash plus a term of time (funding): a gift of `x` adds exactly `x`. Choose the gift so
      // that a second later, funding accrued included, the pool is worth exactly one unit less than the minimum.
      const gift = minimum - 1n - book.signedPoolValue(now + 1n);
      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(newLp).recapitalize(gift))
        .to.emit(pool, "Recapitalized")
        .withArgs(newLp.address, gift);
      book.pool += gift;
      expect(await pool.poolValue()).to.equal(book.signedPoolValue(now));
      expect(await pool.totalSupply()).to.equal(supply);
      expect(await pool.balanceOf(newLp.address)).to.equal(0n);
      expect(await pool.maxDeposit(newLp.address)).to.equal(0n);
      // A second later the pool is worth minimum - 1: deposits stay closed, a gift of one unit is accepted and brings
      // the value to the minimum; the existing LP holds all of it.
      expect(book.signedPoolValue(now + 1n)).to.equal(minimum - 1n);
      await time.setNextBlockTimestamp(now + 1n);
      await pool.connect(newLp).recapitalize(1n);
      book.pool += 1n;
      expect(book.signedPoolValue(now + 1n)).to.equal(minimum);
      expect(await pool.poolValue()).to.equal(minimum);
      expect(await pool.maxDeposit(newLp.address)).to.be.greaterThan(0n);
      expect(await pool.convertToAssets(await pool.balanceOf(lp.address))).to.equal(
        ((minimum + 1n) * supply) / (supply + 10n ** 6n),
      );
      // Deposits are open again: a further gift is refused (a deposit could front-run it and take its share).
      await time.setNextBlockTimestamp(now + 2n);
      await expect(pool.connect(newLp).recapitalize(1n))
        .to.be.revertedWithCustomError(pool, "PoolRecapitalizeRefused")
        .withArgs(book.signedPoolValue(now + 2n), minimum, supply);
    });

    it("is refused while the pool has no shares, where the gift would go to the first depositor", async function () {
      const sys = await loadFixture(deployFixture);
      const donor = sys.signers[3];
      await mintAndApprove(sys, donor, USDC(1_000), await sys.pool.getAddress());
      await expect(sys.pool.connect(donor).recapitalize(USDC(1_000)))
        .to.be.revertedWithCustomError(sys.pool, "PoolRecapitalizeRefused")
        .withArgs(0n, 0n, 0n);
    });

    it("refuses zero with PoolZeroAmount", async function () {
      const { pool, newLp } = await loadFixture(smallPoolFixture);
      await expect(pool.connect(newLp).recapitalize(0n)).to.be.revertedWithCustomError(
        pool,
        "PoolZeroAmount",
      );
    });
  });

  describe("withdrawal reserve", function () {
    it("equals the per-side bound plus the skew premium, and covers every winner exactly", async function () {
      const sys = await loadFixture(largePoolFixture);
      const { pool, clearinghouse, ethFeed, signers, book: makeBook, alice } = sys;
      const book = makeBook();
      const bob = signers[4];
      await mintAndApprove(sys, bob, USDC(20_000), await sys.vault.getAddress());
      await sys.vault.connect(bob).deposit(0, await sys.usdc.getAddress(), USDC(20_000));
      book.deposit(accountIdOf(bob.address), USDC(20_000));
      await ethFeed.updateAnswer(FEED(3_200));
      book.setPrice(Number(ETH), WAD(3_200));
      const t = await txTime(await clearinghouse.connect(bob).trade(0, ETH, WAD(2), ANY_BUY_PRICE));
      book.trade(accountIdOf(bob.address), Number(ETH), WAD(2), t);
      await ethFeed.updateAnswer(FEED(3_100));
      book.setPrice(Number(ETH), WAD(3_100));

      const now = await latestTime();
      const longs = book.marketPositions(0);
      const index = book.indexAt(0, now);
      const exact = poolRef.exactSideClaims(longs, WAD(3_100), index);
      const bound = poolRef.sideClaims(longs, WAD(3_100), index);
      // Alice is up ~$300, Bob down ~$200: netted, the side would reserve ~$100.
      expect(exact).to.be.greaterThan(WAD(250));
      expect(bound).to.be.greaterThanOrEqual(exact);
      const [, claims] = await pool.poolExposure();
      expect(claims).to.equal(book.traderClaims(now));
      expect(await pool.availableLiquidity()).to.equal(book.availableLiquidity(now));
      // Alice closes and is paid from what the reserve kept.
      await expect(clearinghouse.connect(alice).trade(0, ETH, -LONG, ANY_SELL_PRICE)).to.emit(
        clearinghouse,
        "TradeExecuted",
      );
    });

    it("bounds a side exactly when every position has the same funding-adjusted entry", function () {
      const p = { size: WAD(2), openNotional: WAD(6_000), lastFundingIndex: 0n };
      const q = { size: WAD(1), openNotional: WAD(3_000), lastFundingIndex: 0n };
      expect(poolRef.sideClaims([p, q], WAD(3_100), 0n)).to.equal(WAD(300));
      expect(poolRef.sideClaims([p, q], WAD(2_900), 0n)).to.equal(0n);
    });
  });

  describe("#setWithdrawalDelay minimum", function () {
    it("accepts one hour and refuses one second less with PoolInvalidParameter", async function () {
      const { pool, admin } = await loadFixture(deployFixture);
      const window = BigInt(LOCAL_WITHDRAWAL_WINDOW);
      await expect(pool.connect(admin).setWithdrawalDelay(3_600n, window))
        .to.emit(pool, "WithdrawalDelaySet")
        .withArgs(3_600n, window);
      await expect(pool.connect(admin).setWithdrawalDelay(3_599n, window))
        .to.be.revertedWithCustomError(pool, "PoolInvalidParameter")
        .withArgs(ethers.encodeBytes32String("withdrawalDelay"), 3_599n);
      await expect(pool.connect(admin).setWithdrawalDelay(0n, window))
        .to.be.revertedWithCustomError(pool, "PoolInvalidParameter")
        .withArgs(ethers.encodeBytes32String("withdrawalDelay"), 0n);
    });
  });
});
