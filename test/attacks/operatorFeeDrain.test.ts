/**
 * Attack: an operator drains the account it trades for through order fees (review of issue 15's orders).
 *
 * An operator may trade and manage orders for an account, never withdraw from it (DESIGN §4). When the settlement fee
 * of an order an operator commits is escrowed from the account, the operator collects it back itself: it commits a
 * tiny reduce-only order with the shortest deadline, waits for it to expire and cancels it (the canceller earns the
 * fee), once per market every few seconds, then withdraws what it collected.
 *
 * Measured on the unfixed code (the red run, commit 7809442, 5 loops on the local fee of 1 USDC): the account lost
 * 5.000000 USDC and the operator's own account gained 5.000000 USDC, which it withdrew; on Arbitrum's parameters
 * (0.5 USDC, a 2 s delay) about 600 USDC an hour per market, until the account is empty.
 * After the fix the operator pays the fee of the orders it commits from its own account: the loop moves its own money
 * in a circle (net 0 to it), and the account keeps every unit.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, TRADER_DEPOSIT, accountIdOf, latestTime } from "../shared/fixtures";
import { FEE, MIN_DELAY, marketOrderId, operatorFixture } from "../unit/orders/shared";

const LOOPS = 5n;

describe("Attack: an operator drains the account through order fees", function () {
  it("commit, let expire, cancel: the operator collects nothing from the account", async function () {
    const { vault, usdc, orderBook, alice, operator } = await loadFixture(operatorFixture);
    const victim = accountIdOf(alice.address);
    const operatorAccount = accountIdOf(operator.address);
    // Independent of the contract: Alice deposited TRADER_DEPOSIT, the operator one fee of its own.
    const victimBefore = TRADER_DEPOSIT;
    const operatorBefore = FEE;
    expect(await vault.balanceOf(victim, usdc)).to.equal(victimBefore);
    expect(await vault.balanceOf(operatorAccount, usdc)).to.equal(operatorBefore);
    for (let i = 0n; i < LOOPS; i++) {
      const now = await latestTime();
      await time.setNextBlockTimestamp(now + 1n);
      await orderBook
        .connect(operator)
        .commitOrder(victim, ETH, 1n, ethers.MaxUint256, now + 1n + MIN_DELAY, true);
      const orderId = marketOrderId(victim, ETH);
      await time.setNextBlockTimestamp(now + 2n + MIN_DELAY);
      await orderBook.connect(operator).cancelOrder(orderId);
    }
    // The account lost nothing; the operator's own balance went round in a circle.
    expect(await vault.balanceOf(victim, usdc)).to.equal(victimBefore);
    expect(await vault.balanceOf(operatorAccount, usdc)).to.equal(operatorBefore);
  });
});
