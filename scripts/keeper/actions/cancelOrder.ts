/**
 * `OrderBook.cancelOrder(orderId)` on a market order past its deadline (DESIGN §21): anyone may, and earns the fee.
 * Expected reverts (never errors): the order is gone (`OrderBookUnknownOrder`: settled or cancelled by someone else,
 * `lost`), not expired yet (`OrderBookNotExpired`) or not ours to cancel (`OrderBookNotCancellable`): `skipped`.
 */
import { actionEvents } from "../action";
import type { KeeperAction } from "../action";
import type { LogFields } from "../log";
import type { SendOverrides } from "../sender";
import type { OrderPlan } from "./orderShared";
import { ORDER_GONE, OrderActionBase, bookOf, orderPlan } from "./orderShared";

/** Reverts of `cancelOrder` that mean "not now" or "someone else did it". */
export const CANCEL_ORDER_REVERTS: ReadonlySet<string> = new Set([
  ORDER_GONE,
  "OrderBookNotExpired",
  "OrderBookNotCancellable",
]);

export class CancelOrderAction extends OrderActionBase<OrderPlan> implements KeeperAction<OrderPlan> {
  readonly kind = "cancelOrder" as const;
  readonly events = actionEvents("order_cancel");
  readonly expectedReverts = CANCEL_ORDER_REVERTS;

  /** The plan for a pending order found expired at `checkedAt` (`fields`: what was decided). */
  plan(orderId: bigint, accountId: bigint, checkedAt: number, fields: LogFields): OrderPlan {
    return orderPlan(orderId, accountId, checkedAt, fields);
  }

  estimate(plan: OrderPlan): Promise<bigint> {
    return bookOf(this.chain).cancelOrder.estimateGas(plan.orderId);
  }

  send(plan: OrderPlan, overrides: SendOverrides) {
    return bookOf(this.chain).cancelOrder(plan.orderId, overrides);
  }

  replay(plan: OrderPlan, blockTag: number): Promise<unknown> {
    return bookOf(this.chain).cancelOrder.staticCall(plan.orderId, { blockTag });
  }
}
