/**
 * The Vault's deposits and withdrawals of the settlement token (#deposit, #depositFor, #withdraw).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { TRADER_DEPOSIT, USDC, WAD, deployFixture, fundedFixture } from "../../shared/fixtures";
import * as math from "../../shared/math";
import { TO_WAD } from "../../shared/math";
import { accountIdOf } from "../../shared/math";
import { alicePositionFixture, aliceBook } from "./helpers";

describe("Vault", function () {
  describe("#deposit", function () {
    it("credits the caller's subaccount (owner << 96 | subaccount) and emits Deposited", async function () {
      const { vault, usdc, alice } = await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      const accountId = (BigInt(alice.address) << 96n) | 7n;
      const amount = USDC("1234.567891");

      const tx = vault.connect(alice).deposit(7, token, amount);
      await expect(tx).to.emit(vault, "Deposited").withArgs(accountId, token, alice.address, amount);
      await expect(tx).to.changeTokenBalances(usdc, [alice, vault], [-amount, amount]);
      expect(await vault.balanceOf(accountId, token)).to.equal(amount);
      // Subaccount 0 keeps only the fixture's deposit: subaccounts are separate accounts.
      expect(await vault.balanceOf(accountIdOf(alice.address, 0n), token)).to.equal(TRADER_DEPOSIT);
    });

    it("reverts with VaultZeroAmount for a zero amount", async function () {
      const { vault, usdc, alice } = await loadFixture(fundedFixture);
      await expect(
        vault.connect(alice).deposit(0, await usdc.getAddress(), 0n),
      ).to.be.revertedWithCustomError(vault, "VaultZeroAmount");
    });

    it("reverts with VaultUnsupportedToken for a token other than the settlement token", async function () {
      const { vault, alice } = await loadFixture(fundedFixture);
      const other = await ethers.deployContract("MockERC20", ["Other", "OTH", 18]);
      await other.mint(alice.address, WAD(1));
      await other.connect(alice).approve(await vault.getAddress(), WAD(1));

      await expect(vault.connect(alice).deposit(0, await other.getAddress(), WAD(1)))
        .to.be.revertedWithCustomError(vault, "VaultUnsupportedToken")
        .withArgs(await other.getAddress());
    });

    it("refuses a fee-on-transfer settlement token with VaultTransferAmountMismatch(expected, received)", async function () {
      const { admin, oracle, signers } = await loadFixture(deployFixture);
      const alice = signers[2];
      const feeToken = await ethers.deployContract("MockFeeOnTransferToken");
      const feeVault = await ethers.deployContract("Vault", [
        admin.address,
        await feeToken.getAddress(),
        await oracle.getAddress(),
      ]);
      const amount = USDC(1_000);
      await feeToken.mint(alice.address, amount);
      await feeToken.connect(alice).approve(await feeVault.getAddress(), amount);
      // The mock burns 1% of every transfer.
      const received = amount - amount / 100n;

      await expect(feeVault.connect(alice).deposit(0, await feeToken.getAddress(), amount))
        .to.be.revertedWithCustomError(feeVault, "VaultTransferAmountMismatch")
        .withArgs(await feeToken.getAddress(), amount, received);
    });
  });

  describe("#depositFor", function () {
    it("credits any account id and emits Deposited with the payer as sender", async function () {
      const { vault, usdc, alice, bob } = await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      const accountId = accountIdOf(alice.address, 3n);
      const amount = USDC(250);

      const tx = vault.connect(bob).depositFor(accountId, token, amount);
      await expect(tx).to.emit(vault, "Deposited").withArgs(accountId, token, bob.address, amount);
      await expect(tx).to.changeTokenBalances(usdc, [bob, vault], [-amount, amount]);
      expect(await vault.balanceOf(accountId, token)).to.equal(amount);
      expect(await vault.balanceOf(accountIdOf(bob.address, 3n), token)).to.equal(0n);
    });

    it("reverts with VaultInvalidAccount for an account id whose owner is the zero address", async function () {
      const { vault, usdc, bob } = await loadFixture(fundedFixture);
      // Subaccount 5 of owner address(0).
      const ownerless = 5n;
      await expect(vault.connect(bob).depositFor(ownerless, await usdc.getAddress(), USDC(1)))
        .to.be.revertedWithCustomError(vault, "VaultInvalidAccount")
        .withArgs(ownerless);
    });

    it("reverts with VaultZeroAmount for a zero amount", async function () {
      const { vault, usdc, alice, bob } = await loadFixture(fundedFixture);
      await expect(
        vault.connect(bob).depositFor(accountIdOf(alice.address), await usdc.getAddress(), 0n),
      ).to.be.revertedWithCustomError(vault, "VaultZeroAmount");
    });
  });

  describe("#withdraw", function () {
    it("returns the whole balance of an account without positions and emits Withdrawn", async function () {
      const { vault, usdc, alice } = await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      const accountId = accountIdOf(alice.address);

      const tx = vault.connect(alice).withdraw(0, token, TRADER_DEPOSIT);
      await expect(tx).to.emit(vault, "Withdrawn").withArgs(accountId, token, alice.address, TRADER_DEPOSIT);
      await expect(tx).to.changeTokenBalances(usdc, [vault, alice], [-TRADER_DEPOSIT, TRADER_DEPOSIT]);
      expect(await vault.balanceOf(accountId, token)).to.equal(0n);
    });

    it("reverts with VaultInsufficientBalance(accountId, token, balance, needed) above the balance", async function () {
      const { vault, usdc, alice } = await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      await expect(vault.connect(alice).withdraw(0, token, TRADER_DEPOSIT + 1n))
        .to.be.revertedWithCustomError(vault, "VaultInsufficientBalance")
        .withArgs(accountIdOf(alice.address), token, TRADER_DEPOSIT, TRADER_DEPOSIT + 1n);
    });

    it("reverts with VaultInsufficientBalance from a subaccount that holds nothing", async function () {
      const { vault, usdc, alice } = await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      await expect(vault.connect(alice).withdraw(9, token, 1n))
        .to.be.revertedWithCustomError(vault, "VaultInsufficientBalance")
        .withArgs(accountIdOf(alice.address, 9n), token, 0n, 1n);
    });

    it("reverts with VaultZeroAmount for a zero amount", async function () {
      const { vault, usdc, alice } = await loadFixture(fundedFixture);
      await expect(
        vault.connect(alice).withdraw(0, await usdc.getAddress(), 0n),
      ).to.be.revertedWithCustomError(vault, "VaultZeroAmount");
    });

    it("reverts with VaultInsufficientBalance for a token the account never held", async function () {
      const { vault, alice, clearinghouse } = await loadFixture(fundedFixture);
      const other = await clearinghouse.getAddress();
      await expect(vault.connect(alice).withdraw(0, other, 1n))
        .to.be.revertedWithCustomError(vault, "VaultInsufficientBalance")
        .withArgs(accountIdOf(alice.address), other, 0n, 1n);
    });

    it("accepts a withdrawal of exactly the free collateral of an account with an open position", async function () {
      const { vault, usdc, clearinghouse, alice, tradeTime } = await loadFixture(alicePositionFixture);
      const token = await usdc.getAddress();
      const accountId = accountIdOf(alice.address);
      const book = aliceBook(alice.address, tradeTime);
      expect(await vault.balanceOf(accountId, token)).to.equal(book.balance(accountId));

      // Funding keeps accruing on Alice's long: pin the withdrawal's block time and value the account then.
      const now = tradeTime + 10n;
      const state = book.accountState(accountId, now);
      expect(state.pendingFunding).to.be.greaterThan(0n);
      // Equity >= IM is checked in WAD; the balance moves in 6-decimal units, so round the free collateral down.
      const free = math.divFloor(state.equity - state.initialMargin, TO_WAD);
      expect(free).to.be.greaterThan(0n);

      await time.setNextBlockTimestamp(now);
      await expect(vault.connect(alice).withdraw(0, token, free))
        .to.emit(vault, "Withdrawn")
        .withArgs(accountId, token, alice.address, free);
      book.withdraw(accountId, free);

      const expected = book.accountState(accountId, now);
      const after = await clearinghouse.accountState(accountId);
      expect(after.equity).to.equal(expected.equity);
      expect(after.initialMargin).to.equal(expected.initialMargin);
      expect(after.freeCollateral).to.equal(expected.freeCollateral);
      expect(expected.freeCollateral).to.be.at.least(0n);
      expect(expected.freeCollateral).to.be.lessThan(TO_WAD);
    });

    it("reverts with ClearinghouseInsufficientMargin one unit (1e-6 USDC) above the free collateral", async function () {
      const { vault, usdc, clearinghouse, alice, tradeTime } = await loadFixture(alicePositionFixture);
      const token = await usdc.getAddress();
      const accountId = accountIdOf(alice.address);
      const book = aliceBook(alice.address, tradeTime);

      const now = tradeTime + 10n;
      const state = book.accountState(accountId, now);
      const free = math.divFloor(state.equity - state.initialMargin, TO_WAD);
      const equityAfter = state.equity - (free + 1n) * TO_WAD;
      expect(equityAfter).to.be.lessThan(state.initialMargin);

      await time.setNextBlockTimestamp(now);
      await expect(vault.connect(alice).withdraw(0, token, free + 1n))
        .to.be.revertedWithCustomError(clearinghouse, "ClearinghouseInsufficientMargin")
        .withArgs(accountId, equityAfter, state.initialMargin);
    });

    it("keeps working while the Clearinghouse is paused", async function () {
      const { vault, usdc, clearinghouse, admin, alice, bob } = await loadFixture(alicePositionFixture);
      const token = await usdc.getAddress();
      await clearinghouse.connect(admin).pause();
      expect(await clearinghouse.paused()).to.equal(true);

      // Bob has no position: everything.
      await expect(vault.connect(bob).withdraw(0, token, TRADER_DEPOSIT))
        .to.emit(vault, "Withdrawn")
        .withArgs(accountIdOf(bob.address), token, bob.address, TRADER_DEPOSIT);
      // Alice has a 10 ETH long (IM 3,000 USD against ~9,985 USD of equity): well within her free collateral.
      await expect(vault.connect(alice).withdraw(0, token, USDC(1_000)))
        .to.emit(vault, "Withdrawn")
        .withArgs(accountIdOf(alice.address), token, alice.address, USDC(1_000));
    });
  });
});
