/**
 * The invariant model's orders (DESIGN §21): the OrderBook's pending orders per (account, market) for market orders
 * and per (account, market, kind) for conditional ones, each with its escrowed fee in the OrderBook's own Vault account,
 * and the predictions of committing, settling and cancelling them — from the model's own feed rounds, positions and
 * ledgers, never from the chain.
 */
import { AbiCoder, keccak256 } from "ethers";
import * as math from "../../shared/math";
import { priceToWad } from "../../shared/collateral";
import { accountIdOf, ownerOf } from "../../../scripts/common/accounts";
import { isTriggered, triggersAbove } from "../../../scripts/common/orders";
import { err } from "./types";
import type { ExpectedError, FeedModel, Outcome, RoundModel } from "./types";
import { AccountActions } from "./accounts";
import type { TradeOutcome } from "./accounts";

const UINT128_MAX = (1n << 128n) - 1n;
const UINT40_MAX = (1n << 40n) - 1n;
const coder = AbiCoder.defaultAbiCoder();

/** `OrderBook.orderIdOf` / `conditionalOrderIdOf` (kind 0: a market order). */
export function orderIdOf(accountId: bigint, marketId: number, kind = 0): bigint {
  return kind === 0
    ? BigInt(keccak256(coder.encode(["uint256", "uint256"], [accountId, marketId])))
    : BigInt(keccak256(coder.encode(["uint256", "uint256", "uint8"], [accountId, marketId, kind])));
}

/** A pending order as `IOrderBook.order` stores it, with its trigger (0 for a market order). */
export interface OrderModel {
  id: bigint;
  accountId: bigint;
  marketId: number;
  sizeDelta: bigint;
  acceptablePrice: bigint;
  committedAt: bigint;
  deadline: bigint;
  reduceOnly: boolean;
  fee: bigint;
  kind: number;
  trigger: bigint;
}

export interface OrderParamsModel {
  settlementFee: bigint;
  minDelay: bigint;
  maxLifetime: bigint;
  maxPriceAge: bigint;
}

/** What a settlement the model accepts does: the order's price, and the trade or the refusal's possible reasons. */
export interface SettlementModel {
  order: OrderModel;
  price: bigint;
  publishedAt: bigint;
  filled: boolean;
  trade: TradeOutcome | null;
  /** When not filled: the reasons the model allows (the trade's possible errors, or `OrderBookNotReduceOnly`). */
  reasons: ExpectedError[];
  keeperAccount: bigint;
}

/** What an accepted cancellation does: the fee to `feeTo` (the account itself for an owner's refund). */
export interface CancellationModel {
  order: OrderModel;
  feeTo: bigint;
  /** The `OrderCancelled` reason: empty for an owner's cancellation. */
  reason: ExpectedError | null;
}

/** `OrderBook._reduces`: a trade of `delta` reduces a position of `size` without flipping it. */
export const reduces = (size: bigint, delta: bigint) =>
  size !== 0n && size > 0n !== delta > 0n && (size > 0n ? size + delta >= 0n : size + delta <= 0n);

export abstract class OrderActions extends AccountActions {
  orders = new Map<bigint, OrderModel>();
  orderParams: OrderParamsModel = { settlementFee: 0n, minDelay: 0n, maxLifetime: 1n, maxPriceAge: 15n };
  /** The OrderBook's own Vault account (its subaccount 0): the escrowed fees. */
  escrowAccount = 0n;

  /** The pending orders, in a fixed order. */
  pendingOrders(): OrderModel[] {
    return [...this.orders.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Σ escrowed fees of the pending orders. */
  escrowedFees(): bigint {
    return [...this.orders.values()].reduce((x, o) => x + o.fee, 0n);
  }

  tryCommitOrder(
    accountId: bigint,
    marketId: number,
    delta: bigint,
    acceptablePrice: bigint,
    deadline: bigint,
    reduceOnly: boolean,
    t: bigint,
  ): Outcome<OrderModel> {
    if (delta === 0n) return { ok: false, errors: [err("OrderBookZeroSizeDelta")] };
    const p = this.orderParams;
    if (deadline < t + p.minDelay || deadline > t + p.maxLifetime) {
      return {
        ok: false,
        errors: [err("OrderBookInvalidDeadline", deadline, t + p.minDelay, t + p.maxLifetime)],
      };
    }
    return this.commit(accountId, marketId, delta, acceptablePrice, deadline, reduceOnly, 0, 0n, t);
  }

  tryCommitConditional(
    accountId: bigint,
    marketId: number,
    delta: bigint,
    acceptablePrice: bigint,
    trigger: bigint,
    kind: number,
    t: bigint,
  ): Outcome<OrderModel> {
    if (delta === 0n) return { ok: false, errors: [err("OrderBookZeroSizeDelta")] };
    if (kind === 0 || kind > 3 || trigger === 0n || trigger > UINT128_MAX)
      return { ok: false, errors: [err("OrderBookInvalidConditionalOrder", BigInt(kind), trigger)] };
    const size = this.position(accountId, marketId).size;
    if (kind !== 1 && !reduces(size, delta))
      return {
        ok: false,
        errors: [err("OrderBookNothingToProtect", accountId, BigInt(marketId), size, delta)],
      };
    return this.commit(accountId, marketId, delta, acceptablePrice, UINT40_MAX, kind !== 1, kind, trigger, t);
  }

  private commit(
    accountId: bigint,
    marketId: number,
    delta: bigint,
    acceptablePrice: bigint,
    deadline: bigint,
    reduceOnly: boolean,
    kind: number,
    trigger: bigint,
    t: bigint,
  ): Outcome<OrderModel> {
    const id = orderIdOf(accountId, marketId, kind);
    if (this.orders.has(id))
      return { ok: false, errors: [err("OrderBookOrderPending", id, accountId, BigInt(marketId))] };
    const fee = this.orderParams.settlementFee;
    const next = this.clone();
    const errors = next.transferMargin(accountId, this.escrowAccount, fee, t);
    if (errors.length) return { ok: false, errors };
    const order: OrderModel = {
      id,
      accountId,
      marketId,
      sizeDelta: delta,
      acceptablePrice: math.min(acceptablePrice, UINT128_MAX),
      committedAt: t,
      deadline,
      reduceOnly,
      fee,
      kind,
      trigger,
    };
    next.orders.set(id, order);
    return this.done(order, next, t);
  }

  /**
   * `Clearinghouse.transferMargin` applied to this model: the errors it reverts with (the paying account's balance,
   * then its health when it holds positions), empty when it went through.
   */
  protected transferMargin(from: bigint, to: bigint, amount: bigint, t: bigint): ExpectedError[] {
    if (amount === 0n) return [];
    const balance = this.balance(from);
    if (balance < amount) return [err("VaultInsufficientBalance", from, this.usdc, balance, amount)];
    // Vault.transferBetween: the balances only (a booked bad debt is not re-marked, unlike a deposit).
    this.balances.set(from, balance - amount);
    this.balances.set(to, this.balance(to) + amount);
    if (this.positionCount(from) === 0) return [];
    const oracle = this.assetErrors(this.accountAssets(from), t);
    if (oracle.length) return oracle;
    const st = this.state(from, t);
    return st.liquidatable
      ? [err("ClearinghouseAccountLiquidatable", from, st.equity, st.maintenanceMargin)]
      : [];
  }

  /** The round `round` of a feed as `getRoundData` returns it (zeros for one never published). */
  roundOf(f: FeedModel, round: bigint): RoundModel {
    return f.rounds.find((r) => r.round === round) ?? { round, answer: 0n, updatedAt: 0n };
  }

  /** The first round of the market's feed published after `t` (what a market order committed at `t` settles at). */
  firstRoundAfter(marketId: number, t: bigint): RoundModel | undefined {
    return this.feeds[marketId].rounds.find((r) => r.updatedAt > t);
  }

  /** The order's settlement price and its publication, or the error `_settlementPrice` reverts with. */
  private settlementPrice(
    o: OrderModel,
    round: bigint,
    t: bigint,
  ): { ok: true; price: bigint; publishedAt: bigint } | { ok: false; errors: ExpectedError[] } {
    const settleableAt = o.committedAt + this.orderParams.minDelay;
    if (t < settleableAt) return { ok: false, errors: [err("OrderBookTooEarly", o.id, settleableAt, t)] };
    if (t > o.deadline) return { ok: false, errors: [err("OrderBookOrderExpired", o.id, o.deadline, t)] };
    const f = this.feeds[o.marketId];
    let r: RoundModel;
    if (o.kind === 0) {
      r = this.roundOf(f, round);
      if (r.updatedAt <= o.committedAt)
        return {
          ok: false,
          errors: [err("OrderPriceRoundTooOld", f.asset, round, r.updatedAt, o.committedAt)],
        };
      const previous = this.roundOf(f, round - 1n).updatedAt;
      if (round <= 1n || previous === 0n)
        return { ok: false, errors: [err("OrderPriceNoPreviousRound", f.asset, round)] };
      if (previous > o.committedAt)
        return {
          ok: false,
          errors: [err("OrderPriceRoundNotFirst", f.asset, round, previous, o.committedAt)],
        };
    } else {
      r = { round: f.round, answer: f.answer, updatedAt: f.updatedAt };
      if (r.updatedAt <= o.committedAt)
        return {
          ok: false,
          errors: [err("OrderPriceNotPublishedAfter", f.asset, r.updatedAt, o.committedAt)],
        };
    }
    const oracle = this.answerErrors(f, r.answer, r.updatedAt, t);
    if (oracle.length) return { ok: false, errors: oracle };
    const maxAge = this.orderParams.maxPriceAge;
    if (t > r.updatedAt + maxAge)
      return { ok: false, errors: [err("OrderBookPriceTooOld", o.id, r.updatedAt, maxAge, t)] };
    const price = priceToWad(r.answer, f.decimals);
    if (o.kind !== 0) {
      const above = triggersAbove(o.kind, o.sizeDelta);
      if (!isTriggered({ price: o.trigger, above }, price))
        return { ok: false, errors: [err("OrderBookNotTriggered", o.id, price, o.trigger, above)] };
    }
    return { ok: true, price, publishedAt: r.updatedAt };
  }

  /**
   * `settleOrder(orderId, abi.encode(round))` by `keeper` at `t` (`round` is ignored for a conditional order): the
   * timing and price errors revert; past them the order is gone and the keeper's subaccount 0 is paid, whether the
   * trade fills at the order's price or is refused (its reason one of `reasons`).
   */
  trySettleOrder(id: bigint, round: bigint, keeper: string, t: bigint): Outcome<SettlementModel> {
    const o = this.orders.get(id);
    if (o === undefined) return { ok: false, errors: [err("OrderBookUnknownOrder", id)] };
    const sp = this.settlementPrice(o, round, t);
    if (!sp.ok) return sp;
    const keeperAccount = accountIdOf(keeper, 0n);
    const settled = { order: o, price: sp.price, publishedAt: sp.publishedAt, keeperAccount };
    const size = this.position(o.accountId, o.marketId).size;
    let next = this.clone();
    let value: SettlementModel;
    if (o.reduceOnly && !reduces(size, o.sizeDelta)) {
      const reason = err("OrderBookNotReduceOnly", o.accountId, BigInt(o.marketId), size, o.sizeDelta);
      value = { ...settled, filled: false, trade: null, reasons: [reason] };
    } else {
      const trade = this.tryTrade(o.accountId, o.marketId, o.sizeDelta, o.acceptablePrice, t, sp.price);
      if (trade.ok) {
        next = trade.next;
        value = { ...settled, filled: true, trade: trade.value, reasons: [] };
      } else value = { ...settled, filled: false, trade: null, reasons: trade.errors };
    }
    next.orders.delete(id);
    if (next.transferMargin(this.escrowAccount, keeperAccount, o.fee, t).length)
      throw new Error("the escrow could not pay a settlement fee");
    return this.done(value, next, t);
  }

  /** `cancelOrder(orderId)` by `caller` at `t`. */
  tryCancelOrder(id: bigint, caller: string, t: bigint): Outcome<CancellationModel> {
    const o = this.orders.get(id);
    if (o === undefined) return { ok: false, errors: [err("OrderBookUnknownOrder", id)] };
    let feeTo = accountIdOf(caller, 0n);
    let reason: ExpectedError | null = null;
    if (o.kind === 0) {
      if (t <= o.deadline) return { ok: false, errors: [err("OrderBookNotExpired", id, o.deadline, t)] };
      reason = err("OrderBookOrderExpired", id, o.deadline, t);
    } else if (BigInt(ownerOf(o.accountId)) === BigInt(caller)) {
      feeTo = o.accountId;
    } else {
      const size = this.position(o.accountId, o.marketId).size;
      if (o.kind === 1 || reduces(size, o.sizeDelta))
        return { ok: false, errors: [err("OrderBookNotCancellable", id, caller.toLowerCase())] };
      reason = err("OrderBookNothingToProtect", o.accountId, BigInt(o.marketId), size, o.sizeDelta);
    }
    const next = this.clone();
    next.orders.delete(id);
    if (next.transferMargin(this.escrowAccount, feeTo, o.fee, t).length)
      throw new Error("the escrow could not pay back a fee");
    return this.done({ order: o, feeTo, reason }, next, t);
  }
}
