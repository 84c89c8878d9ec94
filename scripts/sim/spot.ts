/**
 * The spot venue the oracle follows, as the simulation models it (issue 17): its price is the exogenous path's price
 * times the price impact of `market.ts` (`PriceImpact`), and whoever trades on it moves that impact like liquidations
 * do. Buying `x` USD against depth `D` (USD for a log move of 1) moves the log price by `x / D`; every marginal dollar
 * fills at the price it has moved to, so
 *
 *   buying  x USD from price P:  units = ∫₀ˣ ds / (P e^{s/D}) = (D / P) (1 − e^{−x/D}),   log impact += x / D
 *   selling q units from price P: proceeds y with ∫₀^y dy' / (P e^{−y'/D}) = q, i.e. y = D ln(1 + q P / D),
 *                                 log impact −= y / D
 *
 * The impact decays between price updates (half-life `IMPACT_HALF_LIFE_SECONDS`: market makers refill the book), so
 * what a buyer pushed up before an update is partly gone when the oracle reads the venue, and a round trip that spans
 * the decay costs the buyer (selling back at once would walk the same curve down and cost nothing in this model).
 * Nothing here touches Keel: the venue's cash is outside the Vault.
 */
import type { AssetModel, PriceImpact } from "./market";

/** A fill on the venue. */
export interface SpotFill {
  symbol: string;
  /** USD paid (a buy) or received (a sale). */
  usd: number;
  units: number;
  /** The venue's price before and after the fill (USD). */
  before: number;
  after: number;
}

export class SpotVenue {
  private exogenous: number[];

  constructor(
    private readonly assets: AssetModel[],
    private readonly impact: PriceImpact,
  ) {
    this.exogenous = assets.map((a) => Math.log(a.initialPrice));
  }

  /** The step loop's tick: the exogenous log prices the venue trades at from now on. */
  at(logPrice: number[]): void {
    this.exogenous = [...logPrice];
  }

  /** USD of net buying that moves the price by +1 in log terms. */
  depth(symbol: string): number {
    return this.impact.depth(symbol);
  }

  /** Share of an impact left after `seconds` (the book refilling). */
  decayOver(seconds: number): number {
    return this.impact.decayFactor(seconds);
  }

  /** The venue's price now (USD): the exogenous price times the impact. */
  price(symbol: string): number {
    const i = this.index(symbol);
    return Math.exp(this.exogenous[i] + this.impact.current()[i]);
  }

  /** Buys `usd` worth; the impact moves the next oracle update. */
  buy(symbol: string, usd: number): SpotFill {
    const depth = this.positiveDepth(symbol);
    const before = this.price(symbol);
    const units = (depth / before) * -Math.expm1(-usd / depth);
    this.impact.apply({ [symbol]: -usd });
    return { symbol, usd, units, before, after: this.price(symbol) };
  }

  /** Sells `units`. */
  sell(symbol: string, units: number): SpotFill {
    const depth = this.positiveDepth(symbol);
    const before = this.price(symbol);
    const usd = depth * Math.log1p((units * before) / depth);
    this.impact.apply({ [symbol]: usd });
    return { symbol, usd, units, before, after: this.price(symbol) };
  }

  private positiveDepth(symbol: string): number {
    const depth = this.depth(symbol);
    if (!(depth > 0)) throw new Error(`no spot depth for ${symbol}`);
    return depth;
  }

  private index(symbol: string): number {
    const i = this.assets.findIndex((a) => a.symbol === symbol);
    if (i < 0) throw new Error(`no spot market for ${symbol}`);
    return i;
  }
}
