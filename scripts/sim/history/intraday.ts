/**
 * Paths inside a coarse candle (a day of a daily file, say) that respect it: the path starts at the open, ends at the
 * close, touches the high and the low exactly once each at least, and never leaves [low, high].
 *
 * The order of the extremes follows the usual convention for candles without ticks: a rising candle (close ≥ open)
 * goes open → low → high → close, a falling one open → high → low → close (the move against the candle's direction
 * first). The times of the two extremes are drawn from the seed; between anchors the log price follows a Brownian
 * bridge whose noise is scaled to the candle's range and clipped into [low, high], so a run is the same for a seed.
 */
import type { Rng } from "../rng";
import type { Candle } from "./csv";

/** Share of a leg's log distance used as the bridge's noise scale. */
const BRIDGE_NOISE = 0.25;

/**
 * `points + 1` prices at `0, 1/points, …, 1` of the candle's period: `[0]` is the open, `[points]` the close, and
 * the high and the low are both reached at interior points (so `points ≥ 3` when the candle has a range).
 */
export function candlePath(candle: Candle, points: number, rng: Rng): number[] {
  if (!Number.isInteger(points) || points < 1)
    throw new Error(`points must be a positive integer, got ${points}`);
  const { open, high, low, close } = candle;
  if (high !== low && points < 3)
    throw new Error(`a candle with a range needs at least 3 points to reach its high and low, got ${points}`);
  if (high === low) {
    const path = linear(Math.log(open), Math.log(close), points).map((y) =>
      Math.min(high, Math.max(low, Math.exp(y))),
    );
    path[0] = open;
    path[points] = close;
    return path;
  }
  const rising = close >= open;
  const first = rising ? low : high;
  const second = rising ? high : low;
  // Two distinct interior points for the extremes, in order: 1 ≤ a < b ≤ points - 1.
  const a = 1 + Math.floor(rng.next() * (points - 2));
  const b = a + 1 + Math.floor(rng.next() * (points - 1 - a));
  const anchors: Array<[number, number]> = [
    [0, Math.log(open)],
    [a, Math.log(first)],
    [b, Math.log(second)],
    [points, Math.log(close)],
  ];
  const out: number[] = Array.from({ length: points + 1 }, () => 0);
  const range = Math.log(high) - Math.log(low);
  for (let k = 0; k + 1 < anchors.length; k++) {
    const [i0, y0] = anchors[k];
    const [i1, y1] = anchors[k + 1];
    const leg = bridge(y0, y1, i1 - i0, BRIDGE_NOISE * range, rng);
    for (let j = 0; j <= i1 - i0; j++) out[i0 + j] = leg[j];
  }
  // The anchors are returned exactly (exp(log(x)) may be off by an ulp); the rest is clipped into [low, high].
  const exact = new Map([
    [0, open],
    [a, first],
    [b, second],
    [points, close],
  ]);
  return out.map((y, i) => exact.get(i) ?? Math.min(high, Math.max(low, Math.exp(y))));
}

function linear(y0: number, y1: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, j) => y0 + ((y1 - y0) * j) / n);
}

/** A Brownian bridge from y0 to y1 in n steps, with total noise scale `sigma`. */
function bridge(y0: number, y1: number, n: number, sigma: number, rng: Rng): number[] {
  const out = linear(y0, y1, n);
  if (n < 2 || sigma === 0) return out;
  let w = 0;
  const walk = [0];
  for (let j = 1; j <= n; j++) {
    w += rng.normal() * sigma * Math.sqrt(1 / n);
    walk.push(w);
  }
  // Pin the walk's end to 0: W(j) - (j/n) W(n).
  for (let j = 1; j < n; j++) out[j] += walk[j] - (j / n) * walk[n];
  return out;
}
