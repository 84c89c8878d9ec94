/**
 * Who takes part in a simulation: the traders (directional traders of varied leverage and hedgers holding long/short
 * pairs), the LPs, and how much goes into the insurance fund. Drawn from the seed, independent of the chain, so the
 * same seed gives the same people with the same books in every variant of a scenario.
 */
import { DEFAULT_MARKETS } from "../../deploy/config";
import type { Rng } from "./rng";
import type { AdversaryName } from "./scenarios/definitions";

export type TraderKind = "directional" | "hedger" | "adversary";
/**
 * Directional traders' temperament: how much leverage they take and whether they cut losses; an adversary's strategy
 * (its name: scripts/sim/agents/adversaries/registry.ts).
 */
export type TraderStyle = "conservative" | "swing" | "degen" | "hedger" | AdversaryName;

/** One intended position of a book. */
export interface Leg {
  marketId: bigint;
  symbol: string;
  /** +1 long, -1 short. */
  side: 1 | -1;
  /** Share of the book's gross notional (the legs' weights sum to 1). */
  weight: number;
}

export interface TraderSpec {
  label: string;
  kind: TraderKind;
  style: TraderStyle;
  /** Initial deposit (its USD value), settlement-token units. */
  collateral: bigint;
  /**
   * A volatile collateral token (the local stack's `WETH` or `WBTC`) holding `tokenShare` of the initial deposit's
   * value at the starting price, the rest in USDC; undefined: USDC only.
   */
  collateralToken?: "WETH" | "WBTC";
  tokenShare: number;
  /** Gross notional / equity the trader aims for when opening (at most the market's 1 / imf). */
  leverage: number;
  /** The book it opens first. */
  legs: Leg[];
  /** Probability per step of a discretionary action. */
  activity: number;
}

export interface LpSpec {
  label: string;
  /** Initial pool deposit, settlement-token units. */
  deposit: bigint;
  /** Probability per step of asking to withdraw, or of adding liquidity. */
  activity: number;
}

export interface MarketRef {
  marketId: bigint;
  symbol: string;
}

export interface Population {
  traders: TraderSpec[];
  lps: LpSpec[];
  /** What the insurance fund starts with, settlement-token units. */
  insuranceFunding: bigint;
  /** Σ of the traders' initial collateral, settlement-token units. */
  traderCollateral: bigint;
  /** Gross notional (USD) the traders' first books put on each market, by symbol. */
  plannedNotional: Record<string, number>;
}

/** Settlement-token units per USD (6 decimals). */
const UNIT = 1_000_000;
export const usdc = (usd: number): bigint => BigInt(Math.round(usd)) * BigInt(UNIT);

/** Share of the directional traders that post half of their collateral in WETH or WBTC. */
export const TOKEN_COLLATERAL_SHARE = 0.3;

/** Share of the traders that are hedgers (at least one as soon as there are two traders). */
export const HEDGER_SHARE = 0.4;

/**
 * Draws the population for `accounts` traders on the two first markets (`markets[0]` is ETH, `markets[1]` BTC by the
 * local stack's listing order).
 */
export function drawPopulation(rng: Rng, accounts: number, markets: MarketRef[]): Population {
  if (!Number.isInteger(accounts) || accounts < 1)
    throw new Error(`accounts must be a positive integer, got ${accounts}`);
  if (markets.length < 2) throw new Error("the simulation needs at least two markets");
  const [eth, btc] = markets;
  const hedgers = accounts >= 2 ? Math.max(1, Math.round(accounts * HEDGER_SHARE)) : 0;
  const traders: TraderSpec[] = [];
  const planned: Record<string, number> = Object.fromEntries(markets.map((m) => [m.symbol, 0]));

  // Interleave the kinds, so that a small population has both and labels read naturally.
  const kinds: TraderKind[] = [];
  for (let i = 0; i < accounts; i++) {
    const hedgersSoFar = kinds.filter((k) => k === "hedger").length;
    kinds.push(hedgersSoFar < Math.round(((i + 1) * hedgers) / accounts) ? "hedger" : "directional");
  }

  kinds.forEach((kind, i) => {
    const collateral = usdc(rng.logUniform(5_000, 60_000));
    const label = `${kind === "hedger" ? "hedger" : "trader"}-${String(i + 1).padStart(2, "0")}`;
    if (kind === "hedger") {
      // Long one asset, short the other, at equal notional; gross leverage 3x-8x.
      const longEth = rng.chance(0.6);
      const leverage = round2(rng.uniform(3, 8));
      const legs: Leg[] = [
        { ...eth, side: longEth ? 1 : -1, weight: 0.5 },
        { ...btc, side: longEth ? -1 : 1, weight: 0.5 },
      ];
      traders.push({
        label,
        kind,
        style: "hedger",
        collateral,
        tokenShare: 0,
        leverage,
        legs,
        activity: round2(rng.uniform(0.02, 0.08)),
      });
    } else {
      const style = rng.weighted<TraderStyle>([
        ["conservative", 0.3],
        ["swing", 0.45],
        ["degen", 0.25],
      ]);
      const leverage = round2(
        style === "conservative"
          ? rng.uniform(1.5, 3)
          : style === "swing"
            ? rng.uniform(3, 6)
            : rng.uniform(7, 9.5),
      );
      const market = rng.chance(0.6) ? eth : btc;
      // The crowd leans long, as it usually does: the skew is long and a crash hurts.
      const side: 1 | -1 = rng.chance(0.65) ? 1 : -1;
      // Some post half of their collateral in WETH or WBTC (whose value falls with the market they are long).
      const collateralToken = rng.chance(TOKEN_COLLATERAL_SHARE)
        ? rng.chance(0.6)
          ? "WETH"
          : "WBTC"
        : undefined;
      traders.push({
        label,
        kind,
        style,
        collateral,
        collateralToken,
        tokenShare: collateralToken ? 0.5 : 0,
        leverage,
        legs: [{ ...market, side, weight: 1 }],
        activity: round2(rng.uniform(0.03, 0.12)),
      });
    }
    const t = traders[traders.length - 1];
    for (const leg of t.legs) {
      planned[leg.symbol] += (Number(t.collateral) / UNIT) * t.leverage * leg.weight;
    }
  });

  const traderCollateral = traders.reduce((acc, t) => acc + t.collateral, 0n);
  // The pool holds three times the traders' collateral (at least 500k): enough for the open-interest cap
  // (each side's notional <= the pool's cash) with the leverage the traders take.
  const poolTarget = Math.max(500_000, (3 * Number(traderCollateral)) / UNIT);
  const lpCount = Math.max(2, Math.ceil(accounts / 12));
  const weights = Array.from({ length: lpCount }, () => rng.uniform(0.5, 1.5));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const lps: LpSpec[] = weights.map((w, i) => ({
    label: `lp-${i + 1}`,
    deposit: usdc((poolTarget * w) / totalWeight),
    activity: round3(rng.uniform(0.005, 0.02)),
  }));
  // Insurance starts at 5% of the traders' collateral.
  const insuranceFunding = usdc((0.05 * Number(traderCollateral)) / UNIT);
  return { traders, lps, insuranceFunding, traderCollateral, plannedNotional: planned };
}

/** The initial margin fraction the traders' leverage is drawn for: the deployed markets' (all alike). */
export const DRAWN_FOR_IMF = Number(DEFAULT_MARKETS[0].imf) / 1e18;

/**
 * Degens take what the market allows. Their leverage is drawn for the deployed initial margin fraction; under another
 * one (`--set imf=…`, a sweep's value) it is scaled by `DRAWN_FOR_IMF / imf`, keeping its share of the largest leverage
 * allowed, so a lower `imf` meets traders who use the room (without it a sweep of `imf` downwards changed nothing and
 * recommended its lowest value). Conservative and swing traders and hedgers keep theirs. The planned notional (the
 * spot depth, the pool's size) stays that of the draw: the market's depth does not follow the protocol's margins.
 */
export function withImf(population: Population, imf: number | undefined): Population {
  if (imf === undefined || imf === DRAWN_FOR_IMF) return population;
  const scale = DRAWN_FOR_IMF / imf;
  return {
    ...population,
    traders: population.traders.map((t) =>
      t.style === "degen" ? { ...t, leverage: round2(t.leverage * scale) } : t,
    ),
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
