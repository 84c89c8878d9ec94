/**
 * The adversaries in the report: one verdict line each (who made money, how much, from whom), their rows in
 * summary.json, and the table of report.html and the terminal.
 */
import { formatUsd } from "../../common/format";
import type { AdversaryOutcome, SimulationResult, VariantResult } from "../types";
import { fmt } from "../units";

const signedWad = (wad: bigint): string => formatUsd(wad, { signed: true });
const wad = (x: bigint): string => formatUsd(x);

/** "ADVERSARY PROFITED: latency-arb made +$1,234.00 …", or that it made nothing. */
export function adversaryLine(a: AdversaryOutcome): { severity: "loss" | "ok"; text: string } {
  const fees = a.tradingFees + a.settlementFees;
  const outside = a.outside === undefined ? "" : `, outside Keel ${signedWad(a.outside)}`;
  const attempt =
    `(${a.trades} trades${a.orders ? `, ${a.orders} orders` : ""}; gross ${signedWad(a.gross)}, ` +
    `fees ${wad(fees)}${outside})`;
  if (a.profit > 0n) {
    return {
      severity: "loss",
      text: `ADVERSARY PROFITED: ${a.label} made ${signedWad(a.profit)} ${attempt}, paid by ${a.paidBy}.`,
    };
  }
  return {
    severity: "ok",
    text:
      `Adversary ${a.label} made no money: ${signedWad(a.profit)} ${attempt}; its gross was at most its fees: ` +
      `${a.paidBy}.`,
  };
}

export function adversariesJson(v: VariantResult) {
  return v.adversaries.map((a) => ({
    label: a.label,
    strategy: a.strategy,
    trades: a.trades,
    orders: a.orders,
    updatesWaited: a.waited,
    profitUsd: fmt(a.profit, 18),
    grossUsd: fmt(a.gross, 18),
    tradingFeesUsd: fmt(a.tradingFees, 18),
    settlementFeesUsd: fmt(a.settlementFees, 18),
    paidBy: a.paidBy,
    ...(a.outside === undefined ? {} : { outsideKeelUsd: fmt(a.outside, 18) }),
  }));
}

/** The adversary table: one row per (adversary, variant). */
export function adversaryRows(result: SimulationResult): string[][] {
  return result.variants.flatMap((v) =>
    v.adversaries.map((a) => [
      a.label,
      v.variant.label,
      String(a.trades),
      String(a.orders),
      signedWad(a.gross),
      wad(a.tradingFees + a.settlementFees),
      signedWad(a.profit),
      a.profit > 0n ? a.paidBy : "—",
    ]),
  );
}

export const ADVERSARY_COLUMNS = [
  "adversary",
  "variant",
  "trades",
  "orders",
  "gross",
  "fees paid",
  "profit",
  "paid by",
];
