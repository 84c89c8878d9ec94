/**
 * Cross-margin stress math (DESIGN §9): from an account's equity and maintenance margin at today's prices and its
 * positions, the price of one asset, or the move of every asset together, at which the account becomes liquidatable
 * (equity < maintenance margin). Integer arithmetic with the contracts' rounding: a position's value `size * price`
 * rounds toward -infinity, its maintenance margin `|size| * price * mmf` up. Funding and the value of non-settlement
 * collateral are held at today's values (an instant move). Pure: no ethers, no DOM.
 */

export const WAD = 10n ** 18n;

/** One open position: its market, signed size (WAD base units), today's mark (WAD USD) and maintenance fraction. */
export interface StressLeg {
  marketId: bigint;
  size: bigint;
  price: bigint;
  mmf: bigint;
}

/** An account at today's prices: `equity` and `maintenanceMargin` as `accountState` returns them (USD, WAD). */
export interface StressSnapshot {
  equity: bigint;
  maintenanceMargin: bigint;
  legs: readonly StressLeg[];
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const divFloor = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};
const divCeil = (a: bigint, b: bigint): bigint => -divFloor(-a, b);

const value = (size: bigint, price: bigint): bigint => divFloor(size * price, WAD);
const margin = (size: bigint, price: bigint, mmf: bigint): bigint =>
  divCeil(abs(size) * price * mmf, WAD * WAD);

/** Equity and maintenance margin when each leg's price is `priceOf(leg)` instead of today's. */
export function stateAt(
  s: StressSnapshot,
  priceOf: (leg: StressLeg) => bigint,
): { equity: bigint; maintenanceMargin: bigint } {
  let equity = s.equity;
  let maintenanceMargin = s.maintenanceMargin;
  for (const leg of s.legs) {
    const p = priceOf(leg);
    equity += value(leg.size, p) - value(leg.size, leg.price);
    maintenanceMargin += margin(leg.size, p, leg.mmf) - margin(leg.size, leg.price, leg.mmf);
  }
  return { equity, maintenanceMargin };
}

/** Whether the account is liquidatable at the prices `priceOf` gives. */
export function liquidatableAt(s: StressSnapshot, priceOf: (leg: StressLeg) => bigint): boolean {
  const { equity, maintenanceMargin } = stateAt(s, priceOf);
  return equity < maintenanceMargin;
}

/** Margin ratio: maintenance margin over equity (WAD; 1 = 100% = liquidatable); undefined when equity <= 0. */
export function marginRatio(equity: bigint, maintenanceMargin: bigint): bigint | undefined {
  return equity > 0n ? (maintenanceMargin * WAD) / equity : undefined;
}

/**
 * The boundary of `liquidatable(t)` between `safe` (not liquidatable) and `unsafe` (liquidatable): the `t` closest to
 * `safe` that is liquidatable, with its neighbour towards `safe` not liquidatable. Bisection: 256 steps at most.
 */
function boundary(liquidatable: (t: bigint) => boolean, safe: bigint, unsafe: bigint): bigint {
  let ok = safe;
  let bad = unsafe;
  while (abs(bad - ok) > 1n) {
    const mid = divFloor(ok + bad, 2n);
    if (liquidatable(mid)) bad = mid;
    else ok = mid;
  }
  return bad;
}

/** Where a move goes: below (a fall) or above (a rise) today, and how far it could be searched. */
const MAX_RISE = 1_000n; // ×1000: no boundary above that is reported

/**
 * The price of `marketId`'s asset (others unchanged) at which the account becomes liquidatable: the highest
 * liquidatable price below today's for a net long in it, the lowest above for a short. Undefined when no price in
 * [0, 1000× today] liquidates it, or the account has no position there. Today's price when it is liquidatable now.
 */
export function liquidationPrice(s: StressSnapshot, marketId: bigint): bigint | undefined {
  const leg = s.legs.find((l) => l.marketId === marketId && l.size !== 0n);
  if (leg === undefined) return undefined;
  const at = (p: bigint) => liquidatableAt(s, (l) => (l.marketId === marketId ? p : l.price));
  if (at(leg.price)) return leg.price;
  if (leg.size > 0n) return at(0n) ? boundary(at, leg.price, 0n) : undefined;
  const top = leg.price * MAX_RISE + WAD;
  return at(top) ? boundary(at, leg.price, top) : undefined;
}

/** The smallest fall and rise (WAD fractions, the fall negative) of every price together that liquidate the account. */
export interface AllAssetsMove {
  fall?: bigint;
  rise?: bigint;
  /** Liquidatable already, with no move. */
  now: boolean;
}

/** The move of all prices together, each by the same fraction `x` (price × (1 + x), rounded down), that liquidates. */
export function allAssetsMove(s: StressSnapshot): AllAssetsMove {
  const at = (x: bigint) => liquidatableAt(s, (l) => divFloor(l.price * (WAD + x), WAD));
  if (s.legs.length === 0) return { now: s.equity < s.maintenanceMargin };
  if (at(0n)) return { now: true };
  const top = MAX_RISE * WAD;
  return {
    now: false,
    fall: at(-WAD) ? boundary(at, 0n, -WAD) : undefined,
    rise: at(top) ? boundary(at, 0n, top) : undefined,
  };
}

/** The move of one asset's price, as a fraction of today's (WAD, signed), that reaches `price`. */
export const moveTo = (today: bigint, price: bigint): bigint =>
  today === 0n ? 0n : ((price - today) * WAD) / today;
