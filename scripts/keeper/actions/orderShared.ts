/**
 * What the two order actions (`settleOrder.ts`, `cancelOrder.ts`) share: the plan (keyed by order id, so an account's
 * orders and its own liquidation never block each other), who settled or cancelled an order first, what our receipt
 * says (the OrderBook's `OrderSettled` / `OrderCancelled`, the fee ours either way) and the counters.
 */
import { ethers } from "ethers";
import type { TransactionReceipt } from "ethers";
import type { OrderBook } from "../../../typechain-types";
import type { ActionPlan, ActionResult, ParsedReceipt, Winner } from "../action";
import type { KeeperChain } from "../chain";
import type { DecodedRevert } from "../../common/errors";
import { decodeRevertData, formatRevert } from "../../common/errors";
import { amountFields, decimalWad, usdFields } from "../../common/format";
import type { LogFields } from "../log";
import type { OrderActionKind, OrderOutcome } from "../types";
import { ORDER_CANCELLED_TOPIC, ORDER_SETTLED_TOPIC } from "../orders";

/** A transaction for one pending order (the plan's `accountId` is the order's account, for the log lines). */
export interface OrderPlan extends ActionPlan {
  orderId: bigint;
  key: string;
  subject: { orderId: bigint };
}

/** The in-flight key of an order's transactions. */
export const orderKey = (orderId: bigint): string => `order:${orderId}`;

/** The plan fields every order action sets. */
export const orderPlan = (
  orderId: bigint,
  accountId: bigint,
  checkedAt: number,
  fields: LogFields = {},
): OrderPlan => ({
  orderId,
  accountId,
  checkedAt,
  key: orderKey(orderId),
  subject: { orderId },
  fields,
  context: { kind: fields.kind },
});

/** The OrderBook, which an order pass only runs with. */
export function bookOf(chain: KeeperChain): OrderBook {
  if (!chain.orderBook) throw new Error("the keeper has no OrderBook (pass orderBook to the Keeper)");
  return chain.orderBook;
}

/** Reverts that mean the order no longer needs us (gone, not yet or no longer settleable): never errors. */
export const ORDER_GONE = "OrderBookUnknownOrder";

/**
 * The latest `OrderSettled` or `OrderCancelled` of the order in `fromBlock..toBlock`: who settled it (the keeper) or
 * who was paid for its end (the fee recipient: a keeper, or its owner when it cancelled it itself).
 */
export async function findOrderEnd(
  chain: KeeperChain,
  orderId: bigint,
  fromBlock: number,
  toBlock: number,
): Promise<Winner | undefined> {
  const book = bookOf(chain);
  const address = await book.getAddress();
  const logs = await chain.rpc(() =>
    chain.provider.getLogs({
      address,
      topics: [[ORDER_SETTLED_TOPIC, ORDER_CANCELLED_TOPIC], ethers.toBeHex(orderId, 32)],
      fromBlock,
      toBlock,
    }),
  );
  const log = logs[logs.length - 1];
  const parsed = log && book.interface.parseLog(log);
  if (!parsed) return undefined;
  const settled = parsed.name === "OrderSettled";
  const caller = String(settled ? parsed.args.keeper : parsed.args.feeRecipient);
  return { caller, txHash: log.transactionHash, block: log.blockNumber, event: parsed.name };
}

/** What one of our mined order transactions did: the order's end event, the fee, the trade's fill or refusal. */
export async function readOrderReceipt(
  chain: KeeperChain,
  kind: OrderActionKind,
  plan: OrderPlan,
  receipt: TransactionReceipt,
): Promise<{ outcome: OrderOutcome; fields: LogFields }> {
  const book = bookOf(chain);
  const address = (await book.getAddress()).toLowerCase();
  const { decimals } = await chain.settlementToken();
  let fields: LogFields = {};
  let fee = 0n;
  let filled = false;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = book.interface.parseLog(log);
    if (!parsed || parsed.args.orderId !== plan.orderId) continue;
    if (parsed.name === "OrderSettled") {
      filled = true;
      fee = parsed.args.fee as bigint;
      fields = {
        sizeDelta: decimalWad(parsed.args.sizeDelta as bigint),
        ...usdFields("price", parsed.args.price as bigint),
        ...usdFields("fillPrice", parsed.args.fillPrice as bigint),
        publishedAt: parsed.args.publishedAt as bigint,
      };
    } else if (parsed.name === "OrderCancelled") {
      fee = parsed.args.fee as bigint;
      const reason = decodeRevertData(parsed.args.reason as string, chain.interfaces);
      fields = { reason: reason ? formatRevert(reason) : (parsed.args.reason as string) };
    }
  }
  countOrder(chain, filled ? "settled" : "cancelled");
  chain.stats.orderFees += fee;
  const outcome: OrderOutcome = {
    action: kind,
    accountId: plan.accountId,
    orderId: plan.orderId,
    status: "succeeded",
    txHash: receipt.hash,
    block: receipt.blockNumber,
    fee,
    ...(kind === "settleOrder" ? { filled } : {}),
  };
  return {
    outcome,
    fields: { ...(kind === "settleOrder" ? { filled } : {}), ...fields, ...feeFields(fee, decimals) },
  };
}

const feeFields = (fee: bigint, decimals: number) => amountFields("fee", fee, decimals, "Usdc", true);

/** Counts one order result (`succeeded` is counted by `readOrderReceipt` as `settled` or `cancelled`). */
export function countOrder(chain: KeeperChain, result: ActionResult | "settled" | "cancelled"): void {
  if (result === "succeeded" || result === "capped") return;
  chain.stats.orders[result]++;
}

/** Why an expected revert made an order transaction unnecessary, in words (the error itself is on the line too). */
const SKIP_REASONS: Record<string, string> = {
  [ORDER_GONE]: "no longer pending (settled or cancelled)",
  OrderBookTooEarly: "too early (minDelay not elapsed)",
  OrderBookOrderExpired: "expired (to be cancelled)",
  OrderBookNotTriggered: "trigger not reached",
  OrderBookPriceTooOld: "settlement price too old",
  OrderPriceNotPublishedAfter: "no price published after the commit yet",
  OrderBookNotExpired: "not expired yet",
  OrderBookNotCancellable: "not cancellable by the keeper",
};

/** The reason of a `skipped` line after an expected revert. */
export function describeOrderSkip(
  revert: DecodedRevert,
  byUs: Winner | undefined,
): { reason: string; fields: LogFields } {
  if (byUs) return { reason: `already ended by this keeper (${byUs.event})`, fields: {} };
  return { reason: SKIP_REASONS[revert.name] ?? revert.name, fields: {} };
}

/**
 * What the two order actions do alike, whatever they send: who ended the order first (`findWinner`), what our receipt
 * says (`parse`), the counters and the words of a skip.
 */
export abstract class OrderActionBase<P extends OrderPlan> {
  abstract readonly kind: OrderActionKind;

  constructor(protected readonly chain: KeeperChain) {}

  findWinner(_accountId: bigint, fromBlock: number, toBlock: number, plan: P): Promise<Winner | undefined> {
    return findOrderEnd(this.chain, plan.orderId, fromBlock, toBlock);
  }

  async parse(plan: P, receipt: TransactionReceipt): Promise<ParsedReceipt> {
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
