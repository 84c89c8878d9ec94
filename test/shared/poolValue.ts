/**
 * TypeScript reference of the pool's value and withdrawal reserve (DESIGN §11), computed from the list of open
 * positions (the contracts keep incremental per-side aggregates; this recomputes them from scratch):
 *
 *   poolValue = poolLedger + Σ funding owed to the pool − Σ traders' unrealized PnL − Σ P·skew²/(2·skewScale)
 *   traderClaims = Σ markets (sideClaims(long) + sideClaims(short) + P·skew²/(2·skewScale))
 *
 * `sideClaims` is the Cauchy–Schwarz bound of Σ max(0, PnL_i − funding owed_i) over one side's positions. Nothing here
 * reads a contract.
 */
import { WAD, abs, divCeil, divFloor, max, mulDivCeil, mulDivFloor } from "./math";
import type { RefPosition } from "./math";

export interface PoolMarketRef {
  price: bigint;
  fundingIndex: bigint;
  skewScale: bigint;
  positions: RefPosition[];
}

/** ceil(sqrt(x)) for x >= 0. */
export function sqrtCeil(x: bigint): bigint {
  if (x < 2n) return x;
  // Newton's method from above converges to floor(sqrt(x)).
  let r = x;
  let next = (r + 1n) / 2n;
  while (next < r) {
    r = next;
    next = (r + x / r) / 2n;
  }
  return r * r === x ? r : r + 1n;
}

/** What closing the whole skew pays the traders who close it: ceil(ceil(skew² / (2·skewScale)) · P / WAD). */
export const skewPremium = (skew: bigint, price: bigint, skewScale: bigint): bigint =>
  mulDivCeil(mulDivCeil(abs(skew), abs(skew), 2n * skewScale), price, WAD);

/** `m = openNotional·WAD − size·lastIndex` (WAD²): the entry notional net of the funding the position settled. */
export const adjustedNotional = (p: RefPosition): bigint =>
  p.openNotional * WAD - p.size * p.lastFundingIndex;

/** The position's PnL net of the funding it owes, exactly, unscaled (WAD²): size·(price − index) − m. */
export const netPnlUnscaled = (p: RefPosition, price: bigint, index: bigint): bigint =>
  p.size * (price - index) - adjustedNotional(p);

/** Σ over the side of max(0, PnL_i − funding owed_i), exact (USD, WAD, rounded up): what the bound must cover. */
export function exactSideClaims(positions: RefPosition[], price: bigint, index: bigint): bigint {
  let sum = 0n;
  for (const p of positions) sum += max(0n, netPnlUnscaled(p, price, index));
  return divCeil(sum, WAD);
}

/**
 * The side's claim bound (USD, WAD): ceil((A + sqrt(W·Q)) / 2), at least A, with A = Σ c_i rounded up,
 * W = Σ |size_i| and Q = W·x²/WAD (up) − 2·x·Σ|size_i|·e_i/WAD (down) + Σ ceil(m_i² / (|size_i|·WAD)), x = P − index.
 */
export function sideClaims(positions: RefPosition[], price: bigint, index: bigint): bigint {
  if (positions.length === 0) return 0n;
  const x = price - index;
  let w = 0n;
  let netUnscaled = 0n;
  let absWeighted = 0n; // Σ |size_i| e_i = Σ sign(size_i) m_i
  let spreadSum = 0n;
  for (const p of positions) {
    const m = adjustedNotional(p);
    w += abs(p.size);
    netUnscaled += netPnlUnscaled(p, price, index);
    absWeighted += p.size > 0n ? m : -m;
    spreadSum += divCeil(m * m, abs(p.size) * WAD);
  }
  const total = divCeil(netUnscaled, WAD);
  const q = divCeil(w * x * x, WAD) - divFloor(2n * x * absWeighted, WAD) + spreadSum;
  const spread = q <= 0n ? 0n : sqrtCeil(divCeil(w * q, WAD));
  const twice = total + spread;
  const bound = twice <= 0n ? 0n : (twice + 1n) / 2n;
  return max(bound, total);
}

/** The pool's signed value in settlement units, rounded toward −infinity (`LiquidityPool.poolValue()`). */
export function signedPoolValue(poolBalance: bigint, toWad: bigint, markets: PoolMarketRef[]): bigint {
  let value = poolBalance * toWad;
  for (const m of markets) {
    let skew = 0n;
    let sumSizeLast = 0n;
    let longOI = 0n;
    let shortOI = 0n;
    let longON = 0n;
    let shortON = 0n;
    for (const p of m.positions) {
      skew += p.size;
      sumSizeLast += p.size * p.lastFundingIndex;
      if (p.size > 0n) {
        longOI += p.size;
        longON += p.openNotional;
      } else {
        shortOI -= p.size;
        shortON += p.openNotional;
      }
    }
    const fundingClaim = divFloor(skew * m.fundingIndex - sumSizeLast, WAD);
    const longPnl = divCeil(longOI * m.price, WAD) - longON;
    const shortPnl = -divFloor(shortOI * m.price, WAD) - shortON;
    value += fundingClaim - longPnl - shortPnl - skewPremium(skew, m.price, m.skewScale);
  }
  return divFloor(value, toWad);
}

/** `totalAssets()`: the signed value floored at zero. */
export const poolValue = (poolBalance: bigint, toWad: bigint, markets: PoolMarketRef[]): bigint =>
  max(0n, signedPoolValue(poolBalance, toWad, markets));

/** `poolExposure().traderClaims` (USD, WAD): both sides' bounds plus the skew premium, per market. */
export function traderClaims(markets: PoolMarketRef[]): bigint {
  let claims = 0n;
  for (const m of markets) {
    const longs = m.positions.filter((p) => p.size > 0n);
    const shorts = m.positions.filter((p) => p.size < 0n);
    const skew = m.positions.reduce((s, p) => s + p.size, 0n);
    claims += sideClaims(longs, m.price, m.fundingIndex) + sideClaims(shorts, m.price, m.fundingIndex);
    claims += skewPremium(skew, m.price, m.skewScale);
  }
  return claims;
}

/** `availableLiquidity()`: cash minus the claims rounded up to settlement units, floored at zero. */
export const availableLiquidity = (poolBalance: bigint, toWad: bigint, markets: PoolMarketRef[]): bigint =>
  max(0n, poolBalance - divCeil(traderClaims(markets), toWad));

/** `minimumDepositValue()`: ceil(totalSupply / (10^6 · 100)), a share at 1% of its initial price. */
export const minimumDepositValue = (totalSupply: bigint): bigint => divCeil(totalSupply, 10n ** 6n * 100n);

/* ERC-4626 SHARES (OpenZeppelin, decimals offset 6) */

/** The pool's virtual shares: 10 ** decimalsOffset. */
export const VIRTUAL_SHARES = 10n ** 6n;
/** The pool's virtual asset. */
export const VIRTUAL_ASSETS = 1n;

/** Assets → shares: `assets * (supply + 10^6) / (totalAssets + 1)`, floor (deposit, previewDeposit). */
export const sharesForAssets = (assets: bigint, supply: bigint, totalAssets: bigint): bigint =>
  mulDivFloor(assets, supply + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);

/** Assets → shares rounded up (withdraw, previewWithdraw). */
export const sharesForAssetsUp = (assets: bigint, supply: bigint, totalAssets: bigint): bigint =>
  mulDivCeil(assets, supply + VIRTUAL_SHARES, totalAssets + VIRTUAL_ASSETS);

/** Shares → assets: `shares * (totalAssets + 1) / (supply + 10^6)`, floor (redeem, previewRedeem). */
export const assetsForShares = (shares: bigint, supply: bigint, totalAssets: bigint): bigint =>
  mulDivFloor(shares, totalAssets + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);

/** Shares → assets rounded up (mint, previewMint). */
export const assetsForSharesUp = (shares: bigint, supply: bigint, totalAssets: bigint): bigint =>
  mulDivCeil(shares, totalAssets + VIRTUAL_ASSETS, supply + VIRTUAL_SHARES);
