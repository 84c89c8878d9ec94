/**
 * The order pass (DESIGN §21): for the oldest `maxOrdersPerRound` pending orders the tracker knows (orders.ts) and
 * that have no transaction of ours in flight, reads each order and decides at the checked block's timestamp:
 *
 *   - gone (settled or cancelled): forgotten;
 *   - a market order past its deadline: `cancelOrder` (anyone may; the fee is ours);
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
import type { OrderOutcome } from "./types";

/** A market's oracle key and the feed its orders settle against. */
interface MarketFeed {
  asset: string;
  feed: RoundSource;
}

export class OrderPass {
  /** The feeds of this pass's markets. */
  private readonly feeds = new Map<bigint, Promise<MarketFeed>>();
  /** Orders already reported unprovable (one warning each). */
  private readonly unprovable = new Set<bigint>();

  constructor(
    private readonly chain: KeeperChain,
    private readonly executor: ActionExecutor,
    private readonly tracker: OrderTracker,
    private readonly settle: SettleOrderAction,
    private readonly cancel: CancelOrderAction,
  ) {}

  /** One pass at block `block`: decides, sends, waits for the receipts. */
  async run(block: number): Promise<OrderOutcome[]> {
    const book = bookOf(this.chain);
    const ids = this.tracker
      .ids()
      .filter((id) => !this.executor.busyKey(orderKey(id)))
      .slice(0, this.chain.options.maxOrdersPerRound);
    if (ids.length === 0) return [];
    this.feeds.clear(); // read again each pass: governance may replace a market's feed
    const header = await this.chain.rpc(() => this.chain.provider.getBlock(block));
    if (!header) throw new Error(`block ${block} not found`);
    const now = BigInt(header.timestamp);
    const { minDelay } = await this.chain.rpc(() => book.params());
    const cancels: OrderPlan[] = [];
    const settles: SettleOrderPlan[] = [];
    for (const orderId of ids) {
      const order = await this.chain.rpc(() => readPendingOrder(book, orderId));
      if (!order) {
        this.tracker.remove(orderId);
        this.unprovable.delete(orderId);
        this.chain.log("debug", "order_gone", { orderId, block });
        continue;
      }
      const state = orderState(order, minDelay, now);
      const fields = {
        kind: orderKindName(order.kind),
        marketId: order.marketId,
        sizeDelta: decimalWad(order.sizeDelta),
      };
      if (state === "expired" && order.kind === 0) {
        cancels.push(
          this.cancel.plan(orderId, order.accountId, block, { ...fields, deadline: order.deadline }),
        );
        continue;
      }
      if (state !== "open") continue;
      const plan = await this.settlePlan(order, block, fields);
      if (plan) settles.push(plan);
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

  /** The settlement of an open order, if it can be settled now (its proof, checked by a preview). */
  private async settlePlan(
    order: PendingOrder,
    block: number,
    fields: Record<string, unknown>,
  ): Promise<SettleOrderPlan | undefined> {
    const { orderId } = order;
    const { asset, feed } = await this.marketFeed(order.marketId);
    let proof = "0x";
    let decided: Record<string, unknown>;
    if (order.kind === 0) {
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
      const oracle = await this.chain.oracle();
      let price: bigint;
      try {
        price = await this.chain.rpc(() => oracle.price(asset));
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

  /** The market's asset and its Chainlink feed (read once per market and pass). */
  private marketFeed(marketId: bigint): Promise<MarketFeed> {
    let feed = this.feeds.get(marketId);
    if (!feed) {
      feed = (async () => {
        const { asset } = await this.chain.rpc(() => this.chain.clearinghouse.marketConfig(marketId));
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
