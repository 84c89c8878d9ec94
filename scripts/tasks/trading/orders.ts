/**
 * `orders:place` (a two-step market order), `orders:limit`, `orders:stop-loss` and `orders:take-profit` (conditional
 * orders, DESIGN §21), for the signer's own subaccount or, as an operator, for `--account-id` / `--owner`. Each prints
 * the order as committed (id, limit, deadline, escrowed fee and the command that settles it); `--dry-run` runs the
 * commit as a static call and prints what it would commit; `--wait` then waits until someone settles or cancels it.
 */
import type { OrderBook } from "../../../typechain-types";
import { formatSize } from "../../common/format";
import { orderKindName, triggersAbove } from "../../common/orders";
import { renderTable } from "../../common/table";
import type { Row } from "../../common/table";
import { exact, parsePercent, parsePositive, parseSeconds } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { accountWords, resolveMarket, targetAccount } from "../frame/lookup";
import type { MarketRef } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { findEvent, send } from "../frame/tx";
import { chainNow, orderBookOf } from "./orderBook";
import type { AccountArgs, TargetAccount } from "../frame/lookup";
import { outcomeJson, outcomeRows, waitForOrder } from "./orderSettle";
import {
  checkTriggerSide,
  conditionalLimit,
  deadlineWords,
  durationWords,
  limitWords,
  orderIdHex,
  shortOrderId,
  parseOrderSize,
  protectiveSize,
  triggerWords,
} from "./orderText";
import { acceptablePriceFor } from "./trade";
import { usd } from "./show";

export interface PlaceArgs extends AccountArgs {
  market: string;
  size?: string;
  slippage: string;
  acceptablePrice?: string;
  dryRun: boolean;
  wait: boolean;
  timeout: string;
}

export interface MarketOrderArgs extends PlaceArgs {
  deadline: string;
  reduceOnly: boolean;
}

export interface ConditionalArgs extends PlaceArgs {
  trigger: string;
}

/** An order about to be committed, with what the task prints about it. */
interface NewOrder {
  market: MarketRef;
  account: TargetAccount;
  kind: number;
  sizeDelta: bigint;
  acceptablePrice: bigint;
  /** Market orders: the deadline (unix seconds) and the reduce-only flag. */
  deadline?: bigint;
  reduceOnly: boolean;
  trigger?: bigint;
  /** Rows shown before the order's own (the previewed fill of a market order). */
  extra: Row[];
}

const marketOrderArgs = (o: NewOrder) =>
  [
    o.account.accountId,
    o.market.marketId,
    o.sizeDelta,
    o.acceptablePrice,
    o.deadline!,
    o.reduceOnly,
  ] as const;
const conditionalArgs = (o: NewOrder) =>
  [o.account.accountId, o.market.marketId, o.sizeDelta, o.acceptablePrice, o.trigger!, o.kind] as const;

/** The commit as a transaction. */
const commitSend = (book: OrderBook, o: NewOrder) =>
  o.kind === 0 ? book.commitOrder(...marketOrderArgs(o)) : book.commitConditionalOrder(...conditionalArgs(o));

/** The commit as a static call: the order id it would get, or the revert it would meet. */
const commitStatic = (book: OrderBook, o: NewOrder): Promise<bigint> =>
  o.kind === 0
    ? book.commitOrder.staticCall(...marketOrderArgs(o))
    : book.commitConditionalOrder.staticCall(...conditionalArgs(o));

/** Commits `o` (or, with --dry-run, static-calls the commit), prints it, and with --wait waits for its settlement. */
async function commit(ctx: TaskContext, o: NewOrder, args: PlaceArgs): Promise<TaskOutput> {
  const book = orderBookOf(ctx);
  const [fee] = await book.params();
  const name = orderKindName(o.kind);
  const now = await chainNow(ctx);
  const rows: Row[] = [
    ["market", o.market.name],
    ["kind", `${name}${o.reduceOnly ? " (reduce-only)" : ""}`],
    ["size", `${formatSize(o.sizeDelta)} (${o.sizeDelta > 0n ? "buy" : "sell"})`],
    ...o.extra,
    ...(o.trigger === undefined
      ? []
      : ([
          ["trigger", triggerWords({ price: o.trigger, above: triggersAbove(o.kind, o.sizeDelta) })],
        ] as Row[])),
    ["acceptable price", limitWords(o.acceptablePrice, o.sizeDelta)],
    [
      "deadline",
      o.deadline === undefined ? "none (until triggered or cancelled)" : deadlineWords(o.deadline, now),
    ],
    ["settlement fee escrowed", `${exact(fee, ctx.settlement.decimals)} ${ctx.settlement.symbol}`],
  ];
  const json = {
    accountId: o.account.accountId,
    marketId: o.market.marketId,
    market: o.market.name,
    kind: name,
    sizeDelta: exact(o.sizeDelta, 18),
    acceptablePrice: exact(o.acceptablePrice, 18),
    trigger: o.trigger === undefined ? null : exact(o.trigger, 18),
    deadline: o.deadline ?? null,
    reduceOnly: o.reduceOnly,
    fee: exact(fee, ctx.settlement.decimals),
  };
  const who = accountWords(ctx, o.account);
  if (args.dryRun) {
    const id = await commitStatic(book, o);
    return {
      lines: [
        `Dry run: would place a ${name} order ${shortOrderId(id)} for ${who} (nothing sent).`,
        ...renderTable(["order", "value"], rows),
      ],
      json: { dryRun: true, orderId: orderIdHex(id), ...json },
    };
  }
  const receipt = await send(commitSend(book, o));
  const event = findEvent(receipt, book.interface, "OrderCommitted");
  if (!event) throw new Error(`no OrderCommitted event in ${receipt.hash}`);
  const orderId = event.args.orderId as bigint;
  const net = ctx.hre.network.name === "hardhat" ? "" : ` --network ${ctx.hre.network.name}`;
  const lines = [
    `Placed a ${name} order for ${who}.`,
    ...renderTable(["order", "value"], [["order id", orderIdHex(orderId)], ...rows, ["tx", receipt.hash]]),
    `  a keeper settles it (npm run keeper --${net}); or anyone: npx hardhat orders:settle --order ${orderIdHex(orderId)}${net}`,
  ];
  if (!args.wait) return { lines, json: { orderId: orderIdHex(orderId), txHash: receipt.hash, ...json } };
  const outcome = await waitForOrder(ctx, book, orderId, receipt.blockNumber, args.timeout);
  return {
    lines: [
      ...lines,
      `Order ${shortOrderId(orderId)} left the book:`,
      ...renderTable(["settlement", "value"], outcomeRows(ctx, outcome)),
    ],
    json: { orderId: orderIdHex(orderId), txHash: receipt.hash, ...json, outcome: outcomeJson(ctx, outcome) },
  };
}

/** `orders:place`: a two-step market order, its limit from the previewed fill and the slippage tolerance. */
export async function place(ctx: TaskContext, args: MarketOrderArgs): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const account = targetAccount(ctx, args);
  const sizeDelta = parseOrderSize(args.size);
  const slippage = parsePercent(args.slippage, "--slippage");
  const lifetime = parseSeconds(args.deadline, "--deadline");
  const [, minDelay, maxLifetime] = await orderBookOf(ctx).params();
  if (lifetime < minDelay || lifetime > maxLifetime)
    throw new Error(
      `--deadline ${lifetime}: an order lives at least the minimum delay (${durationWords(minDelay)}) and at most ` +
        `${durationWords(maxLifetime)} (${maxLifetime} s)`,
    );
  const [previewFill] = await ctx.clearinghouse.previewTrade(account.accountId, market.marketId, sizeDelta);
  const acceptablePrice =
    args.acceptablePrice !== undefined
      ? parsePositive(args.acceptablePrice, 18, "--acceptable-price")
      : acceptablePriceFor(previewFill, sizeDelta, slippage);
  const deadline = (await chainNow(ctx)) + lifetime;
  return commit(
    ctx,
    {
      market,
      account,
      kind: 0,
      sizeDelta,
      acceptablePrice,
      deadline,
      reduceOnly: args.reduceOnly,
      extra: [["fill price at today's price", usd(previewFill, 4)]],
    },
    args,
  );
}

/** `orders:limit`, `orders:stop-loss`, `orders:take-profit`: a conditional order triggered by the oracle price. */
export async function conditional(
  ctx: TaskContext,
  kindName: string,
  args: ConditionalArgs,
): Promise<TaskOutput> {
  const kind = ["limit", "stop-loss", "take-profit"].indexOf(kindName) + 1;
  const market = await resolveMarket(ctx, args.market);
  const account = targetAccount(ctx, args);
  const trigger = parsePositive(args.trigger, 18, "--trigger");
  const slippage = parsePercent(args.slippage, "--slippage");
  const explicit =
    args.acceptablePrice === undefined
      ? undefined
      : parsePositive(args.acceptablePrice, 18, "--acceptable-price");
  let sizeDelta: bigint;
  if (kind === 1) sizeDelta = parseOrderSize(args.size);
  else {
    const position = (await ctx.clearinghouse.position(account.accountId, market.marketId)).size;
    sizeDelta = protectiveSize(kind, position, args.size, market.name);
  }
  const price = (await ctx.lens.market(market.marketId)).oraclePrice;
  checkTriggerSide(kind, sizeDelta, trigger, price);
  return commit(
    ctx,
    {
      market,
      account,
      kind,
      sizeDelta,
      acceptablePrice: conditionalLimit(trigger, sizeDelta, slippage, explicit),
      reduceOnly: kind !== 1,
      trigger,
      extra: [["oracle price now", usd(price, 4)]],
    },
    args,
  );
}
