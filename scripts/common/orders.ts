/**
 * Orders (DESIGN §21) as the tools see them: the kinds by name, a pending order as plain data, what can be done with it
 * at a given second, and the settlement proof of a push feed — the first round published after the commit, found by
 * walking back from the latest round. Shared by the keeper's order actions, the order tasks and the simulation.
 */
import { ethers } from "ethers";

/** `IOrderBook.Order.kind`: 0 a market order, 1 limit, 2 stop-loss, 3 take-profit. */
export const ORDER_KINDS = ["market", "limit", "stop-loss", "take-profit"] as const;
export type OrderKindName = (typeof ORDER_KINDS)[number];

/** The name of an order kind (`kind 7` for an unknown one). */
export const orderKindName = (kind: bigint | number): string => ORDER_KINDS[Number(kind)] ?? `kind ${kind}`;

/** The kind number of a name (`limit` → 1); throws a one-line message listing the names otherwise. */
export function parseOrderKind(name: string): number {
  const kind = (ORDER_KINDS as readonly string[]).indexOf(name.trim().toLowerCase());
  if (kind < 0) throw new Error(`unknown order kind "${name}" (one of ${ORDER_KINDS.join(", ")})`);
  return kind;
}

/** A pending order, as `IOrderBook.order(orderId)` returns it (plain bigints). */
export interface PendingOrder {
  orderId: bigint;
  accountId: bigint;
  marketId: bigint;
  sizeDelta: bigint;
  /** WAD; `2^128 - 1` is "no limit" for a buy. */
  acceptablePrice: bigint;
  committedAt: bigint;
  deadline: bigint;
  reduceOnly: boolean;
  /** Settlement-token units. */
  fee: bigint;
  kind: number;
  /** A conditional order's trigger (WAD) and direction; undefined for a market order. */
  trigger?: { price: bigint; above: boolean };
}

/** The struct fields `IOrderBook.order` returns. */
export interface OrderStruct {
  accountId: bigint;
  sizeDelta: bigint;
  acceptablePrice: bigint;
  committedAt: bigint;
  deadline: bigint;
  marketId: bigint;
  reduceOnly: boolean;
  fee: bigint;
  kind: bigint;
}

/** The read side of the OrderBook this module needs (a typechain `OrderBook` fits). */
export interface OrderBookReader {
  order(orderId: bigint): Promise<OrderStruct>;
  triggerOf(orderId: bigint): Promise<bigint>;
}

/** The pending order `orderId`, or undefined when there is none (settled, cancelled or never committed). */
export async function readPendingOrder(
  book: OrderBookReader,
  orderId: bigint,
): Promise<PendingOrder | undefined> {
  const o = await book.order(orderId);
  if (o.committedAt === 0n) return undefined;
  const kind = Number(o.kind);
  const order: PendingOrder = {
    orderId,
    accountId: o.accountId,
    marketId: o.marketId,
    sizeDelta: o.sizeDelta,
    acceptablePrice: o.acceptablePrice,
    committedAt: o.committedAt,
    deadline: o.deadline,
    reduceOnly: o.reduceOnly,
    fee: o.fee,
    kind,
  };
  if (kind !== 0)
    order.trigger = { price: await book.triggerOf(orderId), above: triggersAbove(kind, o.sizeDelta) };
  return order;
}

/**
 * The direction of a conditional order's trigger (OrderBook._triggerAbove, DESIGN §21): a limit order buys at or below
 * its trigger and sells at or above it; a stop-loss closes a long (sells) at or below, a short (buys) at or above; a
 * take-profit the opposite.
 */
export function triggersAbove(kind: number, sizeDelta: bigint): boolean {
  const buy = sizeDelta > 0n;
  if (kind === 1) return !buy;
  if (kind === 2) return buy;
  return !buy;
}

/** Whether `price` (WAD) crosses a conditional order's trigger. */
export const isTriggered = (trigger: { price: bigint; above: boolean }, price: bigint): boolean =>
  trigger.above ? price >= trigger.price : price <= trigger.price;

/** `abi.encode(uint80 roundId)`: the proof of a push-feed round (IOrderPriceSource.settlementPrice). */
export const roundProof = (roundId: bigint): string =>
  ethers.AbiCoder.defaultAbiCoder().encode(["uint80"], [roundId]);

/** The read side of a Chainlink aggregator (or its proxy) this module needs. */
export interface RoundSource {
  latestRoundData(): Promise<{ roundId: bigint; updatedAt: bigint }>;
  getRoundData(roundId: bigint): Promise<{ updatedAt: bigint }>;
}

/** The settlement round of an order, or why there is none (yet). */
export type SettlementRound =
  | { status: "found"; roundId: bigint; updatedAt: bigint }
  /** No round was published after the commit yet: wait. */
  | { status: "waiting"; latestUpdatedAt: bigint }
  /** The first round after the commit cannot be proven (first of its phase, or more than `maxSteps` back). */
  | { status: "unprovable"; reason: string };

const AGGREGATOR_ROUND_MASK = (1n << 64n) - 1n;

/**
 * The first round of `feed` published after `committedAt` (`updatedAt > committedAt`, its previous round's `<=`), the
 * one `settlementPrice` accepts: found by walking back from the latest round, at most `maxSteps` rounds. A previous
 * round that reads as zeros, or whose `getRoundData` reverts (as real Chainlink aggregators do for a round they do
 * not have), makes the round unprovable; a transport failure is thrown.
 */
export async function findSettlementRound(
  feed: RoundSource,
  committedAt: bigint,
  maxSteps = 64,
): Promise<SettlementRound> {
  const latest = await feed.latestRoundData();
  if (latest.updatedAt <= committedAt) return { status: "waiting", latestUpdatedAt: latest.updatedAt };
  let roundId = latest.roundId;
  let updatedAt = latest.updatedAt;
  for (let step = 0; step < maxSteps; step++) {
    if ((roundId & AGGREGATOR_ROUND_MASK) <= 1n) {
      return { status: "unprovable", reason: `round ${roundId} is the first of its phase` };
    }
    let previous: { updatedAt: bigint };
    try {
      previous = await feed.getRoundData(roundId - 1n);
    } catch (err) {
      // Real aggregators revert for a round they do not have (a mock returns zeros); anything else is not ours.
      if (!isCallException(err)) throw err;
      return { status: "unprovable", reason: `round ${roundId - 1n} does not exist (getRoundData reverted)` };
    }
    if (previous.updatedAt === 0n) {
      return { status: "unprovable", reason: `round ${roundId - 1n} does not exist` };
    }
    if (previous.updatedAt <= committedAt) return { status: "found", roundId, updatedAt };
    roundId -= 1n;
    updatedAt = previous.updatedAt;
  }
  return { status: "unprovable", reason: `more than ${maxSteps} rounds were published since the commit` };
}

/** Whether `err` is a call that reverted (ethers' `CALL_EXCEPTION`), not a transport failure. */
const isCallException = (err: unknown): boolean =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "CALL_EXCEPTION";

/** What can be done with a pending order at second `now` (block timestamp). */
export type OrderState =
  /** Before `committedAt + minDelay`. */
  | "too-early"
  /** Settleable (a market order, given its round; a conditional order, given a triggering price). */
  | "open"
  /** Past its deadline: anyone may cancel it and earn the fee. */
  | "expired";

export function orderState(order: PendingOrder, minDelay: bigint, now: bigint): OrderState {
  if (now > order.deadline) return "expired";
  if (now < order.committedAt + minDelay) return "too-early";
  return "open";
}
