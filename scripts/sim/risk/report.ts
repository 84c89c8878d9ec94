/**
 * The many-seed report: `<out>/<scenario>-seeds-<a>-<b>/` (or `<scenario>-sweep-<name>-seeds-<a>-<b>/`) with
 * `summary.json` (the distributions, every run's metrics, the recommendation; no wall-clock time or path) and
 * `report.html` (the single run's style: the first lines, the tables of percentiles, the charts). Each run's own
 * summary.json stays under `runs/`.
 */
import fs from "node:fs";
import path from "node:path";
import { STYLE, esc } from "../report/html";
import type { Chart } from "../report/charts/render";
import { BAD_DEBT_LIMIT_SHARE, groupLines, pct, show } from "./aggregate";
import type { Group, RunRecord, RunSpec } from "./aggregate";
import { stripCharts, sweepCharts } from "./charts";
import { PARAMS, formatValue } from "./params";
import type { Recommendation } from "./recommend";
import { METRICS } from "./stats";

export interface RiskResult {
  spec: RunSpec;
  groups: Group[];
  records: RunRecord[];
  failures: { seed: number; value?: number; error: string }[];
  recommendation?: Recommendation;
}

export type Line = { severity: "loss" | "warning" | "ok"; text: string };

export const riskDir = (out: string, spec: RunSpec): string => {
  const [a, b] = [Math.min(...spec.seeds), Math.max(...spec.seeds)];
  const sweep = spec.sweep ? `-sweep-${spec.sweep.name}` : "";
  return path.join(out, `${spec.scenario}${sweep}-seeds-${a}-${b}`);
};

/** The lines a risk committee reads first: failures, the recommendation, then p99 and the worst seed per group. */
export function firstLines(r: RiskResult): Line[] {
  const lines: Line[] = [];
  const total = r.spec.seeds.length * (r.spec.sweep?.values.length ?? 1);
  if (r.failures.length)
    lines.push({
      severity: "loss",
      text:
        `${r.failures.length} OF ${total} RUNS FAILED (not counted): ` +
        r.failures
          .slice(0, 3)
          .map(
            (f) => `seed ${f.seed}${f.value !== undefined ? ` at ${formatValue(f.value)}` : ""}: ${f.error}`,
          )
          .join("; "),
    });
  if (r.recommendation)
    lines.push({
      severity: r.recommendation.recommended === undefined ? "loss" : "ok",
      text: r.recommendation.text,
    });
  for (const g of r.groups) {
    const prefix = [
      g.value !== undefined ? `${r.spec.sweep?.name} = ${formatValue(g.value)}` : "",
      r.groups.some((x) => x.variant !== g.variant) ? g.label : "",
    ]
      .filter(Boolean)
      .join(", ");
    for (const l of groupLines(g, g.runs))
      lines.push({ ...l, text: prefix ? `[${prefix}] ${l.text}` : l.text });
  }
  return lines;
}

export function buildRiskSummary(r: RiskResult) {
  return {
    schema: "keel-risk-summary/1",
    scenario: r.spec.scenario,
    seeds: r.spec.seeds,
    accounts: r.spec.accounts,
    steps: r.spec.steps,
    ...(r.spec.prices ? { prices: r.spec.prices } : {}),
    settings: r.spec.settings,
    ...(r.spec.sweep
      ? {
          sweep: {
            ...r.spec.sweep,
            current: PARAMS[r.spec.sweep.name].current,
            meaning: PARAMS[r.spec.sweep.name].meaning,
          },
        }
      : {}),
    badDebtLimitShareOfPool: BAD_DEBT_LIMIT_SHARE,
    firstLines: firstLines(r).map((l) => l.text),
    ...(r.recommendation ? { recommendation: r.recommendation } : {}),
    groups: r.groups.map((g) => ({
      ...(g.value !== undefined ? { value: g.value } : {}),
      variant: g.variant,
      label: g.label,
      runs: g.runs,
      worstSeed: g.worstSeed,
      replay: g.replay,
      metrics: Object.fromEntries(
        Object.entries(g.metrics).map(([k, d]) => [
          k,
          { p50: d.p50, p95: d.p95, p99: d.p99, worst: d.worst, worstSeed: d.worstSeed, mean: d.mean },
        ]),
      ),
    })),
    runs: r.records,
    failures: r.failures,
  };
}

function groupTable(g: Group): string {
  const head = ["", "p50", "p95", "p99", "worst", "worst seed", "mean"];
  const rows = METRICS.filter((m) => g.metrics[m.key]).map((m) => {
    const d = g.metrics[m.key]!;
    return [
      m.label,
      ...[d.p50, d.p95, d.p99, d.worst].map((x) => show(m.key, x)),
      String(d.worstSeed),
      show(m.key, d.mean),
    ];
  });
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>\n${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("\n")}</table>`;
}

function recommendationTable(rec: Recommendation): string {
  const rows = rec.rows.map(
    (r) =>
      `<tr><td>${esc(formatValue(r.value))}${Math.abs(r.value - rec.current) < 1e-12 ? " (today)" : ""}</td>` +
      `<td${r.acceptable ? "" : ' class="alarm"'}>${esc(pct(r.p99BadDebtShare, 3))}</td><td>${esc(pct(r.medianLpReturn))}</td>` +
      `<td>${r.acceptable ? "yes" : "no"}</td></tr>`,
  );
  return `<table><tr><th>${esc(rec.parameter)}</th><th>p99 bad debt / pool</th><th>median LP return</th><th>under ${pct(rec.limitShare, 0)}</th></tr>\n${rows.join("\n")}</table>`;
}

export function renderRiskHtml(r: RiskResult, charts: Chart[]): string {
  const lines = firstLines(r);
  const worst = lines.find((l) => l.severity === "loss")
    ? "loss"
    : lines.find((l) => l.severity === "warning")
      ? "warning"
      : "ok";
  const s = r.spec;
  const what = s.sweep
    ? `${s.sweep.name} swept over ${s.sweep.values.map(formatValue).join(", ")}`
    : "many seeds";
  const title = `${worst === "loss" ? "LOSS — " : ""}Keel risk report: ${s.scenario}, ${what}`;
  const verdict = (["loss", "warning", "ok"] as const)
    .map((sev) => ({ sev, ls: lines.filter((l) => l.severity === sev) }))
    .filter((g) => g.ls.length)
    .map((g) => `<div class="verdict ${g.sev}">${g.ls.map((l) => `<p>${esc(l.text)}</p>`).join("")}</div>`)
    .join("\n");
  const groups = r.groups
    .map(
      (g) =>
        `<h3>${esc(g.value !== undefined ? `${s.sweep?.name} = ${formatValue(g.value)} · ` : "")}${esc(g.label)} (${g.runs} seeds)</h3>\n${groupTable(g)}\n<p class="meta">Worst seed ${g.worstSeed}: <code>${esc(g.replay)}</code></p>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${verdict}
<h1>${esc(title)}</h1>
<p class="meta">scenario <code>${esc(s.scenario)}</code> · seeds ${esc(seedList(s.seeds))} · ${s.accounts} trader accounts · ${s.steps} steps${s.prices ? ` · prices <code>${esc(s.prices.file)}</code>` : ""}${s.settings.map((x) => ` · <code>${esc(`${x.name}=${x.value}`)}</code>`).join("")}</p>
<p>Each seed runs the scenario in its own process on its own in-process chain; percentiles are nearest-rank, taken on each metric's bad side (p99 LP return is the return only 1% of the seeds did worse than). Bad debt is also shown as a share of the pool's value at the start.</p>
${r.recommendation ? `<h2>Recommendation</h2>\n<p>${esc(r.recommendation.text)}</p>\n${recommendationTable(r.recommendation)}` : ""}
<h2>Distributions</h2>
${groups}
<h2>Charts</h2>
${charts.map((c) => `<figure id="${c.id}">\n<h3>${esc(c.title)}</h3>\n${c.svg}\n<figcaption>${esc(c.caption)}</figcaption>\n</figure>`).join("\n")}
<h2>Files</h2>
<ul><li><a href="summary.json">summary.json</a>: the distributions and every run's figures.</li>
<li><code>runs/</code>: each run's own summary.json.</li></ul>
</body>
</html>
`;
}

const seedList = (seeds: number[]): string => {
  const sorted = [...seeds].sort((a, b) => a - b);
  const contiguous = sorted.every((x, i) => i === 0 || x === sorted[i - 1] + 1);
  return contiguous && sorted.length > 2 ? `${sorted[0]}..${sorted[sorted.length - 1]}` : sorted.join(", ");
};

export async function writeRiskReport(
  r: RiskResult,
  dir: string,
): Promise<{ html: string; summary: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const charts = [
    ...(r.recommendation ? await sweepCharts(r.recommendation, r.groups) : []),
    ...(await stripCharts(r.groups)),
  ];
  const files = { html: path.join(dir, "report.html"), summary: path.join(dir, "summary.json") };
  fs.writeFileSync(files.summary, `${JSON.stringify(buildRiskSummary(r), null, 2)}\n`);
  fs.writeFileSync(files.html, renderRiskHtml(r, charts));
  return files;
}
