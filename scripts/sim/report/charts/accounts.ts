/**
 * Account charts: the distribution of trader accounts' margin ratios hour by hour, and liquidations per hour.
 */
import type { TopLevelSpec } from "vega-lite";
import type { SimulationResult } from "../../types";
import { MARGIN_BUCKETS } from "../../types";
import { BUCKET_COLORS, countAxis, FLAT, WIDTH, hourAxis, render, toUsd, variantColor } from "./render";
import type { Chart } from "./render";

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
  // Every account is in one bucket at every step's end: the stack's height is the number of accounts.
  const accountsPerStep = result.variants.flatMap((v) =>
    v.steps.map((s) => MARGIN_BUCKETS.reduce((acc, b) => acc + s.marginBuckets[b], s.flatAccounts)),
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
        y: {
          field: "accounts",
          type: "quantitative",
          stack: "zero",
          title: "trader accounts",
          axis: countAxis(Math.max(0, ...accountsPerStep), 240),
        },
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
  const maxOf = (field: "liquidations" | "capped") => Math.max(0, ...values.map((d) => d[field]));
  /** A panel; `countMax` for a panel of counts (whole-number ticks up to it). */
  const panel = (field: string, title: string, countMax?: number) => ({
    width: WIDTH - 130,
    height: 130,
    mark: { type: "bar" as const, width: barWidth },
    encoding: {
      x: hourAxis(result),
      y: {
        field,
        type: "quantitative" as const,
        title,
        ...(countMax === undefined ? {} : { axis: countAxis(countMax, 130) }),
      },
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
      panel("liquidations", "liquidations", maxOf("liquidations")),
      panel("notional", "notional liquidated (USD)"),
      ...(capped ? [panel("capped", "deferred by the cap", maxOf("capped"))] : []),
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
