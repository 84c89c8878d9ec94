/**
 * Units: the fixed-point scales the protocol uses and exact conversions between human decimals and integers.
 *
 * Human units in, integers out (`"1000"` USDC → 1_000_000_000 with 6 decimals, `"-1.5"` → -1.5e18 WAD, `"0.5"` percent
 * → 0.005e18), and integers out as exact decimal strings (`exact(1_500_000n, 6)` → `"1.5"`). Nothing goes through
 * floating point.
 */

/** Decimals of WAD (18-decimal fixed point): prices, USD values, sizes and fractions (DESIGN §3). */
export const WAD_DECIMALS = 18;
export const WAD = 10n ** 18n;
/** Decimals of the settlement token (USDC) on every deployment. */
export const USDC_DECIMALS = 6;
/** Basis points: 800 = 8%. */
export const BPS = 10_000n;

export const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** `a * b / WAD`, truncated toward zero. */
export const mulWad = (a: bigint, b: bigint): bigint => (a * b) / WAD;

/** An amount with `decimals` decimals rescaled to WAD (exact: `decimals` is at most 18). */
export function toWad(amount: bigint, decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18)
    throw new Error(`bad decimals ${decimals}`);
  return amount * 10n ** BigInt(18 - decimals);
}

/** A WAD amount rescaled to `decimals` decimals, rounded up (away from zero): what is needed to cover it. */
export function fromWadUp(wad: bigint, decimals: number): bigint {
  const factor = 10n ** BigInt(18 - decimals);
  const magnitude = (abs(wad) + factor - 1n) / factor;
  return wad < 0n ? -magnitude : magnitude;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/**
 * Parses a decimal string into an integer with `decimals` decimals; rejects anything but a plain decimal number and
 * more precision than `decimals`. `_` and `,` group digits (`100_000`, `1,000`). `what` names the input in errors.
 */
export function parseDecimal(value: string, decimals: number, what: string): bigint {
  const clean = String(value).trim().replace(/[_,]/g, "");
  if (!DECIMAL.test(clean)) throw new Error(`${what}: "${value}" is not a number`);
  const negative = clean.startsWith("-");
  const [integer, fraction = ""] = clean.replace(/^[+-]/, "").split(".");
  if (fraction.length > decimals) throw new Error(`${what}: "${value}" has more than ${decimals} decimals`);
  const units =
    BigInt(integer || "0") * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  return negative ? -units : units;
}

/** A positive amount with `decimals` decimals. */
export function parsePositive(value: string, decimals: number, what: string): bigint {
  const amount = parseDecimal(value, decimals, what);
  if (amount <= 0n) throw new Error(`${what} must be positive, got "${value}"`);
  return amount;
}

/** A WAD value (18 decimals). */
export const parseWad = (value: string, what: string): bigint => parseDecimal(value, WAD_DECIMALS, what);

/** A percentage (`0.5` = 0.5%) as a WAD fraction (percent with 16 decimals is exactly WAD). */
export function parsePercent(value: string, what: string): bigint {
  const fraction = parseDecimal(value, 16, what);
  if (fraction < 0n) throw new Error(`${what} must not be negative, got "${value}"`);
  return fraction;
}

/** A whole number of seconds, positive. */
export function parseSeconds(value: string, what: string): bigint {
  const seconds = parseDecimal(value, 0, what);
  if (seconds <= 0n) throw new Error(`${what} must be a positive number of seconds, got "${value}"`);
  return seconds;
}

/** An integer with `decimals` decimals as an exact decimal string, no trailing zeros: `"1.5"`, `"-0.000001"`, `"7"`. */
export function exact(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = abs(value)
    .toString()
    .padStart(decimals + 1, "0");
  const integer = decimals === 0 ? digits : digits.slice(0, -decimals);
  const fraction = decimals === 0 ? "" : digits.slice(-decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${integer}${fraction ? `.${fraction}` : ""}`;
}

/** A WAD value as an exact decimal string. */
export const exactWad = (value: bigint): string => exact(value, WAD_DECIMALS);
