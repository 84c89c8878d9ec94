/**
 * The report's charts: Vega-Lite specifications rendered to SVG strings in Node with Vega's headless view
 * (`renderer: "none"`, no browser, no canvas), to be inlined in report.html.
 *
 * vega 5 and vega-lite 5 are used because they are CommonJS (Hardhat runs TypeScript through ts-node as CommonJS;
 * vega 6 is ESM-only). Text is measured by Vega's built-in estimate when the optional `canvas` package is absent, so
 * the SVG is the same on every machine.
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import type { SimulationResult, VariantResult } from "../types";
import { MARGIN_BUCKETS } from "../types";

export interface Chart {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

const WIDTH = 760;
const FLAT = "no position";
const BUCKET_COLORS = ["#c62828", "#ef6c00", "#f9a825", "#9ccc65", "#43a047", "#1b5e20", "#cfd8dc"];
const VARIANT_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

const toUsd = (wad: bigint): number => Number(wad / 10n ** 12n) / 1e6;
const unitsToUsd = (units: bigint): number => Number(units) / 1e6;
const hours = (seconds: number): number => Math.round((seconds / 3600) * 1000) / 1000;

const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14 },
};

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(
    vega.parse(compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec),
    {
      renderer: "none",
    },
  );
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The scheduled market events (jumps, crash) as vertical rules. */
function eventRules(result: SimulationResult) {
  const values = result.schedule.map((e) => ({ hour: e.step, event: e.event }));
  return {
    data: { values },
    mark: { type: "rule" as const, strokeDash: [4, 3], color: "#888" },
    encoding: {
      x: { field: "hour", type: "quantitative" as const },
      tooltip: [{ field: "event", type: "nominal" as const }],
    },
  };
}

/** The x axis of every chart over the run: hours since the start, from 0 to the number of steps. */
const hourAxis = (result: SimulationResult, title = "hours since start") => ({
  field: "hour",
  type: "quantitative" as const,
  title,
  scale: { domain: [0, result.steps], nice: false },
});

const variantColor = (result: SimulationResult) => ({
  field: "variant",
  type: "nominal" as const,
  title: "variant",
  scale: {
    domain: result.variants.map((v) => v.variant.label),
    range: VARIANT_COLORS.slice(0, result.variants.length),
  },
  legend: result.variants.length > 1 ? { orient: "top" as const } : null,
});

export async function priceChart(result: SimulationResult): Promise<Chart> {
  const values = result.variants.flatMap((v) =>
    v.ticks.flatMap((t) =>
      Object.entries(t.prices).map(([asset, price]) => ({
        variant: v.variant.label,
        hour: hours(t.offset),
        asset,
        price,
      })),
    ),
  );
  const assets = Object.keys(result.variants[0].ticks[0]?.prices ?? {});
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    vconcat: assets.map((asset) => ({
      width: WIDTH - 130,
      height: 170,
      title: `${asset} oracle price (USD)`,
      layer: [
        eventRules(result),
        {
          data: { values: values.filter((d) => d.asset === asset) },
          mark: { type: "line", strokeWidth: 1.5, interpolate: "linear" },
          encoding: {
            x: hourAxis(result),
            y: { field: "price", type: "quantitative", title: "USD", scale: { zero: false } },
            color: variantColor(result),
          },
        },
      ],
    })),
  };
  const multiple = result.variants.length > 1;
  return {
    id: "prices",
    title: "Prices",
    caption:
      "Oracle prices pushed into the mock Chainlink feeds: correlated geometric Brownian motion with scheduled jumps " +
      "(dashed lines)" +
      (result.scenario.crash ? " and the crash" : "") +
      ", times the decaying price impact of liquidations" +
      (multiple
        ? "; the variants share the exogenous path and differ only by their liquidations' impact."
        : "."),
    svg: await render(spec),
  };
}

export async function marginChart(result: SimulationResult): Promise<Chart> {
  const domain = [...MARGIN_BUCKETS, FLAT];
  const values = result.variants.flatMap((v) =>
    v.steps.flatMap((s) => [
      ...MARGIN_BUCKETS.map((bucket) => ({
        variant: v.variant.label,
        hour: s.step + 1,
        bucket,
        order: domain.indexOf(bucket),
        accounts: s.marginBuckets[bucket],
      })),
      {
        variant: v.variant.label,
        hour: s.step + 1,
        bucket: FLAT,
        order: domain.length - 1,
        accounts: s.flatAccounts,
      },
    ]),
  );
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    data: { values },
    facet: {
      column: {
        field: "variant",
        type: "nominal",
        title: null,
        sort: result.variants.map((v) => v.variant.label),
      },
    },
    spec: {
      width: result.variants.length > 1 ? WIDTH / 2 - 70 : WIDTH - 120,
      height: 240,
      mark: { type: "area", interpolate: "step-before" },
      encoding: {
        x: hourAxis(result),
        y: { field: "accounts", type: "quantitative", stack: "zero", title: "trader accounts" },
        color: {
          field: "bucket",
          type: "nominal",
          title: "margin ratio",
          scale: { domain, range: BUCKET_COLORS },
          sort: domain,
          legend: { orient: result.variants.length > 1 ? "top" : "right", titleLimit: 200, labelLimit: 200 },
        },
        order: { field: "order", type: "quantitative" },
      },
    },
    resolve: { scale: { y: "shared" } },
  };
  return {
    id: "margin",
    title: "Distribution of account margin ratios",
    caption:
      "Trader accounts by margin ratio (equity / maintenance margin) at the end of every hour; below 1 an account is " +
      "liquidatable. Accounts without positions are grey.",
    svg: await render(spec),
  };
}

export async function liquidationChart(result: SimulationResult): Promise<Chart> {
  const values = result.variants.flatMap((v) =>
    v.steps.map((s) => ({
      variant: v.variant.label,
      hour: s.step + 0.5,
      liquidations: s.liquidations,
      notional: toUsd(s.liquidatedNotional),
      capped: s.capped,
    })),
  );
  const multiple = result.variants.length > 1;
  const barWidth = Math.max(1, Math.floor(((WIDTH - 130) / Math.max(1, result.steps)) * 0.8));
  const panel = (field: string, title: string) => ({
    width: WIDTH - 130,
    height: 130,
    mark: { type: "bar" as const, width: barWidth },
    encoding: {
      x: hourAxis(result),
      y: { field, type: "quantitative" as const, title },
      color: variantColor(result),
      ...(multiple
        ? {
            row: {
              field: "variant",
              type: "nominal" as const,
              title: null,
              sort: result.variants.map((v) => v.variant.label),
            },
          }
        : {}),
    },
  });
  const capped = result.variants.some((v) => v.headline.capped > 0);
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    data: { values },
    vconcat: [
      panel("liquidations", "liquidations"),
      panel("notional", "notional liquidated (USD)"),
      ...(capped ? [panel("capped", "deferred by the cap")] : []),
    ],
  };
  return {
    id: "liquidations",
    title: "Liquidations per hour",
    caption:
      "Number of `liquidate` calls that succeeded in each hour (each one closes the same fraction of every position of an " +
      "account) and the notional they closed at the oracle price." +
      (capped
        ? " The last panel counts the keeper's `liquidate` attempts refused because the market's liquidation window " +
          "was full (`ClearinghouseLiquidationCapExceeded`); the keeper retries them after the next price update."
        : ""),
    svg: await render(spec),
  };
}

export async function fundsChart(result: SimulationResult): Promise<Chart> {
  const metrics = [
    "Insurance fund",
    "Pool NAV (totalAssets)",
    "LPs' result (NAV + redeemed − deposited)",
    "Cumulative bad debt",
  ];
  const values = result.variants.flatMap((v) => [
    { variant: v.variant.label, hour: 0, metric: metrics[0], usd: unitsToUsd(v.headline.insuranceStart) },
    { variant: v.variant.label, hour: 0, metric: metrics[1], usd: unitsToUsd(v.headline.poolNavStart) },
    { variant: v.variant.label, hour: 0, metric: metrics[2], usd: 0 },
    { variant: v.variant.label, hour: 0, metric: metrics[3], usd: 0 },
    ...v.steps.flatMap((s) => [
      { variant: v.variant.label, hour: s.step + 1, metric: metrics[0], usd: unitsToUsd(s.insurance) },
      { variant: v.variant.label, hour: s.step + 1, metric: metrics[1], usd: unitsToUsd(s.poolNav) },
      {
        variant: v.variant.label,
        hour: s.step + 1,
        metric: metrics[2],
        usd: unitsToUsd(s.poolNav - s.lpNetDeposits),
      },
      { variant: v.variant.label, hour: s.step + 1, metric: metrics[3], usd: unitsToUsd(s.badDebt) },
    ]),
  ]);
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    vconcat: metrics.map((metric, i) => ({
      width: WIDTH - 130,
      height: 120,
      title: metric,
      layer: [
        eventRules(result),
        ...(i === 2 ? [zeroRule()] : []),
        {
          data: { values: values.filter((d) => d.metric === metric) },
          mark: { type: "line", interpolate: "step-before", strokeWidth: 1.5 },
          encoding: {
            x: hourAxis(result),
            y: { field: "usd", type: "quantitative", title: "USD", scale: { zero: i === 0 || i === 3 } },
            color: variantColor(result),
          },
        },
      ],
    })),
  };
  return {
    id: "funds",
    title: "Insurance fund, pool NAV and bad debt",
    caption:
      "At the end of every hour: the insurance fund's ledger; the pool's net asset value (`LiquidityPool.totalAssets()`: " +
      "its cash plus the funding it is owed minus the traders' unrealized PnL), which LP deposits and redemptions move " +
      "too; the LPs' result with those flows taken out (below zero, LPs have lost money); and the bad debt settled so far.",
    svg: await render(spec),
  };
}

function zeroRule() {
  return {
    data: { values: [{ usd: 0 }] },
    mark: { type: "rule" as const, color: "#b71c1c", strokeWidth: 1 },
    encoding: { y: { field: "usd", type: "quantitative" as const } },
  };
}

/** Crash scenarios: every price update from an hour before the crash to three hours after it. */
export async function crashChart(result: SimulationResult): Promise<Chart | undefined> {
  const crash = result.schedule.find((e) => e.event.includes("crash"));
  if (!crash) return undefined;
  const from = (crash.step - 1) * 60;
  const to = (crash.step + 3) * 60;
  const ticks = result.variants.flatMap((v) =>
    v.ticks
      .map((t) => ({ v, t, minute: Math.round(t.offset / 60) - crash.step * 60 }))
      .filter(({ minute }) => minute + crash.step * 60 >= from && minute + crash.step * 60 <= to),
  );
  const assets = Object.keys(result.variants[0].ticks[0]?.prices ?? {});
  const priceValues = ticks.flatMap(({ v, t, minute }) =>
    assets.map((asset) => ({ variant: v.variant.label, minute, asset, price: t.prices[asset] })),
  );
  // Bars of several variants side by side: shifted by a minute and a half each (a continuous axis has no xOffset).
  const shift = (v: VariantResult) =>
    result.variants.length > 1 ? (result.variants.indexOf(v) - (result.variants.length - 1) / 2) * 1.5 : 0;
  const liquidationValues = ticks
    .filter(({ t }) => t.liquidations > 0)
    .map(({ v, t, minute }) => ({
      variant: v.variant.label,
      minute: minute + shift(v),
      notional: toUsd(t.liquidatedNotional),
      liquidations: t.liquidations,
    }));
  const x = {
    field: "minute",
    type: "quantitative" as const,
    title: "minutes from the start of the crash",
    scale: { domain: [from - crash.step * 60, to - crash.step * 60], nice: false },
  };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    vconcat: [
      ...assets.map((asset) => ({
        width: WIDTH - 130,
        height: 130,
        title: `${asset} oracle price around the crash (USD)`,
        data: { values: priceValues.filter((d) => d.asset === asset) },
        mark: { type: "line" as const, point: { size: 12 }, strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: "price", type: "quantitative" as const, title: "USD", scale: { zero: false } },
          color: variantColor(result),
        },
      })),
      {
        width: WIDTH - 130,
        height: 130,
        title: "Notional liquidated after each price update (USD)",
        data: { values: liquidationValues },
        mark: { type: "bar" as const, width: 4 },
        encoding: {
          x,
          y: { field: "notional", type: "quantitative" as const, title: "USD" },
          color: variantColor(result),
        },
      },
    ],
  };
  return {
    id: "crash",
    title: "The crash, update by update",
    caption:
      "Every 5-minute price update from an hour before the crash to three hours after it (hourly outside the crash " +
      "window), and the notional the keeper liquidated right after each update. Liquidations feed back into the next " +
      "price through their impact.",
    svg: await render(spec),
  };
}

/** Side-by-side figures of a two-variant scenario. */
export async function comparisonChart(result: SimulationResult): Promise<Chart | undefined> {
  if (result.variants.length !== 2) return undefined;
  const isolatedScenario = result.scenario.name === "cross-vs-isolated";
  const values: { variant: string; group: string; metric: string; value: number }[] = [];
  for (const v of result.variants) {
    if (isolatedScenario) {
      for (const k of v.kinds) {
        const group = k.kind === "hedger" ? "hedged books" : "directional books";
        const push = (metric: string, value: number) =>
          values.push({ variant: v.variant.label, group, metric, value });
        push("liquidations", k.liquidations);
        push("traders liquidated", k.tradersLiquidated);
        push("penalties paid (USD)", unitsToUsd(k.penalties));
        push("traders' PnL (USD)", toUsd(k.pnl));
        if (k.collateralNeeded) {
          push(
            "collateral needed, no liquidation (USD)",
            toUsd(v.variant.margin === "cross" ? k.collateralNeeded.cross : k.collateralNeeded.isolated),
          );
        }
        push("bad debt (USD)", unitsToUsd(k.badDebt));
      }
    } else {
      const h = v.headline;
      const push = (metric: string, value: number) =>
        values.push({ variant: v.variant.label, group: "", metric, value });
      push("liquidations", h.liquidations);
      push("notional liquidated (USD)", toUsd(h.liquidatedNotional));
      push("liquidations deferred by the cap", h.capped);
      push("bad debt (USD)", unitsToUsd(h.badDebt));
      push("insurance fund at the end (USD)", unitsToUsd(h.insuranceEnd));
      push("LPs' result (USD)", unitsToUsd(h.lpPnl));
    }
  }
  const metrics = [...new Set(values.map((v) => v.metric))];
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    data: { values },
    facet: { field: "metric", type: "nominal", title: null, sort: metrics, header: { labelFontSize: 12 } },
    columns: 3,
    spec: {
      width: 190,
      height: 150,
      mark: { type: "bar" },
      encoding: {
        x: isolatedScenario
          ? { field: "group", type: "nominal", title: null, axis: { labelAngle: 0 } }
          : {
              field: "variant",
              type: "nominal",
              title: null,
              axis: { labelAngle: 0 },
              sort: result.variants.map((v) => v.variant.label),
            },
        ...(isolatedScenario
          ? { xOffset: { field: "variant", sort: result.variants.map((v) => v.variant.label) } }
          : {}),
        y: { field: "value", type: "quantitative", title: null },
        color: variantColor(result),
      },
    },
    resolve: { scale: { y: "independent" } },
  };
  return {
    id: "comparison",
    title: isolatedScenario ? "Cross margin vs isolated, side by side" : "Damping on vs off, side by side",
    caption: isolatedScenario
      ? "The same books in one cross-margin account per trader and in one subaccount per position. " +
        '"Collateral needed" is the smallest collateral that would have carried each book through this run\'s prices ' +
        "without a liquidation (max of the initial margin at opening and of maintenance margin − unrealized PnL over " +
        "every price update, funding and fees excluded), summed over the books."
      : "The same crash with the per-market liquidation cap small (damping on) and out of reach (damping off).",
    svg: await render(spec),
  };
}

export async function renderCharts(result: SimulationResult): Promise<Chart[]> {
  const charts = [await priceChart(result)];
  const crash = await crashChart(result);
  if (crash) charts.push(crash);
  charts.push(await marginChart(result), await liquidationChart(result), await fundsChart(result));
  const comparison = await comparisonChart(result);
  if (comparison) charts.unshift(comparison);
  return charts;
}
