/**
 * The order pass and conditional orders (DESIGN §21): a stop-loss is left alone while its position is there and
 * cancelled by the keeper (fee earned) once the position is gone; orders that wait for a far trigger never crowd a
 * market order out of a round (`maxOrdersPerRound`); a market order whose round cannot be proven is reported once; a
 * protected position's size is read again only when a log or an unscanned block may have changed it. Fees are the deployment's settlement fee, never read back.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { BTC, ETH, WAD, accountIdOf, latestTime } from "../../shared/fixtures";
import { FEE, MAX, commitAt, conditionalOrderId, postAt } from "../orders/shared";
import { countCalls, keeperOrdersFixture, orderKeeper, orderRound } from "./helpers";

const STOP_LOSS = 2;
const LIMIT = 1;

describe("Keeper on the Hardhat network: conditional and unprovable orders", function () {
  it("cancels a stop-loss once its position is gone, not while it is there, and earns the fee", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper, logger, keeperId } = orderKeeper(sys);
    const accountId = accountIdOf(sys.alice.address);
    await sys.clearinghouse.connect(sys.alice).trade(0, BTC, WAD("0.1"), MAX); // BTC trades immediately
    // A long's stop-loss sells at or below its trigger: far below the price, never triggered here.
    await sys.orderBook
      .connect(sys.alice)
      .commitConditionalOrder(accountId, BTC, -WAD("0.1"), 0n, WAD(1), STOP_LOSS);
    const orderId = conditionalOrderId(accountId, BTC, STOP_LOSS);
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect(keeper.pendingOrders()).to.deep.equal([orderId]);

    await sys.clearinghouse.connect(sys.alice).trade(0, BTC, -WAD("0.1"), 0n); // closed: nothing left to protect
    const outcomes = await orderRound(keeper);
    expect(outcomes.map((o) => [o.action, o.status])).to.deep.equal([["cancelOrder", "succeeded"]]);
    expect(outcomes[0]).to.include({ orderId, fee: FEE });
    expect(await sys.vault.balanceOf(keeperId, sys.usdc)).to.equal(FEE);
    expect(logger.events("order_cancel_succeeded")[0].reason).to.match(/^OrderBookNothingToProtect\(/);
    expect(keeper.pendingOrders()).to.deep.equal([]);
  });

  it("reads a protected position again only after a log of its account or past the blocks it scanned", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper } = orderKeeper(sys);
    const accountId = accountIdOf(sys.alice.address);
    await sys.clearinghouse.connect(sys.alice).trade(0, BTC, WAD("0.1"), MAX);
    await sys.orderBook
      .connect(sys.alice)
      .commitConditionalOrder(accountId, BTC, -WAD("0.1"), 0n, WAD(1), STOP_LOSS);
    const head = () => ethers.provider.getBlockNumber();
    const positionSelector = sys.clearinghouse.interface.getFunction("position").selector;
    let scanned = await head();
    const scan = async () => {
      const to = await head();
      await keeper.scanLogs(scanned + 1, to);
      scanned = to;
    };
    const reads = await countCalls(positionSelector, async () => {
      await keeper.scanLogs(0, scanned);
      expect(await keeper.processOrders(scanned)).to.deep.equal([]); // read: the position is there
      expect(await keeper.processOrders(scanned)).to.deep.equal([]); // kept
      await sys.clearinghouse.connect(sys.bob).trade(0, BTC, WAD("0.1"), MAX); // another account's log
      await scan();
      expect(await keeper.processOrders(scanned)).to.deep.equal([]); // still kept
      // Alice closes, and the keeper decides at a block it has not scanned: it reads again, and cancels.
      await sys.clearinghouse.connect(sys.alice).trade(0, BTC, -WAD("0.1"), 0n);
      const outcomes = await keeper.processOrders(await head());
      expect(outcomes.map((o) => [o.action, o.status])).to.deep.equal([["cancelOrder", "succeeded"]]);
    });
    expect(reads).to.equal(2);
  });

  it("settles a market order in a round of one though an older limit order waits for its trigger", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper } = orderKeeper(sys, { maxOrdersPerRound: 1 });
    const bobId = accountIdOf(sys.bob.address);
    // Bob's limit buy at $1 waits for ever; it was committed first.
    await sys.orderBook.connect(sys.bob).commitConditionalOrder(bobId, ETH, WAD(1), MAX, WAD(1), LIMIT);
    const limitId = conditionalOrderId(bobId, ETH, LIMIT);
    const t0 = (await latestTime()) + 10n;
    const { orderId, accountId } = await commitAt(sys, sys.alice, t0, WAD(2));
    await postAt(sys.ethFeed, 3_010, t0 + 2n);
    // The first round reads the oldest order, unknown until then: a conditional one, not triggered.
    expect(await orderRound(keeper)).to.deep.equal([]);
    // From then on market orders come first.
    const outcomes = await orderRound(keeper);
    expect(outcomes.map((o) => [o.action, o.status, o.orderId])).to.deep.equal([
      ["settleOrder", "succeeded", orderId],
    ]);
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(WAD(2));
    expect(keeper.pendingOrders()).to.deep.equal([limitId]);
  });

  it("warns once about a market order whose settlement round cannot be proven, and sends nothing", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper, logger } = orderKeeper(sys);
    const t0 = (await latestTime()) + 10n;
    const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 600n });
    // 65 rounds after the commit: the first one is more than the 64 steps back the keeper walks.
    for (let i = 1n; i <= 65n; i++) await postAt(sys.ethFeed, 3_000, t0 + i);
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect(await orderRound(keeper)).to.deep.equal([]);
    const warnings = logger.events("order_unprovable");
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include({
      orderId,
      reason: "more than 64 rounds were published since the commit",
    });
    expect(keeper.stats.orders).to.deep.include({ sent: 0, skipped: 1 });
    expect(keeper.pendingOrders()).to.deep.equal([orderId]);
  });
});
