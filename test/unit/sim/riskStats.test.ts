/**
 * The aggregate of a many-seed run (issue 17): nearest-rank percentiles against a hand computation, the distributions'
 * bad side and worst seed, the metrics read from a summary.json, and a sweep's recommendation on both sides of the
 * bad-debt limit.
 */
import { expect } from "chai";
import { BAD_DEBT_LIMIT_SHARE, groupRuns, replayCommand } from "../../../scripts/sim/risk/aggregate";
import type { RunRecord, RunSpec } from "../../../scripts/sim/risk/aggregate";
import { recommend } from "../../../scripts/sim/risk/recommend";
import { distribution, metricsOf, percentile } from "../../../scripts/sim/risk/stats";
import type { RunMetrics, SummaryVariant } from "../../../scripts/sim/risk/stats";

describe("sim risk: percentiles, distributions, recommendation", function () {
  it("percentiles follow the nearest-rank rule", function () {
    // Sorted: 1 2 3 ... 10. Rank ceil(p/100 × 10): p50 → 5th = 5, p95 → 10th, p99 → 10th, p10 → 1st, p11 → 2nd.
    const xs = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5];
    expect([50, 95, 99, 10, 11, 100].map((p) => percentile(xs, p))).to.deep.equal([5, 10, 10, 1, 2, 10]);
    // 200 values 0.5, 1.0, … 100: p99 → ceil(198) = 198th = 99, p95 → 190th = 95, p50 → 100th = 50.
    const many = Array.from({ length: 200 }, (_, i) => (i + 1) / 2);
    expect([percentile(many, 99), percentile(many, 95), percentile(many, 50)]).to.deep.equal([99, 95, 50]);
    expect(percentile([42], 99)).to.equal(42);
    expect(() => percentile([], 50)).to.throw("no values");
    expect(() => percentile([1], 0)).to.throw("percentile must be in (0, 100]");
  });

  it("a distribution takes its percentiles on the bad side and names the worst seed", function () {
    const values = [0.02, -0.05, 0.01, -0.01].map((value, i) => ({ seed: i + 1, value }));
    const low = distribution(values, "low");
    // The bad side of a return is low: percentiles of -x, sorted: -0.02, -0.01, 0.01, 0.05; p50 = 2nd = -0.01 → x = 0.01; p99 = 4th = 0.05 → x = -0.05.
    expect([low.p50, low.p99, low.worst, low.worstSeed]).to.deep.equal([0.01, -0.05, -0.05, 2]);
    const high = distribution(
      [3, 9, 9, 1].map((value, i) => ({ seed: i + 10, value })),
      "high",
    );
    expect([high.p50, high.p95, high.worst, high.worstSeed, high.mean]).to.deep.equal([3, 9, 9, 11, 5.5]);
  });

  it("reads a run's metrics from its summary.json", function () {
    const v: SummaryVariant = {
      label: "baseline",
      headline: {
        liquidations: 4,
        badDebtUsd: "500",
        insuranceFund: { startUsd: "20000", minUsd: "19250.5" },
        poolNav: { startUsd: "1000000" },
        lp: { depositsUsd: "800000", pnlUsd: "-4000" },
      },
      adversaries: [
        { label: "a", profitUsd: "10.5" },
        { label: "b", profitUsd: "-3" },
      ],
    };
    expect(metricsOf(v)).to.deep.equal({
      lpReturn: -0.005,
      badDebtUsd: 500,
      badDebtShare: 0.0005,
      liquidations: 4,
      insuranceDrawdownUsd: 749.5,
      adversaryProfitUsd: 7.5,
    });
  });

  const run = (seed: number, value: number, badDebtShare: number, lpReturn: number): RunRecord => {
    const metrics: RunMetrics = {
      lpReturn,
      badDebtUsd: badDebtShare * 1_000_000,
      badDebtShare,
      liquidations: 0,
      insuranceDrawdownUsd: 0,
    };
    return { seed, value, variant: "baseline", label: "baseline", metrics };
  };

  it("recommends the most permissive value whose p99 bad debt stays under the limit, and how far today's is", function () {
    const sweep = { name: "imf" as const, values: [0.06, 0.08, 0.1] };
    const spec: RunSpec = { scenario: "crash", seeds: [1, 2], accounts: 5, steps: 4, settings: [], sweep };
    // imf 0.06: one seed just at the limit (refused: the limit is strict); 0.08: just under it; 0.1: none.
    const limit = BAD_DEBT_LIMIT_SHARE;
    const records = [
      run(1, 0.06, limit, -0.02),
      run(2, 0.06, 0, 0.01),
      run(1, 0.08, limit - 1e-6, -0.01),
      run(2, 0.08, 0, 0.02),
      run(1, 0.1, 0, 0.01),
      run(2, 0.1, 0, 0.03),
    ];
    const groups = groupRuns(spec, records);
    expect(groups.map((g) => [g.value, g.worstSeed])).to.deep.equal([
      [0.06, 1],
      [0.08, 1],
      [0.1, 1],
    ]);
    expect(groups[1].replay).to.equal(
      "npm run simulate -- --scenario crash --seed 1 --accounts 5 --steps 4 --set imf=0.08",
    );
    const rec = recommend(sweep, groups);
    expect(rec.rows.map((r) => r.acceptable)).to.deep.equal([false, true, true]);
    expect(rec.recommended).to.equal(0.08);
    expect(rec.change).to.be.closeTo(-0.02, 1e-12);
    expect(rec.relativeChange).to.be.closeTo(-0.2, 1e-12);
    expect(rec.text).to.contain("RECOMMENDATION: imf = 0.08").and.contain("-0.02 from today's 0.1 (-20%)");
    const none = recommend({ name: "imf", values: [0.06] }, groups.slice(0, 1));
    expect(none.recommended).to.equal(undefined);
    expect(none.text).to.contain("No imf tried keeps p99 bad debt under 1%").and.contain("try higher values");
  });

  it("the replay command carries the prices and settings", function () {
    const spec: RunSpec = {
      scenario: "baseline",
      seeds: [7],
      accounts: 40,
      steps: 168,
      settings: [{ name: "mmf", value: 0.06 }],
      prices: { file: "f.csv", rescale: false, from: 9, to: 20 },
    };
    expect(replayCommand(spec, 7)).to.equal(
      "npm run simulate -- --scenario baseline --seed 7 --accounts 40 --steps 168 --prices f.csv --rescale off --from 10 --to 20 --set mmf=0.06",
    );
  });
});
