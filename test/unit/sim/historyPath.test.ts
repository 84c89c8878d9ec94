/**
 * Paths from history (issue 17): each candle's intraday path starts at its open, ends at its close and reaches its
 * high and low; the worst windows of a hand-made series; the replayed path of a file, rescaled or not, with a missing
 * asset following a correlated diffusion; a seed replays identically.
 */
import { expect } from "chai";
import type { Candle, PriceHistory } from "../../../scripts/sim/history/csv";
import { candlePath } from "../../../scripts/sim/history/intraday";
import { replayPath } from "../../../scripts/sim/history/replay";
import { drawdownOf, worstWindows } from "../../../scripts/sim/history/windows";
import type { AssetModel } from "../../../scripts/sim/market";
import { Rng } from "../../../scripts/sim/rng";

const ETH: AssetModel = { symbol: "ETH", marketId: 1n, initialPrice: 2000, annualVol: 0.8, annualDrift: 0 };
const BTC: AssetModel = { symbol: "BTC", marketId: 2n, initialPrice: 30000, annualVol: 0.6, annualDrift: 0 };

function history(rows: Candle[], asset = "BTC"): PriceHistory {
  return {
    timestamps: rows.map((_, i) => 1_700_000_000 + i * 86_400),
    candles: new Map([[asset, rows]]),
    ohlc: true,
    warnings: [],
  };
}

describe("sim history: paths", function () {
  it("an intraday path starts at the open, ends at the close, reaches the high and the low and stays inside", function () {
    const rng = new Rng(11);
    for (let k = 0; k < 200; k++) {
      const open = rng.uniform(50, 150);
      const close = rng.uniform(50, 150);
      const candle = {
        open,
        close,
        high: Math.max(open, close) * (1 + rng.uniform(0, 0.2)),
        low: Math.min(open, close) * (1 - rng.uniform(0, 0.2)),
      };
      const points = 3 + rng.int(30);
      const path = candlePath(candle, points, rng);
      expect(path).to.have.length(points + 1);
      expect(path[0]).to.equal(candle.open);
      expect(path[points]).to.equal(candle.close);
      expect(Math.max(...path)).to.equal(candle.high);
      expect(Math.min(...path)).to.equal(candle.low);
      // The move against the candle's direction comes first: a rising candle's low before its high.
      const [iLow, iHigh] = [path.indexOf(candle.low), path.indexOf(candle.high)];
      if (candle.close >= candle.open && iLow > 0 && iHigh < points) expect(iLow).to.be.lessThan(iHigh);
      if (candle.close < candle.open && iLow > 0 && iHigh < points) expect(iHigh).to.be.lessThan(iLow);
    }
  });

  it("a candle with a range needs 3 points; a flat one is flat", function () {
    const rng = new Rng(1);
    expect(() => candlePath({ open: 10, high: 11, low: 9, close: 10 }, 2, rng)).to.throw(/at least 3 points/);
    expect(candlePath({ open: 10, high: 10, low: 10, close: 10 }, 4, rng)).to.deep.equal([
      10, 10, 10, 10, 10,
    ]);
  });

  it("finds the deepest non-overlapping windows", function () {
    const c = (high: number, low: number): Candle => ({ open: high, high, low, close: low });
    // Highs/lows by hand: a -50% fall over rows 1..2, a -20% one at row 5.
    const rows = [c(100, 95), c(100, 90), c(90, 50), c(60, 55), c(70, 65), c(100, 80), c(90, 85)];
    expect(drawdownOf(rows, 0, 3)).to.equal(0.5);
    // Rows 4..5: 70 → 65 is -7%, but row 5's own 100 → 80 is deeper.
    expect(drawdownOf(rows, 4, 2)).to.be.closeTo(1 - 80 / 100, 1e-12);
    expect(drawdownOf(rows, 4, 1)).to.be.closeTo(1 - 65 / 70, 1e-12);
    const worst = worstWindows(rows, 2, 2);
    // Rows 4..5 and 5..6 both fall 100 → 80; the tie goes to the earlier window.
    expect(worst.map((w) => w.start)).to.deep.equal([1, 4]);
    expect(worst[0].drawdown).to.be.closeTo(1 - 50 / 100, 1e-12);
    expect(worst[1].drawdown).to.be.closeTo(1 - 80 / 100, 1e-12);
    expect(() => worstWindows(rows, 8, 1)).to.throw(/window length must be 1..7 rows/);
  });

  it("replays a file: each row's high and low reached, rescaled to the asset's level, identical for a seed", function () {
    const rows: Candle[] = [
      { open: 20000, high: 21000, low: 19000, close: 20500 },
      { open: 20500, high: 20600, low: 14000, close: 15000 },
      { open: 15000, high: 16500, low: 14800, close: 16000 },
    ];
    const spec = { assets: [ETH, BTC], stepSeconds: 3600, stepsPerRow: 24, rescale: true, correlation: 0.8 };
    const ticks = replayPath(history(rows), spec, new Rng(5));
    expect(ticks).to.have.length(72);
    const scale = BTC.initialPrice / rows[0].open; // 1.5
    rows.forEach((row, r) => {
      const prices = ticks.slice(r * 24, (r + 1) * 24).map((t) => Math.exp(t.logPrice[1]));
      expect(prices[0]).to.be.closeTo(row.open * scale, 1e-6);
      expect(Math.max(...prices)).to.be.closeTo(row.high * scale, 1e-6);
      expect(Math.min(...prices)).to.be.closeTo(row.low * scale, 1e-6);
    });
    // ETH is not in the file: it starts at its own level and follows a diffusion.
    expect(Math.exp(ticks[0].logPrice[0])).to.be.closeTo(ETH.initialPrice, 1e-9);
    expect(ticks.map((t) => t.offset)).to.deep.equal(Array.from({ length: 72 }, (_, i) => i * 3600));
    expect(replayPath(history(rows), spec, new Rng(5))).to.deep.equal(ticks);
    expect(replayPath(history(rows), spec, new Rng(6))).to.not.deep.equal(ticks);
    const raw = replayPath(history(rows), { ...spec, rescale: false }, new Rng(5));
    expect(Math.exp(raw[0].logPrice[1])).to.be.closeTo(20000, 1e-6);
  });

  it("a missing asset's moves follow the replayed one's with the given correlation", function () {
    const rng = new Rng(3);
    const rows: Candle[] = [];
    let p = 30000;
    for (let i = 0; i < 60; i++) {
      const close = p * Math.exp(rng.normal() * 0.04);
      rows.push({ open: p, high: Math.max(p, close) * 1.01, low: Math.min(p, close) * 0.99, close });
      p = close;
    }
    const returns = (rho: number) => {
      const ticks = replayPath(
        history(rows),
        { assets: [BTC, ETH], stepSeconds: 3600, stepsPerRow: 24, rescale: true, correlation: rho },
        new Rng(9),
      );
      const d = (i: number) => ticks.slice(1).map((t, k) => t.logPrice[i] - ticks[k].logPrice[i]);
      return [d(0), d(1)];
    };
    const corr = ([x, y]: number[][]) => {
      const mx = x.reduce((s, v) => s + v, 0) / x.length;
      const my = y.reduce((s, v) => s + v, 0) / y.length;
      let sxy = 0,
        sxx = 0,
        syy = 0;
      x.forEach(
        (v, i) => ((sxy += (v - mx) * (y[i] - my)), (sxx += (v - mx) ** 2), (syy += (y[i] - my) ** 2)),
      );
      return sxy / Math.sqrt(sxx * syy);
    };
    expect(corr(returns(0.95))).to.be.greaterThan(0.8);
    expect(Math.abs(corr(returns(0)))).to.be.lessThan(0.15);
  });

  it("refuses a file without any listed asset, and rows outside the file", function () {
    const rows: Candle[] = [
      { open: 1, high: 1, low: 1, close: 1 },
      { open: 1, high: 1, low: 1, close: 1 },
    ];
    const spec = { assets: [ETH], stepSeconds: 3600, stepsPerRow: 4, rescale: false, correlation: 0.5 };
    expect(() => replayPath(history(rows, "SOL"), spec, new Rng(1))).to.throw(
      "the file has no column for ETH (it has SOL)",
    );
    expect(() => replayPath(history(rows), { ...spec, assets: [BTC], from: 1, to: 3 }, new Rng(1))).to.throw(
      "rows [1, 3) are outside the file's 2 rows",
    );
  });
});
