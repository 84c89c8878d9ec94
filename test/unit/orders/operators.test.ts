/**
 * Operators (DESIGN §4, §21): an account's owner approves an address to trade and manage orders for one subaccount,
 * and revokes it; an operator never withdraws. Expected trades come from the ledger model (test/shared/model.ts).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  fundedModel,
  txTime,
} from "../../shared/fixtures";
import { tradeExecutedEventArgs } from "../../shared/math";

const MAX = ethers.MaxUint256;

async function setup() {
  const sys = await loadFixture(fundedFixture);
  const operator = sys.signers[7];
  return { sys, operator, model: fundedModel(sys) };
}

describe("Operators", function () {
  describe("#setOperator", function () {
    it("approves and revokes an operator on the caller's subaccount, with events", async function () {
      const { sys, operator } = await setup();
      const id = accountIdOf(sys.alice.address, 3n);
      await expect(sys.clearinghouse.connect(sys.alice).setOperator(3, operator.address, true))
        .to.emit(sys.clearinghouse, "OperatorSet")
        .withArgs(id, operator.address, true);
      expect(await sys.clearinghouse.isOperator(id, operator.address)).to.equal(true);
      // Only that subaccount.
      expect(
        await sys.clearinghouse.isOperator(accountIdOf(sys.alice.address, 0n), operator.address),
      ).to.equal(false);
      await expect(sys.clearinghouse.connect(sys.alice).setOperator(3, operator.address, false))
        .to.emit(sys.clearinghouse, "OperatorSet")
        .withArgs(id, operator.address, false);
      expect(await sys.clearinghouse.isOperator(id, operator.address)).to.equal(false);
    });

    it("refuses the zero address", async function () {
      const { sys } = await setup();
      await expect(
        sys.clearinghouse.connect(sys.alice).setOperator(0, ethers.ZeroAddress, true),
      ).to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseZeroOperator");
    });
  });

  describe("#tradeFor", function () {
    it("lets an approved operator trade for the account, as the owner's trade would", async function () {
      const { sys, operator, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, true);
      const tx = await sys.clearinghouse.connect(operator).tradeFor(id, ETH, WAD(2), MAX);
      const ref = model.trade(id, Number(ETH), WAD(2), await txTime(tx));
      await expect(tx)
        .to.emit(sys.clearinghouse, "TradeExecuted")
        .withArgs(...tradeExecutedEventArgs(id, ETH, WAD(2), ref));
      expect(await sys.vault.balanceOf(id, sys.usdc)).to.equal(model.balance(id));
      // The operator's own account is untouched.
      expect((await sys.clearinghouse.position(accountIdOf(operator.address), ETH)).size).to.equal(0n);
    });

    it("lets the owner trade through tradeFor", async function () {
      const { sys, model } = await setup();
      const id = accountIdOf(sys.alice.address);
      const tx = await sys.clearinghouse.connect(sys.alice).tradeFor(id, ETH, -WAD(1), 0n);
      const ref = model.trade(id, Number(ETH), -WAD(1), await txTime(tx));
      expect((await sys.clearinghouse.position(id, ETH)).size).to.equal(ref.newSize);
    });

    it("refuses a stranger, and an operator after revocation, with the account and the caller", async function () {
      const { sys, operator } = await setup();
      const id = accountIdOf(sys.alice.address);
      await expect(sys.clearinghouse.connect(operator).tradeFor(id, ETH, WAD(1), MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnauthorizedTrader")
        .withArgs(id, operator.address);
      await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, true);
      await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, false);
      await expect(sys.clearinghouse.connect(operator).tradeFor(id, ETH, WAD(1), MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnauthorizedTrader")
        .withArgs(id, operator.address);
    });

    it("refuses an operator of another subaccount of the same owner", async function () {
      const { sys, operator } = await setup();
      await sys.clearinghouse.connect(sys.alice).setOperator(1, operator.address, true);
      const id = accountIdOf(sys.alice.address, 0n);
      await expect(sys.clearinghouse.connect(operator).tradeFor(id, ETH, WAD(1), MAX))
        .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnauthorizedTrader")
        .withArgs(id, operator.address);
    });
  });

  describe("withdrawals", function () {
    it("an operator cannot withdraw the account's collateral: the Vault pays only the caller's own account", async function () {
      const { sys, operator } = await setup();
      await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, true);
      const operatorId = accountIdOf(operator.address);
      await expect(sys.vault.connect(operator).withdraw(0, sys.usdc, USDC(1)))
        .to.be.revertedWithCustomError(sys.vault, "VaultInsufficientBalance")
        .withArgs(operatorId, await sys.usdc.getAddress(), 0n, USDC(1));
      expect(await sys.vault.balanceOf(accountIdOf(sys.alice.address), sys.usdc)).to.equal(TRADER_DEPOSIT);
      expect(await sys.usdc.balanceOf(operator.address)).to.equal(0n);
    });
  });
});
