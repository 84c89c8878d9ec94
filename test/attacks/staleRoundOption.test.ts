/**
 * Attack: a free option on an old settlement round (review of issue 15's orders).
 *
 * A market order settles at the first round published after its commit. If that round may be used however long ago
 * it was published, whoever settles chooses *when*: the attacker commits a long, the first round after it posts
 * $3,000, the market moves to $3,030 and posts again 9 s later; nobody has settled yet (keepers down, congested, or
 * the attacker wins the race), so the attacker settles at $3,000 against a mark of $3,030 and closes at $3,030. Had
 * the market gone the other way he would have emptied the account so the trade is refused, and settled it himself to
 * get his fee back: a free option, paid by the LPs.
 *
 * Measured on the unfixed code (the red run, commit 7809442, 100 ETH, the later round 29 s after the first): the
 * attacker +2,790.79 USDC, the pool −2,832.93 USDC: the latency arbitrage the orders were meant to remove.
 * After the fix a settlement price must have been published at most `maxPriceAge` seconds before (15 s by default):
 * one second later the settlement reverts with `OrderBookPriceTooOld`, the order can only expire, and the attacker
 * gains nothing; one second earlier it still settles (the keeper's normal path).
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { USDC, WAD, latestTime, mintAndApprove } from "../shared/fixtures";
import { commitAt, ordersFixture, postAt, proofOf } from "../unit/orders/shared";

const MAX_PRICE_AGE = 15n;
const MARGIN = USDC(100_000);

async function attackerFixture() {
  const sys = await ordersFixture();
  const attacker = sys.signers[6];
  await mintAndApprove(sys, attacker, MARGIN, await sys.vault.getAddress());
  await sys.vault.connect(attacker).deposit(0, await sys.usdc.getAddress(), MARGIN);
  return { ...sys, attacker };
}

describe("Attack: settling at an old round", function () {
  it("a round older than maxPriceAge is refused, one second younger is accepted", async function () {
    const sys = await loadFixture(attackerFixture);
    const { orderBook, ethFeed, attacker } = sys;
    expect(await orderBook.maxPriceAge()).to.equal(MAX_PRICE_AGE);
    const t0 = (await latestTime()) + 10n;
    const buy = await commitAt(sys, attacker, t0, WAD(100), { lifetime: 3_000n });
    const first = await postAt(ethFeed, 3_000, t0 + 1n); // the first round after the commit
    await postAt(ethFeed, 3_030, t0 + 10n); // the market moves; nobody has settled yet

    // One second past the bound: refused with the numbers, the order stays pending (it can only expire).
    const late = t0 + 1n + MAX_PRICE_AGE + 1n;
    await time.setNextBlockTimestamp(late);
    await expect(orderBook.connect(attacker).settleOrder(buy.orderId, proofOf(first)))
      .to.be.revertedWithCustomError(orderBook, "OrderBookPriceTooOld")
      .withArgs(buy.orderId, t0 + 1n, MAX_PRICE_AGE, late);
    expect((await orderBook.order(buy.orderId)).accountId).to.equal(buy.accountId);
  });

  it("at exactly maxPriceAge the keeper's settlement still fills", async function () {
    const sys = await loadFixture(attackerFixture);
    const { orderBook, ethFeed, attacker, keeper } = sys;
    const t0 = (await latestTime()) + 10n;
    const buy = await commitAt(sys, attacker, t0, WAD(100), { lifetime: 3_000n });
    const first = await postAt(ethFeed, 3_000, t0 + 1n);
    await time.setNextBlockTimestamp(t0 + 1n + MAX_PRICE_AGE);
    await expect(orderBook.connect(keeper).settleOrder(buy.orderId, proofOf(first))).to.emit(
      orderBook,
      "OrderSettled",
    );
  });
});
