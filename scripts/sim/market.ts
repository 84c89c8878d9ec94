/**
 * The simulated market: correlated price paths for the listed assets, and the price impact of liquidations.
 *
 * Exogenous path (drawn once from the seed, identical for every variant of a scenario):
 *   - geometric Brownian motion per asset, `d ln S = (mu - sigma^2 / 2) dt + sigma dW`, with the assets' Brownian
 *     increments correlated by `correlation` (Cholesky of the 2x2 correlation matrix, extended to more assets by
 *     loading every asset on the first one's shock);
 *   - scheduled jumps: at a given step every listed asset jumps by its given fraction at the step's first tick;
 *   - an optional crash: from the start of a step, every asset falls by `drop` (35%) within `durationSeconds`
 *     (one hour) on top of the diffusion: 30% of the fall (in log terms) at once, as a feed shows a fast move between
 *     two updates, the rest evenly over the hour (`crashProfile`);
 * Time is cut in steps (one hour by default); a step is one tick, except around a crash, where it is cut into fine
 * ticks (five minutes) so that prices fall gradually and keepers get a turn between the moves.
 *
 * Endogenous price impact (`PriceImpact`): what the liquidations of a tick sell (closing longs) or buy (closing shorts)
 * moves that asset's price by `-netSoldNotional / depth` in log terms, and the impact decays exponentially with
 * `halfLifeSeconds`, as market makers refill the book. This is what turns a crash into a cascade, and what cascade
 * damping (a cap on the notional liquidated per window) slows down. The realized price is the exogenous price times
 * the impact factor. Adversaries trading the spot venue the oracle follows move the same impact (`spot.ts`).
 */
import type { Rng } from "./rng";

export interface AssetModel {
  /** Oracle symbol: `ETH`. */
  symbol: string;
  marketId: bigint;
  initialPrice: number;
  /** Annualized volatility (0.75 = 75%). */
  annualVol: number;
  /** Annualized drift of the price. */
  annualDrift: number;
}

export interface ScheduledJump {
  /** Step at whose first tick the jump happens. */
  step: number;
  /** Fractional move per asset symbol (-0.07 = -7%); assets not named do not jump. */
  moves: Record<string, number>;
  label: string;
}

export interface CrashSpec {
  step: number;
  /** Fraction every asset loses over the crash (0.35). */
  drop: number;
  /** Seconds the drop takes (3,600). */
  durationSeconds: number;
}

export interface PathSpec {
  steps: number;
  /** Seconds per step. */
  stepSeconds: number;
  /** Seconds per tick inside the steps cut into fine ticks. */
  fineTickSeconds: number;
  /** Steps cut into fine ticks (around a crash). */
  fineSteps: ReadonlySet<number>;
  /** Correlation of the assets' Brownian increments. */
  correlation: number;
  assets: AssetModel[];
  jumps: ScheduledJump[];
  crash?: CrashSpec;
}

export interface Tick {
  step: number;
  /** Index of the tick in its step. */
  index: number;
  /** Seconds since the start of the run. */
  offset: number;
  /** Seconds since the previous tick (0 for the first). */
  dt: number;
  /** Exogenous log price per asset (same order as `PathSpec.assets`). */
  logPrice: number[];
  /** What happened at this tick besides diffusion (`jump: ...`, `crash`). */
  event?: string;
}

const SECONDS_PER_YEAR = 365 * 86_400;

/**
 * Share of a crash's (log) fall done `t` seconds after it starts: a gap of `CRASH_GAP_SHARE` right away (what a price
 * feed shows after a fast move between two updates), the rest evenly over the crash's duration.
 */
export function crashProfile(crash: CrashSpec, t: number): number {
  if (t <= 0) return 0;
  if (t >= crash.durationSeconds) return 1;
  return CRASH_GAP_SHARE + (1 - CRASH_GAP_SHARE) * (t / crash.durationSeconds);
}

/** Share of a crash's fall that happens in its first instant (before the first fine tick). */
export const CRASH_GAP_SHARE = 0.3;

/** Draws the exogenous path: every tick of every step, with its exogenous log prices. */
export function generatePath(spec: PathSpec, rng: Rng): Tick[] {
  const n = spec.assets.length;
  const rho = spec.correlation;
  if (!(rho > -1 && rho < 1)) throw new Error(`correlation must be in (-1, 1), got ${rho}`);
  const idio = Math.sqrt(1 - rho * rho);
  const log = spec.assets.map((a) => Math.log(a.initialPrice));
  const ticks: Tick[] = [];
  let previousOffset = 0;
  for (let step = 0; step < spec.steps; step++) {
    const fine = spec.fineSteps.has(step);
    const count = fine ? Math.max(1, Math.round(spec.stepSeconds / spec.fineTickSeconds)) : 1;
    const tickSeconds = spec.stepSeconds / count;
    for (let index = 0; index < count; index++) {
      const offset = step * spec.stepSeconds + index * tickSeconds;
      const dt = offset - previousOffset;
      const events: string[] = [];
      if (dt > 0) {
        const years = dt / SECONDS_PER_YEAR;
        // One common shock, and one idiosyncratic shock per asset: corr(e_i, e_j) = rho for i != j.
        const common = rng.normal();
        for (let i = 0; i < n; i++) {
          const a = spec.assets[i];
          const e = i === 0 ? common : rho * common + idio * rng.normal();
          log[i] +=
            (a.annualDrift - (a.annualVol * a.annualVol) / 2) * years + a.annualVol * Math.sqrt(years) * e;
        }
      }
      if (index === 0) {
        for (const jump of spec.jumps) {
          if (jump.step !== step) continue;
          spec.assets.forEach((a, i) => {
            const move = jump.moves[a.symbol];
            if (move !== undefined) log[i] += Math.log(1 + move);
          });
          events.push(`jump: ${jump.label}`);
        }
      }
      const crash = spec.crash;
      if (crash && dt > 0) {
        // The share of the crash's log fall that happens in (previous tick, this tick].
        const share =
          crashProfile(crash, offset - crash.step * spec.stepSeconds) -
          crashProfile(crash, previousOffset - crash.step * spec.stepSeconds);
        if (share > 0) {
          for (let i = 0; i < n; i++) log[i] += Math.log(1 - crash.drop) * share;
          events.push("crash");
        }
      }
      ticks.push({
        step,
        index,
        offset,
        dt,
        logPrice: [...log],
        event: events.length ? events.join("; ") : undefined,
      });
      previousOffset = offset;
    }
  }
  return ticks;
}

export interface ImpactSpec {
  /** USD of net liquidation selling that moves an asset's price by -1 in log terms (about -63%). */
  depthUsd: Record<string, number>;
  /** Half-life of the impact (seconds). */
  halfLifeSeconds: number;
}

/** The decaying price impact of liquidations, per asset, in log terms. */
export class PriceImpact {
  private readonly log: number[];

  constructor(
    private readonly assets: AssetModel[],
    private readonly spec: ImpactSpec,
  ) {
    this.log = assets.map(() => 0);
  }

  /** Lets `seconds` pass: every asset's impact decays toward zero. */
  decay(seconds: number): void {
    const factor = this.decayFactor(seconds);
    for (let i = 0; i < this.log.length; i++) this.log[i] *= factor;
  }

  /** Share of an impact left after `seconds`. */
  decayFactor(seconds: number): number {
    if (seconds <= 0 || !(this.spec.halfLifeSeconds > 0)) return 1;
    return Math.pow(0.5, seconds / this.spec.halfLifeSeconds);
  }

  /** USD of net flow that moves an asset's log price by 1 (0 if it has none). */
  depth(symbol: string): number {
    return this.spec.depthUsd[symbol] ?? 0;
  }

  /**
   * Applies liquidation flow: `soldUsd` per asset symbol is the net notional liquidations sold (positive: longs were
   * closed, pushing the price down; negative: shorts were closed, pushing it up).
   */
  apply(soldUsd: Record<string, number>): void {
    this.assets.forEach((a, i) => {
      const sold = soldUsd[a.symbol] ?? 0;
      const depth = this.spec.depthUsd[a.symbol];
      if (sold !== 0 && depth > 0) this.log[i] -= sold / depth;
    });
  }

  /** Current log impact per asset. */
  current(): number[] {
    return [...this.log];
  }
}

/** A price as a feed answer with `decimals` decimals (rounded to nearest), never below one unit. */
export function toFeedAnswer(price: number, decimals: number): bigint {
  if (!Number.isFinite(price)) throw new Error(`price is not finite: ${price}`);
  const scaled = Math.round(price * 10 ** decimals);
  return BigInt(Math.max(1, scaled));
}
