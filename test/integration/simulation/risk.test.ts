/**
 * Issue 17 end to end, small: a price file replayed through the feeds (each candle's high and low posted), and a
 * tiny sweep (2 values × 2 seeds, a few accounts and hours) in worker processes, whose every run replays to the same
 * summary.json as the same seed and setting run here.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { parsePricesArgs } from "../../../scripts/sim/history/options";
import { parseSimulateArgs } from "../../../scripts/sim/options";
import { summaryText } from "../../../scripts/sim/report/summary";
import { runRiskTask } from "../../../scripts/sim/risk/cli";
import { runSimulation } from "../../../scripts/sim/run";

/** Three daily BTC candles, ranges of a few percent (no liquidation moves the price). */
const CANDLES = [
  { open: 100, high: 102, low: 98, close: 101 },
  { open: 101, high: 103, low: 99.5, close: 99.75 },
  { open: 99.75, high: 100.5, low: 97, close: 98 },
];
/** The local stack's BTC price: with --rescale on the first open becomes it. */
const LOCAL_BTC = 60_000;

describe("simulation: history and many seeds", function () {
  this.timeout(240_000);
  let out: string;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "keel-risk-"));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("--prices posts every candle's open first, then its high and its low, rescaled to the local price", async function () {
    const file = path.join(out, "btc-test.csv");
    fs.writeFileSync(
      file,
      "timestamp,BTC_open,BTC_high,BTC_low,BTC_close\n" +
        CANDLES.map((c, i) => `2020-01-0${i + 1},${c.open},${c.high},${c.low},${c.close}`).join("\n") +
        "\n",
    );
    const prices = parsePricesArgs({ prices: file })!;
    const snapshot = await takeSnapshot();
    try {
      const result = await runSimulation(hre, {
        scenario: "baseline",
        seed: 3,
        accounts: 3,
        steps: 72,
        prices,
      });
      const ticks = result.variants[0].ticks;
      expect(ticks).to.have.length(72);
      expect(result.replay).to.deep.equal({ file, from: "2020-01-01", to: "2020-01-03", rescaled: true });
      const scale = LOCAL_BTC / CANDLES[0].open;
      CANDLES.forEach((c, row) => {
        const day = ticks.slice(row * 24, row * 24 + 24);
        expect(
          day.every((t) => t.impact.BTC === 0),
          `row ${row}: no liquidation impact`,
        ).to.equal(true);
        const btc = day.map((t) => t.priceWad.BTC);
        const wad = (usd: number) => BigInt(Math.round(usd * scale * 1e8)) * 10n ** 10n;
        expect(btc[0], `row ${row} open`).to.equal(wad(c.open));
        expect(
          btc.reduce((a, b) => (b > a ? b : a)),
          `row ${row} high`,
        ).to.equal(wad(c.high));
        expect(
          btc.reduce((a, b) => (b < a ? b : a)),
          `row ${row} low`,
        ).to.equal(wad(c.low));
      });
      // ETH is not in the file: it follows its own correlated path, not a constant.
      expect(new Set(ticks.map((t) => t.prices.ETH)).size).to.be.greaterThan(1);
    } finally {
      await snapshot.restore();
    }
  });

  it("a tiny sweep runs in worker processes, recommends a value, and each run replays to the same summary.json", async function () {
    const lines: string[] = [];
    const options = parseSimulateArgs({
      seeds: "1..2",
      sweep: "liquidationBuffer=0.25:0.5:0.25",
      accounts: 3,
      steps: 3,
      out,
    });
    const r = await runRiskTask(options, hre, { write: (l) => lines.push(l), progress: "none" });
    expect(r.failures).to.deep.equal([]);
    expect(r.records.map((x) => [x.value, x.seed])).to.deep.equal([
      [0.25, 1],
      [0.25, 2],
      [0.5, 1],
      [0.5, 2],
    ]);
    expect(r.groups.map((g) => [g.value, g.runs])).to.deep.equal([
      [0.25, 2],
      [0.5, 2],
    ]);
    expect(r.recommendation?.rows.map((x) => x.value)).to.deep.equal([0.25, 0.5]);
    expect(lines.join("\n")).to.contain("Keel risk report — baseline: 4 runs (2 seeds)");
    expect(r.dir).to.equal(path.join(out, "baseline-sweep-liquidationBuffer-seeds-1-2"));
    const summary = JSON.parse(fs.readFileSync(r.files.summary, "utf8")) as {
      schema: string;
      firstLines: string[];
    };
    expect(summary.schema).to.equal("keel-risk-summary/1");
    expect(summary.firstLines[0]).to.match(/^(RECOMMENDATION|No liquidationBuffer)/);
    const html = fs.readFileSync(r.files.html, "utf8");
    expect(html).to.contain("<svg").and.contain("p99 bad debt against liquidationBuffer");

    // The same seed and setting, run here on the in-process network: the worker's summary.json, byte for byte.
    const snapshot = await takeSnapshot();
    try {
      const again = await runSimulation(hre, {
        scenario: "baseline",
        seed: 2,
        accounts: 3,
        steps: 3,
        settings: [{ name: "liquidationBuffer", value: 0.5 }],
      });
      const worker = fs.readFileSync(path.join(r.dir, "runs", "liquidationBuffer-0.5-seed-2.json"), "utf8");
      expect(summaryText(again)).to.equal(worker);
    } finally {
      await snapshot.restore();
    }
  });
});
