/**
 * `orders:list`: an account's pending orders (or with `--all` everyone's, from the OrderBook's `OrderCommitted`
 * events) with kind, size, trigger, limit, deadline in words and what each waits for; `orders:cancel`: cancels one
 * (`--order <id>`, or `--market` with `--kind`), `--dry-run` as a static call.
 */
import { splitAccountId } from "../../common/accounts";
import { formatSize } from "../../common/format";
import { orderKindName, orderState } from "../../common/orders";
import type { PendingOrder } from "../../common/orders";
import { renderTable } from "../../common/table";
import { exact } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { accountWords, listMarkets, targetAccount } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { send } from "../frame/tx";
import { accountOrders, allOrders, chainNow, marketById, orderBookOf, pendingOrder } from "./orderBook";
import type { AccountArgs } from "../frame/lookup";
import { orderTitle, reasonWords, resolveOrderId } from "./orderSettle";
import type { OrderRefArgs } from "./orderSettle";
import { deadlineWords, limitWords, orderIdHex, shortOrderId, stateWords, triggerWords } from "./orderText";

export async function list(ctx: TaskContext, args: AccountArgs & { all: boolean }): Promise<TaskOutput> {
  const book = orderBookOf(ctx);
  const markets = await listMarkets(ctx);
  const account = args.all ? undefined : targetAccount(ctx, args);
  const orders = account ? await accountOrders(book, account.accountId, markets) : await allOrders(ctx, book);
  const [[, minDelay], now] = await Promise.all([book.params(), chainNow(ctx)]);
  const prices = new Map<bigint, bigint>();
  for (const m of markets) prices.set(m.marketId, (await ctx.lens.market(m.marketId)).oraclePrice);
  const view = orders.map((o) => {
    const state = orderState(o, minDelay, now);
    return { o, state, words: stateWords(o, state, prices.get(o.marketId)!) };
  });
  const title = account ? `Pending orders of ${accountWords(ctx, account)}` : "Every pending order";
  const ownerColumn = (o: PendingOrder) => {
    const { owner, subaccount } = splitAccountId(o.accountId);
    return `${owner.slice(0, 8)}…/${subaccount}`;
  };
  const lines =
    orders.length === 0
      ? [`${title}: none.`]
      : [
          `${title}:`,
          ...renderTable(
            [
              ...(account ? [] : ["account"]),
              "order id",
              "market",
              "kind",
              "size",
              "trigger",
              "limit",
              "deadline",
              "state",
            ],
            view.map(({ o, words }) => [
              ...(account ? [] : [ownerColumn(o)]),
              shortOrderId(o.orderId),
              marketById(markets, o.marketId).name,
              `${orderKindName(o.kind)}${o.reduceOnly ? " (reduce-only)" : ""}`,
              formatSize(o.sizeDelta),
              o.trigger ? triggerWords(o.trigger) : "-",
              limitWords(o.acceptablePrice, o.sizeDelta),
              deadlineWords(o.deadline, now),
              words,
            ]),
          ),
          "  name an order by --market and --kind (orders:cancel, orders:settle), or by its whole id (--json prints it)",
        ];
  return {
    lines,
    json: view.map(({ o, state, words }) => ({
      orderId: orderIdHex(o.orderId),
      accountId: o.accountId,
      market: marketById(markets, o.marketId).name,
      kind: orderKindName(o.kind),
      sizeDelta: exact(o.sizeDelta, 18),
      trigger: o.trigger ? exact(o.trigger.price, 18) : null,
      triggerAbove: o.trigger ? o.trigger.above : null,
      acceptablePrice: exact(o.acceptablePrice, 18),
      deadline: o.deadline,
      reduceOnly: o.reduceOnly,
      fee: exact(o.fee, ctx.settlement.decimals),
      state,
      stateWords: words,
    })),
  };
}

export async function cancel(
  ctx: TaskContext,
  args: OrderRefArgs & { dryRun: boolean },
): Promise<TaskOutput> {
  const book = orderBookOf(ctx);
  const order = await pendingOrder(book, await resolveOrderId(ctx, args));
  const title = await orderTitle(ctx, order);
  if (args.dryRun) {
    await book.cancelOrder.staticCall(order.orderId);
    return {
      lines: [`Dry run: ${title} can be cancelled now (nothing sent).`],
      json: { dryRun: true, orderId: orderIdHex(order.orderId) },
    };
  }
  const receipt = await send(book.cancelOrder(order.orderId));
  const event = book.interface.parseLog(
    receipt.logs.find((l) => l.topics[0] === book.interface.getEvent("OrderCancelled").topicHash)!,
  )!;
  const fee = event.args.fee as bigint;
  const recipient = event.args.feeRecipient as string;
  const reason = reasonWords(ctx, event.args.reason as string);
  return {
    lines: [
      `Cancelled ${title}: ${reason}.`,
      `  fee ${exact(fee, ctx.settlement.decimals)} ${ctx.settlement.symbol} → ${recipient}`,
      `  tx ${receipt.hash}`,
    ],
    json: {
      orderId: orderIdHex(order.orderId),
      reason,
      fee: exact(fee, ctx.settlement.decimals),
      recipient,
      txHash: receipt.hash,
    },
  };
}
