/**
 * The charts of a many-seed report, rendered to inline SVG like the single run's (../report/charts/render.ts): a strip
 * plot per metric (one tick per seed, the median and p99 as rules), and for a sweep, p99 bad debt and the median LP
 * return against the parameter's value.
 */
import type { TopLevelSpec } from "vega-lite";
import { WIDTH, render } from "../report/charts/render";
import type { Chart } from "../report/charts/render";
import { BAD_DEBT_LIMIT_SHARE } from "./aggregate";
import type { Group } from "./aggregate";
import { PARAMS } from "./params";
import type { Recommendation } from "./recommend";
import { METRICS } from "./stats";

const unitTitle = (unit: string, label: string) =>
  unit === "usd" ? `${label} (USD)` : unit === "share" ? `${label} (%)` : label;
const scaled = (unit: string, x: number) => (unit === "share" ? x * 100 : x);

/** One strip plot per metric: each seed a tick, per variant (and sweep value) a row. */
export async function stripCharts(groups: Group[]): Promise<Chart[]> {
  const charts: Chart[] = [];
  for (const m of METRICS) {
    const rows = groups.filter((g) => g.metrics[m.key]);
    if (rows.length === 0) continue;
    const name = (g: Group) => `${g.value !== undefined ? `${g.value} · ` : ""}${g.label}`;
    const values = rows.flatMap((g) =>
      (g.metrics[m.key]?.values ?? []).map((v) => ({
        row: name(g),
        seed: v.seed,
        x: scaled(m.unit, v.value),
      })),
    );
    const marks = rows.flatMap((g) => {
      const d = g.metrics[m.key]!;
      return [
        { row: name(g), x: scaled(m.unit, d.p50), which: "median" },
        { row: name(g), x: scaled(m.unit, d.p99), which: "p99" },
      ];
    });
    const spec: TopLevelSpec = {
      width: WIDTH,
      height: { step: 28 },
      layer: [
        {
          data: { values },
          mark: { type: "tick", thickness: 2, opacity: 0.6, color: "#1f77b4" },
          encoding: {
            x: { field: "x", type: "quantitative", title: unitTitle(m.unit, m.label) },
            y: { field: "row", type: "nominal", title: null, sort: null },
            tooltip: [{ field: "seed" }, { field: "x" }],
          },
        },
        {
          data: { values: marks },
          mark: { type: "point", shape: "diamond", size: 70, filled: true },
          encoding: {
            x: { field: "x", type: "quantitative" },
            y: { field: "row", type: "nominal", sort: null },
            color: {
              field: "which",
              type: "nominal",
              title: null,
              scale: { domain: ["median", "p99"], range: ["#2ca02c", "#c62828"] },
              legend: { orient: "top" },
            },
          },
        },
      ],
    };
    charts.push({
      id: `strip-${m.key}`,
      title: m.label,
      caption: `One tick per seed; the green diamond is the median, the red one p99 (the bad side: ${m.worst === "low" ? "low" : "high"} values).`,
      svg: await render(spec),
    });
  }
  return charts;
}

/** p99 bad debt (share of the pool) and the median LP return against the swept value, today's value marked. */
export async function sweepCharts(rec: Recommendation, groups: Group[]): Promise<Chart[]> {
  const name = rec.parameter;
  const current = PARAMS[name as keyof typeof PARAMS].current;
  const series = (pick: (g: Group) => number | undefined) =>
    groups
      .filter((g) => g.value !== undefined)
      .map((g) => ({ value: g.value as number, variant: g.label, y: (pick(g) ?? 0) * 100 }));
  const chart = async (id: string, title: string, yTitle: string, values: object[], limit?: number) => {
    const spec: TopLevelSpec = {
      width: WIDTH,
      height: 220,
      layer: [
        {
          data: { values },
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "value", type: "quantitative", title: name, scale: { zero: false } },
            y: { field: "y", type: "quantitative", title: yTitle },
            color: { field: "variant", type: "nominal", legend: { orient: "top" } },
          },
        },
        {
          data: { values: [{ value: current }] },
          mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
          encoding: { x: { field: "value", type: "quantitative" } },
        },
        ...(limit !== undefined
          ? [
              {
                data: { values: [{ y: limit * 100 }] },
                mark: { type: "rule" as const, color: "#c62828" },
                encoding: { y: { field: "y", type: "quantitative" as const } },
              },
            ]
          : []),
      ],
    };
    return { id, title, caption: "", svg: await render(spec) };
  };
  const bad = await chart(
    "sweep-bad-debt",
    `p99 bad debt against ${name}`,
    "p99 bad debt (% of pool value)",
    series((g) => g.metrics.badDebtShare?.p99),
    BAD_DEBT_LIMIT_SHARE,
  );
  bad.caption = `The red line is the limit (${BAD_DEBT_LIMIT_SHARE * 100}% of the pool's value); the dashed one today's ${name}.`;
  const lp = await chart(
    "sweep-lp-return",
    `Median LP return against ${name}`,
    "median LP return (%)",
    series((g) => g.metrics.lpReturn?.p50),
  );
  lp.caption = `The dashed line is today's ${name}.`;
  return [bad, lp];
}
