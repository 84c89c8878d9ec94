/**
 * The report's charts, in the order report.html shows them.
 */
import type { SimulationResult } from "../../types";
import { marginChart, liquidationChart } from "./accounts";
import { comparisonChart } from "./comparison";
import { fundsChart } from "./funds";
import { crashChart, priceChart } from "./market";
import type { Chart } from "./render";

export type { Chart };

export async function renderCharts(result: SimulationResult): Promise<Chart[]> {
  const charts = [await priceChart(result)];
  const crash = await crashChart(result);
  if (crash) charts.push(crash);
  charts.push(await marginChart(result), await liquidationChart(result), await fundsChart(result));
  const comparison = await comparisonChart(result);
  if (comparison) charts.unshift(comparison);
  return charts;
}
