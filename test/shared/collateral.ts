/**
 * An independent TypeScript reference of multi-collateral (DESIGN §9, §10, §12): haircut valuation, collateral
 * liquidation, the loss waterfall, and a ledger model that extends the settlement-only `KeelModel` with the
 * non-settlement tokens each account holds. Every rounding is written out and goes against the account; nothing in
 * this file reads a contract.
 */
import * as math from "./math";
import { KeelModel, addLocalMarkets } from "./model";
import { DEFAULT_RISK } from "../../deploy/config";

export const WAD = math.WAD;
/** `Vault.collateralLiquidationBuffer()` at deployment (DESIGN §12): 10%. */
export const COLLATERAL_LIQUIDATION_BUFFER = 10n ** 17n;
/** The largest uint128: the widest deposit cap and oracle bound the contracts can store. */
export const MAX_UINT128 = 2n ** 128n - 1n;

const unit = (decimals: number | bigint): bigint => 10n ** BigInt(decimals);

/**
 * A feed answer with `feedDecimals` decimals as a WAD price (DESIGN §5): exact for up to 18 decimals, truncated below
 * 1 wei of a WAD price for more.
 */
export function priceToWad(answer: bigint, feedDecimals: number): bigint {
  return feedDecimals <= 18 ? answer * unit(18 - feedDecimals) : answer / unit(feedDecimals - 18);
}

/**
 * Haircut value of a collateral balance in USD (WAD): `balance * price * weight / (10^decimals * 1e18)`, rounded
 * down (collateral value rounds against the account).
 */
export function collateralValue(balance: bigint, decimals: number, priceWad: bigint, weight: bigint): bigint {
  return (balance * priceWad * weight) / (unit(decimals) * WAD);
}

/**
 * The smallest balance whose haircut value is at least `value` (WAD): `ceil(value * 10^decimals * 1e18 /
 * (price * weight))`, 0 when nothing is needed. Since the value rounds down, one unit less is worth less than `value`.
 */
export function balanceForValue(value: bigint, decimals: number, priceWad: bigint, weight: bigint): bigint {
  if (value <= 0n) return 0n;
  return math.divCeil(value * unit(decimals) * WAD, priceWad * weight);
}

export interface CollateralLiquidationRef {
  repaid: bigint;
  seized: bigint;
  /** The seizure was limited to the account's holding and the repayment shrank to match. */
  clamped: boolean;
}

/**
 * `liquidateCollateral` per its NatSpec: the keeper repays `min(repayAmount, debt)` settlement units and receives
 * collateral worth `repaid * (1 + discount)` at the oracle price, rounded down:
 * `seized = floor(floor(repaid * toWad * (1e18 + discount) / 1e18) * 10^decimals / price)`.
 * When that exceeds the holding, the keeper gets the holding and repays its discounted value rounded up:
 * `repaid = ceil(ceil(ceil(held * price / 10^decimals) * 1e18 / (1e18 + discount)) / toWad)`.
 */
export function collateralLiquidation(p: {
  debt: bigint;
  repayAmount: bigint;
  held: bigint;
  decimals: number;
  priceWad: bigint;
  discount: bigint;
  toWad: bigint;
}): CollateralLiquidationRef {
  const premium = WAD + p.discount;
  let repaid = math.min(p.repayAmount, p.debt);
  let seized = (((repaid * p.toWad * premium) / WAD) * unit(p.decimals)) / p.priceWad;
  if (seized <= p.held) return { repaid, seized, clamped: false };
  seized = p.held;
  const heldValue = math.divCeil(p.held * p.priceWad, unit(p.decimals));
  repaid = math.divCeil(math.divCeil(heldValue * WAD, premium), p.toWad);
  return { repaid, seized, clamped: true };
}

export interface WaterfallRef {
  insuranceDraw: bigint;
  poolWriteOff: bigint;
  unrecovered: bigint;
}

/** DESIGN §10 loss waterfall: the insurance fund pays first, then the pool; the rest stays as debt. */
export function waterfall(debt: bigint, insurance: bigint, pool: bigint): WaterfallRef {
  const insuranceDraw = math.min(debt, insurance);
  const poolWriteOff = math.min(debt - insuranceDraw, pool);
  return { insuranceDraw, poolWriteOff, unrecovered: debt - insuranceDraw - poolWriteOff };
}

/** DESIGN §9 margin state with the haircut value of other collateral added to the collateral value. */
export const withOtherCollateral = math.withOtherCollateral;

/**
 * DESIGN §10 for an account that may hold other collateral (haircut value `otherValue`, WAD): `math.liquidation`
 * with its `other` argument. On a full close the penalty is limited to
 * `balance + pnl + floor(otherValue / toWad)` (what the account still has, its other collateral included); and the
 * loss waterfall runs only when the account holds no other collateral — otherwise the debt stays on the account,
 * first offered to keepers (`liquidateCollateral`), then `settleBadDebt`.
 */
export function liquidationWithCollateral(
  balance: bigint,
  otherValue: bigint,
  hasOther: boolean,
  toWad: bigint,
  legs: math.LiquidationLegRef[],
  risk: math.LiquidationRisk,
  insuranceBalance: bigint,
  poolBalance: bigint,
  ctx: math.LiquidationContext = {},
): math.LiquidationRef {
  const other = { value: otherValue, held: hasOther };
  return math.liquidation(balance, toWad, legs, risk, insuranceBalance, poolBalance, other, ctx);
}

/** A listed collateral token as the model sees it; `asset` is the oracle key's symbol (`"ETH"`). */
export interface ModelCollateral {
  asset: string;
  decimals: number;
  weight: bigint;
  liquidationDiscount: bigint;
}

/**
 * The ledger model with non-settlement collateral: per token, every account's balance. Tokens are keyed by
 * lower-cased address. Drive it with the actions sent to the contracts; it never reads contract state.
 */
export class CollateralModel extends KeelModel {
  readonly collaterals = new Map<string, ModelCollateral>();
  readonly tokenBalances = new Map<string, Map<bigint, bigint>>();
  /** Assets priced by a market's oracle price (the model's `setPrice`), by symbol. */
  readonly marketAssets = new Map<string, number>();
  /** WAD prices of the other assets, by symbol. */
  readonly assetPrices = new Map<string, bigint>();
  /** Bad debt booked per account (settlement units, DESIGN §10.5): what its other collateral does not cover. */
  readonly booked = new Map<bigint, bigint>();

  /** `Vault.pendingBadDebt()`: Σ booked. */
  pendingBadDebt(): bigint {
    let sum = 0n;
    for (const v of this.booked.values()) sum += v;
    return sum;
  }

  /** The part of the pending bad debt the insurance fund cannot pay: it comes off the pool's value. */
  override pendingPoolLoss(): bigint {
    return math.max(0n, this.pendingBadDebt() - this.insurance);
  }

  /** Debt minus the haircut value of the held collateral (rounded down, so this rounds up), floored at 0. */
  uncovered(accountId: bigint): bigint {
    const balance = this.balance(accountId);
    return balance >= 0n ? 0n : math.max(0n, -balance - this.otherValue(accountId) / this.toWad);
  }

  book(accountId: bigint, amount: bigint) {
    if (amount === 0n) this.booked.delete(accountId);
    else this.booked.set(accountId, amount);
  }

  bookedOf(accountId: bigint): bigint {
    return this.booked.get(accountId) ?? 0n;
  }

  /** A deposit repays: the booked amount is capped by what is still owed. */
  override deposit(accountId: bigint, amount: bigint) {
    super.deposit(accountId, amount);
    const b = this.balance(accountId);
    if (this.bookedOf(accountId) !== 0n)
      this.book(accountId, b >= 0n ? 0n : math.min(this.bookedOf(accountId), -b));
  }

  /**
   * A liquidation; a full close of an account left owing while it holds other collateral books what that collateral
   * does not cover, any other full close clears the booking (the waterfall ran, or nothing is owed).
   */
  override liquidate(
    accountId: bigint,
    keeperAccountId: bigint,
    now: bigint,
    risk: math.LiquidationRisk,
    ctx: math.LiquidationContext = {},
  ): math.LiquidationRef {
    const r = super.liquidate(accountId, keeperAccountId, now, risk, ctx);
    if (r.fraction === WAD)
      this.book(accountId, this.held(accountId).length > 0 ? this.uncovered(accountId) : 0n);
    return r;
  }

  /** The current WAD price of an asset. */
  price(asset: string): bigint {
    const marketId = this.marketAssets.get(asset);
    if (marketId !== undefined) return this.markets[marketId].price;
    const p = this.assetPrices.get(asset);
    if (p === undefined) throw new Error(`no price for ${asset} in the model`);
    return p;
  }

  setAssetPrice(asset: string, priceWad: bigint) {
    if (this.marketAssets.has(asset)) throw new Error(`${asset} is priced by its market: use setPrice`);
    this.assetPrices.set(asset, priceWad);
  }

  listCollateral(token: string, c: ModelCollateral) {
    this.collaterals.set(token.toLowerCase(), c);
    if (!this.tokenBalances.has(token.toLowerCase())) this.tokenBalances.set(token.toLowerCase(), new Map());
  }

  collateral(token: string): ModelCollateral {
    const c = this.collaterals.get(token.toLowerCase());
    if (!c) throw new Error(`token ${token} not listed in the model`);
    return c;
  }

  tokenBalance(accountId: bigint, token: string): bigint {
    return this.tokenBalances.get(token.toLowerCase())?.get(accountId) ?? 0n;
  }

  private setTokenBalance(accountId: bigint, token: string, value: bigint) {
    if (value < 0n) throw new Error("a non-settlement balance can never be negative");
    this.tokenBalances.get(token.toLowerCase())!.set(accountId, value);
  }

  /** Σ of every account's balance of a non-settlement token. */
  tokenTotal(token: string): bigint {
    let sum = 0n;
    for (const v of this.tokenBalances.get(token.toLowerCase())?.values() ?? []) sum += v;
    return sum;
  }

  /** Σ of every account's settlement balance (signed). */
  settlementTotal(): bigint {
    let sum = 0n;
    for (const v of this.balances.values()) sum += v;
    return sum;
  }

  depositToken(accountId: bigint, token: string, amount: bigint) {
    const c = this.collateral(token);
    this.setTokenBalance(accountId, token, this.tokenBalance(accountId, token) + amount);
    const booked = this.bookedOf(accountId);
    if (booked !== 0n) {
      const value = collateralValue(amount, c.decimals, this.price(c.asset), c.weight) / this.toWad;
      this.book(accountId, math.max(0n, booked - value));
    }
  }

  withdrawToken(accountId: bigint, token: string, amount: bigint) {
    this.setTokenBalance(accountId, token, this.tokenBalance(accountId, token) - amount);
  }

  /** The non-settlement tokens the account holds (non-zero balance), lower-cased. */
  held(accountId: bigint): string[] {
    return [...this.tokenBalances.entries()].filter(([, m]) => (m.get(accountId) ?? 0n) > 0n).map(([t]) => t);
  }

  /** Σ over held tokens of the haircut value, each rounded down on its own. */
  otherValue(accountId: bigint): bigint {
    let sum = 0n;
    for (const token of this.held(accountId)) {
      const c = this.collateral(token);
      sum += collateralValue(this.tokenBalance(accountId, token), c.decimals, this.price(c.asset), c.weight);
    }
    return sum;
  }

  /** DESIGN §9 at `now`, other collateral included. */
  stateWithCollateral(accountId: bigint, now: bigint): math.AccountStateRef {
    return withOtherCollateral(this.accountState(accountId, now), this.otherValue(accountId));
  }

  /** A liquidation at `now`, with the account's other collateral (see `liquidationWithCollateral`). */
  override previewLiquidation(
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
    return liquidationWithCollateral(
      this.balance(accountId),
      this.otherValue(accountId),
      this.held(accountId).length > 0,
      this.toWad,
      legs,
      risk,
      this.insurance,
      this.pool,
      ctx,
    );
  }

  /** What `liquidateCollateral` would do now, without applying it. */
  previewCollateralLiquidation(
    accountId: bigint,
    token: string,
    repayAmount: bigint,
  ): CollateralLiquidationRef {
    const c = this.collateral(token);
    const balance = this.balance(accountId);
    return collateralLiquidation({
      debt: balance < 0n ? -balance : 0n,
      repayAmount,
      held: this.tokenBalance(accountId, token),
      decimals: c.decimals,
      priceWad: this.price(c.asset),
      discount: c.liquidationDiscount,
      toWad: this.toWad,
    });
  }

  /** Applies `liquidateCollateral`: the repayment credits the account's settlement balance, the seizure leaves it. */
  liquidateCollateral(accountId: bigint, token: string, repayAmount: bigint): CollateralLiquidationRef {
    const r = this.previewCollateralLiquidation(accountId, token, repayAmount);
    this.balances.set(accountId, this.balance(accountId) + r.repaid);
    this.withdrawToken(accountId, token, r.seized);
    const booked = this.bookedOf(accountId);
    if (booked !== 0n) this.book(accountId, math.min(booked, math.max(0n, -this.balance(accountId))));
    return r;
  }

  /** Applies `settleBadDebt`: the account's debt through the insurance fund, then the pool. */
  settleBadDebt(accountId: bigint): WaterfallRef & { badDebt: bigint } {
    const badDebt = -this.balance(accountId);
    const w = waterfall(badDebt, this.insurance, this.pool);
    this.insurance -= w.insuranceDraw;
    this.pool -= w.poolWriteOff;
    this.balances.set(accountId, this.balance(accountId) + w.insuranceDraw + w.poolWriteOff);
    this.book(accountId, 0n);
    return { badDebt, ...w };
  }
}

/** The local stack's markets and risk in a `CollateralModel` (6-decimal settlement token), no collateral listed. */
export function localCollateralModel(): CollateralModel {
  const model = new CollateralModel(math.TO_WAD, DEFAULT_RISK.insuranceFeeShare);
  for (const [symbol, id] of addLocalMarkets(model)) model.marketAssets.set(symbol, id);
  return model;
}
