/**
 * `OrderBook.settleOrder(orderId, proof)` (DESIGN §21): settles a pending order, by anyone, earning its fee. A market
 * order settles at the first oracle round published after its commit (`proof`: that round, found by the order pass,
 * which the contract checks: the keeper cannot choose the price); a conditional order at the latest price, once it
 * crosses the trigger (`proof` empty). A refused trade cancels the order, the fee still ours.
 *
 * Expected reverts (never errors): the order is gone (`OrderBookUnknownOrder`: another keeper, or its owner, was
 * first: `lost`), not yet or no longer settleable (too early, expired, not triggered, price too old or not yet
 * published after the commit): `skipped`.
 */
import { actionEvents } from "../action";
import type { KeeperAction } from "../action";
import type { LogFields } from "../log";
import type { SendOverrides } from "../sender";
import type { OrderPlan } from "./orderShared";
import { ORDER_GONE, OrderActionBase, bookOf, orderPlan } from "./orderShared";

export interface SettleOrderPlan extends OrderPlan {
  /** `abi.encode(uint80 roundId)` of a market order's settlement round; `0x` for a conditional order. */
  proof: string;
}

/** Reverts of `settleOrder` that mean "not now" or "someone else did it". */
export const SETTLE_ORDER_REVERTS: ReadonlySet<string> = new Set([
  ORDER_GONE,
  "OrderBookTooEarly",
  "OrderBookOrderExpired",
  "OrderBookNotTriggered",
  "OrderBookPriceTooOld",
  "OrderPriceNotPublishedAfter",
]);

export class SettleOrderAction
  extends OrderActionBase<SettleOrderPlan>
  implements KeeperAction<SettleOrderPlan>
{
  readonly kind = "settleOrder" as const;
  readonly events = actionEvents("order_settle");
  readonly expectedReverts = SETTLE_ORDER_REVERTS;

  /** The plan for a pending order found settleable at `checkedAt` with `proof` (`fields`: what was decided). */
  plan(
    orderId: bigint,
    accountId: bigint,
    proof: string,
    checkedAt: number,
    fields: LogFields,
  ): SettleOrderPlan {
    return { ...orderPlan(orderId, accountId, checkedAt, fields), proof };
  }

  estimate(plan: SettleOrderPlan): Promise<bigint> {
    return bookOf(this.chain).settleOrder.estimateGas(plan.orderId, plan.proof);
  }

  send(plan: SettleOrderPlan, overrides: SendOverrides) {
    return bookOf(this.chain).settleOrder(plan.orderId, plan.proof, overrides);
  }

  replay(plan: SettleOrderPlan, blockTag: number): Promise<unknown> {
    return bookOf(this.chain).settleOrder.staticCall(plan.orderId, plan.proof, { blockTag });
  }
}
