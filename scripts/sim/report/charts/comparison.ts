/**
 * The side-by-side chart of a two-variant scenario (`cascade`, `cross-vs-isolated`).
 */
import type { TopLevelSpec } from "vega-lite";
import type { SimulationResult } from "../../types";
import { countAxis, render, toUsd, unitsToUsd, variantColor } from "./render";
import type { Chart } from "./render";

/** The metrics that count something (whole-number axes); the others are USD. */
const COUNT_METRICS = new Set(["liquidations", "traders liquidated", "liquidations deferred by the cap"]);

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
  const sort = result.variants.map((v) => v.variant.label);
  const maxOf = (metric: string) =>
    Math.max(0, ...values.filter((d) => d.metric === metric).map((d) => d.value));
  // One panel per metric (not a facet), so that the counts get whole-number axes and the amounts USD ones.
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    columns: 3,
    concat: metrics.map((metric) => ({
      title: { text: metric, fontSize: 12, fontWeight: "normal" as const },
      width: 190,
      height: 150,
      data: { values: values.filter((d) => d.metric === metric) },
      mark: { type: "bar" as const },
      encoding: {
        x: isolatedScenario
          ? { field: "group", type: "nominal" as const, title: null, axis: { labelAngle: 0 } }
          : { field: "variant", type: "nominal" as const, title: null, axis: { labelAngle: 0 }, sort },
        ...(isolatedScenario ? { xOffset: { field: "variant", sort } } : {}),
        y: {
          field: "value",
          type: "quantitative" as const,
          title: null,
          ...(COUNT_METRICS.has(metric) ? { axis: countAxis(maxOf(metric), 150) } : {}),
        },
        color: variantColor(result),
      },
    })),
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
