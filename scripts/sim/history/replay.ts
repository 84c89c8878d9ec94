/**
 * A historical price file as the simulation's exogenous path (`Tick[]`, the shape `generatePath` draws): each row's
 * candle cut into `stepsPerRow` steps by `candlePath` (open first, high and low reached inside the row), for every
 * listed asset the file has; a listed asset the file lacks follows its own diffusion, its shocks correlated with the
 * replayed asset's standardized log returns (`correlation`, as the synthetic scenarios correlate their assets).
 *
 * With `rescale`, each replayed asset's prices are multiplied so that the first replayed open equals the asset's
 * `initialPrice` (the local stack's price level, where its margins and caps were sized); without, the file's own
 * levels are pushed into the feeds.
 */
import type { AssetModel, Tick } from "../market";
import type { Rng } from "../rng";
import type { PriceHistory } from "./csv";
import { candlePath } from "./intraday";

export interface ReplaySpec {
  assets: AssetModel[];
  /** Seconds per simulated step. */
  stepSeconds: number;
  /** Steps each row of the file is cut into (24 for a daily file replayed hour by hour). */
  stepsPerRow: number;
  /** Rows to replay: `[from, to)`, default the whole file. */
  from?: number;
  to?: number;
  rescale: boolean;
  /** Correlation of a synthetic asset's shocks with the first replayed asset's. */
  correlation: number;
}

const SECONDS_PER_YEAR = 365 * 86_400;

/** The replayed path: `(to - from) * stepsPerRow` ticks, one per step. */
export function replayPath(history: PriceHistory, spec: ReplaySpec, rng: Rng): Tick[] {
  const from = spec.from ?? 0;
  const to = spec.to ?? history.timestamps.length;
  if (!(from >= 0 && from < to && to <= history.timestamps.length))
    throw new Error(`rows [${from}, ${to}) are outside the file's ${history.timestamps.length} rows`);
  const replayed = spec.assets.map((a) => history.candles.get(a.symbol.toUpperCase()));
  const lead = replayed.findIndex((c) => c !== undefined);
  if (lead < 0)
    throw new Error(
      `the file has no column for ${spec.assets.map((a) => a.symbol).join(" or ")} (it has ${[...history.candles.keys()].join(", ")})`,
    );
  const paths = spec.assets.map((asset, i) => {
    const candles = replayed[i];
    if (!candles) return undefined;
    const scale = spec.rescale ? asset.initialPrice / candles[from].open : 1;
    const pathRng = rng.fork(`replay:${asset.symbol}`);
    const out: number[] = [];
    for (let row = from; row < to; row++) {
      const c = candles[row];
      const prices = candlePath(
        { open: c.open * scale, high: c.high * scale, low: c.low * scale, close: c.close * scale },
        spec.stepsPerRow,
        pathRng,
      );
      out.push(...prices.slice(0, spec.stepsPerRow));
    }
    return out.map(Math.log);
  });
  const leadPath = paths[lead]!;
  const leadVol = spec.assets[lead].annualVol;
  const years = spec.stepSeconds / SECONDS_PER_YEAR;
  const idio = Math.sqrt(1 - spec.correlation * spec.correlation);
  const synthetic = spec.assets.map((a) => Math.log(a.initialPrice));
  const noise = rng.fork("replay:synthetic");
  const ticks: Tick[] = [];
  for (let step = 0; step < leadPath.length; step++) {
    // The lead asset's shock in standard units, as if it were the diffusion's common shock.
    const common = step === 0 ? 0 : (leadPath[step] - leadPath[step - 1]) / (leadVol * Math.sqrt(years));
    const logPrice = spec.assets.map((a, i) => {
      const path = paths[i];
      if (path) return path[step];
      if (step > 0) {
        const e = spec.correlation * common + idio * noise.normal();
        synthetic[i] +=
          (a.annualDrift - (a.annualVol * a.annualVol) / 2) * years + a.annualVol * Math.sqrt(years) * e;
      }
      return synthetic[i];
    });
    ticks.push({
      step,
      index: 0,
      offset: step * spec.stepSeconds,
      dt: step === 0 ? 0 : spec.stepSeconds,
      logPrice,
      event: step === 0 ? `history from ${isoDay(history.timestamps[from])}` : undefined,
    });
  }
  return ticks;
}

const isoDay = (unix: number): string => new Date(unix * 1000).toISOString().replace("T", " ").slice(0, 16);
