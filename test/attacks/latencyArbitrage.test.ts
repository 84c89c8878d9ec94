/**
 * Attack: latency arbitrage against a push feed (issue 15; the Synthetix oracle front-running of 2019–2021).
 *
 * Push feeds move only on a deviation or a heartbeat, so a trader watching the exchanges knows the next answer before
 * it lands. When the exchanges have moved more than the round-trip cost (taker 0.05% + maker 0.02% + the premium's
 * asymmetry), he buys at the stale answer and sells after the update: a risk-free profit paid by the LPs.
 *
 * Set-up: the local stack, ETH at $3,000; the attacker holds $100,000 of margin; the exchanges already trade ETH at
 * $3,030 (+1%), the next Chainlink answer.
 * 1. He buys 100 ETH ($300,000 at 3.3x) at the stale $3,000 (fill with the skew premium).
 * 2. The feed posts $3,030.
 * 3. He sells the 100 ETH at the new answer.
 *
 * Measured on the code before orders (immediate trades, the only way to trade): the attacker ends +$2,790.79
 * (2,790.793998 USDC); the pool's ledger loses $2,832.94 (2,832.935058 USDC): his profit plus the insurance fund's
 * share of his fees ($42.14), so LPs pay for the whole profit. With immediate trades off (the real-network setting) he must commit an
 * order, which settles at the first answer published after the commit: the same round trip ends at -$214.21
 * (-214.207103 USDC: fees, premium and two 1 USDC settlement fees; asserted in the second test).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  FEED,
  USDC,
  WAD,
  accountIdOf,
  fundedModel,
  latestTime,
  mintAndApprove,
  txTime,
} from "../shared/fixtures";
import { FEE, commitAt, ordersFixture, postAt, proofOf } from "../unit/orders/shared";

const MARGIN = USDC(100_000);
const SIZE = WAD(100);
const NEXT = 3_030;

async function attackerFixture() {
  const sys = await ordersFixture();
  await sys.clearinghouse.setImmediateTrades(ETH, true);
  const attacker = sys.signers[6];
  await mintAndApprove(sys, attacker, MARGIN, await sys.vault.getAddress());
  await sys.vault.connect(attacker).deposit(0, await sys.usdc.getAddress(), MARGIN);
  return { ...sys, attacker };
}

describe("Attack: latency arbitrage on a known next answer", function () {
  it("with immediate trades on, buying at the stale answer and selling after the update profits at the LPs' cost", async function () {
    const sys = await loadFixture(attackerFixture);
    const { vault, usdc, clearinghouse, ethFeed, attacker } = sys;
    const attackerId = accountIdOf(attacker.address);
    const model = fundedModel(sys);
    model.deposit(attackerId, MARGIN);
    const poolBefore = await vault.poolBalance();

    // 1. Buy at the stale answer.
    const buy = await clearinghouse.connect(attacker).trade(0, ETH, SIZE, ethers.MaxUint256);
    model.trade(attackerId, Number(ETH), SIZE, await txTime(buy));
    // 2. The feed catches up with the exchanges.
    await ethFeed.updateAnswer(FEED(NEXT));
    model.setPrice(Number(ETH), WAD(NEXT));
    // 3. Sell at the new answer.
    const sell = await clearinghouse.connect(attacker).trade(0, ETH, -SIZE, 0n);
    model.trade(attackerId, Number(ETH), -SIZE, await txTime(sell));

    const profit = (await vault.balanceOf(attackerId, usdc)) - MARGIN;
    const expected = model.balance(attackerId) - MARGIN;
    expect(profit).to.equal(expected);
    // About 1% of $300,000 less the round trip's fees: the red run measured 2,790.793998 USDC.
    expect(profit).to.equal(2_790_793_998n);
    expect(profit).to.be.greaterThan(0n);
    const poolLoss = poolBefore - (await vault.poolBalance());
    expect(poolLoss).to.equal(USDC(1_000_000) - model.pool);
    expect(poolLoss).to.be.greaterThan(0n);
  });

  it("with immediate trades off, the same knowledge through orders ends at minus his fees", async function () {
    const sys = await loadFixture(attackerFixture);
    const { vault, usdc, clearinghouse, orderBook, ethFeed, attacker, keeper } = sys;
    await clearinghouse.setImmediateTrades(ETH, false);
    const attackerId = accountIdOf(attacker.address);
    const model = fundedModel(sys);
    model.deposit(attackerId, MARGIN);

    // The stale answer cannot be traded at once any more.
    await expect(clearinghouse.connect(attacker).trade(0, ETH, SIZE, ethers.MaxUint256))
      .to.be.revertedWithCustomError(clearinghouse, "ClearinghouseImmediateTradesDisabled")
      .withArgs(ETH);
    // 1. He commits the buy while the feed still says $3,000.
    const t0 = (await latestTime()) + 10n;
    const buy = await commitAt(sys, attacker, t0, SIZE);
    model.withdraw(attackerId, FEE);
    // 2. The feed posts $3,030: the first round after his commit, the only one his order can settle at.
    const round = await postAt(ethFeed, NEXT, t0 + 1n);
    const settleBuy = await orderBook.connect(keeper).settleOrder(buy.orderId, proofOf(round));
    model.setPrice(Number(ETH), WAD(NEXT));
    model.trade(attackerId, Number(ETH), SIZE, await txTime(settleBuy));
    // 3. He sells through an order too; it settles at the next round (a heartbeat at the same price).
    const sell = await commitAt(sys, attacker, t0 + 3n, -SIZE);
    model.withdraw(attackerId, FEE);
    const next = await postAt(ethFeed, NEXT, t0 + 4n);
    const settleSell = await orderBook.connect(keeper).settleOrder(sell.orderId, proofOf(next));
    model.trade(attackerId, Number(ETH), -SIZE, await txTime(settleSell));

    const profit = (await vault.balanceOf(attackerId, usdc)) - MARGIN;
    expect(profit).to.equal(model.balance(attackerId) - MARGIN);
    // Fees, premium asymmetry and two settlement fees: no profit.
    expect(profit).to.be.lessThan(0n);
    // Measured: -214.207103 USDC (both trades at $3,030: the round trip's fees and premium, and 2 USDC of
    // settlement fees to the keeper).
    expect(profit).to.equal(-214_207_103n);
  });
});
