/**
 * `trade` and `close`: a market order with a limit price from the previewed fill and the slippage tolerance, on the
 * signer's own subaccount or, with `--account-id` / `--owner`, on an account it operates (`Clearinghouse.tradeFor`).
 */
import { formatSize, formatUsd } from "../../common/format";
import { renderTable } from "../../common/table";
import type { Row } from "../../common/table";
import { WAD, abs, exact, parsePercent, parsePositive, parseWad } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { accountWords, resolveMarket, targetAccount } from "../frame/lookup";
import type { AccountArgs } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { findEvent, send } from "../frame/tx";
import { side, signedUsd, usd } from "./show";

export interface TradeArgs extends AccountArgs {
  market: string;
  size?: string;
  slippage: string;
  acceptablePrice?: string;
}

/** The limit price: the previewed fill moved against the trader by the slippage tolerance (rounded that way too). */
export function acceptablePriceFor(fillPrice: bigint, sizeDelta: bigint, slippage: bigint): bigint {
  return sizeDelta > 0n
    ? (fillPrice * (WAD + slippage) + WAD - 1n) / WAD
    : slippage >= WAD
      ? 0n
      : (fillPrice * (WAD - slippage)) / WAD;
}

async function executeTrade(
  ctx: TaskContext,
  args: {
    market: string;
    sizeDelta: bigint;
    slippage: string;
    acceptablePrice?: string;
  } & AccountArgs,
  verb: string,
): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const account = targetAccount(ctx, args);
  const { accountId } = account;
  const slippage = parsePercent(args.slippage, "--slippage");
  const [previewFill, previewFee] = await ctx.clearinghouse.previewTrade(
    accountId,
    market.marketId,
    args.sizeDelta,
  );
  const acceptablePrice =
    args.acceptablePrice !== undefined
      ? parsePositive(args.acceptablePrice, 18, "--acceptable-price")
      : acceptablePriceFor(previewFill, args.sizeDelta, slippage);

  const receipt = await send(
    account.own
      ? ctx.clearinghouse.trade(account.subaccount, market.marketId, args.sizeDelta, acceptablePrice)
      : ctx.clearinghouse.tradeFor(accountId, market.marketId, args.sizeDelta, acceptablePrice),
  );
  const event = findEvent(receipt, ctx.clearinghouse.interface, "TradeExecuted");
  if (!event) throw new Error(`no TradeExecuted event in ${receipt.hash}`);
  const e = event.args;
  const newSize = e.newSize as bigint;
  const newOpenNotional = e.newOpenNotional as bigint;
  const entryPrice = newSize === 0n ? 0n : (newOpenNotional * WAD) / newSize;
  const buy = args.sizeDelta > 0n;

  const rows: Row[] = [
    ["market", market.name],
    ["size", `${formatSize(args.sizeDelta)} (${buy ? "buy" : "sell"})`],
    ["previewed fill price", usd(previewFill, 4)],
    [`acceptable price (${buy ? "max" : "min"})`, usd(acceptablePrice, 4)],
    ["fill price", usd(e.fillPrice as bigint, 4)],
    ["fee", usd(e.fee as bigint, 4)],
    ["realized PnL", signedUsd(e.realizedPnl as bigint, 4)],
    ["funding settled (paid)", usd(e.fundingPaid as bigint, 6)],
    [
      "account balance change",
      formatUsd(e.accountDelta as bigint, { decimals: ctx.settlement.decimals, dp: 6, signed: true }),
    ],
    ["position now", `${side(newSize)} ${formatSize(abs(newSize))}`],
    ["entry price", newSize === 0n ? "-" : usd(entryPrice, 4)],
  ];
  return {
    lines: [
      `${verb} on ${market.name} for ${accountWords(ctx, account)}.`,
      ...renderTable(["trade", "value"], rows),
      `  tx ${receipt.hash}`,
    ],
    json: {
      accountId,
      marketId: market.marketId,
      market: market.name,
      sizeDelta: exact(args.sizeDelta, 18),
      previewFillPrice: exact(previewFill, 18),
      previewFee: exact(previewFee, 18),
      acceptablePrice: exact(acceptablePrice, 18),
      fillPrice: exact(e.fillPrice as bigint, 18),
      fee: exact(e.fee as bigint, 18),
      realizedPnl: exact(e.realizedPnl as bigint, 18),
      fundingPaid: exact(e.fundingPaid as bigint, 18),
      accountDelta: exact(e.accountDelta as bigint, ctx.settlement.decimals),
      newSize: exact(newSize, 18),
      entryPrice: exact(entryPrice, 18),
      txHash: receipt.hash,
    },
  };
}

export async function trade(ctx: TaskContext, args: TradeArgs): Promise<TaskOutput> {
  if (args.size === undefined)
    throw new Error("--size is required (base units, negative to sell: --size -0.5)");
  const sizeDelta = parseWad(args.size, "--size");
  if (sizeDelta === 0n) throw new Error("--size must not be zero");
  return executeTrade(ctx, { ...args, sizeDelta }, "Traded");
}

export async function close(ctx: TaskContext, args: TradeArgs): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const { accountId, owner, subaccount } = targetAccount(ctx, args);
  const position = (await ctx.lens.positions(accountId)).find((p) => p.marketId === market.marketId);
  if (!position || position.size === 0n)
    throw new Error(`no open position on ${market.name} in ${owner} / subaccount ${subaccount}`);
  return executeTrade(ctx, { ...args, sizeDelta: -position.size }, "Closed the position");
}
