/**
 * Market charts: the oracle prices over the run, and for crash scenarios every price update around the crash with
 * the notional liquidated after each.
 */
import type { TopLevelSpec } from "vega-lite";
import type { SimulationResult, VariantResult } from "../../types";
import { WIDTH, eventRules, hourAxis, hours, render, toUsd, variantColor } from "./render";
import type { Chart } from "./render";

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
