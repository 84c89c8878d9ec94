/** `markets`: every market's oracle price, skew, open interest, funding rate, leverage and fees. */
import type { IClearinghouseLens } from "../../../typechain-types";
import { formatFixed, formatPercent, formatSize } from "../../common/format";
import { heading, renderTable } from "../../common/table";
import type { Row } from "../../common/table";
import { WAD, exact } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { describeFailure } from "../frame/failure";
import { explainPriceFailure, priceFailureCell } from "../frame/priceFailure";
import { ERROR_INTERFACES } from "../frame/interfaces";
import { listMarkets, resolveMarket } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { usd } from "./show";

export interface MarketsArgs {
  market?: string;
}

export async function markets(ctx: TaskContext, args: MarketsArgs): Promise<TaskOutput> {
  const refs = args.market ? [await resolveMarket(ctx, args.market)] : await listMarkets(ctx);
  const rows: Row[] = [];
  const json: unknown[] = [];
  const notes: string[] = [];
  for (const ref of refs) {
    let view: IClearinghouseLens.MarketViewStructOutput;
    try {
      view = await ctx.lens.market(ref.marketId);
    } catch (err) {
      // A market whose price is unusable (stale, out of bounds, sequencer down) is listed with a short reason in the
      // table and the whole one under it (not in a cell, which would stretch the table off the screen).
      const failure = describeFailure(err, {
        interfaces: ERROR_INTERFACES,
        network: ctx.hre.network.name,
        settlement: ctx.settlement,
      });
      const cell = (failure.revert && priceFailureCell(failure.revert)) ?? "unavailable";
      rows.push([String(ref.marketId), ref.name, `${cell} (see below)`]);
      // Under the table, an oracle refusal in words (dates, durations, the command that re-posts a mock feed).
      const explained = failure.revert && explainPriceFailure(failure.revert);
      notes.push(`  ${ref.name}: ${explained ?? failure.message}`);
      json.push({ marketId: ref.marketId, market: ref.name, error: failure.message });
      continue;
    }
    const p = view.params;
    rows.push([
      String(ref.marketId),
      ref.name,
      usd(view.oraclePrice),
      formatFixed(view.skew, { dp: 4, signed: true }),
      formatSize(view.longOpenInterest),
      formatSize(view.shortOpenInterest),
      formatSize(p.maxOpenInterest, 0),
      formatPercent(view.fundingRatePerDay, { dp: 4, signed: true }),
      `${formatFixed((WAD * WAD) / p.imf, { dp: 1 })}x`,
      `${formatPercent(p.takerFee, { dp: 3 })} / ${formatPercent(p.makerFee, { dp: 3 })}`,
    ]);
    json.push({
      marketId: ref.marketId,
      market: ref.name,
      asset: ref.symbol,
      oraclePrice: exact(view.oraclePrice, 18),
      skew: exact(view.skew, 18),
      longOpenInterest: exact(view.longOpenInterest, 18),
      shortOpenInterest: exact(view.shortOpenInterest, 18),
      maxOpenInterest: exact(p.maxOpenInterest, 18),
      fundingRatePerDay: exact(view.fundingRatePerDay, 18),
      fundingIndex: exact(view.fundingIndex, 18),
      imf: exact(p.imf, 18),
      mmf: exact(p.mmf, 18),
      takerFee: exact(p.takerFee, 18),
      makerFee: exact(p.makerFee, 18),
      skewScale: exact(p.skewScale, 18),
    });
  }
  const lines = [
    ...heading(`Markets (${ctx.hre.network.name}, chain ${ctx.chainId})`),
    ...renderTable(
      [
        "id",
        { header: "market", align: "left" },
        "oracle price",
        "skew",
        "long OI",
        "short OI",
        "OI cap / side",
        "funding / day",
        "max leverage",
        "taker / maker fee",
      ],
      rows,
    ),
    "  funding / day: positive when longs pay shorts (and the pool), negative when shorts pay.",
    ...notes,
  ];
  return { lines, json: { markets: json } };
}
