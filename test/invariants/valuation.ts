/**
 * Valuation for §15.9 (./economics/), from the reference only (./model/, test/shared/math.ts): nothing here reads a
 * contract. WAD throughout; tokens at the full oracle price (no haircut), the pool signed (no floor at zero).
 */
import * as math from "../shared/math";
import { TO_WAD, WAD } from "./model";
import type { InvariantModel } from "./model";

const assetOf = (m: InvariantModel, token: string) => m.collateral(token).asset;

/** Full-price value (WAD, toward −∞) of `amount` of a token (the settlement token at par). */
export function tokenValue(m: InvariantModel, token: string, amount: bigint): bigint {
  const t = token.toLowerCase();
  if (t === m.usdc) return amount * TO_WAD;
  const c = m.collateral(t);
  return math.divFloor(amount * m.price(assetOf(m, t)), 10n ** BigInt(c.decimals));
}

export function positionsValue(m: InvariantModel, id: bigint, t: bigint): bigint {
  let v = 0n;
  for (const marketId of m.openMarkets(id)) {
    const p = m.position(id, marketId);
    v += math.unrealizedPnl(p.size, p.openNotional, m.markets[marketId].price);
    v -= math.fundingOwed(p.size, m.indexAt(marketId, t), p.lastFundingIndex);
  }
  return v;
}

/** The pool's value (DESIGN §11) in WAD, signed: no floor at zero, no rounding to units. */
export function signedPoolValue(m: InvariantModel, t: bigint): bigint {
  let v = m.pool * TO_WAD;
  for (const [marketId, mk] of m.markets.entries()) {
    let sumSizeLast = 0n;
    let longON = 0n;
    let shortON = 0n;
    for (const book of m.positions.values()) {
      const p = book.get(marketId);
      if (p === undefined) continue;
      sumSizeLast += p.size * p.lastFundingIndex;
      if (p.size > 0n) longON += p.openNotional;
      else shortON += p.openNotional;
    }
    const skew = mk.longOI - mk.shortOI;
    v += math.divFloor(skew * m.indexAt(marketId, t) - sumSizeLast, WAD);
    v -= math.divCeil(mk.longOI * mk.price, WAD) - longON;
    v -= -math.divFloor(mk.shortOI * mk.price, WAD) - shortON;
  }
  return v;
}

/** The pool's value net of what closing the whole skew would pay traders back: Σ P·skew²/(2·skewScale), rounded up. */
export function exitPoolValue(m: InvariantModel, t: bigint): bigint {
  let v = signedPoolValue(m, t);
  for (const mk of m.markets) {
    const skew = mk.longOI - mk.shortOI;
    v -= math.divCeil(mk.price * skew * skew, 2n * mk.params.skewScale * WAD);
  }
  return v;
}
