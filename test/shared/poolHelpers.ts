/**
 * Test-side bookkeeping for the Vault and LiquidityPool unit tests: a small ledger model driven with the actions
 * the tests send (and the block timestamps they landed in), built only on the reference math in ./math.ts, plus
 * the ERC-4626 share formulas with the pool's 6-decimal virtual offset. Nothing here reads a contract.
 */
import * as math from "./math";
import * as pool from "./poolValue";
import { DEFAULT_MARKETS, DEFAULT_RISK, LOCAL_FEEDS } from "../../deploy/config";
import { accountIdOf } from "../../scripts/common/accounts";

/** Settlement-token units (6 decimals) to WAD. */
export const TO_WAD = 10n ** 12n;
/** The pool's virtual shares: 10 ** decimalsOffset (OpenZeppelin ERC-4626). */
export const VIRTUAL_SHARES = 10n ** 6n;
/** The pool's virtual assets (OpenZeppelin ERC-4626). */
export const VIRTUAL_ASSETS = 1n;

/** `(owner << 96) | subaccount` (DESIGN §4). */
export { accountIdOf };

/** ERC-4626 assets → shares: `assets * (supply + 10^6) / (totalAssets + 1)`, floor (deposit, previewDeposit). */
export const sharesForAssets = (assets: bigint, supply: bigint, totalAssets: bigint): bigint =>
  math.mulDivFloor(assets, supply + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);

/** ERC-4626 assets → shares rounded up (withdraw, previewWithdraw). */
export const sharesForAssetsUp = (assets: bigint, supply: bigint, totalAssets: bigint): bigint =>
  math.mulDivCeil(assets, supply + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);

/** ERC-4626 shares → assets: `shares * (totalAssets + 1) / (supply + 10^6)`, floor (redeem, previewRedeem). */
export const assetsForShares = (shares: bigint, supply: bigint, totalAssets: bigint): bigint =>
  math.mulDivFloor(shares, totalAssets + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);

/** ERC-4626 shares → assets rounded up (mint, previewMint). */
export const assetsForSharesUp = (shares: bigint, supply: bigint, totalAssets: bigint): bigint =>
  math.mulDivCeil(shares, totalAssets + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);

interface BookMarket {
  params: math.MarketParams;
  price: bigint;
  fundingIndex: bigint;
  lastFundingTime: bigint;
  positions: Map<bigint, math.RefPosition>;
}

/**
 * The ledgers of the local stack (accounts, pool, insurance) and every open position, evolved with the reference
 * math. Funding accrues like the contract: at each trade, over the time since the market's last accrual, at the
 * oracle price current at that trade.
 */
export class LedgerBook {
  readonly markets: BookMarket[];
  readonly balances = new Map<bigint, bigint>();
  pool: bigint;
  insurance: bigint;

  constructor(pool: bigint, insurance = 0n) {
    this.pool = pool;
    this.insurance = insurance;
    this.markets = DEFAULT_MARKETS.map((m) => {
      const feed = LOCAL_FEEDS.find((f) => f.symbol === m.symbol)!;
      return {
        params: m,
        price: feed.initialAnswer * 10n ** BigInt(18 - feed.decimals),
        fundingIndex: 0n,
        // The skew is zero until the first trade, which accrues first: the initial time never matters.
        lastFundingTime: 0n,
        positions: new Map(),
      };
    });
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

  setPrice(marketId: number, priceWad: bigint) {
    this.markets[marketId].price = priceWad;
  }

  skew(marketId: number): bigint {
    let skew = 0n;
    for (const p of this.markets[marketId].positions.values()) skew += p.size;
    return skew;
  }

  /** The market's funding index as of `now` (not written). */
  indexAt(marketId: number, now: bigint): bigint {
    const m = this.markets[marketId];
    const elapsed = now - m.lastFundingTime;
    return (
      m.fundingIndex +
      math.fundingIndexDelta(
        this.skew(marketId),
        m.params.skewScale,
        m.params.maxFundingRatePerDay,
        elapsed,
        m.price,
      )
    );
  }

  position(accountId: bigint, marketId: number): math.RefPosition {
    return (
      this.markets[marketId].positions.get(accountId) ?? { size: 0n, openNotional: 0n, lastFundingIndex: 0n }
    );
  }

  /** Applies a trade that executed in a block with timestamp `now`. */
  trade(accountId: bigint, marketId: number, delta: bigint, now: bigint): math.TradeRef {
    const m = this.markets[marketId];
    m.fundingIndex = this.indexAt(marketId, now);
    m.lastFundingTime = now;
    const market = { params: m.params, price: m.price, fundingIndex: m.fundingIndex };
    const r = math.trade(
      this.position(accountId, marketId),
      this.skew(marketId),
      market,
      delta,
      TO_WAD,
      DEFAULT_RISK.insuranceFeeShare,
    );
    if (r.newSize === 0n) m.positions.delete(accountId);
    else
      m.positions.set(accountId, {
        size: r.newSize,
        openNotional: r.newOpenNotional,
        lastFundingIndex: m.fundingIndex,
      });
    this.balances.set(accountId, this.balance(accountId) + r.accountDelta);
    this.pool += r.poolDelta;
    this.insurance += r.insuranceDelta;
    return r;
  }

  /** DESIGN §9 for one account as of `now`. */
  accountState(accountId: bigint, now: bigint): math.AccountStateRef {
    const entries = this.markets.flatMap((m, marketId) => {
      const position = m.positions.get(accountId);
      if (position === undefined) return [];
      return [
        { position, market: { params: m.params, price: m.price, fundingIndex: this.indexAt(marketId, now) } },
      ];
    });
    return math.accountState(this.balance(accountId), TO_WAD, entries);
  }

  /** Each market with its open positions as of `now`, for the pool reference (./poolValue.ts). */
  poolMarkets(now: bigint): pool.PoolMarketRef[] {
    return this.markets.map((m, marketId) => ({
      price: m.price,
      fundingIndex: this.indexAt(marketId, now),
      skewScale: m.params.skewScale,
      positions: [...m.positions.values()],
    }));
  }

  /** Pool NAV (DESIGN §11, `totalAssets()`) in token units as of `now`, floored at zero. */
  poolValue(now: bigint): bigint {
    return pool.poolValue(this.pool, TO_WAD, this.poolMarkets(now));
  }

  /** `poolValue()`: the signed NAV in token units as of `now`. */
  signedPoolValue(now: bigint): bigint {
    return pool.signedPoolValue(this.pool, TO_WAD, this.poolMarkets(now));
  }

  /** `poolExposure().traderClaims` as of `now` (USD, WAD): what the winners could claim, bounded per side. */
  traderClaims(now: bigint): bigint {
    return pool.traderClaims(this.poolMarkets(now));
  }

  /** Pool cash minus what open positions could claim (claims rounded up to token units), floored at 0. */
  availableLiquidity(now: bigint): bigint {
    return pool.availableLiquidity(this.pool, TO_WAD, this.poolMarkets(now));
  }
}
