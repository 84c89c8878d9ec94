import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { POOL_LIQUIDITY, USDC, fundedFixture } from "../../shared/fixtures";
import { VIRTUAL_ASSETS, VIRTUAL_SHARES, assetsForShares, sharesForAssetsUp } from "../../shared/poolValue";
import { DELAY, LP_SHARES, WINDOW, blockTime, latestTime } from "./shared";

describe("LiquidityPool", function () {
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
});
