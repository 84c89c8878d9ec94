/**
 * The market paths built from history: `--prices FILE.csv` (the file's rows from `--from`, `--steps` steps at most),
 * and the `history-crash` scenario (the shipped BTC/USD file's worst falls, one after the other).
 *
 * A file's rows are cut into steps of an hour (`HISTORY_STEP_SECONDS`), or finer when its rows are shorter than
 * `MIN_STEPS_PER_CANDLE` hours, so that every candle's path can reach its high and its low (intraday.ts).
 */
import fs from "node:fs";
import path from "node:path";
import type { AssetModel, Tick } from "../market";
import type { Rng } from "../rng";
import { assetFromFileName, parsePriceCsv } from "./csv";
import type { PriceHistory } from "./csv";
import type { PricesOption } from "./options";
import { replayPath } from "./replay";
import { worstWindows } from "./windows";

export const HISTORY_STEP_SECONDS = 3_600;
/** A candle with a range needs at least 3 interior points; 4 steps per row keeps the close apart from the low. */
export const MIN_STEPS_PER_CANDLE = 4;
/** The shipped file the `history-crash` scenario replays. */
export const SHIPPED_FILE = path.join(__dirname, "..", "data", "btc-usd-daily-2014-2018.csv");
/** How many worst windows `history-crash` replays, one after the other. */
export const CRASH_WINDOWS = 3;

/** The typical seconds between rows (the median gap). */
export function rowSeconds(history: PriceHistory): number {
  const gaps = history.timestamps.slice(1).map((t, i) => t - history.timestamps[i]);
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}

/** Steps per row and seconds per step for a file. */
export function cadence(history: PriceHistory): { stepsPerRow: number; stepSeconds: number } {
  const seconds = rowSeconds(history);
  const min = history.ohlc ? MIN_STEPS_PER_CANDLE : 1;
  const stepsPerRow = Math.max(min, Math.round(seconds / HISTORY_STEP_SECONDS));
  return { stepsPerRow, stepSeconds: seconds / stepsPerRow };
}

/** `--prices`: the rows from `from`, cut into steps, at most `steps` of them. */
export function pricesPath(
  option: PricesOption,
  assets: AssetModel[],
  steps: number,
  rng: Rng,
  correlation: number,
): { ticks: Tick[]; rows: number } {
  const { stepsPerRow, stepSeconds } = cadence(option.history);
  const rows = Math.min(option.to - option.from, Math.ceil(steps / stepsPerRow));
  const ticks = replayPath(
    option.history,
    {
      assets,
      stepSeconds,
      stepsPerRow,
      from: option.from,
      to: option.from + rows,
      rescale: option.rescale,
      correlation,
    },
    rng,
  );
  return { ticks: ticks.slice(0, steps), rows };
}

/** The shipped BTC/USD history. */
export function shippedHistory(): PriceHistory {
  return parsePriceCsv(fs.readFileSync(SHIPPED_FILE, "utf8"), assetFromFileName(SHIPPED_FILE));
}

/**
 * `history-crash`: the `CRASH_WINDOWS` deepest non-overlapping falls of the shipped file, each as many whole days as
 * fit in `steps / CRASH_WINDOWS` hours (under a day: the first hours of the worst days), one after the other: the
 * first rescaled to the local stack's price, each next one starting where the previous ended, ETH following
 * correlated. The default 168 steps replay three 2-day falls (144 hours).
 */
export function historyCrashPath(
  assets: AssetModel[],
  steps: number,
  rng: Rng,
  correlation: number,
  history: PriceHistory = shippedHistory(),
): { ticks: Tick[]; windows: { from: string; to: string; drawdown: number }[] } {
  const { stepsPerRow, stepSeconds } = cadence(history);
  const lead = [...history.candles.keys()][0];
  const count = Math.min(CRASH_WINDOWS, steps);
  const per = Math.floor(steps / count);
  // Whole rows (days) when a window is at least a row long, so that every chosen candle is replayed to its close.
  const rows = Math.max(1, Math.floor(per / stepsPerRow));
  const length = Math.min(per, rows * stepsPerRow);
  const windows = worstWindows(history.candles.get(lead)!, rows, count);
  const ticks: Tick[] = [];
  let current = assets;
  windows.forEach((w, k) => {
    const part = replayPath(
      history,
      {
        assets: current,
        stepSeconds,
        stepsPerRow,
        from: w.start,
        to: w.start + rows,
        rescale: true,
        correlation,
      },
      rng.fork(`window:${k}`),
    ).slice(0, length);
    const base = ticks.length;
    for (const t of part)
      ticks.push({
        ...t,
        step: base + t.step,
        offset: (base + t.step) * stepSeconds,
        dt: base + t.step === 0 ? 0 : stepSeconds,
        event: t.event ? `${t.event} (fall of ${(w.drawdown * 100).toFixed(0)}%)` : undefined,
      });
    const last = part[part.length - 1].logPrice;
    current = assets.map((a, i) => ({ ...a, initialPrice: Math.exp(last[i]) }));
  });
  const day = (row: number) => new Date(history.timestamps[row] * 1000).toISOString().slice(0, 10);
  return {
    ticks,
    windows: windows.map((w) => ({
      from: day(w.start),
      to: day(w.start + w.length - 1),
      drawdown: w.drawdown,
    })),
  };
}
