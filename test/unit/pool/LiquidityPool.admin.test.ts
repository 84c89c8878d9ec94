import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  POOL_LIQUIDITY,
  USDC,
  WAD,
  deployFixture,
  fundedFixture,
  setPrice,
} from "../../shared/fixtures";
import { assetsForShares } from "../../shared/poolValue";
import {
  ANY_BUY_PRICE,
  DELAY,
  GUARDIAN,
  LP_SHARES,
  RISK_ADMIN,
  THIRTY_DAYS,
  WINDOW,
  blockTime,
  latestTime,
} from "./shared";

describe("LiquidityPool", function () {
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
});
