/**
 * The price-history reader (issue 17): the shipped BTC file, every accepted layout, and every refusal naming its line.
 * Expected values are the files' own literals, written here by hand.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import {
  PriceFileError,
  assetFromFileName,
  parsePriceCsv,
  parseTimestamp,
} from "../../../scripts/sim/history/csv";

const SHIPPED = path.join(__dirname, "../../../scripts/sim/data/btc-usd-daily-2014-2018.csv");

/** The error a file is refused with; fails the test when it is accepted. */
function refusal(text: string): PriceFileError {
  try {
    parsePriceCsv(text, "ETH");
  } catch (e) {
    if (e instanceof PriceFileError) return e;
    throw e;
  }
  throw new Error("the file was accepted");
}

describe("sim history: the CSV reader", function () {
  it("reads the shipped BTC/USD daily file: 1,826 days, candles, the asset from the file name", function () {
    const h = parsePriceCsv(fs.readFileSync(SHIPPED, "utf8"), assetFromFileName(SHIPPED));
    expect([...h.candles.keys()]).to.deep.equal(["BTC"]);
    expect(h.ohlc).to.equal(true);
    expect(h.timestamps).to.have.length(1826);
    // Line 2: 2014-01-01 00:00:00,732.0,754.9,7903.03830054,1388534400,757.99,729.01
    expect(h.timestamps[0]).to.equal(1388534400);
    expect(h.candles.get("BTC")![0]).to.deep.equal({ open: 732.0, high: 757.99, low: 729.01, close: 754.9 });
    expect(h.timestamps[1825]).to.equal(Date.UTC(2018, 11, 31) / 1000);
    expect(h.warnings).to.deep.equal([]);
  });

  it("warns of the source's bad print (a low of 0.06) without refusing the file", function () {
    const text =
      "timestamp,open,close,volume,unix_timestamp,high,low\n" +
      "2017-04-14 00:00:00,1180.0,1173.13,1.0,1492128000,1190.0,1165.0\n" +
      "2017-04-15 00:00:00,1173.13,1178.85,3972.0,1492214400,1190.99,0.06\n";
    const h = parsePriceCsv(text, "BTC");
    expect(h.warnings).to.have.length(1);
    expect(h.warnings[0]).to.match(/^line 3: BTC low 0.06/);
  });

  it("reads close-only columns per asset, ISO dates in UTC", function () {
    const h = parsePriceCsv("timestamp,ETH,BTC\n2024-03-01,3400,61000\n2024-03-01T01:00:00Z,3390.5,60950\n");
    expect(h.ohlc).to.equal(false);
    expect(h.timestamps).to.deep.equal([Date.UTC(2024, 2, 1) / 1000, Date.UTC(2024, 2, 1, 1) / 1000]);
    expect(h.candles.get("ETH")![1]).to.deep.equal({
      open: 3390.5,
      high: 3390.5,
      low: 3390.5,
      close: 3390.5,
    });
    expect(h.candles.get("BTC")![0].close).to.equal(61000);
  });

  it("reads candles per asset in the `ETH_open` and `open.BTC` spellings", function () {
    const text =
      "timestamp,ETH_open,ETH_high,ETH_low,ETH_close,open.BTC,high.BTC,low.BTC,close.BTC\n" +
      "1700000000,10,12,9,11,100,101,95,96\n1700003600,11,11,8,8,96,99,90,98\n";
    const h = parsePriceCsv(text);
    expect(h.candles.get("ETH")![1]).to.deep.equal({ open: 11, high: 11, low: 8, close: 8 });
    expect(h.candles.get("BTC")![0]).to.deep.equal({ open: 100, high: 101, low: 95, close: 96 });
  });

  it("parses timestamps: seconds, milliseconds, dates; refuses days that do not exist", function () {
    expect(parseTimestamp("1388534400")).to.equal(1388534400);
    expect(parseTimestamp("1388534400000")).to.equal(1388534400);
    expect(parseTimestamp("2014-01-01 00:00:00")).to.equal(1388534400);
    expect(parseTimestamp("2018-02-29")).to.equal(undefined);
    expect(parseTimestamp("yesterday")).to.equal(undefined);
  });

  describe("refuses a bad file with one error naming the line", function () {
    const cases: Array<[string, string, RegExp]> = [
      ["no timestamp column", "time,ETH\n1,2\n2,3\n", /^line 1: missing column `timestamp`/],
      [
        "a candle without its low",
        "timestamp,ETH_open,ETH_high,ETH_close\n1,2,3,2\n2,2,3,2\n",
        /^line 1: missing column ETH low/,
      ],
      ["no price column", "timestamp,volume\n1,2\n2,3\n", /^line 1: no price column/],
      ["duplicate timestamps", "timestamp,ETH\n100,2\n100,3\n", /^line 3: duplicate timestamp 100/],
      ["unordered timestamps", "timestamp,ETH\n100,2\n200,3\n150,4\n", /^line 4: timestamps go backwards/],
      ["a zero price", "timestamp,ETH\n100,2\n200,0\n", /^line 3: ETH close must be positive, got 0/],
      ["a negative price", "timestamp,ETH\n100,-2\n200,1\n", /^line 2: ETH close must be positive, got -2/],
      [
        "a price that is not a number",
        "timestamp,ETH\n100,2\n200,abc\n",
        /^line 3: ETH close is not a number: "abc"/,
      ],
      ["a short row", "timestamp,ETH,BTC\n100,2,3\n200,3\n", /^line 3: 2 fields, the header has 3/],
      ["a bad timestamp", "timestamp,ETH\n100,2\n2018-13-01,3\n", /^line 3: not a timestamp: "2018-13-01"/],
      [
        "a high below the close",
        "timestamp,open,high,low,close\n1,10,11,9,10\n2,10,10.5,9,11\n",
        /^line 3: ETH high\/low do not contain/,
      ],
      ["a single row", "timestamp,ETH\n100,2\n", /^line 2: at least two rows/],
      ["an empty file", "\n", /^line 1: the file is empty/],
    ];
    for (const [what, text, message] of cases)
      it(what, function () {
        expect(refusal(text).message).to.match(message);
      });
  });

  it("names the asset of an unprefixed file from its name", function () {
    expect(assetFromFileName("/x/btc-usd-daily-2014-2018.csv")).to.equal("BTC");
    expect(assetFromFileName("eth_hourly.csv")).to.equal("ETH");
  });
});
