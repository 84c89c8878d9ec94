/**
 * A sweep's recommendation: among the values tried, those whose p99 bad debt (the worst variant's) stays under
 * `BAD_DEBT_LIMIT_SHARE` of the pool's value, and of them the one that lets the most open interest in (the lowest
 * margin fraction or buffer, the highest cap or skew scale: `PARAMS[name].permissive`); and how far today's value is
 * from it.
 */
import { BAD_DEBT_LIMIT_SHARE, pct } from "./aggregate";
import type { Group } from "./aggregate";
import { PARAMS, formatValue } from "./params";
import type { Sweep } from "./options";

export interface ValueRow {
  value: number;
  /** The worst variant's p99 bad debt as a share of the pool's value. */
  p99BadDebtShare: number;
  /** The worst variant's median LP return. */
  medianLpReturn: number;
  acceptable: boolean;
}

export interface Recommendation {
  parameter: string;
  limitShare: number;
  current: number;
  rows: ValueRow[];
  /** The recommended value, or undefined when no value tried keeps p99 bad debt under the limit. */
  recommended?: number;
  /** Recommended − today's, and relative to today's. */
  change?: number;
  relativeChange?: number;
  text: string;
}

export function recommend(sweep: Sweep, groups: Group[]): Recommendation {
  const spec = PARAMS[sweep.name];
  const rows: ValueRow[] = sweep.values.map((value) => {
    const gs = groups.filter((g) => g.value === value);
    const p99BadDebtShare = Math.max(...gs.map((g) => g.metrics.badDebtShare?.p99 ?? 0));
    const medianLpReturn = Math.min(...gs.map((g) => g.metrics.lpReturn?.p50 ?? 0));
    return { value, p99BadDebtShare, medianLpReturn, acceptable: p99BadDebtShare < BAD_DEBT_LIMIT_SHARE };
  });
  const ok = rows.filter((r) => r.acceptable).map((r) => r.value);
  const base = { parameter: sweep.name, limitShare: BAD_DEBT_LIMIT_SHARE, current: spec.current, rows };
  const limit = pct(BAD_DEBT_LIMIT_SHARE, 0);
  if (ok.length === 0) {
    const least = [...rows].sort((a, b) => a.p99BadDebtShare - b.p99BadDebtShare)[0];
    return {
      ...base,
      text:
        `No ${sweep.name} tried keeps p99 bad debt under ${limit} of the pool's value: the least bad is ` +
        `${formatValue(least.value)} (p99 ${pct(least.p99BadDebtShare, 3)}); try ${spec.permissive === "down" ? "higher" : "lower"} values.`,
    };
  }
  const recommended = spec.permissive === "down" ? Math.min(...ok) : Math.max(...ok);
  const change = recommended - spec.current;
  const relativeChange = change / spec.current;
  const edge =
    recommended === (spec.permissive === "down" ? sweep.values[0] : sweep.values[sweep.values.length - 1]);
  const todayRow = rows.find((r) => Math.abs(r.value - spec.current) < 1e-12);
  const today = todayRow
    ? `today's ${formatValue(spec.current)} has p99 bad debt ${pct(todayRow.p99BadDebtShare, 3)}`
    : `today's ${formatValue(spec.current)} was not among the values tried`;
  const distance =
    Math.abs(change) < 1e-12
      ? "today's value is the recommendation"
      : `${change > 0 ? "+" : ""}${formatValue(change)} from today's ${formatValue(spec.current)} (${change > 0 ? "+" : ""}${(relativeChange * 100).toFixed(0)}%)`;
  return {
    ...base,
    recommended,
    change,
    relativeChange,
    text:
      `RECOMMENDATION: ${sweep.name} = ${formatValue(recommended)} (${spec.meaning}) lets in the most open interest ` +
      `of the values tried while keeping p99 bad debt under ${limit} of the pool's value; ${distance}; ${today}.` +
      (edge ? ` It is the end of the range tried: values further ${spec.permissive} may pass too.` : ""),
  };
}
