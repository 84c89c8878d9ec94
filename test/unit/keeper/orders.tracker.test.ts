/**
 * The order tracker (pure): commits add an order id, settlements and cancellations remove it, in log order (an id is
 * reused by the pair's next order); bounded, oldest dropped first; saved with the checkpoint oldest first. And the
 * `--orders` flag. The topics against the deployed OrderBook are checked by orders.network.test.ts (the keeper finds
 * the orders there only through them).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  ORDER_CANCELLED_TOPIC,
  ORDER_COMMITTED_TOPIC,
  ORDER_SETTLED_TOPIC,
  OrderTracker,
} from "../../../scripts/keeper";
import { parseOrdersFlag } from "../../../scripts/keeper/cli";
import { DELEVERAGED_TOPIC, MAX_AGE_PASSES, PositionWatch } from "../../../scripts/keeper/positionWatch";
import { loadCheckpoint, makeCheckpoint, saveCheckpoint } from "../../../scripts/keeper/state";
import { topicOf } from "./helpers";

const committed = (id: bigint) => ({
  topics: [ORDER_COMMITTED_TOPIC, topicOf(id), topicOf(1n), topicOf(0n)],
});
const settled = (id: bigint) => ({ topics: [ORDER_SETTLED_TOPIC, topicOf(id), topicOf(1n), topicOf(0n)] });
const cancelled = (id: bigint) => ({
  topics: [ORDER_CANCELLED_TOPIC, topicOf(id), topicOf(1n), topicOf(0n)],
});

describe("Keeper: OrderTracker", function () {
  it("watches positions through the Clearinghouse's Deleveraged event signature", async function () {
    const clearinghouse = await ethers.getContractAt("IClearinghouse", ethers.ZeroAddress);
    expect(DELEVERAGED_TOPIC).to.equal(clearinghouse.interface.getEvent("Deleveraged").topicHash);
  });

  it("keeps a position's size while its account has no log and every block since was scanned", function () {
    const watch = new PositionWatch();
    watch.scan(0, 10, []);
    watch.keep(1n, 0n, 10, 5n);
    expect(watch.size(1n, 0n, 10)).to.equal(5n);
    expect(watch.size(1n, 0n, 11)).to.equal(undefined); // block 11 not scanned
    watch.scan(11, 12, [2n]); // another account
    expect(watch.size(1n, 0n, 12)).to.equal(5n);
    watch.scan(13, 13, [1n]); // a log of its account
    expect(watch.size(1n, 0n, 13)).to.equal(undefined);
    watch.keep(1n, 0n, 13, 7n);
    watch.scan(20, 21, []); // a gap: blocks 14–19 unknown
    expect(watch.size(1n, 0n, 21)).to.equal(undefined);
    watch.keep(1n, 0n, 21, 7n);
    for (let i = 0; i < MAX_AGE_PASSES - 1; i++) watch.nextPass();
    expect(watch.size(1n, 0n, 21)).to.equal(7n);
    watch.nextPass(); // read again after MAX_AGE_PASSES passes regardless
    expect(watch.size(1n, 0n, 21)).to.equal(undefined);
    watch.keep(1n, 0n, 21, 7n);
    watch.keep(1n, 1n, 21, -2n);
    watch.retain([{ accountId: 1n, marketId: 1n }]); // no pending order protects (1, 0) any more
    expect([watch.size(1n, 0n, 21), watch.size(1n, 1n, 21)]).to.deep.equal([undefined, -2n]);
    watch.scan(22, 22, [1n]); // a log of the account forgets every size kept for it
    expect(watch.size(1n, 1n, 22)).to.equal(undefined);
  });

  it("uses the OrderBook's event signatures", function () {
    const book = new ethers.Interface([
      "event OrderCommitted(uint256 indexed orderId, uint256 indexed accountId, uint256 indexed marketId, int256 sizeDelta, uint256 acceptablePrice, uint256 deadline, bool reduceOnly, uint256 fee, address sender)",
      "event OrderSettled(uint256 indexed orderId, uint256 indexed accountId, uint256 indexed marketId, int256 sizeDelta, uint256 price, uint256 publishedAt, uint256 fillPrice, uint256 fee, address keeper)",
      "event OrderCancelled(uint256 indexed orderId, uint256 indexed accountId, uint256 indexed marketId, bytes reason, uint256 fee, address feeRecipient)",
    ]);
    expect([ORDER_COMMITTED_TOPIC, ORDER_SETTLED_TOPIC, ORDER_CANCELLED_TOPIC]).to.deep.equal(
      ["OrderCommitted", "OrderSettled", "OrderCancelled"].map((name) => book.getEvent(name)!.topicHash),
    );
  });

  it("adds committed orders, removes settled and cancelled ones, in log order, and ignores other events", function () {
    const tracker = new OrderTracker();
    const other = ethers.id("ConditionalOrderCommitted(uint256,uint8,uint256,bool)");
    const changes = tracker.ingest([
      committed(5n),
      committed(9n),
      { topics: [other, topicOf(9n)] },
      settled(5n),
      committed(5n), // the pair's next order reuses the id
      cancelled(9n),
      cancelled(42n), // never tracked
      committed(7n),
      { topics: [ORDER_COMMITTED_TOPIC] },
    ]);
    expect(tracker.ids()).to.deep.equal([5n, 7n]);
    expect(changes).to.deep.equal({ added: [5n, 7n], removed: [5n, 9n], dropped: [] });
    // Re-reading the same range (a restart, a reorg window) changes nothing.
    tracker.ingest([committed(5n), committed(7n)]);
    expect(tracker.ids()).to.deep.equal([5n, 7n]);
  });

  it("keeps at most maxPending ids, dropping the oldest: at the bound and one over", function () {
    const tracker = new OrderTracker([1n, 2n], 3);
    expect(tracker.ingest([committed(3n)]).dropped).to.deep.equal([]);
    expect(tracker.ids()).to.deep.equal([1n, 2n, 3n]);
    expect(tracker.ingest([committed(4n)]).dropped).to.deep.equal([1n]);
    expect(tracker.ids()).to.deep.equal([2n, 3n, 4n]);
    expect(() => new OrderTracker([], 0)).to.throw("maxPendingOrders must be a positive integer, got 0");
  });

  it("gives an id a new version with each of its logs and its removal, never one used before", function () {
    const tracker = new OrderTracker([1n]);
    expect(tracker.version(1n)).to.equal(0); // from a checkpoint: read once, then kept until a log
    tracker.ingest([committed(5n)]);
    const first = tracker.version(5n);
    tracker.ingest([committed(7n), { topics: [ethers.id("Other()"), topicOf(5n)] }]);
    expect(tracker.version(5n)).to.equal(first); // another id's log and other events leave it
    tracker.ingest([settled(5n), committed(5n)]); // the pair's next order under the same id
    const second = tracker.version(5n);
    expect(second).to.not.equal(first);
    tracker.remove(5n);
    expect(tracker.version(5n)).to.equal(0);
    tracker.ingest([committed(5n)]);
    expect([first, second, 0]).to.not.include(tracker.version(5n));
  });

  it("batches market orders first, oldest first, then the conditional ones in turn", function () {
    const tracker = new OrderTracker([1n, 2n, 3n, 4n, 5n]);
    for (const id of [1n, 2n, 4n]) tracker.markConditional(id);
    tracker.markConditional(99n); // not tracked: ignored
    expect(tracker.batch(2)).to.deep.equal([3n, 5n]);
    expect(tracker.batch(3)).to.deep.equal([3n, 5n, 1n]);
    expect(tracker.batch(4)).to.deep.equal([3n, 5n, 2n, 4n]);
    expect(tracker.batch(3)).to.deep.equal([3n, 5n, 1n]);
    expect(tracker.batch(9, (id) => id !== 5n)).to.deep.equal([3n, 2n, 4n, 1n]);
    tracker.remove(2n);
    tracker.add(2n); // the id back as an order not read yet: a market order until read
    expect(tracker.batch(3)).to.deep.equal([3n, 5n, 2n]);
  });

  it("is saved with the checkpoint oldest first, and a bad id is refused in one line", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-orders-"));
    try {
      const file = path.join(dir, "state.json");
      const identity = { chainId: 31337n, clearinghouse: "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853" };
      const big = (1n << 255n) + 1n;
      const vault = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";
      const base = { ...identity, vault, lastScannedBlock: 9, accounts: [] };
      saveCheckpoint(file, makeCheckpoint({ ...base, pendingOrders: [big, 3n] }));
      const loaded = loadCheckpoint(file, identity);
      expect(loaded.status === "loaded" && loaded.pendingOrders).to.deep.equal([big, 3n]);
      saveCheckpoint(file, makeCheckpoint(base)); // written before the order pass: none
      const old = loadCheckpoint(file, identity);
      expect(old.status === "loaded" && old.pendingOrders).to.deep.equal([]);
      fs.writeFileSync(file, JSON.stringify({ ...makeCheckpoint(base), pendingOrders: ["0x1"] }));
      expect(() => loadCheckpoint(file, identity)).to.throw(
        `checkpoint ${file} is invalid: bad pendingOrders`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads --orders on|off (default on) and refuses anything else in one line", function () {
    expect([parseOrdersFlag(undefined), parseOrdersFlag("on"), parseOrdersFlag("OFF")]).to.deep.equal([
      true,
      true,
      false,
    ]);
    expect(() => parseOrdersFlag("yes")).to.throw('--orders must be "on" or "off", got yes');
  });
});
