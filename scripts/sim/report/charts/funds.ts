/**
 * The funds chart: the insurance fund, the pool's NAV, the LPs' result and the bad debt, hour by hour.
 */
import type { TopLevelSpec } from "vega-lite";
import type { SimulationResult } from "../../types";
import { WIDTH, eventRules, hourAxis, render, unitsToUsd, variantColor, zeroRule } from "./render";
import type { Chart } from "./render";

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
