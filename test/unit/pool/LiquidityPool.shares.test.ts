import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  ETH,
  POOL_LIQUIDITY,
  USDC,
  WAD,
  fundedFixture,
  mintAndApprove,
  setPrice,
  tokenStack,
} from "../../shared/fixtures";
import { localModel } from "../../shared/model";
import * as poolRef from "../../shared/poolValue";
import { assetsForShares, assetsForSharesUp, sharesForAssets } from "../../shared/poolValue";
import { TO_WAD, accountIdOf } from "../../shared/math";
import {
  ANY_BUY_PRICE,
  ANY_SELL_PRICE,
  DELAY,
  LP_SHARES,
  blockTime,
  emptyPoolFixture,
  latestTime,
} from "./shared";

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
