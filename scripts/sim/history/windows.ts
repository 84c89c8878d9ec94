/**
 * The worst windows of a price history: the stretches of `length` rows with the deepest fall from a high to a later
 * low (the drawdown inside the window), for the scenario that replays a file's crashes.
 */
import type { Candle } from "./csv";

export interface Window {
  /** First row of the window (0-based, into the history's rows). */
  start: number;
  /** Rows in the window. */
  length: number;
  /** Deepest fall inside the window: 1 - low / earlier high (0.6 = -60%). */
  drawdown: number;
}

/** Deepest fall from a high to a later (or the same row's) low among `candles[start, start + length)`. */
export function drawdownOf(candles: readonly Candle[], start: number, length: number): number {
  let peak = 0;
  let worst = 0;
  for (let i = start; i < start + length; i++) {
    peak = Math.max(peak, candles[i].high);
    worst = Math.max(worst, 1 - candles[i].low / peak);
  }
  return worst;
}

/** The `count` deepest non-overlapping windows of `length` rows, deepest first. */
export function worstWindows(candles: readonly Candle[], length: number, count: number): Window[] {
  if (!Number.isInteger(length) || length < 1 || length > candles.length)
    throw new Error(`window length must be 1..${candles.length} rows, got ${length}`);
  const all: Window[] = [];
  for (let start = 0; start + length <= candles.length; start++)
    all.push({ start, length, drawdown: drawdownOf(candles, start, length) });
  all.sort((x, y) => y.drawdown - x.drawdown || x.start - y.start);
  const chosen: Window[] = [];
  for (const w of all) {
    if (chosen.length >= count) break;
    if (chosen.every((c) => w.start + length <= c.start || c.start + length <= w.start)) chosen.push(w);
  }
  return chosen;
}
