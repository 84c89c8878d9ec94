/**
 * An independent TypeScript reference of Keel's math (DESIGN §7–§11), in bigint, with the rounding direction of
 * every step written out. Tests compute expected values here and compare them with the contracts; nothing in this
 * file reads a contract.
 */

export const WAD = 10n ** 18n;
export const SECONDS_PER_DAY = 86_400n;

/** Settlement-token units (6 decimals) to WAD. */
export const TO_WAD = 10n ** 12n;

/** The account id of `owner`'s `subaccount`: `(owner << 96) | subaccount` (DESIGN §4). */
export const accountIdOf = (owner: string, subaccount: bigint | number = 0n): bigint =>
  (BigInt(owner) << 96n) | BigInt(subaccount);

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** floor(a / b) for b > 0 (bigint division truncates toward zero). */
export function divFloor(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** ceil(a / b) for b > 0. */
export function divCeil(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

export const mulDivFloor = (a: bigint, b: bigint, d: bigint) => divFloor(a * b, d);
export const mulDivCeil = (a: bigint, b: bigint, d: bigint) => divCeil(a * b, d);

export interface MarketParams {
  imf: bigint;
  mmf: bigint;
  liquidationFee: bigint;
  takerFee: bigint;
  makerFee: bigint;
  maxFundingRatePerDay: bigint;
  skewScale: bigint;
  maxOpenInterest: bigint;
  minPositionNotional: bigint;
}

/** fill = oracle * (1 + (2 * skew + delta) / (2 * skewScale)); the premium rounds against the trader. */
export function fillPrice(oracle: bigint, skew: bigint, delta: bigint, skewScale: bigint): bigint {
  const num = oracle * (2n * skew + delta);
  const den = 2n * skewScale;
  return oracle + (delta > 0n ? divCeil(num, den) : divFloor(num, den));
}

/** Maker fee on the part of |delta| that reduces |skew|, taker fee on the rest, each rounded up. */
export function tradeFee(skew: bigint, delta: bigint, fill: bigint, makerFee: bigint, takerFee: bigint) {
  const size = abs(delta);
  const makerSize = skew !== 0n && skew > 0n !== delta > 0n ? min(size, abs(skew)) : 0n;
  const takerSize = size - makerSize;
  const makerPart = divCeil(makerSize * fill * makerFee, WAD * WAD);
  const takerPart = divCeil(takerSize * fill * takerFee, WAD * WAD);
  return { makerSize, takerSize, fee: makerPart + takerPart };
}

/** Funding index growth: clamp(skew/skewScale, ±1) * maxRate/day * elapsed * price, magnitude rounded up. */
export function fundingIndexDelta(
  skew: bigint,
  skewScale: bigint,
  maxFundingRatePerDay: bigint,
  elapsed: bigint,
  price: bigint,
): bigint {
  if (skew === 0n || elapsed === 0n) return 0n;
  const proportion = min(divCeil(abs(skew) * WAD, skewScale), WAD);
  const magnitude = divCeil(proportion * maxFundingRatePerDay * elapsed * price, SECONDS_PER_DAY * WAD * WAD);
  return skew > 0n ? magnitude : -magnitude;
}

/** Funding owed by a position: size * (index - last), rounded toward +infinity. */
export const fundingOwed = (size: bigint, index: bigint, last: bigint) => divCeil(size * (index - last), WAD);

/** size * price - openNotional, with size * price rounded toward -infinity. */
export const unrealizedPnl = (size: bigint, openNotional: bigint, price: bigint) =>
  divFloor(size * price, WAD) - openNotional;

/** |size| * price * fraction, rounded up. */
export const marginRequirement = (size: bigint, price: bigint, fraction: bigint) =>
  divCeil(abs(size) * price * fraction, WAD * WAD);

export interface Fill {
  newSize: bigint;
  newOpenNotional: bigint;
  realizedPnl: bigint;
}

/** DESIGN §7 step 4: increase, reduce/close or flip. */
export function applyFill(size: bigint, openNotional: bigint, delta: bigint, fill: bigint): Fill {
  const newSize = size + delta;
  if (size === 0n || size > 0n === delta > 0n) {
    return { newSize, newOpenNotional: openNotional + divCeil(delta * fill, WAD), realizedPnl: 0n };
  }
  if (newSize === 0n || newSize > 0n === size > 0n) {
    const closed = -delta;
    const removed = newSize === 0n ? openNotional : divCeil(openNotional * abs(closed), abs(size));
    return {
      newSize,
      newOpenNotional: openNotional - removed,
      realizedPnl: divFloor(closed * fill, WAD) - removed,
    };
  }
  return {
    newSize,
    newOpenNotional: divCeil(newSize * fill, WAD),
    realizedPnl: divFloor(size * fill, WAD) - openNotional,
  };
}

export interface RefPosition {
  size: bigint;
  openNotional: bigint;
  lastFundingIndex: bigint;
}

export interface MarketRef {
  params: MarketParams;
  price: bigint;
  fundingIndex: bigint; // accrued to now
}

export interface AccountStateRef {
  equity: bigint;
  collateralValue: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  freeCollateral: bigint;
  liquidatable: boolean;
}

/** DESIGN §9 for a settlement balance (token units, `toWad` = 10^(18 - decimals)) and positions. */
export function accountState(
  settlementBalance: bigint,
  toWad: bigint,
  positions: { position: RefPosition; market: MarketRef }[],
): AccountStateRef {
  let upnl = 0n;
  let funding = 0n;
  let im = 0n;
  let mm = 0n;
  for (const { position: p, market: m } of positions) {
    if (p.size === 0n) continue;
    upnl += unrealizedPnl(p.size, p.openNotional, m.price);
    funding += fundingOwed(p.size, m.fundingIndex, p.lastFundingIndex);
    im += marginRequirement(p.size, m.price, m.params.imf);
    mm += marginRequirement(p.size, m.price, m.params.mmf);
  }
  const collateralValue = settlementBalance * toWad;
  const equity = collateralValue + upnl - funding;
  return {
    equity,
    collateralValue,
    unrealizedPnl: upnl,
    pendingFunding: funding,
    initialMargin: im,
    maintenanceMargin: mm,
    freeCollateral: equity - im,
    liquidatable: equity < mm,
  };
}

export interface TradeRef extends Fill {
  fill: bigint;
  fee: bigint;
  fundingOwed: bigint;
  /** Account's settlement-balance change, token units. */
  accountDelta: bigint;
  poolDelta: bigint;
  insuranceDelta: bigint;
}

/** The arguments of the `TradeExecuted` event that trade `r` of `sizeDelta` on `marketId` by `accountId` emits. */
export const tradeExecutedEventArgs = (accountId: bigint, marketId: bigint, sizeDelta: bigint, r: TradeRef) =>
  [
    accountId,
    marketId,
    sizeDelta,
    r.fill,
    r.fee,
    r.realizedPnl,
    r.fundingOwed,
    r.accountDelta,
    r.newSize,
    r.newOpenNotional,
  ] as const;

/**
 * One trade against a market whose funding index is already accrued to now.
 * Token-unit conversion: (realized - funding) rounds toward -infinity, the fee rounds up, the insurance fund gets
 * its share of the fee rounded down and the pool takes exactly the rest.
 */
export function trade(
  position: RefPosition,
  skew: bigint,
  market: MarketRef,
  delta: bigint,
  toWad: bigint,
  insuranceFeeShare: bigint,
): TradeRef {
  const fill = fillPrice(market.price, skew, delta, market.params.skewScale);
  const { fee } = tradeFee(skew, delta, fill, market.params.makerFee, market.params.takerFee);
  const owed = fundingOwed(position.size, market.fundingIndex, position.lastFundingIndex);
  const f = applyFill(position.size, position.openNotional, delta, fill);
  const feeUnits = divCeil(fee, toWad);
  const insuranceDelta = (feeUnits * insuranceFeeShare) / WAD;
  const accountDelta = divFloor(f.realizedPnl - owed, toWad) - feeUnits;
  return {
    ...f,
    fill,
    fee,
    fundingOwed: owed,
    accountDelta,
    insuranceDelta,
    poolDelta: -accountDelta - insuranceDelta,
  };
}

/**
 * An account's non-settlement collateral: its haircut value (WAD, rounded down) and whether it holds any. While it
 * holds some, a full close leaves the debt for collateral liquidation instead of running the waterfall.
 */
export interface OtherCollateral {
  value: bigint;
  held: boolean;
}

/** An account state with `otherValue` (WAD) of non-settlement collateral added to its collateral value. */
export function withOtherCollateral(s: AccountStateRef, otherValue: bigint): AccountStateRef {
  if (otherValue === 0n) return s;
  const equity = s.equity + otherValue;
  return {
    ...s,
    collateralValue: s.collateralValue + otherValue,
    equity,
    freeCollateral: equity - s.initialMargin,
    liquidatable: equity < s.maintenanceMargin,
  };
}

export {
  liquidatedEventArgs,
  liquidation,
  type LiquidationContext,
  type LiquidationLegRef,
  type LiquidationRef,
  type LiquidationRisk,
} from "./liquidation";
