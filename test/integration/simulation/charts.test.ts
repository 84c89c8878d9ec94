import { expect } from "chai";
import { liquidationChart, marginChart } from "../../../scripts/sim/report/charts/accounts";
import { comparisonChart } from "../../../scripts/sim/report/charts/comparison";
import { MARGIN_BUCKETS } from "../../../scripts/sim/types";
import type { SimulationResult } from "../../../scripts/sim/types";

/**
 * The labels of every Y axis in a rendered SVG whose description matches `title` (Vega describes each axis as
 * "Y-axis titled '<title>' for a linear scale …", or "Y-axis for …" when untitled).
 */
function yAxisLabels(svg: string, title: RegExp): string[][] {
  const axes: string[][] = [];
  for (const match of svg.matchAll(/aria-label="(Y-axis[^"]*)"/g)) {
    if (!title.test(match[1])) continue;
    const from = svg.indexOf('role-axis-label"', match.index);
    const to = svg.indexOf("</g>", from);
    axes.push([...svg.slice(from, to).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]));
  }
  return axes;
}

/** Whole numbers (with thousands separators), each one more tick than the last. */
function expectWholeTicks(axes: string[][]) {
  expect(axes.length).to.be.greaterThan(0);
  for (const labels of axes) {
    expect(labels.length, labels.join(" ")).to.be.at.least(2);
    for (const l of labels) expect(l, labels.join(" ")).to.match(/^\d{1,3}(,\d{3})*$/);
    expect(new Set(labels).size, labels.join(" ")).to.equal(labels.length);
  }
}

/**
 * A run of `steps` hours whose counts are small (0 to 2 liquidations an hour, 3 accounts), where an axis left to
 * itself puts ticks at 0.5; the amounts are large, so their axes have whole labels anyway.
 */
function smallRun(variants: string[], steps = 40): SimulationResult {
  const stepRecords = Array.from({ length: steps }, (_, i) => ({
    step: i,
    liquidations: i % 3,
    liquidatedNotional: BigInt(i % 3) * 10n ** 21n,
    capped: i % 2,
    flatAccounts: 1,
    marginBuckets: Object.fromEntries(MARGIN_BUCKETS.map((b, j) => [b, j < 2 ? 1 : 0])),
  }));
  const kinds = ["directional", "hedger"].map((kind, i) => ({
    kind,
    liquidations: i + 1,
    tradersLiquidated: i + 1,
    penalties: 5_000_000_000n,
    pnl: 10n ** 22n,
    badDebt: 0n,
  }));
  return {
    steps,
    scenario: { name: "cascade", crash: true },
    schedule: [],
    variants: variants.map((label) => ({
      variant: { label, key: label, margin: "cross" },
      steps: stepRecords,
      kinds,
      headline: {
        capped: 1,
        liquidations: 2,
        liquidatedNotional: 10n ** 22n,
        badDebt: 3_000_000_000n,
        insuranceEnd: 10_000_000_000n,
        lpPnl: 10_000_000_000n,
      },
    })),
  } as unknown as SimulationResult;
}

describe("simulation report: count axes", function () {
  this.timeout(60_000);

  it("ticks liquidations and deferred liquidations per hour in whole numbers", async function () {
    const { svg } = await liquidationChart(smallRun(["baseline"]));
    expectWholeTicks(yAxisLabels(svg, /titled 'liquidations'/));
    expectWholeTicks(yAxisLabels(svg, /titled 'deferred by the cap'/));
    // The test can fail: the notional axis of the same chart is in dollars.
    expect(yAxisLabels(svg, /notional liquidated/)[0]).to.include("2,000");
  });

  it("ticks the number of trader accounts in whole numbers", async function () {
    const { svg } = await marginChart(smallRun(["damping on", "damping off"]));
    expectWholeTicks(yAxisLabels(svg, /titled 'trader accounts'/));
  });

  it("ticks the counts of the side-by-side chart in whole numbers", async function () {
    const { svg } = (await comparisonChart(smallRun(["damping on", "damping off"]))) ?? { svg: "" };
    // Untitled axes: the counts' go from 0 to 2 or 1, the amounts' to thousands; every label is whole.
    const axes = yAxisLabels(svg, /^Y-axis/);
    expect(axes).to.have.length(6);
    expectWholeTicks(axes);
  });
});
