/**
 * `OrderBook.cancelOrder(orderId)` on a market order past its deadline (DESIGN §21): anyone may, and earns the fee.
 * Expected reverts (never errors): the order is gone (`OrderBookUnknownOrder`: settled or cancelled by someone else,
 * `lost`), not expired yet (`OrderBookNotExpired`) or not ours to cancel (`OrderBookNotCancellable`): `skipped`.
 */
import type { TransactionReceipt } from "ethers";
import { actionEvents } from "../action";
import type { ActionResult, KeeperAction, ParsedReceipt, Winner } from "../action";
import type { KeeperChain } from "../chain";
import type { DecodedRevert } from "../../common/errors";
import type { LogFields } from "../log";
import type { SendOverrides } from "../sender";
import type { OrderPlan } from "./orderShared";
import {
  ORDER_GONE,
  bookOf,
  countOrder,
  describeOrderSkip,
  findOrderEnd,
  orderPlan,
  readOrderReceipt,
} from "./orderShared";

/** Reverts of `cancelOrder` that mean "not now" or "someone else did it". */
export const CANCEL_ORDER_REVERTS: ReadonlySet<string> = new Set([
  ORDER_GONE,
  "OrderBookNotExpired",
  "OrderBookNotCancellable",
]);

export class CancelOrderAction implements KeeperAction<OrderPlan> {
  readonly kind = "cancelOrder" as const;
  readonly events = actionEvents("order_cancel");
  readonly expectedReverts = CANCEL_ORDER_REVERTS;

  constructor(private readonly chain: KeeperChain) {}

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

  findWinner(
    _accountId: bigint,
    fromBlock: number,
    toBlock: number,
    plan: OrderPlan,
  ): Promise<Winner | undefined> {
    return findOrderEnd(this.chain, plan.orderId, fromBlock, toBlock);
  }

  async parse(plan: OrderPlan, receipt: TransactionReceipt): Promise<ParsedReceipt> {
    const { outcome, fields } = await readOrderReceipt(this.chain, this.kind, plan, receipt);
    return { outcome, level: "info", fields };
  }

  count(result: ActionResult): void {
    countOrder(this.chain, result);
  }

  describeSkip(revert: DecodedRevert, byUs: Winner | undefined) {
    return describeOrderSkip(revert, byUs);
  }
}
