/**
 * Independent TypeScript reference of auto-deleveraging (DESIGN §11.1): the side's PnL against its cap, the
 * eligibility rule (a position's PnL per unit of open notional times its account's leverage, floored at 1x, at least
 * the side's average PnL per unit of open notional) and the size a deleverage closes. Roundings mirror the contract's:
 * the need favours the holders (side PnL down, cap up); the rank makes its liveness exact (the position's PnL rounds
 * up, the threshold down); the amount closed rounds up.
 */
import { WAD, abs, applyFill, divCeil, divFloor, max, min, mulDivCeil, mulDivFloor } from "./math";

export interface Pos {
  size: bigint;
  openNotional: bigint;
}

/** Extra PnL (WAD) a deleverage realizes on top of the exact excess, for the roundings of the closed part. */
export const ROUNDING_SLACK = 4n;

/** The net unrealized PnL of one side of a market and its open notional (USD, WAD), the PnL rounded down. */
export function side(positions: Pos[], price: bigint, long: boolean): { pnl: bigint; openNotional: bigint } {
  let oi = 0n;
  let on = 0n;
  for (const p of positions) {
    if (p.size === 0n || p.size > 0n !== long) continue;
    oi += abs(p.size);
    on += p.openNotional;
  }
  const pnl = long ? divFloor(oi * price, WAD) - on : -divCeil(oi * price, WAD) - on;
  return { pnl, openNotional: on };
}

/** `maxPnlToPool × pool cash` (USD, WAD), rounded up. */
export const cap = (poolCashUnits: bigint, toWad: bigint, maxPnlToPool: bigint) =>
  mulDivCeil(poolCashUnits * toWad, maxPnlToPool, WAD);

/** Σ |size| × price over an account's positions (USD, WAD), each rounded down. */
export const grossNotional = (positions: { size: bigint; price: bigint }[]) =>
  positions.reduce((sum, p) => sum + divFloor(abs(p.size) * p.price, WAD), 0n);

/** The side's average PnL per unit of open notional (WAD), rounded down. */
export const threshold = (sidePnl: bigint, sideOpenNotional: bigint) =>
  divFloor(sidePnl * WAD, abs(sideOpenNotional));

/** The position's PnL for the rank: `size × price` rounded up (so Σ over a side is at least the side's PnL). */
export const rankPnl = (pos: Pos, price: bigint) => divCeil(pos.size * price, WAD) - pos.openNotional;

/**
 * The position's PnL (`rankPnl`) per unit of open notional times `max(1, grossNotional / equity)` (WAD), rounded down; 0 for a
 * position without profit. `equity` > 0 (a liquidatable account is refused before).
 */
export function score(pos: Pos, price: bigint, gross: bigint, equity: bigint): bigint {
  const pnl = rankPnl(pos, price);
  if (pnl <= 0n) return 0n;
  const perNotional = divFloor(pnl * WAD, abs(pos.openNotional));
  const leverage = max(WAD, divFloor(gross * WAD, equity));
  return divFloor(perNotional * leverage, WAD);
}

/**
 * The size a deleverage closes: what realizes `(sidePnl - f × (cash + funding)) / (1 - f)` of PnL (the pool pays
 * the realized PnL from its cash, which lowers the cap), rounded up, never past the position, and the whole
 * position when the rest would fall under `minPositionNotional`.
 */
export function closedSize(
  pos: Pos,
  price: bigint,
  sidePnl: bigint,
  poolCashUnits: bigint,
  toWad: bigint,
  maxPnlToPool: bigint,
  fundingOwed: bigint,
  minPositionNotional: bigint,
): bigint {
  const sizeAbs = abs(pos.size);
  const pnl = rankPnl(pos, price);
  const excess = sidePnl - mulDivFloor(poolCashUnits * toWad + fundingOwed, maxPnlToPool, WAD);
  const target = excess <= 0n ? 1n : divCeil(excess * WAD, WAD - maxPnlToPool) + ROUNDING_SLACK;
  let closed = min(sizeAbs, divCeil(sizeAbs * target, pnl));
  if (divFloor((sizeAbs - closed) * price, WAD) < minPositionNotional) closed = sizeAbs;
  return closed;
}

/** A deleverage of `pos` closing `closedAbs` at the oracle `price`: the fill and the account's delta (token units). */
export function deleverageFill(
  pos: Pos,
  closedAbs: bigint,
  price: bigint,
  fundingOwed: bigint,
  toWad: bigint,
) {
  const sizeClosed = pos.size > 0n ? closedAbs : -closedAbs;
  const fill = applyFill(pos.size, pos.openNotional, -sizeClosed, price);
  return { ...fill, sizeClosed, accountDelta: divFloor(fill.realizedPnl - fundingOwed, toWad) };
}
