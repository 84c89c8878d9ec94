/**
 * Human-readable formatting of on-chain fixed-point numbers.
 *
 * Every amount stays a `bigint` until it is printed: no floating point touches a protocol number. Rounding for
 * display (`formatFixed`, `formatUsd`) is half away from zero and never feeds back into a computation; the `*Exact`
 * forms print every significant decimal, for messages and logs where the reader may need the precise value.
 */
import { formatUnits } from "ethers";
import { WAD, WAD_DECIMALS, USDC_DECIMALS, exact } from "./units";

export { WAD, WAD_DECIMALS };

export interface FixedOptions {
  /** Decimals of the raw value (18 for WAD, 6 for USDC amounts, 8 for Chainlink answers). */
  decimals?: number;
  /** Decimals shown. */
  dp?: number;
  /** Print a `+` in front of positive values (for changes). */
  signed?: boolean;
  /** Group the integer part in thousands with commas. */
  grouping?: boolean;
}

/** Rounds `value` (with `decimals` decimals) to `dp` shown decimals, half away from zero; returns sign and digits. */
function toDigits(
  value: bigint,
  decimals: number,
  dp: number,
): { negative: boolean; integer: string; fraction: string } {
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  if (dp < decimals) {
    const factor = 10n ** BigInt(decimals - dp);
    magnitude = (magnitude + factor / 2n) / factor;
  } else {
    magnitude *= 10n ** BigInt(dp - decimals);
  }
  const digits = magnitude.toString().padStart(dp + 1, "0");
  return {
    negative: negative && magnitude !== 0n,
    integer: dp === 0 ? digits : digits.slice(0, -dp),
    fraction: dp === 0 ? "" : digits.slice(-dp),
  };
}

const group = (integer: string): string => integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

function signOf(negative: boolean, isZero: boolean, signed: boolean): string {
  if (negative) return "-";
  return signed && !isZero ? "+" : "";
}

/** A fixed-point number as a decimal string: `formatFixed(1234567n * 10n ** 15n, { dp: 2 })` → `1,234.57`. */
export function formatFixed(
  value: bigint,
  { decimals = WAD_DECIMALS, dp = 4, signed = false, grouping = true }: FixedOptions = {},
): string {
  const { negative, integer, fraction } = toDigits(value, decimals, dp);
  const isZero = /^0*$/.test(integer + fraction);
  const body = (grouping ? group(integer) : integer) + (fraction ? `.${fraction}` : "");
  return signOf(negative, isZero, signed) + body;
}

/** A USD amount: `$1,234.56`, `-$12.00`, or with `signed` `+$480.00`. WAD by default; 2 decimals shown by default. */
export function formatUsd(
  value: bigint,
  { decimals = WAD_DECIMALS, dp = 2, signed = false }: Omit<FixedOptions, "grouping"> = {},
): string {
  const { negative, integer, fraction } = toDigits(value, decimals, dp);
  const isZero = /^0*$/.test(integer + fraction);
  return `${signOf(negative, isZero, signed)}$${group(integer)}${fraction ? `.${fraction}` : ""}`;
}

/** A base-unit size (WAD) with 4 decimals by default: `2.0000`, `-0.1000`. */
export const formatSize = (size: bigint, dp = 4): string => formatFixed(size, { dp });

/** A WAD fraction as a percentage: `0.08e18` → `8.00%`. */
export const formatPercent = (
  fraction: bigint,
  { dp = 2, signed = false }: { dp?: number; signed?: boolean } = {},
): string => `${formatFixed(fraction * 100n, { dp, signed })}%`;

/** The relative change from `from` to `to` as a percentage (`+8.00%`); `n/a` when `from` is zero. */
export function formatChange(from: bigint, to: bigint, dp = 2): string {
  if (from === 0n) return "n/a";
  return formatPercent(((to - from) * WAD) / from, { dp, signed: true });
}

/** `numerator / denominator` as a multiple (`16.41x`); `∞` when the denominator is zero and the numerator positive. */
export function formatRatio(numerator: bigint, denominator: bigint, dp = 2): string {
  if (denominator === 0n) return numerator > 0n ? "∞" : "n/a";
  return `${formatFixed((numerator * WAD) / denominator, { dp })}x`;
}

/** The side of a signed position size: `LONG`, `SHORT`, or `-` when flat. */
export const formatSide = (size: bigint): string => (size > 0n ? "LONG" : size < 0n ? "SHORT" : "-");

/** `0x3C44Cd…93BC` */
export const shortAddress = (address: string): string => `${address.slice(0, 8)}…${address.slice(-4)}`;

/* EXACT HUMAN UNITS (messages, logs) */

/** Groups the integer part of a decimal string in thousands: `1234567.5` → `1,234,567.5`. */
const groupDecimal = (text: string): string => {
  const [integer, fraction] = text.split(".");
  return group(integer) + (fraction === undefined ? "" : `.${fraction}`);
};

/** A token amount with every significant decimal and its symbol: `5.877487 USDC`, `-0.5 WETH`. */
export const formatTokenExact = (raw: bigint, token: { symbol: string; decimals: number }): string =>
  `${groupDecimal(exact(raw, token.decimals))} ${token.symbol}`;

/** A settlement-token (USDC, 6 decimals) amount: `5.877487 USDC`. */
export const formatUsdcExact = (raw: bigint): string =>
  formatTokenExact(raw, { symbol: "USDC", decimals: USDC_DECIMALS });

/** A WAD USD value with every significant decimal: `$6,000`, `-$0.502502`. */
export function formatUsdExact(wad: bigint, decimals = WAD_DECIMALS): string {
  const text = exact(wad, decimals);
  return text.startsWith("-") ? `-$${groupDecimal(text.slice(1))}` : `$${groupDecimal(text)}`;
}

/** A WAD value as an exact grouped decimal: `1.5`, `100,000`. */
export const formatWadExact = (wad: bigint): string => groupDecimal(exact(wad, WAD_DECIMALS));

/** A WAD fraction as an exact percentage: `0.005e18` → `0.5%`. */
export const formatPercentExact = (fraction: bigint): string => `${exact(fraction, 16)}%`;

/* LOG AND JSON FIELDS (machine-read: ungrouped, always with a decimal point) */

/** `raw` with `decimals` decimals as an exact, ungrouped decimal string: `5877487n, 6` → `"5.877487"`, `0n` → `"0.0"`. */
export const decimalField = (raw: bigint, decimals: number): string => formatUnits(raw, decimals);

/** A WAD value (USD amounts, prices, fractions) as `decimalField` writes it. */
export const decimalWad = (wad: bigint): string => decimalField(wad, WAD_DECIMALS);

/**
 * Log fields for a token amount, the field's name ending in its unit: `{ <name><unit>: "5.877487" }`, plus
 * `{ <name>Raw: 5877487n }` when `raw` is asked for (where a reader reconciles the number with an event or a balance);
 * nothing for an undefined value. `Usdc` is the settlement token, `Token` the collateral token the line names.
 */
export function amountFields(
  name: string,
  value: bigint | undefined,
  decimals: number,
  unit: "Usdc" | "Token",
  raw = false,
): Record<string, string | bigint> {
  if (value === undefined) return {};
  const fields: Record<string, string | bigint> = { [`${name}${unit}`]: decimalField(value, decimals) };
  if (raw) fields[`${name}Raw`] = value;
  return fields;
}

/** `{ <name>Usd: "84.326765586335150123" }` for a WAD value; nothing for an undefined one. */
export const usdFields = (name: string, wad: bigint | undefined): Record<string, string> =>
  wad === undefined ? {} : { [`${name}Usd`]: decimalWad(wad) };
