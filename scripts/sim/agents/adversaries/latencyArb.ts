/**
 * The oracle-latency arbitrageur (scenario `latency-arb`, issue 15): it knows the feed's next answer one update ahead
 * (an exchange's price moves before a push feed's deviation threshold or heartbeat posts it) and, after every update,
 * turns its ETH position to the side of the next move: `LATENCY_ARB_LEVERAGE` × its deposit in notional.
 *
 * With immediate trades on it trades at the answer it knows is stale: the position it holds until the next update is
 * chosen knowing that update, |ΔP| × size per update less fees, paid by the pool (test/attacks/latencyArbitrage.test.ts).
 * With them off it can only commit a market order, which the keeper settles at the first round published after the
 * commit: the very update it knew. Its position then runs over the following move, which it does not know, and it pays
 * the fees for nothing.
 */
import { usdc } from "../../population";
import type { MarketRef, TraderSpec } from "../../population";
import type { VariantSpec } from "../../scenarios/definitions";
import { TraderAgent } from "../trader";
import { TO_WAD, WAD, usd } from "../env";
import type { AgentEnv } from "../env";
import type { AdversaryAgent, AdversaryDescription, BaseOutcome, TickView } from "./adversary";

/** Its deposit (USD) and the leverage of the position it flips on the first market (ETH). */
export const LATENCY_ARB_COLLATERAL_USD = 20_000;
export const LATENCY_ARB_LEVERAGE = 3;

export function latencyArbSpec(markets: MarketRef[]): TraderSpec {
  return {
    label: "latency-arb",
    kind: "adversary",
    style: "latency-arb",
    collateral: usdc(LATENCY_ARB_COLLATERAL_USD),
    tokenShare: 0,
    leverage: LATENCY_ARB_LEVERAGE,
    legs: [{ ...markets[0], side: 1, weight: 1 }],
    activity: 0,
  };
}

/** Widest move accepted between the commit and the settlement (a market order's `acceptablePrice`). */
const ORDER_SLIPPAGE_PERCENT = 10n;

/** What the arbitrageur did: the report's adversary table. */
export interface LatencyArbRecord {
  /** Immediate trades executed. */
  trades: number;
  /** Market orders committed, and the settlement fees they escrowed (settlement-token units). */
  orders: number;
  settlementFees: bigint;
  /** Updates it let pass because its previous order was still pending. */
  waited: number;
}

export class LatencyArbAgent extends TraderAgent implements AdversaryAgent {
  readonly record: LatencyArbRecord = { trades: 0, orders: 0, settlementFees: 0n, waited: 0 };
  private size = 0n;
  private orderId?: bigint;
  private params?: { fee: bigint; maxLifetime: bigint };

  /** It holds nothing until the first update it can see ahead of. */
  override openBook(): Promise<void> {
    return Promise.resolve();
  }

  /** The honest traders' discretion is not its game: `arbitrage` is called after every update instead. */
  override act(): Promise<void> {
    return Promise.resolve();
  }

  /** After the keeper's round: it acts on the next update of its market's feed. */
  async afterKeeper(env: AgentEnv, tick: TickView): Promise<void> {
    const next = tick.next?.get(this.spec.legs[0].marketId);
    if (next !== undefined) await this.arbitrage(env, next, tick.immediateTrades);
  }

  settlementFeeUnits(): bigint {
    return this.record.settlementFees;
  }

  describe(base: BaseOutcome, variant: VariantSpec): AdversaryDescription {
    return {
      strategy: variant.immediateTrades
        ? "knows the next oracle update; trades immediately at the stale answer"
        : "knows the next oracle update; commits market orders (settled at the next round)",
      orders: this.record.orders,
      waited: this.record.waited,
      paidBy:
        base.profit > 0n ? "the pool's LPs (its counterparty)" : "nobody: it lost to the pool and the keeper",
    };
  }

  /**
   * Right after an update (and the keeper's round): the next answer of the market's feed is `next` (WAD); the
   * position goes long if it is higher than the current one, short if lower, unchanged if equal.
   */
  async arbitrage(env: AgentEnv, next: bigint, immediate: boolean): Promise<void> {
    const a = this.accounts[0];
    const marketId = this.spec.legs[0].marketId;
    const price = env.price(marketId);
    if (this.size === 0n) {
      const notional = BigInt(Math.round(usd(this.spec.collateral * TO_WAD) * this.spec.leverage)) * WAD;
      this.size = (notional * WAD) / price;
    }
    if (next === price) return;
    const target = next > price ? this.size : -this.size;
    const current = (await env.sys.clearinghouse.position(a.accountId, marketId)).size;
    const delta = target - current;
    if (delta === 0n) return;
    if (immediate) {
      if (await this.trade(env, a, marketId, delta)) this.record.trades++;
      return;
    }
    const book = env.sys.orderBook;
    this.orderId ??= await book.orderIdOf(a.accountId, marketId);
    if ((await book.order(this.orderId)).committedAt !== 0n) {
      this.record.waited++;
      return;
    }
    if (!this.params) {
      const [fee, , maxLifetime] = await book.params();
      this.params = { fee, maxLifetime };
    }
    const limit =
      delta > 0n
        ? (price * (100n + ORDER_SLIPPAGE_PERCENT)) / 100n
        : (price * (100n - ORDER_SLIPPAGE_PERCENT)) / 100n;
    const deadline = BigInt(env.now()) + this.params.maxLifetime;
    const signer = this.actor.signer;
    const result = await env.sender.send(() =>
      book.connect(signer).commitOrder(a.accountId, marketId, delta, limit, deadline, false),
    );
    if (!result.ok) return;
    this.record.orders++;
    this.record.settlementFees += this.params.fee;
  }
}
