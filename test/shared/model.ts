/**
 * The ledger model: the Clearinghouse's positions and markets and the Vault's settlement ledgers (accounts, pool,
 * insurance), evolved with the reference math (./math.ts, ./poolValue.ts). Tests drive it with the same actions they
 * send to the contracts (and the block timestamps those landed in) and compare the contracts' numbers with the
 * model's; the model never reads contract state. The chain of references: math.ts and poolValue.ts (pure math) →
 * this model → collateral.ts (`CollateralModel`: other collateral and bad debt) → test/invariants/model/
 * (`InvariantModel`: feeds, pause, LP shares, token balances).
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

  /** Σ of every account's settlement balance. */
  totalAccountBalance(): bigint {
    let sum = 0n;
    for (const b of this.balances.values()) sum += b;
    return sum;
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
    const r = this.previewTrade(accountId, marketId, delta, now);
    this.setPosition(accountId, marketId, r.newSize, r.newOpenNotional);
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
      this.setPosition(accountId, leg.marketId, leg.newSize, leg.newOpenNotional);
    }
    this.balances.set(accountId, this.balance(accountId) + r.accountDelta);
    this.balances.set(keeperAccountId, this.balance(keeperAccountId) + r.keeperReward);
    this.pool += r.poolDelta;
    this.insurance += r.insuranceDelta;
    return r;
  }

  /**
   * Applies a deleverage (DESIGN §11.1, reference in ./deleverage.ts) that left the position at `r.newSize`: the
   * account is credited `r.accountDelta`, which the pool pays from its cash.
   */
  deleverage(
    accountId: bigint,
    marketId: number,
    r: { newSize: bigint; newOpenNotional: bigint; accountDelta: bigint },
  ) {
    this.setPosition(accountId, marketId, r.newSize, r.newOpenNotional);
    this.balances.set(accountId, this.balance(accountId) + r.accountDelta);
    this.pool -= r.accountDelta;
  }

  /** Replaces a position (settled at the market's current index) and moves the open interest with it. */
  protected setPosition(accountId: bigint, marketId: number, size: bigint, openNotional: bigint) {
    const m = this.markets[marketId];
    const old = this.position(accountId, marketId);
    if (old.size > 0n) m.longOI -= old.size;
    else m.shortOI += old.size;
    if (size > 0n) m.longOI += size;
    else m.shortOI -= size;
    if (!this.positions.has(accountId)) this.positions.set(accountId, new Map());
    const book = this.positions.get(accountId)!;
    if (size === 0n) book.delete(marketId);
    else book.set(marketId, { size, openNotional, lastFundingIndex: m.fundingIndex });
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

  /** Every open position on `marketId`. */
  marketPositions(marketId: number): math.RefPosition[] {
    return [...this.positions.values()].flatMap((book) => (book.has(marketId) ? [book.get(marketId)!] : []));
  }

  /** Each market with its open positions as of `now`, for the pool reference (./poolValue.ts). */
  poolMarkets(now: bigint): pool.PoolMarketRef[] {
    return this.markets.map((m, marketId) => ({
      price: m.price,
      fundingIndex: this.indexAt(marketId, now),
      skewScale: m.params.skewScale,
      positions: this.marketPositions(marketId),
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

  /** `poolExposure().traderClaims` as of `now` (USD, WAD): what the winners could claim, bounded per side. */
  traderClaims(now: bigint): bigint {
    return pool.traderClaims(this.poolMarkets(now));
  }

  /** `availableLiquidity()`: the pool's cash minus what open positions could claim (rounded up to token units), ≥ 0. */
  availableLiquidity(now: bigint): bigint {
    return pool.availableLiquidity(this.pool, this.toWad, this.poolMarkets(now));
  }
}

/** Lists the local stack's markets (deploy/config.ts) at their feeds' initial prices; returns `[symbol, id]`. */
export function addLocalMarkets(model: KeelModel): [string, number][] {
  return DEFAULT_MARKETS.map((m) => {
    const feed = LOCAL_FEEDS.find((f) => f.symbol === m.symbol)!;
    // Skew is zero until the first trade, which accrues first, so the initial funding time never matters.
    return [m.symbol, model.addMarket(m, feed.initialAnswer * 10n ** BigInt(18 - feed.decimals), 0n)];
  });
}

export interface LocalModelStart {
  /** The pool's settlement ledger (the LP capital deposited). */
  pool?: bigint;
  insurance?: bigint;
  /** Settlement deposits already made: `[accountId, amount]`. */
  deposits?: [bigint, bigint][];
}

/**
 * A model of the local stack (deploy/config.ts, 6-decimal settlement token), starting from the pool, insurance and
 * deposits a test's fixture put there.
 */
export function localModel(start: LocalModelStart = {}): KeelModel {
  const model = new KeelModel(math.TO_WAD, DEFAULT_RISK.insuranceFeeShare);
  addLocalMarkets(model);
  model.pool = start.pool ?? 0n;
  model.insurance = start.insurance ?? 0n;
  for (const [accountId, amount] of start.deposits ?? []) model.deposit(accountId, amount);
  return model;
}
