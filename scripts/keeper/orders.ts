/**
 * The pending orders a keeper knows of, built from the OrderBook's events (DESIGN §21): an `OrderCommitted` adds its
 * order id, an `OrderSettled` or `OrderCancelled` removes it. Conditional orders emit `OrderCommitted` too (with
 * `ConditionalOrderCommitted` beside it), so one topic covers every kind.
 *
 * An order id is reused by the next order of the same (account, market[, kind]) once the previous one is gone, so the
 * logs are read in order: a commit after a settlement adds the id back. Re-reading a range is harmless (the chain's
 * `order(id)` is the truth the order pass reads before acting; an id whose order is gone is dropped then).
 *
 * Bounded: past `maxPending` ids the oldest are dropped (logged by the caller). Saved with the keeper's checkpoint
 * (`state.ts`, oldest first), so a restarted keeper still knows the orders committed before it stopped.
 */
import { ethers } from "ethers";

/**
 * Topic 0 of `OrderBook.OrderCommitted(uint256 indexed orderId, uint256 indexed accountId, uint256 indexed marketId,
 * int256 sizeDelta, uint256 acceptablePrice, uint256 deadline, bool reduceOnly, uint256 fee, address sender)`.
 */
export const ORDER_COMMITTED_TOPIC = ethers.id(
  "OrderCommitted(uint256,uint256,uint256,int256,uint256,uint256,bool,uint256,address)",
);
/** Topic 0 of `OrderBook.OrderSettled(uint256 indexed orderId, uint256 indexed accountId, ..., address keeper)`. */
export const ORDER_SETTLED_TOPIC = ethers.id(
  "OrderSettled(uint256,uint256,uint256,int256,uint256,uint256,uint256,uint256,address)",
);
/** Topic 0 of `OrderBook.OrderCancelled(uint256 indexed orderId, ..., bytes reason, uint256 fee, address feeRecipient)`. */
export const ORDER_CANCELLED_TOPIC = ethers.id(
  "OrderCancelled(uint256,uint256,uint256,bytes,uint256,address)",
);

/** The OrderBook topics the tracker reads. */
export const ORDER_TOPICS: readonly string[] = [
  ORDER_COMMITTED_TOPIC,
  ORDER_SETTLED_TOPIC,
  ORDER_CANCELLED_TOPIC,
];

/** The minimum of a log the tracker reads (an ethers `Log` qualifies). */
export interface OrderLog {
  topics: readonly string[];
}

/** What one batch of logs changed. */
export interface OrderChanges {
  /** Ids committed (and still pending at the end of the batch), in log order. */
  added: bigint[];
  /** Ids settled or cancelled that were tracked. */
  removed: bigint[];
  /** Ids dropped to stay within the bound (oldest first). */
  dropped: bigint[];
}

export class OrderTracker {
  /** Insertion order is age: the first key is the oldest. */
  private readonly pending = new Set<bigint>();
  /** The pending ids known to be conditional orders (no deadline: they may wait a long time for their trigger). */
  private readonly conditional = new Set<bigint>();
  /** Where the next batch starts among the conditional orders. */
  private cursor = 0;
  /** Per tracked id, the tick of the last log that touched it (`version`). */
  private readonly versions = new Map<bigint, number>();
  /** Counts every log ingested: a version is never given twice, even to an id removed and committed again. */
  private ticks = 0;

  /**
   * @param initial Pending order ids already known (a checkpoint), oldest first.
   * @param maxPending Most ids kept; past it the oldest are dropped.
   */
  constructor(
    initial: Iterable<bigint> = [],
    private readonly maxPending = 10_000,
  ) {
    if (!Number.isInteger(maxPending) || maxPending < 1) {
      throw new Error(`maxPendingOrders must be a positive integer, got ${maxPending}`);
    }
    for (const id of initial) this.add(id);
  }

  get size(): number {
    return this.pending.size;
  }

  has(orderId: bigint): boolean {
    return this.pending.has(orderId);
  }

  /** Every pending order id, oldest first (the order pass's order, and the checkpoint's). */
  ids(): bigint[] {
    return [...this.pending];
  }

  /** Adds an id (a re-added id keeps its age); returns the ids dropped to stay within the bound. */
  add(orderId: bigint): bigint[] {
    this.pending.add(orderId);
    const dropped: bigint[] = [];
    for (const oldest of this.pending) {
      if (this.pending.size <= this.maxPending) break;
      this.pending.delete(oldest);
      this.versions.delete(oldest);
      dropped.push(oldest);
    }
    return dropped;
  }

  /** Forgets an id (settled, cancelled, or found gone on chain); returns whether it was tracked. */
  remove(orderId: bigint): boolean {
    this.conditional.delete(orderId);
    this.versions.delete(orderId);
    return this.pending.delete(orderId);
  }

  /**
   * The id's version: it changes with every commit, settlement or cancellation log of the id and with its removal (0
   * once untracked; a later commit gives a version never used before). An order's fields never change while it is
   * pending (OrderBook writes an order once and deletes it), and an id is reused only through a new commit, so an
   * order read at one version stays valid until the version changes (the order pass keeps what it read; the chain
   * still checks every settlement and cancellation).
   */
  version(orderId: bigint): number {
    return this.versions.get(orderId) ?? 0;
  }

  /** Records that a pending id is a conditional order (learnt when the order pass reads it). */
  markConditional(orderId: bigint): void {
    if (this.pending.has(orderId)) this.conditional.add(orderId);
  }

  /**
   * The ids one pass looks at, at most `max` of those `eligible`: market orders (and ids not read yet) first, oldest
   * first, since their settlement price ages by the second; then conditional orders in turn, from where the previous
   * batch stopped, so orders waiting for a far trigger never crowd out the others.
   */
  batch(max: number, eligible: (orderId: bigint) => boolean = () => true): bigint[] {
    const ids = this.ids().filter(eligible);
    const picked = ids.filter((id) => !this.conditional.has(id)).slice(0, max);
    const waiting = ids.filter((id) => this.conditional.has(id));
    const room = Math.min(max - picked.length, waiting.length);
    if (room <= 0) return picked;
    const start = this.cursor % waiting.length;
    for (let i = 0; i < room; i++) picked.push(waiting[(start + i) % waiting.length]);
    this.cursor = start + room;
    return picked;
  }

  /** Reads the OrderBook's logs in order; logs of other events are ignored. */
  ingest(logs: Iterable<OrderLog>): OrderChanges {
    const changes: OrderChanges = { added: [], removed: [], dropped: [] };
    for (const log of logs) {
      const [topic0, idTopic] = log.topics;
      if (topic0 === undefined || idTopic === undefined) continue;
      const orderId = BigInt(idTopic);
      const topic = topic0.toLowerCase();
      if (ORDER_TOPICS.includes(topic)) this.versions.set(orderId, ++this.ticks);
      if (topic === ORDER_COMMITTED_TOPIC) {
        if (!this.pending.has(orderId)) changes.added.push(orderId);
        changes.dropped.push(...this.add(orderId));
      } else if (topic === ORDER_SETTLED_TOPIC || topic === ORDER_CANCELLED_TOPIC) {
        if (this.remove(orderId)) changes.removed.push(orderId);
      }
    }
    changes.added = [...new Set(changes.added)].filter((id) => this.pending.has(id));
    return changes;
  }
}
