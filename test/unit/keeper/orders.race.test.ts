/**
 * Two keepers race for one order (DESIGN §21): both send `settleOrder` into the same block; the first settles it and
 * earns the fee, the second's transaction reverts `OrderBookUnknownOrder` and is reported `lost` to the winner, never
 * `failed`. Then a keeper whose tracker still holds an order someone else ended forgets it without sending anything;
 * and a keeper reads a pending order once, again only after a log of its id (an id is reused by the pair's next order).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Keeper, MemoryLogger } from "../../../scripts/keeper";
import { ETH, WAD, accountIdOf, latestTime } from "../../shared/fixtures";
import { FEE, commitAt, postAt, proofOf } from "../orders/shared";
import { countCalls, keeperOrdersFixture } from "./helpers";
import type { OrdersSystem } from "../orders/shared";

const keeperOn = (sys: OrdersSystem, index: number) => {
  const logger = new MemoryLogger();
  const keeper = new Keeper({
    clearinghouse: sys.clearinghouse,
    vault: sys.vault,
    orderBook: sys.orderBook,
    signer: sys.signers[index],
    logger,
    receiptPollMs: 10,
    deleverageMarkets: [],
  });
  return { keeper, logger, id: accountIdOf(sys.signers[index].address) };
};

/** Resolves once the node's pending block holds `count` transactions. */
async function pendingTransactions(count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const block = (await ethers.provider.send("eth_getBlockByNumber", ["pending", false])) as {
      transactions: string[];
    };
    if (block.transactions.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${count} pending transactions after 5 s`);
}

describe("Keeper on the Hardhat network: order races", function () {
  it("reports the keeper that came second as lost to the first, not failed; the fee is paid once", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const [a, b] = [keeperOn(sys, 10), keeperOn(sys, 11)];
    const t0 = (await latestTime()) + 10n;
    const { orderId, accountId } = await commitAt(sys, sys.alice, t0, WAD(2));
    await postAt(sys.ethFeed, 3_010, t0 + 2n);
    const head = await ethers.provider.getBlockNumber();
    await a.keeper.scanLogs(0, head);
    await b.keeper.scanLogs(0, head);
    await ethers.provider.send("evm_setAutomine", [false]);
    let outcomes;
    try {
      // Both decide and estimate against the same state (the same reads in lock step), then both send.
      const first = a.keeper.processOrders(head);
      const second = b.keeper.processOrders(head);
      await pendingTransactions(2);
      await ethers.provider.send("evm_mine", []);
      outcomes = await Promise.all([first, second]);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    // Which one the node mined first is its choice: one won, the other lost to it.
    const winnerIndex = outcomes[0][0].status === "succeeded" ? 0 : 1;
    const [winner, loser] = winnerIndex === 0 ? [a, b] : [b, a];
    const [won, lost] = [outcomes[winnerIndex], outcomes[1 - winnerIndex]];
    expect(won.map((x) => [x.action, x.status, x.orderId])).to.deep.equal([
      ["settleOrder", "succeeded", orderId],
    ]);
    expect(lost.map((x) => [x.action, x.status, x.orderId])).to.deep.equal([
      ["settleOrder", "lost", orderId],
    ]);
    expect(lost[0].winner).to.equal(sys.signers[winnerIndex === 0 ? 10 : 11].address);
    expect(loser.keeper.stats.orders).to.deep.equal({
      sent: 1,
      settled: 0,
      cancelled: 0,
      lost: 1,
      skipped: 0,
      failed: 0,
    });
    expect(loser.logger.events("order_settle_lost")[0]).to.include({ orderId, winnerEvent: "OrderSettled" });
    expect(loser.logger.events("order_settle_failed")).to.deep.equal([]);
    expect(await sys.vault.balanceOf(winner.id, sys.usdc)).to.equal(FEE);
    expect(await sys.vault.balanceOf(loser.id, sys.usdc)).to.equal(0n);
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(WAD(2));
    // Both forgot the order: nothing left to send.
    expect([a.keeper.pendingOrders(), b.keeper.pendingOrders()]).to.deep.equal([[], []]);
  });

  it("forgets an order another keeper ended, without sending anything", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const a = keeperOn(sys, 10);
    const t0 = (await latestTime()) + 10n;
    const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
    const roundId = await postAt(sys.ethFeed, 3_010, t0 + 2n);
    const head = await ethers.provider.getBlockNumber();
    await a.keeper.scanLogs(0, head);
    expect(a.keeper.pendingOrders()).to.deep.equal([orderId]);
    await sys.orderBook.connect(sys.signers[11]).settleOrder(orderId, proofOf(roundId));
    expect(await a.keeper.processOrders()).to.deep.equal([]);
    expect(a.keeper.pendingOrders()).to.deep.equal([]);
    expect(a.keeper.stats.orders.sent).to.equal(0);
  });

  it("reads a pending order once while its id has no new log, and the pair's next order under the same id afresh", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const a = keeperOn(sys, 10);
    const orderSelector = sys.orderBook.interface.getFunction("order").selector;
    const reads = await countCalls(orderSelector, async () => {
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
      await a.keeper.scanLogs(0, await ethers.provider.getBlockNumber());
      // No round after the commit yet: each pass decides "wait"; only the first reads the order.
      expect(await a.keeper.processOrders()).to.deep.equal([]);
      expect(await a.keeper.processOrders()).to.deep.equal([]);
      // Another keeper settles it, and Alice's next order on the pair reuses the id (3 ETH, committed later).
      const round = await postAt(sys.ethFeed, 3_010, t0 + 2n);
      await sys.orderBook.connect(sys.signers[11]).settleOrder(orderId, proofOf(round));
      const next = await commitAt(sys, sys.alice, t0 + 10n, WAD(3));
      expect(next.orderId).to.equal(orderId);
      await postAt(sys.ethFeed, 3_020, t0 + 12n);
      await a.keeper.scanLogs(0, await ethers.provider.getBlockNumber());
      // The logs changed the id's version: the new order is read and settled with its own round (the first order's
      // round is before its commit and would be refused).
      const outcomes = await a.keeper.processOrders();
      expect(outcomes.map((o) => [o.action, o.status, o.orderId])).to.deep.equal([
        ["settleOrder", "succeeded", orderId],
      ]);
    });
    expect(reads).to.equal(2);
    expect((await sys.clearinghouse.position(accountIdOf(sys.alice.address), ETH)).size).to.equal(WAD(5));
  });
});
