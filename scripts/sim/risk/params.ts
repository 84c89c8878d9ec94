/**
 * The parameters `--sweep name=a:b:step` and `--set name=value` change: what each is, how a value is written into the
 * markets' or the protocol's parameters (the admin setters, pipeline/params.ts), and the contract's own bounds
 * checked here first, so that a value the setter would refuse is one line of error before anything runs.
 *
 * Light on purpose (deploy/config.ts only): the task definition loads it with hardhat.config.ts.
 */
import { DEFAULT_MARKETS, DEFAULT_RISK } from "../../../deploy/config";

export const SWEEP_PARAMS = [
  "imf",
  "mmf",
  "skewScale",
  "maxOpenInterestToPool",
  "liquidationBuffer",
] as const;
export type SweepParam = (typeof SWEEP_PARAMS)[number];
export const isSweepParam = (name: string): name is SweepParam =>
  (SWEEP_PARAMS as readonly string[]).includes(name);

export interface ParamSpec {
  /** What a value means, for the report. */
  meaning: string;
  /** Every market's (MarketParams) or the protocol's (RiskParams). */
  scope: "market" | "risk";
  /** Today's value (deploy/config.ts), in the sweep's units. */
  current: number;
  /**
   * Which way lets more open interest in: `down` (a lower initial margin allows more leverage), `up` (a higher cap
   * or a deeper skew scale).
   */
  permissive: "up" | "down";
}

const WAD = 10n ** 18n;
const num = (wad: bigint): number => Number(wad) / 1e18;
const [ETH] = DEFAULT_MARKETS;

export const PARAMS: Record<SweepParam, ParamSpec> = {
  imf: {
    meaning: "initial margin fraction of every market",
    scope: "market",
    current: num(ETH.imf),
    permissive: "down",
  },
  mmf: {
    meaning: "maintenance margin fraction of every market",
    scope: "market",
    current: num(ETH.mmf),
    permissive: "down",
  },
  skewScale: {
    meaning: "every market's skew scale, as a multiple of its deployed value",
    scope: "market",
    current: 1,
    permissive: "up",
  },
  maxOpenInterestToPool: {
    meaning: "each market side's open interest cap as a fraction of the pool's balance",
    scope: "risk",
    current: num(DEFAULT_RISK.maxOpenInterestToPool),
    permissive: "up",
  },
  liquidationBuffer: {
    meaning: "share of maintenance margin a liquidation restores above it",
    scope: "risk",
    current: num(DEFAULT_RISK.liquidationBuffer),
    permissive: "down",
  },
};

/** A value as a WAD, to the 1e-9 the options are read with. */
export const toWad = (x: number): bigint => (BigInt(Math.round(x * 1e9)) * WAD) / 1_000_000_000n;

/**
 * Why the contract would refuse `name = value` with every other parameter at its deployed value (ConfigLogic.sol), or
 * undefined when it accepts it.
 */
export function paramError(name: SweepParam, value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0 || (value === 0 && name !== "liquidationBuffer"))
    return `${name} must be ${name === "liquidationBuffer" ? "0 or more" : "positive"}, got ${value}`;
  for (const m of DEFAULT_MARKETS) {
    const imf = name === "imf" ? toWad(value) : m.imf;
    const mmf = name === "mmf" ? toWad(value) : m.mmf;
    const skewScale = name === "skewScale" ? (m.skewScale * toWad(value)) / WAD : m.skewScale;
    if (mmf <= m.liquidationFee)
      return `${name} ${value} leaves ${m.symbol}'s mmf ${num(mmf)} at or under its liquidation fee ${num(m.liquidationFee)}`;
    if (imf <= mmf || imf > WAD)
      return `${name} ${value} leaves ${m.symbol}'s imf ${num(imf)} outside (mmf ${num(mmf)}, 1]`;
    // maxOpenInterest / skewScale + takerFee <= mmf (DESIGN §18.17): a close never costs more than a margin holds.
    const premium = (m.maxOpenInterest * WAD + skewScale - 1n) / skewScale + m.takerFee;
    if (premium > mmf)
      return (
        `${name} ${value} makes ${m.symbol}'s worst skew premium + taker fee ${pct(num(premium))} exceed its mmf ` +
        `${pct(num(mmf))} (maxOpenInterest / skewScale + takerFee <= mmf)`
      );
  }
  if (name === "maxOpenInterestToPool" && value > 10)
    return `maxOpenInterestToPool ${value} is above the contract's bound of 10`;
  if (name === "liquidationBuffer" && value > 1) return `liquidationBuffer ${value} is above 1`;
  return undefined;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** `imf=0.12`: how a parameter value is written in a command. */
export const formatSetting = (name: string, value: number): string => `${name}=${formatValue(value)}`;
export const formatValue = (value: number): string => String(Number(value.toPrecision(9)));
