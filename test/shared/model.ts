/**
 * A TypeScript model of the Clearinghouse ledgers built on the reference math (./math.ts). Tests drive it with the
 * same actions they send to the contracts (and the block timestamps those landed in) and compare the contracts'
 * numbers with the model's; the model never reads contract state.
 */
import * as math from "./math";
import * as pool from "./poolValue";
import { DEFAULT_MARKETS, DEFAULT_RISK, LOCAL_FEEDS } from "../../deploy/config";

export interface ModelMarket {
  params: math.MarketParams;
  price: bigint;
  longOI: bigint;
  shortOI: bigint;
  fundingIndex: bigint;
  lastFundingTime: bigint;
}

export class KeelModel {
  readonly markets: ModelMarket[] = [];
  readonly positions = new Map<bigint, Map<number, math.RefPosition>>();
  readonly balances = new Map<bigint, bigint>();
  pool = 0n;
  insurance = 0n;

  constructor(
    readonly toWad: bigint,
    readonly insuranceFeeShare: bigint,
  ) {}

  addMarket(params: math.MarketParams, price: bigint, now: bigint): number {
    this.markets.push({ params, price, longOI: 0n, shortOI: 0n, fundingIndex: 0n, lastFundingTime: now });
    return this.markets.length - 1;
  }

  skew(marketId: number): bigint {
    const m = this.markets[marketId];
    return m.longOI - m.shortOI;
  }

  /** The funding index as of `now`, without writing it. */
  indexAt(marketId: number, now: bigint): bigint {
    const m = this.markets[marketId];
    return (
      m.fundingIndex +
      math.fundingIndexDelta(
        this.skew(marketId),
        m.params.skewScale,
        m.params.maxFundingRatePerDay,
        now - m.lastFundingTime,
        m.price,
      )
    );
  }

  accrue(marketId: number, now: bigint) {
    const m = this.markets[marketId];
    m.fundingIndex = this.indexAt(marketId, now);
    m.lastFundingTime = now;
  }

  /** A feed moved. Like the contract, the next accrual applies the price it sees to the whole elapsed interval. */
  setPrice(marketId: number, price: bigint) {
    this.markets[marketId].price = price;
  }

  position(accountId: bigint, marketId: number): math.RefPosition {
    return (
      this.positions.get(accountId)?.get(marketId) ?? { size: 0n, openNotional: 0n, lastFundingIndex: 0n }
    );
  }

  balance(accountId: bigint): bigint {
    return this.balances.get(accountId) ?? 0n;
  }

  deposit(accountId: bigint, amount: bigint) {
    this.balances.set(accountId, this.balance(accountId) + amount);
  }

  withdraw(accountId: bigint, amount: bigint) {
    this.balances.set(accountId, this.balance(accountId) - amount);
  }

  /** What a trade at `now` would do, without applying it. */
  previewTrade(accountId: bigint, marketId: number, delta: bigint, now: bigint): math.TradeRef {
    const m = this.markets[marketId];
    const market = { params: m.params, price: m.price, fundingIndex: this.indexAt(marketId, now) };
    return math.trade(
      this.position(accountId, marketId),
      this.skew(marketId),
      market,
      delta,
      this.toWad,
      this.insuranceFeeShare,
    );
  }

  /** Applies a trade executed in a block with timestamp `now`. */
  trade(accountId: bigint, marketId: number, delta: bigint, now: bigint): math.TradeRef {
    this.accrue(marketId, now);
    const m = this.markets[marketId];
    const old = this.position(accountId, marketId);
    const r = this.previewTrade(accountId, marketId, delta, now);
    if (old.size > 0n) m.longOI -= old.size;
    else m.shortOI += old.size;
    if (r.newSize > 0n) m.longOI += r.newSize;
    else m.shortOI -= r.newSize;
    if (!this.positions.has(accountId)) this.positions.set(accountId, new Map());
    const book = this.positions.get(accountId)!;
    if (r.newSize === 0n) book.delete(marketId);
    else
      book.set(marketId, {
        size: r.newSize,
        openNotional: r.newOpenNotional,
        lastFundingIndex: m.fundingIndex,
      });
    this.balances.set(accountId, this.balance(accountId) + r.accountDelta);
    this.pool += r.poolDelta;
    this.insurance += r.insuranceDelta;
    return r;
  }

  /** What a liquidation at `now` would do, without applying it. */
  previewLiquidation(
    accountId: bigint,
    now: bigint,
    risk: math.LiquidationRisk,
    ctx: math.LiquidationContext = {},
  ): math.LiquidationRef {
    const book = this.positions.get(accountId) ?? new Map<number, math.RefPosition>();
    const legs = [...book.entries()]
      .sort(([a], [b]) => a - b)
      .map(([marketId, position]) => {
        const m = this.markets[marketId];
        return {
          marketId,
          position,
          market: { params: m.params, price: m.price, fundingIndex: this.indexAt(marketId, now) },
        };
      });
    const other = { value: 0n, held: false };
    return math.liquidation(
      this.balance(accountId),
      this.toWad,
      legs,
      risk,
      this.insurance,
      this.pool,
      other,
      ctx,
    );
  }

  /** Applies a liquidation executed at `now`; the reward goes to `keeperAccountId`. */
  liquidate(
    accountId: bigint,
    keeperAccountId: bigint,
    now: bigint,
    risk: math.LiquidationRisk,
    ctx: math.LiquidationContext = {},
  ): math.LiquidationRef {
    const r = this.previewLiquidation(accountId, now, risk, ctx);
    for (const leg of r.legs) {
      this.accrue(leg.marketId, now);
      const m = this.markets[leg.marketId];
      const old = leg.position;
      if (old.size > 0n) m.longOI -= old.size;
      else m.shortOI += old.size;
      if (leg.newSize > 0n) m.longOI += leg.newSize;
      else m.shortOI -= leg.newSize;
      const book = this.positions.get(accountId)!;
      if (leg.newSize === 0n) book.delete(leg.marketId);
      else
        book.set(leg.marketId, {
          size: leg.newSize,
          openNotional: leg.newOpenNotional,
          lastFundingIndex: m.fundingIndex,
        });
    }
    this.balances.set(accountId, this.balance(accountId) + r.accountDelta);
    this.balances.set(keeperAccountId, this.balance(keeperAccountId) + r.keeperReward);
    this.pool += r.poolDelta;
    this.insurance += r.insuranceDelta;
    return r;
  }

  accountState(accountId: bigint, now: bigint, balanceOverride?: bigint): math.AccountStateRef {
    const book = this.positions.get(accountId) ?? new Map<number, math.RefPosition>();
    const entries = [...book.entries()].map(([marketId, position]) => {
      const m = this.markets[marketId];
      return {
        position,
        market: { params: m.params, price: m.price, fundingIndex: this.indexAt(marketId, now) },
      };
    });
    return math.accountState(balanceOverride ?? this.balance(accountId), this.toWad, entries);
  }

  /** Booked bad debt the insurance fund cannot pay (DESIGN §10.5); none without other collateral. */
  pendingPoolLoss(): bigint {
    return 0n;
  }

  /** Each market with its open positions as of `now`, for the pool reference (./poolValue.ts). */
  poolMarkets(now: bigint): pool.PoolMarketRef[] {
    return this.markets.map((m, marketId) => ({
      price: m.price,
      fundingIndex: this.indexAt(marketId, now),
      skewScale: m.params.skewScale,
      positions: [...this.positions.values()].flatMap((book) =>
        book.has(marketId) ? [book.get(marketId)!] : [],
      ),
    }));
  }

  /** Pool NAV (`totalAssets()`) in token units as of `now`, floored at zero; the pending loss comes off the cash. */
  poolValue(now: bigint): bigint {
    return pool.poolValue(this.pool - this.pendingPoolLoss(), this.toWad, this.poolMarkets(now));
  }

  /** `poolValue()`: the signed NAV in token units as of `now`. */
  signedPoolValue(now: bigint): bigint {
    return pool.signedPoolValue(this.pool - this.pendingPoolLoss(), this.toWad, this.poolMarkets(now));
  }
}

/** A model of the local stack as deployed by deploy/modules/LocalStack.ts (6-decimal settlement token). */
export function localModel(): KeelModel {
  const model = new KeelModel(10n ** 12n, DEFAULT_RISK.insuranceFeeShare);
  for (const m of DEFAULT_MARKETS) {
    const feed = LOCAL_FEEDS.find((f) => f.symbol === m.symbol)!;
    // Skew is zero until the first trade, which accrues first, so the initial funding time never matters.
    model.addMarket(m, feed.initialAnswer * 10n ** BigInt(18 - feed.decimals), 0n);
  }
  return model;
}
