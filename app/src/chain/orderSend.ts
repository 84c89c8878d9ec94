/**
 * The transaction each order type of the Trade page sends (DESIGN §21): an immediate market trade
 * (`Clearinghouse.trade`), a two-step market order (`OrderBook.commitOrder`, its deadline halfway through the allowed
 * lifetime), or a conditional order (`commitConditionalOrder`: limit 1, stop-loss 2, take-profit 3). The acceptable
 * price is the previewed fill (a conditional order: its trigger) moved by the slippage against the trader. Throws a
 * one-line message for a bad slippage or trigger before anything is sent.
 */
import type { ContractTransactionResponse, JsonRpcSigner } from "ethers";
import type { Keel } from "./keel";
import { acceptablePrice } from "../lib/markets";
import { slippageOf, triggerOf } from "../lib/tradeInput";

export const ORDER_TYPES = ["market", "two-step", "limit", "stop-loss", "take-profit"] as const;
export type OrderType = (typeof ORDER_TYPES)[number];
/** `IOrderBook.Order.kind` of each type (0: a market order). */
export const ORDER_KIND: Record<OrderType, number> = {
  market: 0,
  "two-step": 0,
  limit: 1,
  "stop-loss": 2,
  "take-profit": 3,
};

export interface OrderInput {
  type: OrderType;
  accountId: bigint;
  subaccount: bigint;
  marketId: bigint;
  sizeDelta: bigint;
  fillPrice: bigint;
  slippage: string;
  trigger: string;
  /** The latest block's timestamp (a two-step order's deadline counts from it). */
  now: bigint;
}

export function orderSender(
  keel: Keel,
  o: OrderInput,
): (signer: JsonRpcSigner) => Promise<ContractTransactionResponse> {
  const slip = slippageOf(o.slippage);
  if (o.type === "market") {
    const limit = acceptablePrice(o.fillPrice, o.sizeDelta, slip);
    return (s) => keel.clearinghouse.connect(s).trade(o.subaccount, o.marketId, o.sizeDelta, limit);
  }
  if (o.type === "two-step") {
    const limit = acceptablePrice(o.fillPrice, o.sizeDelta, slip);
    const deadline = o.now + (keel.orderParams.minDelay + keel.orderParams.maxLifetime) / 2n;
    return (s) =>
      keel.orderBook.connect(s).commitOrder(o.accountId, o.marketId, o.sizeDelta, limit, deadline, false);
  }
  const price = triggerOf(o.trigger);
  const limit = acceptablePrice(price, o.sizeDelta, slip);
  const kind = ORDER_KIND[o.type];
  return (s) =>
    keel.orderBook
      .connect(s)
      .commitConditionalOrder(o.accountId, o.marketId, o.sizeDelta, limit, price, kind);
}
