/**
 * A market's figures as the Markets page shows them, from `IClearinghouseLens.market` (WAD everywhere): the skew
 * premium, the funding rate per hour and per year, and the open-interest caps. Pure: no ethers, no DOM.
 */
import { WAD } from "./stress";

const HOURS_PER_DAY = 24n;
const DAYS_PER_YEAR = 365n;

/** The skew premium of an infinitesimal trade, `skew / skewScale` (WAD fraction, signed like the skew). */
export const skewPremium = (skew: bigint, skewScale: bigint): bigint =>
  skewScale === 0n ? 0n : (skew * WAD) / skewScale;

/** The funding rate per hour from the lens's per-day rate (WAD fraction, truncated toward zero). */
export const fundingPerHour = (ratePerDay: bigint): bigint => ratePerDay / HOURS_PER_DAY;

/** The funding rate annualised, simple (per day × 365). */
export const fundingPerYear = (ratePerDay: bigint): bigint => ratePerDay * DAYS_PER_YEAR;

/**
 * Each side's open-interest notional cap from the pool: `maxOpenInterestToPool × pool balance` (DESIGN §11), USD
 * WAD, from the pool's settlement balance in token units.
 */
export const poolOpenInterestCap = (
  maxOpenInterestToPool: bigint,
  poolBalance: bigint,
  settlementDecimals: number,
) => (maxOpenInterestToPool * poolBalance * 10n ** BigInt(18 - settlementDecimals)) / WAD;

/** `part / whole` as a WAD fraction (0 when whole is 0): how full a cap is. */
export const usage = (part: bigint, whole: bigint): bigint => (whole === 0n ? 0n : (part * WAD) / whole);

/** The acceptable price for a trade at `fillPrice` with `slippage` (WAD fraction): above for a buy, below for a sell. */
export function acceptablePrice(fillPrice: bigint, sizeDelta: bigint, slippage: bigint): bigint {
  return sizeDelta > 0n ? (fillPrice * (WAD + slippage)) / WAD : (fillPrice * (WAD - slippage)) / WAD;
}
