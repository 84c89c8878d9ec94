/**
 * The many-run and history options of `simulate` (issue 17): `--seeds`, `--sweep`, `--set` and `--prices` with
 * `--rescale`/`--from`/`--to`, good and bad; each bad value is one line naming it, before anything runs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parsePricesArgs } from "../../../scripts/sim/history/options";
import { InputError, parseSimulateArgs } from "../../../scripts/sim/options";
import { parseSeeds, parseSet, parseSweep } from "../../../scripts/sim/risk/options";

function rejects(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as Error).message;
  }
  return expect.fail("accepted");
}

const DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keel-prices-"));
const file = (name: string, text: string): string => {
  const p = path.join(DIR, name);
  fs.writeFileSync(p, text);
  return p;
};
const GOOD =
  "timestamp,BTC_open,BTC_high,BTC_low,BTC_close\n2020-01-01,100,110,90,105\n2020-01-02,105,120,100,101\n2020-01-03,101,102,80,85\n";

describe("sim options: --seeds, --sweep, --set, --prices", function () {
  after(() => fs.rmSync(DIR, { recursive: true, force: true }));

  it("--seeds takes a range, a list or both, in the order given", function () {
    expect(parseSeeds("1..5")).to.deep.equal([1, 2, 3, 4, 5]);
    expect(parseSeeds("3,7,9")).to.deep.equal([3, 7, 9]);
    expect(parseSeeds(" 9, 1..2 ")).to.deep.equal([9, 1, 2]);
    expect(parseSeeds("0..0")).to.deep.equal([0]);
    expect(parseSeeds(4294967295)).to.deep.equal([4294967295]);
  });

  it("--seeds refuses a backwards range, a repeat, a non-seed, too many", function () {
    expect(rejects(() => parseSeeds("5..1"))).to.equal(
      '--seeds "5..1": the range 5..1 runs backwards: write 1..5',
    );
    expect(rejects(() => parseSeeds("1,2,1"))).to.equal('--seeds "1,2,1" names a seed twice');
    expect(rejects(() => parseSeeds("1..x"))).to.equal(
      '--seeds "1..x": "x" is not a seed (an integer from 0 to 4294967295)',
    );
    expect(rejects(() => parseSeeds("-1"))).to.equal(
      '--seeds "-1": "-1" is not a seed (an integer from 0 to 4294967295)',
    );
    expect(rejects(() => parseSeeds("4294967296"))).to.equal(
      '--seeds "4294967296": 4294967296 is above the largest seed 4294967295',
    );
    expect(parseSeeds("1..2000")).to.have.length(2000);
    expect(rejects(() => parseSeeds("1..2001"))).to.equal(
      '--seeds "1..2001": 2001 seeds, at most 2000 in one command',
    );
  });

  it("--sweep lists the values from a to b by step, both ends included", function () {
    expect(parseSweep("imf=0.06:0.12:0.02")).to.deep.equal({ name: "imf", values: [0.06, 0.08, 0.1, 0.12] });
    expect(parseSweep("liquidationBuffer=0:0.5:0.25")).to.deep.equal({
      name: "liquidationBuffer",
      values: [0, 0.25, 0.5],
    });
    expect(parseSweep("maxOpenInterestToPool=0.5:1:1").values).to.deep.equal([0.5]);
    expect(parseSweep("skewScale=1:2:0.5").values).to.deep.equal([1, 1.5, 2]);
  });

  it("--sweep refuses bad syntax, names, steps, and values the contract would refuse", function () {
    expect(rejects(() => parseSweep("imf=0.1"))).to.equal(
      "--sweep imf=0.1: write name=from:to:step, such as imf=0.05:0.2:0.05",
    );
    expect(rejects(() => parseSweep("fee=1:2:1"))).to.equal(
      '--sweep fee=1:2:1: unknown parameter "fee": choose imf, mmf, skewScale, maxOpenInterestToPool or liquidationBuffer',
    );
    expect(rejects(() => parseSweep("imf=0.1:0.2:0"))).to.equal(
      "--sweep imf=0.1:0.2:0: the step must be positive, got 0",
    );
    expect(rejects(() => parseSweep("imf=0.1:0.2:x"))).to.equal(
      '--sweep imf=0.1:0.2:x: step "x" is not a number',
    );
    // imf must stay above mmf (0.05): 0.05 is refused, 0.0501 taken.
    expect(rejects(() => parseSweep("imf=0.05:0.1:0.05"))).to.equal(
      "--sweep imf=0.05:0.1:0.05: imf 0.05 leaves ETH's imf 0.05 outside (mmf 0.05, 1]",
    );
    expect(parseSweep("imf=0.0501:0.0501:1").values).to.deep.equal([0.0501]);
    // ETH: maxOpenInterest 4,000 / (100,000 × k) + 0.0005 <= 0.05 needs k >= 0.80808…
    expect(rejects(() => parseSweep("skewScale=0.8:1:0.1"))).to.equal(
      "--sweep skewScale=0.8:1:0.1: skewScale 0.8 makes ETH's worst skew premium + taker fee 5.05% exceed its mmf 5.00% (maxOpenInterest / skewScale + takerFee <= mmf)",
    );
    expect(parseSweep("skewScale=0.81:0.81:1").values).to.deep.equal([0.81]);
    expect(rejects(() => parseSweep("maxOpenInterestToPool=10.5:11:1"))).to.equal(
      "--sweep maxOpenInterestToPool=10.5:11:1: maxOpenInterestToPool 10.5 is above the contract's bound of 10",
    );
    expect(rejects(() => parseSweep("imf=0.1:1:0.01"))).to.equal(
      "--sweep imf=0.1:1:0.01: 91 values, at most 50: use a larger step",
    );
  });

  it("--set takes one value and refuses what the contract would", function () {
    expect(parseSet("mmf=0.06")).to.deep.equal({ name: "mmf", value: 0.06 });
    expect(rejects(() => parseSet("mmf=0.01"))).to.equal(
      "--set mmf=0.01: mmf 0.01 leaves ETH's mmf 0.01 at or under its liquidation fee 0.01",
    );
    // ETH: 4,000 / 100,000 + 0.0005 = 4.05% is the lowest mmf the deployed open-interest cap and skew scale allow.
    expect(parseSet("mmf=0.0405").value).to.equal(0.0405);
    expect(rejects(() => parseSet("mmf=0.0404"))).to.equal(
      "--set mmf=0.0404: mmf 0.0404 makes ETH's worst skew premium + taker fee 4.05% exceed its mmf 4.04% (maxOpenInterest / skewScale + takerFee <= mmf)",
    );
    expect(rejects(() => parseSet("mmf"))).to.equal("--set mmf: write name=value, such as imf=0.12");
  });

  it("parseSimulateArgs combines them, and refuses what does not go together", function () {
    const o = parseSimulateArgs({ seeds: "1..3", sweep: "mmf=0.05:0.06:0.01", set: "imf=0.12" });
    expect(o.seeds).to.deep.equal([1, 2, 3]);
    expect(o.sweep).to.deep.equal({ name: "mmf", values: [0.05, 0.06] });
    expect(o.settings).to.deep.equal([{ name: "imf", value: 0.12 }]);
    expect(rejects(() => parseSimulateArgs({ sweep: "imf=0.1:0.2:0.1", set: "imf=0.12" }))).to.equal(
      "--set imf=0.12 and --sweep imf=0.1:0.2:0.1 change the same parameter: keep one",
    );
    expect(rejects(() => parseSimulateArgs({ scenario: "session", seeds: "1..2" }))).to.equal(
      "the session scenario is scripted: --seeds, --sweep, --set and --prices do not apply to it",
    );
    expect(rejects(() => parseSimulateArgs({ scenario: "history-crash", prices: "x.csv" }))).to.equal(
      "history-crash replays its own file (scripts/sim/data/): drop --prices, or use another scenario",
    );
  });

  it("--prices reads the file, rescales by default and bounds the rows by number or date", function () {
    const f = file("good.csv", GOOD);
    const all = parsePricesArgs({ prices: f })!;
    expect([all.rescale, all.from, all.to, all.history.timestamps.length]).to.deep.equal([true, 0, 3, 3]);
    const rows = parsePricesArgs({ prices: f, rescale: "off", from: "2", to: "3" })!;
    expect([rows.rescale, rows.from, rows.to]).to.deep.equal([false, 1, 3]);
    const dates = parsePricesArgs({ prices: f, from: "2020-01-02", to: "2020-01-02" })!;
    expect([dates.from, dates.to]).to.deep.equal([1, 2]);
    expect(parsePricesArgs({})).to.equal(undefined);
  });

  it("--prices refuses a bad file naming its line, and bad bounds, before anything runs", function () {
    const f = file("good.csv", GOOD);
    const cases: [string, string][] = [
      ["missing.csv", "timestamp,BTC_open,BTC_high,BTC_close\n2020-01-01,1,2,1\n2020-01-02,1,2,1\n"],
      ["dup.csv", "timestamp,BTC\n2020-01-01,1\n2020-01-01,2\n"],
      ["neg.csv", "timestamp,BTC\n2020-01-01,1\n2020-01-02,0\n"],
      ["notime.csv", "date,BTC\n2020-01-01,1\n2020-01-02,2\n"],
    ];
    const messages = cases.map(([name, text]) =>
      rejects(() => parsePricesArgs({ prices: file(name, text) })),
    );
    expect(messages).to.deep.equal([
      `--prices ${path.join(DIR, "missing.csv")}: line 1: missing column BTC low`,
      `--prices ${path.join(DIR, "dup.csv")}: line 3: duplicate timestamp 2020-01-01`,
      `--prices ${path.join(DIR, "neg.csv")}: line 3: BTC close must be positive, got 0`,
      `--prices ${path.join(DIR, "notime.csv")}: line 1: missing column \`timestamp\``,
    ]);
    expect(rejects(() => parsePricesArgs({ prices: path.join(DIR, "none.csv") }))).to.equal(
      `--prices ${path.join(DIR, "none.csv")}: no such file`,
    );
    expect(rejects(() => parsePricesArgs({ prices: f, rescale: "yes" }))).to.equal(
      '--rescale "yes": use on (the first price becomes the local stack\'s) or off',
    );
    expect(rejects(() => parsePricesArgs({ prices: f, from: "4" }))).to.equal(
      "--from 4 is not a row of the file: use 1 to 3",
    );
    expect(rejects(() => parsePricesArgs({ prices: f, to: "2019-12-31" }))).to.equal(
      "--to 2019-12-31 is outside the file (2020-01-01 to 2020-01-03)",
    );
    expect(rejects(() => parsePricesArgs({ prices: f, from: "3", to: "2" }))).to.equal(
      `--from 3 and --to 2 select no row of ${f} (3 rows)`,
    );
    expect(rejects(() => parsePricesArgs({ from: "2" }))).to.equal("--from needs --prices FILE.csv");
  });
});
