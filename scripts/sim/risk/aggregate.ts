/**
 * The aggregate of a many-seed run (and of a sweep: one group per value and variant): the distributions of every
 * metric, the worst seed and its replay command, and the lines a risk committee reads first. Nothing here depends on
 * the wall clock or on the order the runs finished in: the same seeds give the same summary.json.
 */
import { formatSetting } from "./params";
import type { Setting, Sweep } from "./options";
import { METRICS, distribution, metricsOf } from "./stats";
import type { Distribution, RunMetrics, SummaryFile } from "./stats";

/** p99 bad debt must stay under this share of the pool's value at the start for a value to be recommended. */
export const BAD_DEBT_LIMIT_SHARE = 0.01;

export interface RunRecord {
  seed: number;
  /** The sweep's value, when there is a sweep. */
  value?: number;
  variant: string;
  label: string;
  metrics: RunMetrics;
}

export interface Group {
  value?: number;
  variant: string;
  label: string;
  runs: number;
  metrics: Partial<Record<keyof RunMetrics, Distribution>>;
  /** The seed with the most bad debt (the lowest LP return among equals) and the command that replays it. */
  worstSeed: number;
  worstRun: RunMetrics;
  replay: string;
}

export interface RunSpec {
  scenario: string;
  seeds: number[];
  accounts: number;
  steps: number;
  settings: Setting[];
  sweep?: Sweep;
  prices?: { file: string; rescale: boolean; from: number; to: number };
}

/** `npm run simulate -- --scenario X --seed N …`: one run of the aggregate, with its report. */
export function replayCommand(spec: RunSpec, seed: number, value?: number): string {
  const parts = [`npm run simulate -- --scenario ${spec.scenario} --seed ${seed}`];
  parts.push(`--accounts ${spec.accounts} --steps ${spec.steps}`);
  if (spec.prices) {
    const p = spec.prices;
    parts.push(`--prices ${p.file} --rescale ${p.rescale ? "on" : "off"} --from ${p.from + 1} --to ${p.to}`);
  }
  const settings = [...spec.settings];
  if (spec.sweep && value !== undefined) settings.push({ name: spec.sweep.name, value });
  for (const s of settings) parts.push(`--set ${formatSetting(s.name, s.value)}`);
  return parts.join(" ");
}

/** Every run's metrics, one record per (run, variant). */
export function runRecords(runs: { seed: number; value?: number; summary: SummaryFile }[]): RunRecord[] {
  return runs.flatMap(({ seed, value, summary }) =>
    Object.entries(summary.variants).map(([variant, v]) => ({
      seed,
      ...(value !== undefined ? { value } : {}),
      variant,
      label: v.label,
      metrics: metricsOf(v),
    })),
  );
}

/** The groups: one per sweep value (in order) and variant (in the scenario's order). */
export function groupRuns(spec: RunSpec, records: RunRecord[]): Group[] {
  const keys: { value?: number; variant: string; label: string }[] = [];
  for (const r of records)
    if (!keys.some((k) => k.value === r.value && k.variant === r.variant))
      keys.push({ value: r.value, variant: r.variant, label: r.label });
  keys.sort((a, b) => (a.value ?? 0) - (b.value ?? 0));
  return keys.map((k) => {
    const rs = records.filter((r) => r.value === k.value && r.variant === k.variant);
    const metrics: Group["metrics"] = {};
    for (const m of METRICS) {
      const values = rs
        .filter((r) => r.metrics[m.key] !== undefined)
        .map((r) => ({ seed: r.seed, value: r.metrics[m.key] as number }));
      if (values.length) metrics[m.key] = distribution(values, m.worst);
    }
    let worst = rs[0];
    for (const r of rs) {
      const more = r.metrics.badDebtUsd - worst.metrics.badDebtUsd;
      if (more > 0 || (more === 0 && r.metrics.lpReturn < worst.metrics.lpReturn)) worst = r;
    }
    return {
      ...(k.value !== undefined ? { value: k.value } : {}),
      variant: k.variant,
      label: k.label,
      runs: rs.length,
      metrics,
      worstSeed: worst.seed,
      worstRun: worst.metrics,
      replay: replayCommand(spec, worst.seed, k.value),
    };
  });
}

export const usd = (x: number): string =>
  `${x < 0 ? "-" : ""}$${Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
export const pct = (x: number, dp = 2): string => `${(x * 100).toFixed(dp)}%`;
export const signedPct = (x: number): string => `${x >= 0 ? "+" : ""}${pct(x)}`;

/** A metric's value in its unit. */
export function show(key: keyof RunMetrics, x: number): string {
  const unit = METRICS.find((m) => m.key === key)?.unit;
  if (unit === "share") return key === "lpReturn" ? signedPct(x) : pct(x, 3);
  if (unit === "count") return Number.isInteger(x) ? String(x) : x.toFixed(1);
  return usd(x);
}

/** The lines of one group: what happened at p99 and in the worst seed. */
export function groupLines(g: Group, runs: number): { severity: "loss" | "warning" | "ok"; text: string }[] {
  const m = g.metrics;
  const d = (k: keyof RunMetrics) => m[k] as Distribution;
  const share = d("badDebtShare");
  const severity: "loss" | "warning" | "ok" =
    share.p99 > BAD_DEBT_LIMIT_SHARE ? "loss" : d("badDebtUsd").worst > 0 ? "warning" : "ok";
  const adversary = m.adversaryProfitUsd
    ? `; adversary profit p99 ${usd(m.adversaryProfitUsd.p99)}, worst ${usd(m.adversaryProfitUsd.worst)} (seed ${m.adversaryProfitUsd.worstSeed})`
    : "";
  const lines = [
    {
      severity,
      text:
        `At p99 over ${runs} seeds: bad debt ${usd(d("badDebtUsd").p99)} (${pct(share.p99, 3)} of the pool's value), ` +
        `LP return ${signedPct(d("lpReturn").p99)} (median ${signedPct(d("lpReturn").p50)}), ` +
        `${show("liquidations", d("liquidations").p99)} liquidations, insurance-fund drawdown ` +
        `${usd(d("insuranceDrawdownUsd").p99)}${adversary}.`,
    },
    {
      severity: g.worstRun.badDebtUsd > 0 ? ("warning" as const) : ("ok" as const),
      text:
        `Worst seed ${g.worstSeed}: bad debt ${usd(g.worstRun.badDebtUsd)} (${pct(g.worstRun.badDebtShare, 3)} of the ` +
        `pool), LP return ${signedPct(g.worstRun.lpReturn)}, ${g.worstRun.liquidations} liquidations, insurance-fund ` +
        `drawdown ${usd(g.worstRun.insuranceDrawdownUsd)}. Replay: ${g.replay}`,
    },
  ];
  return lines;
}
