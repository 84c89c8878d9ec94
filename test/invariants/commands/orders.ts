/**
 * The order commands (DESIGN §21): committing market and conditional orders, cancelling them, turning a market's
 * immediate trades off and on, and the close-out's cancellation of every pending order. Settlement is in ./settle.ts.
 * Each is held to the model's prediction (../model/orders.ts) and to the events it must emit.
 */
import type { Log } from "ethers";
import * as math from "../../shared/math";
import { SYMBOLS, WAD, reduces } from "../model";
import type { ExpectedError, InvariantModel, Outcome, OrderModel } from "../model";
import { accountIdOf, eventsFrom, expectOneOf, decodeError } from "../system";
import type { Suite } from "../system";
import { ownerOf } from "../../../scripts/common/accounts";
import { triggersAbove } from "../../../scripts/common/orders";
import {
  KeelCommand,
  MAX_UINT,
  act,
  expectEvent,
  fail,
  freeCollateral,
  openPositions,
  sign,
  trader,
} from "./core";
import type { Box, Post } from "./core";

/** `market`, `limit`, `stop-loss`, `take-profit`: the labels' order kinds. */
export const KIND_LABELS = ["market", "limit", "stopLoss", "takeProfit"];

/** A sized increase: up to ~9.5× the free collateral, in the position's direction (or `long`'s when flat). */
export function increaseSize(m: InvariantModel, id: bigint, market: number, permille: number, long: boolean) {
  const size = m.position(id, market).size;
  const dir = size !== 0n ? sign(size) : long ? 1n : -1n;
  const free = math.max(freeCollateral(m, id, m.now + 1n, 1_000n * WAD), 50n * WAD);
  return (dir * ((free * 95n * BigInt(permille)) / 10_000n) * WAD) / m.markets[market].price;
}

/** The part of a position `permille` closes (at least one wei of size, never a flip). */
export const reduceSize = (size: bigint, permille: number) => {
  const d = (-size * BigInt(permille)) / 1_000n;
  return d === 0n ? -sign(size) : d;
};

/** The `OrderCancelled` reason of an expected error: its ABI encoding (`0x` for none). */
export const reasonBytes = (s: Suite, e: ExpectedError | null) =>
  e === null ? "0x" : s.errors.encodeErrorResult(e.name, e.args);

/** Checks an `OrderCancelled` event: its reason one of `reasons` (or exactly empty when `reasons` is null). */
export function expectCancelled(
  s: Suite,
  logs: Log[],
  o: OrderModel,
  reasons: ExpectedError[] | null,
  feeRecipient: string,
  label: string,
): string {
  const found = eventsFrom(s, logs, s.address.orderBook, "OrderCancelled");
  if (found.length !== 1) fail(`${label}: ${found.length} OrderCancelled events`);
  const [id, accountId, marketId, reason, fee, recipient] = found[0].args as [
    bigint,
    bigint,
    bigint,
    string,
    bigint,
    string,
  ];
  if (id !== o.id || accountId !== o.accountId || marketId !== BigInt(o.marketId) || fee !== o.fee)
    fail(`${label}: OrderCancelled(${id}, ${accountId}, ${marketId}, …, ${fee}) is not the order's`);
  if (recipient.toLowerCase() !== feeRecipient.toLowerCase())
    fail(`${label}: the fee went to ${recipient}, the model says ${feeRecipient}`);
  if (reasons === null) {
    if (reason !== "0x") fail(`${label}: an owner's cancellation carries the reason ${reason}`);
  } else expectOneOf(decodeError(s, reason), reasons, `${label} (OrderCancelled reason)`);
  return reason;
}

export class CommitOrderCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly market: number,
    readonly permille: number,
    readonly long: boolean,
    /** Reduce-only: a part of the open position (or, when flat, an increase the settlement must refuse). */
    readonly reduceOnly: boolean,
    /** ‰ of the way from `now + minDelay` to `now + maxLifetime`; above 1000: one second outside (refused). */
    readonly deadline: number,
    /** 0: no price limit; otherwise a limit this many ‰ worse than the current price (tight ones refuse at fill). */
    readonly slippage: number,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, BigInt(this.sub));
    const size = m.position(id, this.market).size;
    const delta =
      this.reduceOnly && size !== 0n
        ? reduceSize(size, this.permille)
        : increaseSize(m, id, this.market, this.permille, this.long);
    const p = m.orderParams;
    const deadline =
      this.deadline <= 1_000
        ? t + p.minDelay + ((p.maxLifetime - p.minDelay) * BigInt(this.deadline)) / 1_000n
        : this.deadline % 2 === 0
          ? t + p.maxLifetime + 1n
          : t + p.minDelay - 1n;
    const price = m.markets[this.market].price;
    const acceptable =
      this.slippage === 0
        ? delta > 0n
          ? MAX_UINT
          : 0n
        : (price * (1_000n + (delta > 0n ? 1n : -1n) * BigInt(this.slippage))) / 1_000n;
    const outcome = m.tryCommitOrder(id, this.market, delta, acceptable, deadline, this.reduceOnly, t);
    const data = s.orderBook.interface.encodeFunctionData("commitOrder", [
      id,
      this.market,
      delta,
      acceptable,
      deadline,
      this.reduceOnly,
    ]);
    const done = await act(b, s, "order.commit.market", outcome, who.address, s.address.orderBook, data, t);
    if (done !== null) expectCommitted(s, done.logs, done.value, who.address, "order.commit.market");
  }

  toString() {
    return `commitOrder(trader ${this.trader}/${this.sub}, ${SYMBOLS[this.market]}, ${this.permille}‰${this.reduceOnly ? ", reduce-only" : `, ${this.long ? "long" : "short"} if flat`}, deadline ${this.deadline}‰, slippage ${this.slippage}‰)`;
  }
}

function expectCommitted(s: Suite, logs: Log[], o: OrderModel, sender: string, label: string) {
  const args = [o.id, o.accountId, BigInt(o.marketId), o.sizeDelta, o.acceptablePrice, o.deadline];
  expectEvent(s, logs, s.address.orderBook, "OrderCommitted", [...args, o.reduceOnly, o.fee, sender], label);
  if (o.kind !== 0) {
    const above = triggersAbove(o.kind, o.sizeDelta);
    const event = [o.id, BigInt(o.kind), o.trigger, above];
    expectEvent(s, logs, s.address.orderBook, "ConditionalOrderCommitted", event, label);
  }
}

export class CommitConditionalCommand extends KeelCommand {
  constructor(
    /** 1 limit, 2 stop-loss, 3 take-profit. */
    readonly kind: number,
    readonly trader: number,
    readonly sub: number,
    readonly market: number,
    /** A stop-loss or take-profit protects open position #pick (when there is one). */
    readonly pick: number,
    readonly permille: number,
    readonly long: boolean,
    /** The trigger, this many ‰ from the current price on the side it waits for (0: triggered now); -1: zero. */
    readonly offset: number,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const open = openPositions(b);
    const target =
      this.kind !== 1 && open.length > 0
        ? open[this.pick % open.length]
        : { trader: this.trader, sub: this.sub, market: this.market };
    const who = trader(s, target.trader);
    const id = accountIdOf(who.address, BigInt(target.sub));
    const size = m.position(id, target.market).size;
    const delta =
      this.kind !== 1 && size !== 0n
        ? reduceSize(size, this.permille)
        : increaseSize(m, id, target.market, this.permille, this.long);
    const price = m.markets[target.market].price;
    const above = triggersAbove(this.kind, delta);
    const trigger =
      this.offset < 0 ? 0n : (price * (1_000n + (above ? 1n : -1n) * BigInt(this.offset))) / 1_000n;
    const acceptable = delta > 0n ? MAX_UINT : 0n;
    const outcome = m.tryCommitConditional(id, target.market, delta, acceptable, trigger, this.kind, t);
    const data = s.orderBook.interface.encodeFunctionData("commitConditionalOrder", [
      id,
      target.market,
      delta,
      acceptable,
      trigger,
      this.kind,
    ]);
    const label = `order.commit.${KIND_LABELS[this.kind]}`;
    const done = await act(b, s, label, outcome, who.address, s.address.orderBook, data, t);
    if (done !== null) expectCommitted(s, done.logs, done.value, who.address, label);
  }

  toString() {
    const what =
      this.kind === 1 ? `trader ${this.trader}/${this.sub}, ${SYMBOLS[this.market]}` : `#${this.pick}`;
    return `commit${KIND_LABELS[this.kind]}(${what}, ${this.permille}‰, ${this.long ? "long" : "short"} if flat, trigger ${this.offset}‰)`;
  }
}

/** The pending order #pick (the model's fixed order). */
export const pickOrder = (m: InvariantModel, pick: number) => {
  const pending = m.pendingOrders();
  return pending[pick % pending.length];
};

export class CancelOrderCommand extends KeelCommand {
  constructor(
    readonly pick: number,
    /** The order's owner cancels (else the keeper). */
    readonly byOwner: boolean,
    /** For a market order: at its deadline + 1 s (else now, too early unless it expired). */
    readonly expire: boolean,
  ) {
    super();
  }

  check(b: Readonly<Box>): boolean {
    return b.m.orders.size > 0;
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    // The keeper goes for a stop-loss or take-profit whose position is gone or flipped, when there is one.
    const orphans = b.m
      .pendingOrders()
      .filter((o) => o.kind > 1 && !reduces(b.m.position(o.accountId, o.marketId).size, o.sizeDelta));
    const o =
      !this.byOwner && orphans.length ? orphans[this.pick % orphans.length] : pickOrder(b.m, this.pick);
    const caller = this.byOwner ? ownerOf(o.accountId) : s.actors.keeper.address;
    const t = this.expire && o.kind === 0 ? math.max(b.m.now + 1n, o.deadline + 1n) : b.m.now + 1n;
    const label = `order.cancel.${KIND_LABELS[o.kind]}.${this.byOwner ? "owner" : "keeper"}`;
    await cancel(b, s, o, caller, t, label, act);
  }

  toString() {
    return `cancelOrder(#${this.pick}, by the ${this.byOwner ? "owner" : "keeper"}${this.expire ? ", after its deadline" : ""})`;
  }
}

type Sender = <T>(
  b: Box,
  s: Suite,
  label: string,
  outcome: Outcome<T>,
  from: string,
  to: string,
  data: string,
  t: bigint,
) => Promise<{ value: T; logs: Log[] } | null>;

async function cancel(
  b: Box,
  s: Suite,
  o: OrderModel,
  caller: string,
  t: bigint,
  label: string,
  send: Sender,
) {
  const outcome = b.m.tryCancelOrder(o.id, caller, t);
  const data = s.orderBook.interface.encodeFunctionData("cancelOrder", [o.id]);
  const done = await send(b, s, label, outcome, caller, s.address.orderBook, data, t);
  if (done === null) return;
  const { feeTo, reason } = done.value;
  const got = expectCancelled(s, done.logs, o, reason === null ? null : [reason], ownerOf(feeTo), label);
  if (got !== reasonBytes(s, reason)) fail(`${label}: reason ${got} is not the model's exact encoding`);
}

/** `setImmediateTrades` on BTC (the risk admin): while off, `trade` there is refused and orders are the only way. */
export class SetImmediateTradesCommand extends KeelCommand {
  constructor(readonly enabled: boolean) {
    super();
  }

  check(b: Readonly<Box>): boolean {
    return b.m.immediateTrades[1] !== this.enabled;
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const data = s.clearinghouse.interface.encodeFunctionData("setImmediateTrades", [1, this.enabled]);
    const outcome = b.m.trySetImmediateTrades(1, this.enabled, t);
    const label = `immediateTrades.${this.enabled ? "on" : "off"}`;
    await act(b, s, label, outcome, s.actors.admin.address, s.address.clearinghouse, data, t);
  }

  toString() {
    return `setImmediateTrades(BTC, ${this.enabled ? "on" : "off"})`;
  }
}

/**
 * The close-out's first step: every pending order cancelled (market orders by the keeper past their deadline,
 * conditional ones by their owner, refunded) so the escrow is empty, and immediate trades back on everywhere.
 */
export async function closeOrders(b: Box, s: Suite, send: Sender) {
  for (const o of b.m.pendingOrders()) {
    const caller = o.kind === 0 ? s.actors.keeper.address : ownerOf(o.accountId);
    const t = o.kind === 0 ? math.max(b.m.now + 1n, o.deadline + 1n) : b.m.now + 1n;
    await cancel(b, s, o, caller, t, `cancelOrder.${KIND_LABELS[o.kind]}`, send);
  }
  if (b.m.escrowedFees() !== 0n || b.m.balance(b.m.escrowAccount) !== 0n)
    fail("close-out: the OrderBook's escrow is not empty once every order is cancelled");
  for (const [marketId, on] of b.m.immediateTrades.entries()) {
    if (on) continue;
    const t = b.m.now + 1n;
    const data = s.clearinghouse.interface.encodeFunctionData("setImmediateTrades", [marketId, true]);
    const outcome = b.m.trySetImmediateTrades(marketId, true, t);
    await send(b, s, "immediateTrades.on", outcome, s.actors.admin.address, s.address.clearinghouse, data, t);
  }
}
