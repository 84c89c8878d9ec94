/**
 * `orders:settle`: anyone settles a pending order (a market order with the proof of the first round after its commit,
 * a conditional one at the latest price) and earns its fee; `--dry-run` prints `previewOrderSettlement` instead. Also
 * what `--wait` of the placing tasks does: poll until someone settles or cancels the order, then say how.
 */
import type { ContractTransactionReceipt } from "ethers";
import type { OrderBook } from "../../../typechain-types";
import { decodeRevertData, formatRevert } from "../../common/errors";
import { formatSize } from "../../common/format";
import { orderKindName, parseOrderKind } from "../../common/orders";
import type { PendingOrder } from "../../common/orders";
import { renderTable } from "../../common/table";
import type { Row } from "../../common/table";
import { exact, parseSeconds } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { ERROR_INTERFACES } from "../frame/interfaces";
import { listMarkets, resolveMarket, targetAccount } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { send } from "../frame/tx";
import {
  marketById,
  orderBookOf,
  orderIdFor,
  parseOrderId,
  pendingOrder,
  settlementProof,
} from "./orderBook";
import type { AccountArgs } from "../frame/lookup";
import { durationWords, orderIdHex, shortOrderId } from "./orderText";
import { usd } from "./show";

/** How an order left the book: filled at a price, or cancelled with a reason. */
export interface OrderOutcome {
  filled: boolean;
  price?: bigint;
  fillPrice?: bigint;
  /** The refusal, decoded in words (cancelled orders). */
  reason?: string;
  /** Settlement-token units paid to `recipient`. */
  fee: bigint;
  recipient: string;
  txHash: string;
}

/** A cancellation reason (revert data) in words; `cancelled by its owner` when empty. */
export function reasonWords(ctx: TaskContext, data: string): string {
  if (data === "0x") return "cancelled by its owner or an operator";
  const revert = decodeRevertData(data, ERROR_INTERFACES);
  return revert
    ? formatRevert(revert, { settlement: ctx.settlement })
    : `unknown reason ${data.slice(0, 10)}`;
}

/** The `OrderSettled` or `OrderCancelled` event of `orderId` in `receipt`. */
function outcomeOf(ctx: TaskContext, book: OrderBook, receipt: ContractTransactionReceipt): OrderOutcome {
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return book.interface.parseLog(log);
      } catch {
        return null;
      }
    })();
    if (parsed?.name === "OrderSettled") {
      const a = parsed.args;
      return {
        filled: true,
        price: a.price as bigint,
        fillPrice: a.fillPrice as bigint,
        fee: a.fee as bigint,
        recipient: a.keeper as string,
        txHash: receipt.hash,
      };
    }
    if (parsed?.name === "OrderCancelled") {
      const a = parsed.args;
      return {
        filled: false,
        reason: reasonWords(ctx, a.reason as string),
        fee: a.fee as bigint,
        recipient: a.feeRecipient as string,
        txHash: receipt.hash,
      };
    }
  }
  throw new Error(`no OrderSettled or OrderCancelled event in ${receipt.hash}`);
}

export const outcomeRows = (ctx: TaskContext, o: OrderOutcome): Row[] => [
  ["outcome", o.filled ? "filled" : `cancelled: ${o.reason}`],
  ...(o.filled
    ? ([
        ["settlement price", usd(o.price!, 4)],
        ["fill price", usd(o.fillPrice!, 4)],
      ] as Row[])
    : []),
  [
    o.filled ? "fee earned by the keeper" : "fee paid to",
    `${exact(o.fee, ctx.settlement.decimals)} ${ctx.settlement.symbol} → ${o.recipient}`,
  ],
  ["tx", o.txHash],
];

export const outcomeJson = (ctx: TaskContext, o: OrderOutcome) => ({
  filled: o.filled,
  price: o.price === undefined ? null : exact(o.price, 18),
  fillPrice: o.fillPrice === undefined ? null : exact(o.fillPrice, 18),
  reason: o.reason ?? null,
  fee: exact(o.fee, ctx.settlement.decimals),
  recipient: o.recipient,
  txHash: o.txHash,
});

/** Polls (every second) until `orderId` is no longer pending, then reads how it left from the events since `fromBlock`. */
export async function waitForOrder(
  ctx: TaskContext,
  book: OrderBook,
  orderId: bigint,
  fromBlock: number,
  timeoutArg: string,
): Promise<OrderOutcome> {
  const timeout = parseSeconds(timeoutArg, "--timeout");
  const until = Date.now() + Number(timeout) * 1000;
  while ((await book.order(orderId)).committedAt !== 0n) {
    if (Date.now() > until)
      throw new Error(
        `order ${shortOrderId(orderId)} is still pending after ${durationWords(timeout)}: is a keeper running ` +
          "(npm run keeper)? settle it yourself with orders:settle, or wait longer with --timeout",
      );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const [settled, cancelled] = await Promise.all([
    book.queryFilter(book.filters.OrderSettled(orderId), fromBlock),
    book.queryFilter(book.filters.OrderCancelled(orderId), fromBlock),
  ]);
  const last = [...settled, ...cancelled].sort((a, b) => b.blockNumber - a.blockNumber)[0];
  if (!last)
    throw new Error(
      `order ${shortOrderId(orderId)} left the book without an OrderSettled or OrderCancelled event`,
    );
  const receipt = await ctx.hre.ethers.provider.getTransactionReceipt(last.transactionHash);
  return outcomeOf(ctx, book, receipt as ContractTransactionReceipt);
}

export interface OrderRefArgs extends AccountArgs {
  order?: string;
  market?: string;
  kind?: string;
}

/** `--order <id>`, or `--market` with `--kind` (default market) of the account (default the signer's). */
export async function resolveOrderId(ctx: TaskContext, args: OrderRefArgs): Promise<bigint> {
  if (args.order !== undefined) return parseOrderId(args.order);
  if (args.market === undefined)
    throw new Error("pass --order <id>, or --market <market> [--kind market|limit|stop-loss|take-profit]");
  const market = await resolveMarket(ctx, args.market);
  return orderIdFor(
    targetAccount(ctx, args).accountId,
    market.marketId,
    parseOrderKind(args.kind ?? "market"),
  );
}

/** The order's first lines: `limit order 0x… on ETH-PERP: buy 1.5`. */
export async function orderTitle(ctx: TaskContext, order: PendingOrder): Promise<string> {
  const market = marketById(await listMarkets(ctx), order.marketId);
  const verb = order.sizeDelta > 0n ? "buy" : "sell";
  return `${orderKindName(order.kind)} order ${shortOrderId(order.orderId)} on ${market.name}: ${verb} ${formatSize(order.sizeDelta < 0n ? -order.sizeDelta : order.sizeDelta)}`;
}

export async function settle(
  ctx: TaskContext,
  args: OrderRefArgs & { dryRun: boolean },
): Promise<TaskOutput> {
  const book = orderBookOf(ctx);
  const order = await pendingOrder(book, await resolveOrderId(ctx, args));
  const proof = await settlementProof(ctx, order);
  const title = await orderTitle(ctx, order);
  if (args.dryRun) {
    const p = await book.previewOrderSettlement(order.orderId, proof);
    const rows: Row[] = [
      ["settlement price", usd(p.price, 4)],
      ["outcome", p.filled ? "fills" : `would be cancelled: ${reasonWords(ctx, p.reason)}`],
      ...(p.filled
        ? ([
            ["fill price", usd(p.fillPrice, 4)],
            ["trade fee", usd(p.tradeFee, 4)],
          ] as Row[])
        : []),
      ["fee you would earn", `${exact(order.fee, ctx.settlement.decimals)} ${ctx.settlement.symbol}`],
    ];
    return {
      lines: [`Dry run: settling ${title} (nothing sent).`, ...renderTable(["settlement", "value"], rows)],
      json: {
        dryRun: true,
        orderId: orderIdHex(order.orderId),
        price: exact(p.price, 18),
        filled: p.filled,
        fillPrice: exact(p.fillPrice, 18),
        tradeFee: exact(p.tradeFee, 18),
        reason: p.filled ? null : reasonWords(ctx, p.reason),
        fee: exact(order.fee, ctx.settlement.decimals),
      },
    };
  }
  const receipt = await send(book.settleOrder(order.orderId, proof));
  const outcome = outcomeOf(ctx, book, receipt);
  return {
    lines: [`Settled ${title}.`, ...renderTable(["settlement", "value"], outcomeRows(ctx, outcome))],
    json: {
      orderId: orderIdHex(order.orderId),
      sizeDelta: exact(order.sizeDelta, 18),
      ...outcomeJson(ctx, outcome),
    },
  };
}
