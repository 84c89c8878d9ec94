import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  BTC,
  ETH,
  POOL_LIQUIDITY,
  USDC,
  WAD,
  deployFixture,
  fundedFixture,
  mintAndApprove,
  setPrice,
  tokenStack,
} from "../shared/fixtures";
import { type KeelModel, localModel } from "../shared/model";
import {
  VIRTUAL_ASSETS,
  VIRTUAL_SHARES,
  assetsForShares,
  assetsForSharesUp,
  sharesForAssets,
  sharesForAssetsUp,
} from "../shared/poolValue";
import { TO_WAD } from "../shared/math";
import { accountIdOf } from "../shared/math";
import * as math from "../shared/math";
import * as poolRef from "../shared/poolValue";
import { LOCAL_WITHDRAWAL_DELAY, LOCAL_WITHDRAWAL_WINDOW } from "../../deploy/config";

const DELAY = BigInt(LOCAL_WITHDRAWAL_DELAY);
const WINDOW = BigInt(LOCAL_WITHDRAWAL_WINDOW);
const THIRTY_DAYS = 30n * 86_400n;
const GUARDIAN = ethers.id("GUARDIAN");
const RISK_ADMIN = ethers.id("RISK_ADMIN");
/** Acceptable price that never binds for a buy. */
const ANY_BUY_PRICE = ethers.MaxUint256;
/** Acceptable price that never binds for a sell. */
const ANY_SELL_PRICE = 0n;
/** The funded fixture's LP shares: the first deposit into an empty pool (supply 0, assets 0). */
const LP_SHARES = sharesForAssets(POOL_LIQUIDITY, 0n, 0n);

async function blockTime(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

async function latestTime(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** An empty pool (no LP yet) with a funded would-be LP. */
async function emptyPoolFixture() {
  const sys = await deployFixture();
  const [, lp, alice, bob] = sys.signers;
  await mintAndApprove(sys, lp, USDC(1_000_000), await sys.pool.getAddress());
  return { ...sys, lp, alice, bob };
}

describe("LiquidityPool", function () {
  describe("#deposit", function () {
    it("mints assets × 10^6 shares to the first depositor of an empty pool", async function () {
      const { pool, vault, usdc, lp } = await loadFixture(emptyPoolFixture);
      const assets = USDC("1000.123456");
      // ERC-4626 with virtual shares: assets * (totalSupply + 10^6) / (totalAssets + 1), both zero here.
      const shares = sharesForAssets(assets, 0n, 0n);
      expect(shares).to.equal(assets * 10n ** 6n);

      const tx = pool.connect(lp).deposit(assets, lp.address);
      await expect(tx).to.emit(pool, "Deposit").withArgs(lp.address, lp.address, assets, shares);
      await expect(tx).to.emit(vault, "PoolFunded").withArgs(lp.address, assets);
      await expect(tx).to.changeTokenBalances(usdc, [lp, vault], [-assets, assets]);
      expect(await pool.balanceOf(lp.address)).to.equal(shares);
      expect(await pool.totalSupply()).to.equal(shares);
      expect(await vault.poolBalance()).to.equal(assets);
      expect(await pool.totalAssets()).to.equal(assets);
      expect(await pool.decimals()).to.equal(12n);
    });

    it("prices a later deposit at the reference NAV with assets × (supply + 10^6) / (totalAssets + 1)", async function () {
      const sys = await loadFixture(fundedFixture);
      const { pool, clearinghouse, ethFeed, alice, signers } = sys;
      const book = localModel({ pool: POOL_LIQUIDITY });
      const aliceId = accountIdOf(alice.address);
      book.deposit(aliceId, USDC(10_000));
      // Alice goes long and the price rises: the pool is worth less than its cash.
      const tx = await clearinghouse.connect(alice).trade(0, ETH, WAD(8), ANY_BUY_PRICE);
      book.trade(aliceId, Number(ETH), WAD(8), await blockTime(tx));
      await setPrice(ethFeed, 3_080);
      book.setPrice(Number(ETH), WAD(3_080));

      const newLp = signers[5];
      await mintAndApprove(sys, newLp, USDC(50_000), await pool.getAddress());
      const now = (await latestTime()) + 5n;
      const nav = book.poolValue(now);
      expect(nav).to.be.lessThan(book.pool);
      const assets = USDC("12345.678901");
      const shares = sharesForAssets(assets, LP_SHARES, nav);

      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(newLp).deposit(assets, newLp.address))
        .to.emit(pool, "Deposit")
        .withArgs(newLp.address, newLp.address, assets, shares);
      expect(await pool.balanceOf(newLp.address)).to.equal(shares);
    });

    it("reverts with PoolZeroAmount for a zero deposit", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      await expect(pool.connect(lp).deposit(0n, lp.address)).to.be.revertedWithCustomError(
        pool,
        "PoolZeroAmount",
      );
    });

    it("refuses a fee-on-transfer asset with PoolTransferAmountMismatch(expected, received)", async function () {
      const [, lp] = await ethers.getSigners();
      const feeToken = await ethers.deployContract("MockFeeOnTransferToken");
      const { pool: feePool } = await tokenStack(await feeToken.getAddress());
      const assets = USDC(1_000);
      await feeToken.mint(lp.address, assets);
      await feeToken.connect(lp).approve(await feePool.getAddress(), assets);

      await expect(feePool.connect(lp).deposit(assets, lp.address))
        .to.be.revertedWithCustomError(feePool, "PoolTransferAmountMismatch")
        .withArgs(assets, assets - assets / 100n);
    });
  });

  describe("#mint", function () {
    it("pulls the assets the virtual-share formula rounds up", async function () {
      const { pool, usdc, vault, signers } = await loadFixture(fundedFixture);
      const newLp = signers[5];
      await usdc.mint(newLp.address, USDC(10_000));
      await usdc.connect(newLp).approve(await pool.getAddress(), ethers.MaxUint256);
      const shares = 1_234_567_890_123_457n;
      const assets = assetsForSharesUp(shares, LP_SHARES, POOL_LIQUIDITY);

      const tx = pool.connect(newLp).mint(shares, newLp.address);
      await expect(tx).to.emit(pool, "Deposit").withArgs(newLp.address, newLp.address, assets, shares);
      await expect(tx).to.changeTokenBalances(usdc, [newLp, vault], [-assets, assets]);
    });
  });

  describe("#totalAssets", function () {
    it("equals the reference pool value after trades and price moves", async function () {
      const { pool, clearinghouse, ethFeed, btcFeed, alice, bob, carol } = await loadFixture(fundedFixture);
      const book = localModel({ pool: POOL_LIQUIDITY });
      for (const t of [alice, bob, carol]) book.deposit(accountIdOf(t.address), USDC(10_000));
      const trade = async (who: typeof alice, market: bigint, delta: bigint) => {
        const tx = await clearinghouse
          .connect(who)
          .trade(0, market, delta, delta > 0n ? ANY_BUY_PRICE : ANY_SELL_PRICE);
        book.trade(accountIdOf(who.address), Number(market), delta, await blockTime(tx));
      };
      const expectNav = async () => {
        // View calls run in the context of the latest block.
        expect(await pool.totalAssets()).to.equal(book.poolValue(await latestTime()));
      };

      await expectNav();
      await trade(alice, ETH, WAD(5));
      await expectNav();
      await trade(bob, BTC, -WAD("0.2"));
      await trade(carol, BTC, WAD("0.05"));
      await trade(carol, ETH, -WAD(2));
      await expectNav();

      await setPrice(ethFeed, 3_150);
      book.setPrice(Number(ETH), WAD(3_150));
      await expectNav();
      await setPrice(btcFeed, 58_500);
      book.setPrice(Number(BTC), WAD(58_500));
      await expectNav();

      await trade(alice, ETH, -WAD(1)); // realizes part of a profit
      await trade(bob, BTC, WAD("0.1")); // realizes part of a profit
      await expectNav();
    });

    it("includes the funding accrued up to the current block", async function () {
      const { pool, clearinghouse, ethFeed, btcFeed, alice, bob } = await loadFixture(fundedFixture);
      const book = localModel({ pool: POOL_LIQUIDITY });
      const [aliceId, bobId] = [accountIdOf(alice.address), accountIdOf(bob.address)];
      book.deposit(aliceId, USDC(10_000));
      book.deposit(bobId, USDC(10_000));
      let tx = await clearinghouse.connect(alice).trade(0, ETH, WAD(20), ANY_BUY_PRICE);
      book.trade(aliceId, Number(ETH), WAD(20), await blockTime(tx));
      tx = await clearinghouse.connect(bob).trade(0, BTC, -WAD("0.5"), ANY_SELL_PRICE);
      book.trade(bobId, Number(BTC), -WAD("0.5"), await blockTime(tx));

      // Six hours later, with fresh feeds (the heartbeat is a day).
      await time.increase(6 * 3_600);
      await setPrice(ethFeed, 2_990);
      book.setPrice(Number(ETH), WAD(2_990));
      await setPrice(btcFeed, 60_500);
      book.setPrice(Number(BTC), WAD(60_500));

      const now = await latestTime();
      const withoutFunding = poolRef.poolValue(
        book.pool,
        TO_WAD,
        book.markets.map((m, marketId) => ({
          price: m.price,
          fundingIndex: m.fundingIndex,
          skewScale: m.params.skewScale,
          positions: book.marketPositions(marketId),
        })),
      );
      const nav = book.poolValue(now);
      // Both skews pay the pool.
      expect(nav).to.be.greaterThan(withoutFunding);
      expect(await pool.totalAssets()).to.equal(nav);
    });
  });

  describe("#requestWithdraw", function () {
    it("escrows the shares in the pool and emits WithdrawalRequested with unlockTime = block time + 86400", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const shares = LP_SHARES / 4n;
      const now = (await latestTime()) + 10n;

      await time.setNextBlockTimestamp(now);
      const tx = pool.connect(lp).requestWithdraw(shares);
      await expect(tx)
        .to.emit(pool, "WithdrawalRequested")
        .withArgs(lp.address, shares, shares, now + DELAY);
      await expect(tx).to.changeTokenBalances(pool, [lp, pool], [-shares, shares]);
      const request = await pool.withdrawalRequest(lp.address);
      expect(request.shares).to.equal(shares);
      expect(request.unlockTime).to.equal(now + DELAY);
      expect(request.expiry).to.equal(now + DELAY + WINDOW);
    });

    it("adds to a pending request and restarts the delay of the whole request", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const first = LP_SHARES / 4n;
      const second = LP_SHARES / 8n;
      await pool.connect(lp).requestWithdraw(first);
      const later = (await latestTime()) + 3_600n;

      await time.setNextBlockTimestamp(later);
      await expect(pool.connect(lp).requestWithdraw(second))
        .to.emit(pool, "WithdrawalRequested")
        .withArgs(lp.address, second, first + second, later + DELAY);
      const request = await pool.withdrawalRequest(lp.address);
      expect(request.shares).to.equal(first + second);
      expect(request.unlockTime).to.equal(later + DELAY);
    });

    it("reverts with PoolZeroAmount for zero shares", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      await expect(pool.connect(lp).requestWithdraw(0n)).to.be.revertedWithCustomError(
        pool,
        "PoolZeroAmount",
      );
    });

    it("reverts with ERC20InsufficientBalance above the caller's shares", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      await expect(pool.connect(lp).requestWithdraw(LP_SHARES + 1n))
        .to.be.revertedWithCustomError(pool, "ERC20InsufficientBalance")
        .withArgs(lp.address, LP_SHARES, LP_SHARES + 1n);
    });
  });

  describe("#redeem", function () {
    it("reverts with PoolWithdrawalNotReady(owner, unlockTime, now) one second before the unlock time", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const shares = LP_SHARES / 2n;
      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(shares));
      const unlockTime = requestTime + DELAY;

      await time.setNextBlockTimestamp(unlockTime - 1n);
      await expect(pool.connect(lp).redeem(shares, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolWithdrawalNotReady")
        .withArgs(lp.address, unlockTime, unlockTime - 1n);
    });

    it("reverts with PoolWithdrawalExceedsRequest(owner, shares, requested) above the requested shares", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const shares = LP_SHARES / 2n;
      await pool.connect(lp).requestWithdraw(shares);
      await time.increase(DELAY);

      await expect(pool.connect(lp).redeem(shares + 1n, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolWithdrawalExceedsRequest")
        .withArgs(lp.address, shares + 1n, shares);
    });

    it("reverts with PoolWithdrawalExceedsRequest for an owner without a request", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const shares = LP_SHARES / 10n;
      await expect(pool.connect(lp).redeem(shares, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolWithdrawalExceedsRequest")
        .withArgs(lp.address, shares, 0n);
    });

    it("reverts with PoolZeroAmount for a redemption worth zero assets", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      await pool.connect(lp).requestWithdraw(LP_SHARES);
      await time.increase(DELAY);
      // Just under one unit's worth of shares rounds down to zero assets.
      const dust = sharesForAssetsUp(1n, LP_SHARES, POOL_LIQUIDITY) - 1n;
      expect(assetsForShares(dust, LP_SHARES, POOL_LIQUIDITY)).to.equal(0n);
      expect(assetsForShares(dust + 1n, LP_SHARES, POOL_LIQUIDITY)).to.equal(1n);

      await expect(pool.connect(lp).redeem(dust, lp.address, lp.address)).to.be.revertedWithCustomError(
        pool,
        "PoolZeroAmount",
      );
      await expect(pool.connect(lp).redeem(dust + 1n, lp.address, lp.address))
        .to.emit(pool, "Withdraw")
        .withArgs(lp.address, lp.address, lp.address, 1n, dust + 1n);
    });

    it("reverts with PoolZeroAmount for a withdrawal of zero assets", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      await pool.connect(lp).requestWithdraw(LP_SHARES);
      await time.increase(DELAY);
      await expect(pool.connect(lp).withdraw(0n, lp.address, lp.address)).to.be.revertedWithCustomError(
        pool,
        "PoolZeroAmount",
      );
    });

    it("pays the ERC-4626 assets shares × (totalAssets + 1) / (supply + 10^6) at the unlock time", async function () {
      const { pool, vault, usdc, lp } = await loadFixture(fundedFixture);
      const shares = LP_SHARES / 3n;
      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(shares));
      // No positions: the NAV is the pool's cash.
      const assets = assetsForShares(shares, LP_SHARES, POOL_LIQUIDITY);
      expect(assets).to.equal((shares * (POOL_LIQUIDITY + VIRTUAL_ASSETS)) / (LP_SHARES + VIRTUAL_SHARES));

      await time.setNextBlockTimestamp(requestTime + DELAY);
      const tx = pool.connect(lp).redeem(shares, lp.address, lp.address);
      await expect(tx).to.emit(pool, "Withdraw").withArgs(lp.address, lp.address, lp.address, assets, shares);
      await expect(tx).to.emit(vault, "PoolDefunded").withArgs(lp.address, assets);
      await expect(tx).to.changeTokenBalances(usdc, [vault, lp], [-assets, assets]);
      expect(await vault.poolBalance()).to.equal(POOL_LIQUIDITY - assets);
      expect(await pool.totalSupply()).to.equal(LP_SHARES - shares);
      expect(await pool.balanceOf(await pool.getAddress())).to.equal(0n);
      expect((await pool.withdrawalRequest(lp.address)).shares).to.equal(0n);
    });

    it("lets an approved spender redeem the owner's matured request to any receiver", async function () {
      const { pool, usdc, lp, signers } = await loadFixture(fundedFixture);
      const [spender, receiver] = [signers[6], signers[7]];
      const shares = LP_SHARES / 10n;
      await pool.connect(lp).requestWithdraw(shares);
      await time.increase(DELAY);
      const assets = assetsForShares(shares, LP_SHARES, POOL_LIQUIDITY);

      await expect(pool.connect(spender).redeem(shares, receiver.address, lp.address))
        .to.be.revertedWithCustomError(pool, "ERC20InsufficientAllowance")
        .withArgs(spender.address, 0n, shares);
      await pool.connect(lp).approve(spender.address, shares);
      const tx = pool.connect(spender).redeem(shares, receiver.address, lp.address);
      await expect(tx)
        .to.emit(pool, "Withdraw")
        .withArgs(spender.address, receiver.address, lp.address, assets, shares);
      await expect(tx).to.changeTokenBalance(usdc, receiver, assets);
    });
  });

  describe("#withdraw", function () {
    it("burns the escrowed shares the virtual-share formula rounds up", async function () {
      const { pool, usdc, lp } = await loadFixture(fundedFixture);
      await pool.connect(lp).requestWithdraw(LP_SHARES / 2n);
      await time.increase(DELAY);
      const assets = USDC("123456.789012");
      const shares = sharesForAssetsUp(assets, LP_SHARES, POOL_LIQUIDITY);

      const tx = pool.connect(lp).withdraw(assets, lp.address, lp.address);
      await expect(tx).to.emit(pool, "Withdraw").withArgs(lp.address, lp.address, lp.address, assets, shares);
      await expect(tx).to.changeTokenBalance(usdc, lp, assets);
      expect((await pool.withdrawalRequest(lp.address)).shares).to.equal(LP_SHARES / 2n - shares);
    });
  });

  describe("#cancelWithdraw", function () {
    it("returns the escrowed shares, clears the request and emits WithdrawalCancelled", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const shares = LP_SHARES / 5n;
      await pool.connect(lp).requestWithdraw(shares);

      const tx = pool.connect(lp).cancelWithdraw();
      await expect(tx).to.emit(pool, "WithdrawalCancelled").withArgs(lp.address, shares);
      await expect(tx).to.changeTokenBalances(pool, [pool, lp], [-shares, shares]);
      expect(await pool.balanceOf(lp.address)).to.equal(LP_SHARES);
      const request = await pool.withdrawalRequest(lp.address);
      expect(request.shares).to.equal(0n);
      expect(request.unlockTime).to.equal(0n);
    });

    it("reverts with PoolZeroAmount without a pending request", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      await expect(pool.connect(lp).cancelWithdraw()).to.be.revertedWithCustomError(pool, "PoolZeroAmount");
    });
  });

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

  describe("pause", function () {
    it("blocks deposit and mint with EnforcedPause and reports zero maxDeposit and maxMint", async function () {
      const { pool, admin, lp } = await loadFixture(fundedFixture);
      await expect(pool.connect(admin).pause()).to.emit(pool, "Paused").withArgs(admin.address);

      await expect(pool.connect(lp).deposit(USDC(1), lp.address)).to.be.revertedWithCustomError(
        pool,
        "EnforcedPause",
      );
      await expect(pool.connect(lp).mint(10n ** 12n, lp.address)).to.be.revertedWithCustomError(
        pool,
        "EnforcedPause",
      );
      expect(await pool.maxDeposit(lp.address)).to.equal(0n);
      expect(await pool.maxMint(lp.address)).to.equal(0n);

      await expect(pool.connect(admin).unpause()).to.emit(pool, "Unpaused").withArgs(admin.address);
      expect(await pool.maxDeposit(lp.address)).to.equal(ethers.MaxUint256);
      expect(await pool.maxMint(lp.address)).to.equal(ethers.MaxUint256);
    });

    it("still lets LPs request and redeem withdrawals", async function () {
      const { pool, usdc, admin, lp } = await loadFixture(fundedFixture);
      await pool.connect(admin).pause();
      const shares = LP_SHARES / 4n;
      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(shares));
      const assets = assetsForShares(shares, LP_SHARES, POOL_LIQUIDITY);

      await time.setNextBlockTimestamp(requestTime + DELAY);
      const tx = pool.connect(lp).redeem(shares, lp.address, lp.address);
      await expect(tx).to.emit(pool, "Withdraw").withArgs(lp.address, lp.address, lp.address, assets, shares);
      await expect(tx).to.changeTokenBalance(usdc, lp, assets);
    });
  });

  describe("ERC-165", function () {
    it("reports IERC165 and IAccessControl and nothing else", async function () {
      const { pool } = await loadFixture(deployFixture);
      const id = (signatures: string[]) => {
        let x = 0n;
        for (const sig of signatures) x ^= BigInt(ethers.id(sig).slice(0, 10));
        return ethers.toBeHex(x, 4);
      };
      const erc165 = id(["supportsInterface(bytes4)"]);
      const accessControl = id([
        "hasRole(bytes32,address)",
        "getRoleAdmin(bytes32)",
        "grantRole(bytes32,address)",
        "revokeRole(bytes32,address)",
        "renounceRole(bytes32,address)",
      ]);
      expect([erc165, accessControl]).to.deep.equal(["0x01ffc9a7", "0x7965db0b"]);
      expect(await pool.supportsInterface(erc165)).to.equal(true);
      expect(await pool.supportsInterface(accessControl)).to.equal(true);
      expect(await pool.supportsInterface("0xffffffff")).to.equal(false);
      expect(await pool.supportsInterface(id(["totalAssets()"]))).to.equal(false);
    });
  });

  describe("access control", function () {
    it("reverts pause and unpause from an account without the guardian role", async function () {
      const { pool, admin, alice } = await loadFixture(fundedFixture);
      await expect(pool.connect(alice).pause())
        .to.be.revertedWithCustomError(pool, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, GUARDIAN);
      await pool.connect(admin).pause();
      await expect(pool.connect(alice).unpause())
        .to.be.revertedWithCustomError(pool, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, GUARDIAN);
    });

    it("reverts setWithdrawalDelay from an account without the risk-admin role", async function () {
      const { pool, alice } = await loadFixture(fundedFixture);
      await expect(pool.connect(alice).setWithdrawalDelay(3_600, WINDOW))
        .to.be.revertedWithCustomError(pool, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, RISK_ADMIN);
    });
  });

  describe("#setWithdrawalDelay", function () {
    it("accepts 30 days, emits WithdrawalDelaySet and applies it to new requests", async function () {
      const { pool, admin, lp } = await loadFixture(fundedFixture);
      await expect(pool.connect(admin).setWithdrawalDelay(THIRTY_DAYS, WINDOW))
        .to.emit(pool, "WithdrawalDelaySet")
        .withArgs(THIRTY_DAYS, WINDOW);
      expect(await pool.withdrawalDelay()).to.equal(THIRTY_DAYS);

      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(LP_SHARES));
      expect((await pool.withdrawalRequest(lp.address)).unlockTime).to.equal(requestTime + THIRTY_DAYS);
    });

    it('reverts with PoolInvalidParameter("withdrawalDelay", value) one second above 30 days', async function () {
      const { pool, admin } = await loadFixture(fundedFixture);
      await expect(pool.connect(admin).setWithdrawalDelay(THIRTY_DAYS + 1n, WINDOW))
        .to.be.revertedWithCustomError(pool, "PoolInvalidParameter")
        .withArgs(ethers.encodeBytes32String("withdrawalDelay"), THIRTY_DAYS + 1n);
    });

    it("bounds the redemption window to [1 hour, 30 days]", async function () {
      const { pool, admin } = await loadFixture(fundedFixture);
      for (const window of [3_599n, THIRTY_DAYS + 1n]) {
        await expect(pool.connect(admin).setWithdrawalDelay(DELAY, window))
          .to.be.revertedWithCustomError(pool, "PoolInvalidParameter")
          .withArgs(ethers.encodeBytes32String("withdrawalWindow"), window);
      }
      await expect(pool.connect(admin).setWithdrawalDelay(DELAY, 3_600n)).to.emit(pool, "WithdrawalDelaySet");
    });
  });

  describe("withdrawal delay guarantee (DESIGN §11)", function () {
    // A matured request is usable only for the window after its unlock time, so a request cannot be held as a
    // standing option to exit instantly ahead of a known price move or bad debt.
    it("does not let a request that matured a month ago exit instantly ahead of a known price move", async function () {
      const { pool, clearinghouse, ethFeed, btcFeed, lp, alice } = await loadFixture(fundedFixture);
      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(LP_SHARES));
      await time.increase(DELAY + THIRTY_DAYS);
      await setPrice(ethFeed, 3_000);
      await setPrice(btcFeed, 60_000);
      await clearinghouse.connect(alice).trade(0, ETH, WAD(20), ANY_BUY_PRICE);

      const expiry = requestTime + DELAY + WINDOW;
      const now = (await latestTime()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(pool.connect(lp).redeem(LP_SHARES / 2n, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolWithdrawalExpired")
        .withArgs(lp.address, expiry, now);
      expect(await pool.maxRedeem(lp.address)).to.equal(0n);
    });

    it("accepts a redemption in the last second of the window and renews an expired request with a fresh delay", async function () {
      const { pool, lp } = await loadFixture(fundedFixture);
      const requestTime = await blockTime(await pool.connect(lp).requestWithdraw(LP_SHARES / 2n));
      const expiry = requestTime + DELAY + WINDOW;
      await time.setNextBlockTimestamp(expiry - 1n);
      await expect(pool.connect(lp).redeem(LP_SHARES / 4n, lp.address, lp.address)).to.emit(pool, "Withdraw");
      await time.setNextBlockTimestamp(expiry);
      await expect(pool.connect(lp).redeem(LP_SHARES / 8n, lp.address, lp.address))
        .to.be.revertedWithCustomError(pool, "PoolWithdrawalExpired")
        .withArgs(lp.address, expiry, expiry);
      const renewTime = await blockTime(await pool.connect(lp).requestWithdraw(1n));
      const request = await pool.withdrawalRequest(lp.address);
      expect(request.shares).to.equal(LP_SHARES / 4n + 1n);
      expect(request.unlockTime).to.equal(renewTime + DELAY);
      expect(request.expiry).to.equal(renewTime + DELAY + WINDOW);
    });
  });

  describe("first-depositor inflation attack", function () {
    it("cannot move the share price with a donation to the Vault: the victim redeems within 1 unit of 10,000 USDC", async function () {
      const { pool, vault, usdc, signers } = await loadFixture(emptyPoolFixture);
      const [attacker, victim] = [signers[5], signers[6]];
      const poolAddress = await pool.getAddress();
      await usdc.mint(attacker.address, USDC(100_001));
      await usdc.connect(attacker).approve(poolAddress, ethers.MaxUint256);
      await usdc.mint(victim.address, USDC(10_000));
      await usdc.connect(victim).approve(poolAddress, ethers.MaxUint256);

      // 1. The attacker seeds the pool with one unit.
      const attackerShares = sharesForAssets(1n, 0n, 0n);
      await expect(pool.connect(attacker).deposit(1n, attacker.address))
        .to.emit(pool, "Deposit")
        .withArgs(attacker.address, attacker.address, 1n, attackerShares);
      // 2. ... and donates 100,000 USDC straight to the Vault: not credited to the pool ledger.
      await usdc.connect(attacker).transfer(await vault.getAddress(), USDC(100_000));
      expect(await pool.totalAssets()).to.equal(1n);

      // 3. The victim deposits 10,000 USDC at an unmoved price.
      const victimAssets = USDC(10_000);
      const victimShares = sharesForAssets(victimAssets, attackerShares, 1n);
      await expect(pool.connect(victim).deposit(victimAssets, victim.address))
        .to.emit(pool, "Deposit")
        .withArgs(victim.address, victim.address, victimAssets, victimShares);

      // 4. After the delay the victim takes it all back.
      const requestTime = await blockTime(await pool.connect(victim).requestWithdraw(victimShares));
      const supply = attackerShares + victimShares;
      const nav = 1n + victimAssets;
      const redeemed = assetsForShares(victimShares, supply, nav);
      expect(redeemed).to.be.closeTo(victimAssets, 1n);

      await time.setNextBlockTimestamp(requestTime + DELAY);
      const tx = pool.connect(victim).redeem(victimShares, victim.address, victim.address);
      await expect(tx)
        .to.emit(pool, "Withdraw")
        .withArgs(victim.address, victim.address, victim.address, redeemed, victimShares);
      await expect(tx).to.changeTokenBalance(usdc, victim, redeemed);

      // 5. The attacker's shares are still worth at most the unit they put in; the donation is stranded.
      expect(assetsForShares(attackerShares, attackerShares, nav - redeemed)).to.be.at.most(1n);
    });
  });
});
