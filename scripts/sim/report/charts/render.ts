/**
 * What every chart of the report shares: Vega-Lite specifications rendered to SVG strings in Node with Vega's headless
 * view (`renderer: "none"`, no browser, no canvas), to be inlined in report.html; the common axes, colours and sizes.
 *
 * vega 5 and vega-lite 5 are used because they are CommonJS (Hardhat runs TypeScript through ts-node as CommonJS;
 * vega 6 is ESM-only). Text is measured by Vega's built-in estimate when the optional `canvas` package is absent, so
 * the SVG is the same on every machine.
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import type { SimulationResult } from "../../types";

export interface Chart {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

export const WIDTH = 760;
export const FLAT = "no position";
export const BUCKET_COLORS = ["#c62828", "#ef6c00", "#f9a825", "#9ccc65", "#43a047", "#1b5e20", "#cfd8dc"];
const VARIANT_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

export const toUsd = (wad: bigint): number => Number(wad / 10n ** 12n) / 1e6;
export const unitsToUsd = (units: bigint): number => Number(units) / 1e6;
export const hours = (seconds: number): number => Math.round((seconds / 3600) * 1000) / 1000;

const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14 },
};

export async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(
    vega.parse(compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } }).spec),
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
export function eventRules(result: SimulationResult) {
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
export const hourAxis = (result: SimulationResult, title = "hours since start") => ({
  field: "hour",
  type: "quantitative" as const,
  title,
  scale: { domain: [0, result.steps], nice: false },
});

export const variantColor = (result: SimulationResult) => ({
  field: "variant",
  type: "nominal" as const,
  title: "variant",
  scale: {
    domain: result.variants.map((v) => v.variant.label),
    range: VARIANT_COLORS.slice(0, result.variants.length),
  },
  legend: result.variants.length > 1 ? { orient: "top" as const } : null,
});

/**
 * An axis of counts (accounts, liquidations) for values up to `max` on a panel `height` pixels high: whole-number ticks
 * only. `tickMinStep: 1` alone does not do it (Vega still asks for `span + 1` ticks, and 0–2 gets 0.5 steps); asking
 * for at most `max` ticks does, since a tick step of at least 1 is a whole power of ten times 1, 2 or 5.
 */
export const countAxis = (max: number, height: number) => ({
  tickMinStep: 1,
  format: "d",
  tickCount: Math.max(1, Math.min(Math.ceil(height / 40), Math.ceil(max))),
});

/** A red rule at zero. */
export function zeroRule() {
  return {
    data: { values: [{ usd: 0 }] },
    mark: { type: "rule" as const, color: "#b71c1c", strokeWidth: 1 },
    encoding: { y: { field: "usd", type: "quantitative" as const } },
  };
}
