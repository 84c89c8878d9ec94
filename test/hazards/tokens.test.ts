/**
 * The hazard matrix, settlement tokens: a fee-on-transfer token and a token returning false. One named test per
 * hazard, each asserting the exact custom error (with its arguments) or the invariant the hazard threatens; expected
 * values come from the references in test/shared/, never from the contract under test. docs/SECURITY.md maps every
 * hazard to its test.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { USDC, WAD, accountIdOf, fundedFixture, tokenStack } from "../shared/fixtures";
import * as ref from "../shared/collateral";
import { MAX, ETH_KEY } from "./shared";

describe("Hazard matrix: settlement tokens", function () {
  /* TOKENS */

  it("fee-on-transfer token rejected: deposits, LP deposits and insurance funding credit nothing and revert", async function () {
    const sys = await loadFixture(fundedFixture);
    const [who] = [sys.signers[5]];
    const fee = await ethers.deployContract("MockFeeOnTransferToken");
    const feeAddress = await fee.getAddress();
    const amount = USDC(1_000);
    const received = amount - amount / 100n; // the mock burns 1%
    // As collateral of the local stack.
    await sys.vault.setCollateral(feeAddress, ETH_KEY, WAD("0.8"), WAD("0.05"), ref.MAX_UINT128);
    await fee.mint(who.address, 10n * amount);
    await fee.connect(who).approve(await sys.vault.getAddress(), MAX);
    await expect(sys.vault.connect(who).deposit(0, feeAddress, amount))
      .to.be.revertedWithCustomError(sys.vault, "VaultTransferAmountMismatch")
      .withArgs(feeAddress, amount, received);
    expect(await sys.vault.totalAccountBalance(feeAddress)).to.equal(0n);
    // As the settlement token of a stack of its own: trader deposits, LP deposits and insurance funding.
    const stack = await tokenStack(feeAddress);
    await fee.connect(who).approve(await stack.vault.getAddress(), MAX);
    await fee.connect(who).approve(await stack.pool.getAddress(), MAX);
    await expect(stack.vault.connect(who).deposit(0, feeAddress, amount))
      .to.be.revertedWithCustomError(stack.vault, "VaultTransferAmountMismatch")
      .withArgs(feeAddress, amount, received);
    await expect(stack.vault.connect(who).fundInsurance(amount))
      .to.be.revertedWithCustomError(stack.vault, "VaultTransferAmountMismatch")
      .withArgs(feeAddress, amount, received);
    await expect(stack.pool.connect(who).deposit(amount, who.address))
      .to.be.revertedWithCustomError(stack.pool, "PoolTransferAmountMismatch")
      .withArgs(amount, received);
    expect(await stack.vault.poolBalance()).to.equal(0n);
    expect(await stack.vault.insuranceBalance()).to.equal(0n);
    expect(await fee.balanceOf(await stack.vault.getAddress())).to.equal(0n);
  });

  it("a token returning false rejected: SafeERC20FailedOperation on the way in and out, the ledgers untouched", async function () {
    const sys = await loadFixture(fundedFixture);
    const who = sys.signers[5];
    const id = accountIdOf(who.address);
    const token = await ethers.deployContract("MockFalseReturnToken");
    const address = await token.getAddress();
    await sys.vault.setCollateral(address, ETH_KEY, WAD("0.8"), WAD("0.05"), ref.MAX_UINT128);
    await token.mint(who.address, WAD(10));
    await token.connect(who).approve(await sys.vault.getAddress(), MAX);
    await token.setFailing(true);
    await expect(sys.vault.connect(who).deposit(0, address, WAD(1)))
      .to.be.revertedWithCustomError(sys.vault, "SafeERC20FailedOperation")
      .withArgs(address);
    expect(await sys.vault.balanceOf(id, address)).to.equal(0n);
    await token.setFailing(false);
    await sys.vault.connect(who).deposit(0, address, WAD(1));
    await token.setFailing(true);
    await expect(sys.vault.connect(who).withdraw(0, address, WAD(1)))
      .to.be.revertedWithCustomError(sys.vault, "SafeERC20FailedOperation")
      .withArgs(address);
    expect(await sys.vault.balanceOf(id, address)).to.equal(WAD(1));
    expect(await sys.vault.totalAccountBalance(address)).to.equal(WAD(1));
    expect(await token.balanceOf(await sys.vault.getAddress())).to.equal(WAD(1));
    expect(await sys.vault.accountCollaterals(id)).to.deep.equal([address]);
    // As a settlement token, the pool refuses it too.
    const stack = await tokenStack(address);
    await token.connect(who).approve(await stack.pool.getAddress(), MAX);
    await expect(stack.pool.connect(who).deposit(WAD(1), who.address))
      .to.be.revertedWithCustomError(stack.vault, "SafeERC20FailedOperation")
      .withArgs(address);
  });
});
