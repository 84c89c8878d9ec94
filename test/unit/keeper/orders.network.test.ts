/**
 * The keeper's order pass on the Hardhat network (DESIGN §21, scripts/keeper/orderPass.ts): it settles a market
 * order once the first round after the commit is published (and sends nothing before), a limit order only when the
 * price reaches its trigger (one feed unit either side), cancels an expired order one second after its deadline (not
 * at it), keeps its pending orders across a checkpoint restart, and does nothing with the pass off. Every fee is the
 * deployment's settlement fee (deploy/config.ts), never read back; every size is the committed size.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { decodeRevert, formatRevert } from "../../../scripts/keeper";
import { PriceOracle__factory } from "../../../typechain-types";
import { loadCheckpoint, makeCheckpoint, saveCheckpoint } from "../../../scripts/keeper/state";
import { ETH, WAD, accountIdOf, latestTime } from "../../shared/fixtures";
import { FEE, MAX, commitAt, conditionalOrderId, postAt, proofOf } from "../orders/shared";
import { keeperOrdersFixture, orderKeeper, orderRound } from "./helpers";
import type { OrdersSystem } from "../orders/shared";

/** The keeper's fee account balance (settlement-token units). */
const feesOf = async (sys: OrdersSystem, keeperId: bigint) => sys.vault.balanceOf(keeperId, sys.usdc);

/** Mines an empty block at exactly `at`. */
async function mineAt(at: bigint): Promise<void> {
  await time.setNextBlockTimestamp(at);
  await mine();
}

describe("Keeper on the Hardhat network: orders", function () {
  it("waits for the first round after a market order's commit, then settles it and earns the fee", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper, logger, keeperId } = orderKeeper(sys);
    const t0 = (await latestTime()) + 10n;
    const { orderId, accountId } = await commitAt(sys, sys.alice, t0, WAD(2));
    // Settleable from t0 + minDelay, but no round was published after the commit: nothing is sent.
    await mineAt(t0 + 1n);
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect(keeper.pendingOrders()).to.deep.equal([orderId]);
    expect(keeper.stats.orders.sent).to.equal(0);
    expect(await feesOf(sys, keeperId)).to.equal(0n);

    const roundId = await postAt(sys.ethFeed, 3_010, t0 + 2n);
    const outcomes = await orderRound(keeper);
    expect(outcomes.map((o) => [o.action, o.status, o.accountId])).to.deep.equal([
      ["settleOrder", "succeeded", accountId],
    ]);
    expect(outcomes[0]).to.include({ orderId, fee: FEE, filled: true });
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(WAD(2));
    expect(await feesOf(sys, keeperId)).to.equal(FEE);
    expect(keeper.stats.orders).to.deep.include({ sent: 1, settled: 1, failed: 0 });
    expect(keeper.stats.orderFees).to.equal(FEE);
    expect(logger.events("order_settle_sent")[0]).to.include({ orderId, kind: "market", roundId });
    expect(logger.events("order_settle_succeeded")[0]).to.include({ orderId, filled: true, feeRaw: FEE });
    // Our receipt ended the order: forgotten at once, the next round has nothing to do.
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect(keeper.pendingOrders()).to.deep.equal([]);
  });

  it("settles a limit buy only when the price reaches its trigger: not one feed unit above it", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper, keeperId } = orderKeeper(sys);
    const accountId = accountIdOf(sys.alice.address);
    const trigger = WAD(2_900);
    await sys.orderBook.connect(sys.alice).commitConditionalOrder(accountId, ETH, WAD(1), MAX, trigger, 1);
    const orderId = conditionalOrderId(accountId, ETH, 1);
    const t = await latestTime();
    await postAt(sys.ethFeed, "2900.00000001", t + 2n); // one unit (1e-8 USD) above: a buy limit waits
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect(keeper.stats.orders.sent).to.equal(0);
    await postAt(sys.ethFeed, "2900", t + 4n);
    const outcomes = await orderRound(keeper);
    expect(outcomes.map((o) => [o.action, o.status])).to.deep.equal([["settleOrder", "succeeded"]]);
    expect(outcomes[0]).to.include({ orderId, fee: FEE, filled: true });
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(WAD(1));
    expect(await feesOf(sys, keeperId)).to.equal(FEE);
  });

  it("cancels an expired market order one second after its deadline, not at it", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper, logger, keeperId } = orderKeeper(sys);
    const t0 = (await latestTime()) + 10n;
    const { orderId, accountId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 60n });
    await mineAt(t0 + 60n); // at the deadline: still settleable (no round yet), not cancellable
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect((await sys.orderBook.order(orderId)).accountId).to.equal(accountId);
    await mineAt(t0 + 61n);
    const outcomes = await orderRound(keeper);
    expect(outcomes.map((o) => [o.action, o.status])).to.deep.equal([["cancelOrder", "succeeded"]]);
    expect(outcomes[0]).to.include({ orderId, fee: FEE });
    expect((await sys.orderBook.order(orderId)).accountId).to.equal(0n);
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(0n);
    expect(await feesOf(sys, keeperId)).to.equal(FEE);
    expect(keeper.stats.orders).to.deep.include({ sent: 1, cancelled: 1, settled: 0 });
    expect(logger.events("order_cancel_succeeded")[0].reason).to.match(/^OrderBookOrderExpired\(/);
  });

  it("still knows its pending orders after a restart from the checkpoint", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const first = orderKeeper(sys);
    const t0 = (await latestTime()) + 10n;
    const { orderId, accountId } = await commitAt(sys, sys.alice, t0, WAD(2));
    const scanned = await ethers.provider.getBlockNumber();
    await first.keeper.scanLogs(0, scanned);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keeper-orders-"));
    const file = path.join(dir, "state.json");
    try {
      const identity = {
        chainId: 31337n,
        clearinghouse: await sys.clearinghouse.getAddress(),
      };
      saveCheckpoint(
        file,
        makeCheckpoint({
          ...identity,
          vault: await sys.vault.getAddress(),
          lastScannedBlock: scanned,
          accounts: first.keeper.tracker.ids(),
          pendingOrders: first.keeper.pendingOrders(),
        }),
      );
      const loaded = loadCheckpoint(file, identity);
      if (loaded.status !== "loaded") throw new Error(`checkpoint ${loaded.status}`);
      expect(loaded.pendingOrders).to.deep.equal([orderId]);
      // The restarted keeper reads only the blocks after the checkpoint: the commit is not among them.
      const second = orderKeeper(sys, { pendingOrders: loaded.pendingOrders });
      await postAt(sys.ethFeed, 3_010, t0 + 2n);
      await second.keeper.scanLogs(scanned + 1, await ethers.provider.getBlockNumber());
      const outcomes = (await second.keeper.checkAndLiquidate()).filter((o) => o.action === "settleOrder");
      expect(outcomes.map((o) => [o.status, o.accountId])).to.deep.equal([["succeeded", accountId]]);
      expect(await feesOf(sys, second.keeperId)).to.equal(FEE);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("settles and tracks nothing with the order pass off (orders: false, --orders off)", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const { keeper, keeperId } = orderKeeper(sys, { orders: false });
    const t0 = (await latestTime()) + 10n;
    const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
    await postAt(sys.ethFeed, 3_010, t0 + 2n);
    expect(await orderRound(keeper)).to.deep.equal([]);
    expect(keeper.pendingOrders()).to.deep.equal([]);
    expect(await keeper.processOrders()).to.deep.equal([]);
    expect(await feesOf(sys, keeperId)).to.equal(0n);
    expect((await sys.orderBook.order(orderId)).committedAt).to.equal(t0);
  });

  it("cannot choose a price: settling with an older or a later round is refused with a clear error", async function () {
    const sys = await loadFixture(keeperOrdersFixture);
    const t0 = (await latestTime()) + 10n;
    const before = (await sys.ethFeed.latestRoundData()).roundId; // published before the commit
    const { orderId, committedAt } = await commitAt(sys, sys.alice, t0, WAD(2));
    const first = await postAt(sys.ethFeed, 3_010, t0 + 2n);
    const later = await postAt(sys.ethFeed, 2_990, t0 + 3n);
    const interfaces = [sys.orderBook.interface, PriceOracle__factory.createInterface()];
    const refusal = async (roundId: bigint) => {
      try {
        await sys.orderBook.connect(sys.signers[10]).settleOrder(orderId, proofOf(roundId));
      } catch (err) {
        const revert = decodeRevert(err, interfaces);
        return revert && formatRevert(revert);
      }
      return "settled";
    };
    const older = await refusal(before);
    expect(older).to.match(new RegExp(`^OrderPriceRoundTooOld\\(asset=.*roundId=${before}, `));
    expect(older).to.include(
      `committedAt=${new Date(Number(committedAt) * 1000).toISOString().slice(0, 10)}`,
    );
    expect(await refusal(later)).to.match(
      new RegExp(`^OrderPriceRoundNotFirst\\(asset=.*roundId=${later}, `),
    );
    expect((await sys.orderBook.order(orderId)).committedAt).to.equal(committedAt);
    // The first round after the commit is the only one accepted.
    expect(await refusal(first)).to.equal("settled");
  });
});
