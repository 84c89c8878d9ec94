/**
 * The figures of a many-seed run: each run's metrics read from its summary.json, and their distributions
 * (percentiles by the nearest-rank rule, the worst value and the seed it came from).
 */

/** One run's figures for one variant (USD, or a share where named). */
export interface RunMetrics {
  /** LPs' result over their deposits (0.01 = +1%). */
  lpReturn: number;
  badDebtUsd: number;
  /** Bad debt over the pool's value at the start (0.01 = 1%). */
  badDebtShare: number;
  liquidations: number;
  /** The insurance fund's start minus its lowest point (USD). */
  insuranceDrawdownUsd: number;
  /** Every adversary's profit, summed (USD); undefined when the scenario has none. */
  adversaryProfitUsd?: number;
}

export const METRICS: {
  key: keyof RunMetrics;
  label: string;
  worst: "high" | "low";
  unit: "usd" | "share" | "count";
}[] = [
  { key: "lpReturn", label: "LP return", worst: "low", unit: "share" },
  { key: "badDebtUsd", label: "bad debt", worst: "high", unit: "usd" },
  { key: "badDebtShare", label: "bad debt / pool value", worst: "high", unit: "share" },
  { key: "liquidations", label: "liquidations", worst: "high", unit: "count" },
  { key: "insuranceDrawdownUsd", label: "insurance-fund drawdown", worst: "high", unit: "usd" },
  { key: "adversaryProfitUsd", label: "adversary profit", worst: "high", unit: "usd" },
];

/** The parts of summary.json read here (report/summary.ts writes it). */
export interface SummaryVariant {
  label: string;
  headline: {
    liquidations: number;
    badDebtUsd: string;
    insuranceFund: { startUsd: string; minUsd: string };
    poolNav: { startUsd: string };
    lp: { depositsUsd: string; pnlUsd: string };
  };
  adversaries?: { label: string; profitUsd: string }[];
}

export interface SummaryFile {
  scenario: string;
  seed: number;
  variants: Record<string, SummaryVariant>;
}

/** One variant's metrics from its summary.json entry. */
export function metricsOf(v: SummaryVariant): RunMetrics {
  const h = v.headline;
  const deposits = Number(h.lp.depositsUsd);
  const pool = Number(h.poolNav.startUsd);
  const badDebtUsd = Number(h.badDebtUsd);
  return {
    lpReturn: deposits > 0 ? Number(h.lp.pnlUsd) / deposits : 0,
    badDebtUsd,
    badDebtShare: pool > 0 ? badDebtUsd / pool : 0,
    liquidations: h.liquidations,
    insuranceDrawdownUsd: Number(h.insuranceFund.startUsd) - Number(h.insuranceFund.minUsd),
    ...(v.adversaries?.length
      ? { adversaryProfitUsd: v.adversaries.reduce((sum, a) => sum + Number(a.profitUsd), 0) }
      : {}),
  };
}

/** The p-th percentile (0 < p ≤ 100) by the nearest-rank rule: the smallest value with at least p% at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("no values");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1];
}

export interface Distribution {
  p50: number;
  p95: number;
  p99: number;
  /** The worst value (the highest, or the lowest for a metric where low is bad) and its seed. */
  worst: number;
  worstSeed: number;
  mean: number;
  /** The value per seed, in the seeds' order. */
  values: { seed: number; value: number }[];
}

/**
 * The distribution of one metric over seeds. For a metric where low is bad (LP return), the percentiles are taken on
 * the bad side: p99 is the value only 1% of the seeds did worse than.
 */
export function distribution(values: { seed: number; value: number }[], worst: "high" | "low"): Distribution {
  const xs = values.map((v) => v.value);
  const sign = worst === "high" ? 1 : -1;
  const signed = xs.map((x) => sign * x);
  const at = (p: number) => sign * percentile(signed, p);
  let w = values[0];
  for (const v of values)
    if (sign * v.value > sign * w.value || (v.value === w.value && v.seed < w.seed)) w = v;
  return {
    p50: at(50),
    p95: at(95),
    p99: at(99),
    worst: w.value,
    worstSeed: w.seed,
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    values,
  };
}
