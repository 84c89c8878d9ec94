/**
 * The LP sandwich (scenario `adversaries`, issue 17): an LP that trades around its own pool flows to move the value
 * its shares are priced at.
 *
 * The attack (issue 13, `test/attacks/skewPremiumNav.test.ts`): a trade that grows the skew pays the pool a fill
 * premium `P × ((skew + d)² − skew²) / (2 × skewScale)` (DESIGN §7) that sits in the trader's entry price, so valued at
 * the oracle price the position is worth that much less and the pool that much more. An LP with a matured request
 * opened a large position, redeemed at the inflated value and closed, the close paying the premium back out of the
 * LPs who stayed: +$1,797 to the attacker, −$2,050 to the honest LP on a $2M pool. The reverse works around a
 * deposit: a trade that closes the skew is paid the premium, the pool is worth less, the deposit mints more shares.
 *
 * The defence (DESIGN §11, §18.23): the pool's value is net of `P × skew² / (2 × skewScale)` per market, the premium
 * closing the skew would pay, so a trade moves the pool's value only by the fee the pool keeps (and roundings).
 *
 * What the agent does, in its strongest form against that: it holds a pool stake with a withdrawal request and a USDC
 * margin account. Whenever its request is matured (after the keeper's round of a tick), it opens the largest ETH
 * position its margin, the open-interest caps and the pool's cash allow, on the side of the skew (the side that pays
 * the most premium), redeems all it can, and closes. Then it deposits what it received back, sandwiched the other way
 * (a trade that closes the skew first, the deposit, the trade back), and requests again. It records the pool's value
 * and supply before each sandwich, so the report (and its test) can say what the sandwich moved and who paid.
 *
 * Measured (test/integration/simulation/lpSandwich.test.ts, seed 1, 3 accounts, 30 hours): a 457 ETH long paid
 * $2,701.69 of premium around a $509,586.23 redemption, which came within $0.003 of the value before the trade plus the
 * pool's part of the fee; the two sandwiches moved its flows by +$164.80 for $751.67 of fees. Without the premium term
 * (a local red run) the redemption got $1,266.72 more.
 */
import type { MarketRef, TraderSpec } from "../../population";
import { usdc } from "../../population";
import type { Rng } from "../../rng";
import type { Actor } from "../../world";
import { TraderAgent } from "../trader";
import { TO_WAD, WAD, readState } from "../env";
import type { AgentEnv } from "../env";
import type { AdversaryAgent, AdversaryDescription, BaseOutcome, TickView } from "./adversary";
import { LpStake } from "./lpStake";

/** Its pool stake and its trading margin (USD). */
export const SANDWICH_LP_USD = 500_000;
export const SANDWICH_MARGIN_USD = 150_000;
/** Shares of the room it uses: of its free margin, and of the open-interest caps' room. */
const MARGIN_USE_PERCENT = 90n;
const CAP_USE_PERCENT = 98n;

export function lpSandwichSpec(markets: MarketRef[]): TraderSpec {
  return {
    label: "lp-sandwich",
    kind: "adversary",
    style: "lp-sandwich",
    collateral: usdc(SANDWICH_MARGIN_USD),
    tokenShare: 0,
    leverage: 1 / 0.1,
    legs: [{ ...markets[0], side: 1, weight: 1 }],
    activity: 0,
  };
}

/** One pool flow it sandwiched, as it saw it. */
export interface Sandwich {
  kind: "redeem" | "deposit";
  step: number;
  /** `poolValue()` and `totalSupply()` just before its first trade (settlement units, shares). */
  valueBefore: bigint;
  supplyBefore: bigint;
  /** The position it held around the flow (signed, WAD base units; 0: the trade was refused, the flow went alone). */
  size: bigint;
  /** Shares burnt or minted, and the settlement units received or paid. */
  shares: bigint;
  amount: bigint;
  /** `poolValue()` and `totalSupply()` after its closing trade. */
  valueAfter: bigint;
  supplyAfter: bigint;
}

/** What it saw: its sandwiches, and the shares it holds at the end with the pool's supply then. */
export interface SandwichRecord {
  sandwiches: Sandwich[];
  finalShares: bigint;
  finalSupply: bigint;
}

export class LpSandwichAgent extends TraderAgent implements AdversaryAgent {
  readonly sandwiches: Sandwich[] = [];
  private final = { shares: 0n, supply: 0n };
  readonly stake: LpStake;
  heldValue?: bigint;

  constructor(
    spec: TraderSpec,
    actor: Actor,
    rng: Rng,
    accountIdOf: (owner: string, subaccount: bigint) => bigint,
  ) {
    super(spec, actor, rng, "cross", accountIdOf);
    this.stake = new LpStake(actor, spec.label);
  }

  /** Its margin (USDC), then its pool stake, escrowed at once. */
  override async setup(env: AgentEnv): Promise<void> {
    await super.setup(env);
    await this.stake.approve(env);
    await this.stake.deposit(env, usdc(SANDWICH_LP_USD));
    await this.stake.requestAll(env);
  }

  override openBook(): Promise<void> {
    return Promise.resolve();
  }

  override act(): Promise<void> {
    return Promise.resolve();
  }

  /** After the keeper's round: a matured request is redeemed inside a sandwich, and the proceeds go back in. */
  async afterKeeper(env: AgentEnv, tick: TickView): Promise<void> {
    const matured = await this.stake.maturedShares(env);
    if (matured === 0n) {
      await this.stake.renewIfExpired(env);
      return;
    }
    const redeemed = await this.sandwich(env, tick, "redeem", matured);
    if (redeemed.amount === 0n) return;
    await this.sandwich(env, tick, "deposit", redeemed.amount);
    await this.stake.requestAll(env);
  }

  async finish(env: AgentEnv): Promise<void> {
    this.heldValue = await this.stake.netValue(env);
    this.final = { shares: await this.stake.sharesHeld(env), supply: await env.sys.pool.totalSupply() };
  }

  /**
   * What its sandwiches moved its flows by (settlement units): each redemption's amount less the shares' value at the
   * pool's value before its trade, each deposit's shares at that value less the amount paid.
   */
  sandwichEdge(): bigint {
    const VIRTUAL = 10n ** 6n; // OpenZeppelin's virtual shares and asset of the pool's conversions
    return this.sandwiches.reduce((acc, s) => {
      const fair = (s.shares * (s.valueBefore + 1n)) / (s.supplyBefore + VIRTUAL);
      return acc + (s.kind === "redeem" ? s.amount - fair : fair - s.amount);
    }, 0n);
  }

  describe(base: BaseOutcome): AdversaryDescription {
    const n = (k: Sandwich["kind"]) => this.sandwiches.filter((s) => s.kind === k && s.size !== 0n).length;
    const edge = this.sandwichEdge() * TO_WAD;
    const usd = (wad: bigint) => `$${(Number(wad / 10n ** 12n) / 1e6).toFixed(2)}`;
    const net = edge - base.tradingFees;
    return {
      record: {
        sandwiches: this.sandwiches,
        finalShares: this.final.shares,
        finalSupply: this.final.supply,
      } satisfies SandwichRecord,
      strategy:
        `an LP trading around its own pool flows: ${n("redeem")} redemptions after opening the largest position on ` +
        `the skew's side, ${n("deposit")} deposits after closing the skew; the trades moved its flows by ` +
        `${usd(edge)} for ${usd(base.tradingFees)} of fees`,
      paidBy:
        net > 0n
          ? "the LPs who stayed (the sandwiches moved the pool's value by more than their fees)"
          : base.profit > 0n
            ? "the traders who lost to the pool (its stake's ordinary share): the sandwiches themselves lost " +
              `${usd(-net)}, the pool being valued net of the skew premium (DESIGN §18.23)`
            : "nobody: the pool is valued net of the skew premium (DESIGN §18.23), a trade moves it only by the fee " +
              "the pool keeps, so each sandwich cost it its fees less its share of them (the rest of its result is " +
              "its stake's share of the LPs' result)",
    };
  }

  /**
   * Trades, makes the pool flow, trades back. A redemption is preceded by the largest position on the skew's side;
   * a deposit by the position that closes the skew. Returns the flow's record.
   */
  private async sandwich(
    env: AgentEnv,
    tick: TickView,
    kind: Sandwich["kind"],
    amountOrShares: bigint,
  ): Promise<Sandwich> {
    const { pool } = env.sys;
    const a = this.accounts[0];
    const marketId = env.markets[0].marketId;
    const valueBefore = await pool.poolValue();
    const supplyBefore = await pool.totalSupply();
    let size = kind === "redeem" ? await this.largestOnSkew(env) : -(await this.skew(env));
    if (size !== 0n && !(await this.trade(env, a, marketId, size))) size = 0n;
    let shares = 0n;
    let amount = 0n;
    if (kind === "redeem") ({ shares, received: amount } = await this.stake.redeem(env, amountOrShares));
    else {
      shares = await this.stake.deposit(env, amountOrShares);
      amount = shares > 0n ? amountOrShares : 0n;
    }
    if (size !== 0n) await this.trade(env, a, marketId, -size);
    const record: Sandwich = {
      kind,
      step: tick.step,
      valueBefore,
      supplyBefore,
      size,
      shares,
      amount,
      valueAfter: await pool.poolValue(),
      supplyAfter: await pool.totalSupply(),
    };
    this.sandwiches.push(record);
    return record;
  }

  private async skew(env: AgentEnv): Promise<bigint> {
    return (await env.sys.lens.market(env.markets[0].marketId)).skew;
  }

  /**
   * The largest position on the skew's side (long when flat): within its free margin after the fee and the premium,
   * the market's open-interest cap in base units and the cap against the pool's cash (DESIGN §18.1).
   */
  private async largestOnSkew(env: AgentEnv): Promise<bigint> {
    const { sys } = env;
    const marketId = env.markets[0].marketId;
    const view = await sys.lens.market(marketId);
    const p = view.params;
    const side = view.skew >= 0n ? 1n : -1n;
    const price = env.price(marketId);
    const state = await readState(env, this.accounts[0].accountId);
    const free = state.equity - BigInt(state.initialMargin);
    if (free <= 0n) return 0n;
    // The premium's share of the notional at the largest size: at most maxOpenInterest / skewScale (DESIGN §18.17).
    const perNotional = p.imf + p.takerFee + (p.maxOpenInterest * WAD) / p.skewScale;
    const notional = (((free * WAD) / perNotional) * MARGIN_USE_PERCENT) / 100n;
    let size = (notional * WAD) / price;
    const sideOi = side > 0n ? view.longOpenInterest : view.shortOpenInterest;
    const oiRoom = ((p.maxOpenInterest - sideOi) * CAP_USE_PERCENT) / 100n;
    const cash = (await sys.vault.poolBalance()) * TO_WAD;
    const toPool = (await sys.lens.riskParams()).maxOpenInterestToPool;
    const poolRoomNotional = (cash * toPool) / WAD - (sideOi * price) / WAD;
    const poolRoom = (((poolRoomNotional * CAP_USE_PERCENT) / 100n) * WAD) / price;
    for (const room of [oiRoom, poolRoom]) if (room < size) size = room;
    return size > 0n ? side * size : 0n;
  }
}
