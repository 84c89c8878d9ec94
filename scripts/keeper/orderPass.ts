/**
 * The order pass (DESIGN §21): for at most `maxOrdersPerRound` pending orders the tracker knows (orders.ts: market
 * orders oldest first, then conditional ones in turn) that have no transaction of ours in flight, reads each order
 * it has not read since the id's last log (`readConcurrency` at a time; a failed read skips that order this round;
 * `pendingOrder`) and decides at the checked block's timestamp:
 *
 *   - gone (settled or cancelled): forgotten;
 *   - a market order past its deadline: `cancelOrder` (anyone may; the fee is ours); so is a stop-loss or take-profit
 *     whose position is gone or flipped (nothing left to protect);
 *   - before `committedAt + minDelay`: nothing yet;
 *   - a market order: its settlement round, the first round of the market's feed published after the commit
 *     (`findSettlementRound`): none yet → wait; unprovable → a warning once per order, skipped; found → its proof;
 *   - a conditional order: only when the oracle's current price crosses its trigger (`isTriggered`), empty proof;
 *
 * then `previewOrderSettlement` with that proof: a revert the settlement would also hit (too early, expired, not
 * triggered, price too old) sends nothing; otherwise `settleOrder`. Cancellations are sent first, then settlements.
 */
import { AggregatorV3Interface__factory } from "../../typechain-types";
import type { CancelOrderAction } from "./actions/cancelOrder";
import type { SettleOrderAction, SettleOrderPlan } from "./actions/settleOrder";
import { SETTLE_ORDER_REVERTS } from "./actions/settleOrder";
import type { OrderPlan } from "./actions/orderShared";
import { bookOf, countOrder, orderKey } from "./actions/orderShared";
import type { KeeperChain } from "./chain";
import { mapLimit } from "../common/ranges";
import {
  findSettlementRound,
  isTriggered,
  orderKindName,
  orderState,
  readPendingOrder,
  roundProof,
} from "../common/orders";
import type { PendingOrder, RoundSource } from "../common/orders";
import { decimalWad, usdFields } from "../common/format";
import type { ActionExecutor } from "./executor";
import type { OrderTracker } from "./orders";
import { PositionWatch } from "./positionWatch";
import type { OrderOutcome } from "./types";

const STOP_LOSS = 2;
const TAKE_PROFIT = 3;

/** Whether a trade of `sizeDelta` reduces a position of `size` without flipping it (OrderBook._reduces). */
export const reduces = (size: bigint, sizeDelta: bigint): boolean =>
  size !== 0n &&
  size > 0n !== sizeDelta > 0n &&
  (size > 0n ? size + sizeDelta >= 0n : size + sizeDelta <= 0n);

/** What the pass sends for one order. */
type Decision = { action: "cancel"; plan: OrderPlan } | { action: "settle"; plan: SettleOrderPlan };

/** A market's oracle key and the feed its orders settle against. */
interface MarketFeed {
  asset: string;
  feed: RoundSource;
}

export class OrderPass {
  /** The feeds of this pass's markets. */
  private readonly feeds = new Map<bigint, Promise<MarketFeed>>();
  /** Each market's asset (immutable once listed), kept across passes. */
  private readonly assets = new Map<bigint, Promise<string>>();
  /** Each market's oracle price, read once per pass (the conditional orders of a market share it). */
  private readonly prices = new Map<bigint, Promise<bigint>>();
  /** Orders already reported unprovable (one warning each). */
  private readonly unprovable = new Set<bigint>();
  /** Pending orders read, with the tracker's version of their id when read (valid while it is unchanged). */
  private readonly known = new Map<bigint, { version: number; order: PendingOrder }>();

  constructor(
    private readonly chain: KeeperChain,
    private readonly executor: ActionExecutor,
    private readonly tracker: OrderTracker,
    private readonly settle: SettleOrderAction,
    private readonly cancel: CancelOrderAction,
    private readonly positions: PositionWatch = new PositionWatch(),
  ) {}

  /** One pass at block `block`: decides, sends, waits for the receipts. */
  async run(block: number): Promise<OrderOutcome[]> {
    const book = bookOf(this.chain);
    const { maxOrdersPerRound, readConcurrency } = this.chain.options;
    const ids = this.tracker.batch(maxOrdersPerRound, (id) => !this.executor.busyKey(orderKey(id)));
    if (ids.length === 0) return [];
    this.feeds.clear(); // read again each pass: governance may replace a market's feed
    this.prices.clear();
    for (const id of this.unprovable) if (!this.tracker.has(id)) this.unprovable.delete(id);
    for (const id of this.known.keys()) if (!this.tracker.has(id)) this.known.delete(id);
    this.positions.nextPass();
    this.positions.retain([...this.known.values()].map(({ order }) => order));
    const header = await this.chain.rpc(() => this.chain.provider.getBlock(block));
    if (!header) throw new Error(`block ${block} not found`);
    const now = BigInt(header.timestamp);
    const { minDelay } = await this.chain.rpc(() => book.params());
    const decisions = await mapLimit(ids, readConcurrency, async (orderId) => {
      try {
        return await this.decide(orderId, block, now, minDelay);
      } catch (err) {
        // A read that failed after its retries: this order is tried again next round, the others go on.
        this.chain.log("warn", "order_check_failed", { orderId, block, error: this.chain.describe(err) });
        return undefined;
      }
    });
    const cancels: OrderPlan[] = [];
    const settles: SettleOrderPlan[] = [];
    for (const d of decisions) {
      if (d?.action === "cancel") cancels.push(d.plan);
      else if (d?.action === "settle") settles.push(d.plan);
    }
    const outcomes = [
      ...((await this.executor.run(this.cancel, cancels)) as OrderOutcome[]),
      ...((await this.executor.run(this.settle, settles)) as OrderOutcome[]),
    ];
    // Ended by our receipt or by the winner's: gone, whatever the logs not scanned yet say.
    for (const o of outcomes)
      if (o.status === "succeeded" || o.status === "lost") this.tracker.remove(o.orderId);
    return outcomes;
  }

  /** What to send for one pending order at second `now`, if anything. */
  private async decide(
    orderId: bigint,
    block: number,
    now: bigint,
    minDelay: bigint,
  ): Promise<Decision | undefined> {
    const order = await this.pendingOrder(orderId);
    if (!order) {
      this.tracker.remove(orderId);
      this.unprovable.delete(orderId);
      this.chain.log("debug", "order_gone", { orderId, block });
      return undefined;
    }
    if (order.kind !== 0) this.tracker.markConditional(orderId);
    const fields = {
      kind: orderKindName(order.kind),
      marketId: order.marketId,
      sizeDelta: decimalWad(order.sizeDelta),
    };
    const state = orderState(order, minDelay, now);
    if (state === "expired" && order.kind === 0) {
      const plan = this.cancel.plan(orderId, order.accountId, block, { ...fields, deadline: order.deadline });
      return { action: "cancel", plan };
    }
    if (order.kind === STOP_LOSS || order.kind === TAKE_PROFIT) {
      // Anyone may cancel a stop-loss or take-profit whose position is gone or flipped (and earn its fee).
      const size = await this.positionSize(order, block);
      if (!reduces(size, order.sizeDelta)) {
        const plan = this.cancel.plan(orderId, order.accountId, block, {
          ...fields,
          positionSize: decimalWad(size),
          reason: "nothing to protect",
        });
        return { action: "cancel", plan };
      }
    }
    if (state !== "open") return undefined;
    const plan = await this.settlePlan(order, block, fields);
    return plan && { action: "settle", plan };
  }

  /**
   * The pending order behind an id: read from the chain once, then kept while the tracker's version of the id is
   * unchanged (an order's fields never change while it is pending; a settlement, a cancellation or a new commit of the
   * id comes with a log that changes its version). Undefined when the chain says it is gone.
   */
  private async pendingOrder(orderId: bigint): Promise<PendingOrder | undefined> {
    const version = this.tracker.version(orderId);
    const kept = this.known.get(orderId);
    if (kept && kept.version === version) return kept.order;
    const order = await this.chain.rpc(() => readPendingOrder(bookOf(this.chain), orderId));
    if (order) this.known.set(orderId, { version, order });
    else this.known.delete(orderId);
    return order;
  }

  /**
   * The size of the position a stop-loss or take-profit protects: kept from an earlier pass while no log since says
   * it changed (positionWatch.ts), else read.
   */
  private async positionSize(order: PendingOrder, block: number): Promise<bigint> {
    const kept = this.positions.size(order.accountId, order.marketId, block);
    if (kept !== undefined) return kept;
    const { size } = await this.chain.rpc(() =>
      this.chain.clearinghouse.position(order.accountId, order.marketId),
    );
    this.positions.keep(order.accountId, order.marketId, block, size);
    return size;
  }

  /** The settlement of an open order, if it can be settled now (its proof, checked by a preview). */
  private async settlePlan(
    order: PendingOrder,
    block: number,
    fields: Record<string, unknown>,
  ): Promise<SettleOrderPlan | undefined> {
    const { orderId } = order;
    const asset = await this.marketAsset(order.marketId);
    let proof = "0x";
    let decided: Record<string, unknown>;
    if (order.kind === 0) {
      const { feed } = await this.marketFeed(order.marketId, asset);
      const round = await this.chain.rpc(() => findSettlementRound(feed, order.committedAt));
      if (round.status === "waiting") return undefined;
      if (round.status === "unprovable") {
        if (!this.unprovable.has(orderId)) {
          this.unprovable.add(orderId);
          countOrder(this.chain, "skipped");
          this.chain.log("warn", "order_unprovable", { orderId, block, ...fields, reason: round.reason });
        }
        return undefined;
      }
      proof = roundProof(round.roundId);
      decided = { roundId: round.roundId, publishedAt: round.updatedAt };
    } else {
      let price: bigint;
      try {
        price = await this.marketPrice(order.marketId, asset);
      } catch (err) {
        this.chain.log("warn", "order_check_failed", {
          orderId,
          block,
          read: "price",
          error: this.chain.describe(err),
        });
        return undefined;
      }
      if (!order.trigger || !isTriggered(order.trigger, price)) return undefined;
      decided = { ...usdFields("price", price), ...usdFields("trigger", order.trigger.price) };
    }
    const book = bookOf(this.chain);
    try {
      const preview = await this.chain.rpc(() => book.previewOrderSettlement(orderId, proof));
      decided = { ...decided, filled: preview.filled, ...usdFields("settlementPrice", preview.price) };
    } catch (err) {
      const revert = this.chain.decode(err);
      const expected = revert !== undefined && SETTLE_ORDER_REVERTS.has(revert.name);
      this.chain.log(expected ? "debug" : "warn", expected ? "order_not_settleable" : "order_check_failed", {
        orderId,
        block,
        read: "previewOrderSettlement",
        error: this.chain.describe(err),
      });
      return undefined;
    }
    return this.settle.plan(orderId, order.accountId, proof, block, { ...fields, ...decided });
  }

  /** The market's oracle price (read once per market and pass; a failed read fails this pass's orders of it). */
  private marketPrice(marketId: bigint, asset: string): Promise<bigint> {
    let price = this.prices.get(marketId);
    if (!price) {
      price = this.chain.oracle().then((oracle) => this.chain.rpc(() => oracle.price(asset)));
      this.prices.set(marketId, price);
    }
    return price;
  }

  /** The market's oracle key: read once, as a listed market's asset never changes (ConfigLogic refuses it). */
  private marketAsset(marketId: bigint): Promise<string> {
    let asset = this.assets.get(marketId);
    if (!asset) {
      asset = this.chain
        .rpc(() => this.chain.clearinghouse.marketConfig(marketId))
        .then((config) => config.asset);
      asset.catch(() => this.assets.delete(marketId));
      this.assets.set(marketId, asset);
    }
    return asset;
  }

  /** The market's Chainlink feed, for market orders' settlement rounds (read once per market and pass). */
  private marketFeed(marketId: bigint, asset: string): Promise<MarketFeed> {
    let feed = this.feeds.get(marketId);
    if (!feed) {
      feed = (async () => {
        const oracle = await this.chain.oracle();
        const config = await this.chain.rpc(() => oracle.feedConfig(asset));
        return { asset, feed: AggregatorV3Interface__factory.connect(config.feed, this.chain.provider) };
      })();
      feed.catch(() => this.feeds.delete(marketId));
      this.feeds.set(marketId, feed);
    }
    return feed;
  }
}
