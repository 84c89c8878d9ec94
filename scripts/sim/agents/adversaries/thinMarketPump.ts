/**
 * The thin-market manipulator (scenario `adversaries`, issue 17): the pattern of the Mango Markets (October 2022) and
 * Hyperliquid JELLY (March 2025) incidents. A perp venue whose counterparty is a pool marks positions at an index
 * price; the manipulator holds a large long, buys the thin spot market the index follows, and closes the long against
 * the pool at the pumped price. Keel prices from Chainlink, so Keel trades cannot move the oracle: the attack must
 * move the spot venue the feed follows, and pay that venue's price impact.
 *
 * What it does, once, at the first update (after the traders' opening books and the keeper): it picks the market whose
 * open-interest room is largest against the spot depth (the simulation's `PriceImpact` depth,
 * `IMPACT_DEPTH_MULTIPLE` × the notional the traders plan there), opens a long up to the open-interest cap
 * (`maxOpenInterestToPool` × the pool's cash, less the longs already open, DESIGN §7, §18.1), and buys `u × depth`
 * USD of spot (`spot.ts`: the log price moves by `u` at once and decays with the book's refill until the next update
 * reads it). At that update, before anyone else acts, it closes the long at the pumped oracle price and sells the spot
 * back at the venue's price. `u` maximises the model's expected gain, `size × P × (e^{δu} − 1)` against the spot
 * round trip `D (u − ln(1 + (1 − e^{−u}) e^{δu}))`, with `δ` the share of the impact left at the next update.
 *
 * Who pays: the pool's LPs, the long's counterparty at the pumped price. The spot round trip is paid to the spot
 * market, not to Keel, and is reported separately (`outside`). What bounds it: the open-interest cap against the
 * pool's cash (the position), the skew premium and the fees (each fill), and the spot depth (the pump's cost).
 */
import { formatUsd as usd } from "../../../common/format";
import type { MarketRef, TraderSpec } from "../../population";
import type { SpotFill } from "../../spot";
import { TraderAgent } from "../trader";
import { MAX_UINT, TO_WAD, WAD, notionalOf, toWad } from "../env";
import type { AgentEnv, MarketInfo } from "../env";
import type { AdversaryAgent, AdversaryDescription, BaseOutcome, TickView } from "./adversary";

/** Share of the open-interest room it takes (the rest is headroom for rounding and the fills' premium). */
export const PUMP_ROOM_SHARE_PERCENT = 99n;
/** Its deposit per USD of position: the initial margin, the fee and the premium with room (percent of notional). */
const DEPOSIT_PERCENT = 12n;
/** The largest log impact it buys at once (a spot buy of the whole depth: +172% on the venue). */
const MAX_SPOT_LOG_IMPACT = 1;

export function thinMarketPumpSpec(markets: MarketRef[]): TraderSpec {
  return {
    label: "thin-market-pump",
    kind: "adversary",
    style: "thin-market-pump",
    collateral: 0n, // deposits the margin of the position it opens
    tokenShare: 0,
    leverage: 10,
    legs: [{ ...markets[1], side: 1, weight: 1 }],
    activity: 0,
  };
}

/** The attack's numbers, as the agent saw them (USD as floats, sizes WAD). */
export interface PumpRecord {
  symbol?: string;
  /** The pool's cash, the open-interest cap it sets, the longs open before its own, and its position (USD, WAD). */
  cash: bigint;
  cap: bigint;
  longs: bigint;
  notional: bigint;
  depth: number;
  /** Chosen log impact of the buy, and the share of it the next update was to see. */
  impact: number;
  decay: number;
  buy?: SpotFill;
  sale?: SpotFill;
  /** The long was closed at the pumped update. */
  closed: boolean;
}

/** Expected gain per USD of depth, `r (e^{δu} − 1) − spotCost(u)`, with `r` the position over the depth. */
export function pumpEdge(r: number, decay: number, u: number): number {
  return r * Math.expm1(decay * u) - spotRoundTripCost(decay, u);
}

/** The spot round trip's cost per USD of depth: buy `u`, let it decay to `δu`, sell the units back. */
export function spotRoundTripCost(decay: number, u: number): number {
  return u - Math.log1p(-Math.expm1(-u) * Math.exp(decay * u));
}

/** The log impact (grid of 0.001 up to `MAX_SPOT_LOG_IMPACT`) that maximises `pumpEdge`. */
export function bestImpact(r: number, decay: number): number {
  let best = 0;
  for (let k = 1; k <= MAX_SPOT_LOG_IMPACT * 1000; k++)
    if (pumpEdge(r, decay, k / 1000) > pumpEdge(r, decay, best)) best = k / 1000;
  return best;
}

export class ThinMarketPumpAgent extends TraderAgent implements AdversaryAgent {
  readonly record: PumpRecord = {
    cap: 0n,
    cash: 0n,
    longs: 0n,
    notional: 0n,
    depth: 0,
    impact: 0,
    decay: 0,
    closed: false,
  };
  heldValue = 0n;
  private size = 0n;
  private marketId = 0n;

  override async setup(env: AgentEnv): Promise<void> {
    await env.sender.must(`${this.label} approve`, () =>
      env.sys.usdc.connect(this.actor.signer).approve(env.sys.addresses.vault, MAX_UINT),
    );
  }

  override openBook(): Promise<void> {
    return Promise.resolve();
  }

  override act(): Promise<void> {
    return Promise.resolve();
  }

  /** After the first update's keeper round: the long, then the spot buy. */
  async afterKeeper(env: AgentEnv, tick: TickView): Promise<void> {
    if (!tick.first || tick.secondsToNext === undefined) return;
    const target = await this.pickMarket(env, tick);
    if (!target) return;
    const { market, room, longs } = target;
    this.record.longs = longs;
    const price = env.price(market.marketId);
    const size = (room * WAD) / price;
    if (!(await this.depositFor(env, room))) return;
    if (!(await this.trade(env, this.accounts[0], market.marketId, size))) return;
    this.size = size;
    this.marketId = market.marketId;
    this.record.notional = notionalOf(size, price);
    const depth = tick.spot.depth(market.symbol);
    const decay = tick.spot.decayOver(tick.secondsToNext);
    const impact = bestImpact(Number(room / 10n ** 12n) / 1e6 / depth, decay);
    Object.assign(this.record, { symbol: market.symbol, depth, impact, decay });
    this.record.buy = tick.spot.buy(market.symbol, impact * depth);
    // Until it sells: the units at the venue's price before its buy, less what they cost.
    this.heldValue = toWad(this.record.buy.units * this.record.buy.before - this.record.buy.usd);
  }

  /** At the pumped update, before anyone else: closes the long, sells the spot back. */
  async afterPrices(env: AgentEnv, tick: TickView): Promise<void> {
    const buy = this.record.buy;
    if (!buy || this.record.sale) return;
    this.record.closed = await this.trade(env, this.accounts[0], this.marketId, -this.size);
    this.record.sale = tick.spot.sell(buy.symbol, buy.units);
    this.heldValue = toWad(this.record.sale.usd - buy.usd);
  }

  describe(base: BaseOutcome): AdversaryDescription {
    const r = this.record;
    if (!r.buy || !r.symbol) {
      return {
        strategy: "pump a thin market's spot to close a long against the pool: it opened no position",
        paidBy: "nobody: the open-interest cap left it no room, or its long was refused (DESIGN §7, §18.1)",
      };
    }
    const perp = base.profit - this.heldValue;
    const pump = r.sale ? r.sale.before / r.buy.before - 1 : 0;
    const strategy =
      `opened a ${usd(r.notional)} ${r.symbol} long (${PUMP_ROOM_SHARE_PERCENT}% of the open-interest room: a cap ` +
      `of ${usd(r.cap)} at the pool's ${usd(r.cash)} of cash, less ${usd(r.longs)} of longs open), bought ` +
      `${usd(toWad(r.buy.usd))} of spot against ${usd(toWad(r.depth))} of depth, ` +
      (r.closed ? "closed" : "could not close (refused)") +
      ` at the next update (${pct(pump)} from its open) and sold the spot back`;
    const bounds =
      `bounded by the open-interest cap (${usd(r.notional)} of position), the skew premium and fees ` +
      `(${usd(base.tradingFees)}) and the spot round trip (${usd(this.heldValue, { signed: true })}, paid to ` +
      `the spot market, not to Keel)`;
    return {
      strategy,
      outside: this.heldValue,
      paidBy:
        base.profit > 0n
          ? `the pool's LPs (its perp made ${usd(perp, { signed: true })} after fees and premium); ${bounds}`
          : `the pump did not pay (its perp made ${usd(perp, { signed: true })} after fees and premium); ${bounds}`,
    };
  }

  /** The market with the most open-interest room per USD of spot depth, and that room (USD, WAD). */
  private async pickMarket(
    env: AgentEnv,
    tick: TickView,
  ): Promise<{ market: MarketInfo; room: bigint; longs: bigint } | undefined> {
    const { lens, vault } = env.sys;
    const cash = (await vault.poolBalance()) * TO_WAD;
    const cap = (cash * (await lens.riskParams()).maxOpenInterestToPool) / WAD;
    let best: { market: MarketInfo; room: bigint; longs: bigint; ratio: number } | undefined;
    for (const market of env.markets) {
      const view = await lens.market(market.marketId);
      const price = env.price(market.marketId);
      const longs = notionalOf(view.longOpenInterest, price);
      const poolRoom = cap - longs - 1n;
      const baseRoom = notionalOf(view.params.maxOpenInterest - view.longOpenInterest, price);
      const room = ((poolRoom < baseRoom ? poolRoom : baseRoom) * PUMP_ROOM_SHARE_PERCENT) / 100n;
      const depth = tick.spot.depth(market.symbol);
      if (room <= market.minPositionNotional || !(depth > 0)) continue;
      const ratio = Number(room / 10n ** 12n) / 1e6 / depth;
      if (!best || ratio > best.ratio) best = { market, room, longs, ratio };
    }
    Object.assign(this.record, { cap, cash });
    return best;
  }

  /** Mints and deposits the margin a position of `notional` (USD, WAD) needs. */
  private async depositFor(env: AgentEnv, notional: bigint): Promise<boolean> {
    const amount = (notional * DEPOSIT_PERCENT) / 100n / TO_WAD;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint`, () =>
      env.sys.usdc.connect(signer).mint(this.actor.address, amount),
    );
    const result = await env.sender.send(() =>
      env.sys.vault.connect(signer).deposit(0n, env.sys.addresses.usdc, amount),
    );
    if (!result.ok) return false;
    this.deposited += amount;
    this.depositedValue += amount * TO_WAD;
    env.flows.traderDeposits += amount;
    return true;
  }
}

const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;
