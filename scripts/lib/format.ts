/**
 * Human-readable formatting of on-chain fixed-point numbers, and a plain-text table renderer.
 *
 * Every amount stays a `bigint` until it is printed: no floating point touches a protocol number. Rounding for
 * display is half away from zero; it never feeds back into a computation.
 */

/** Decimals of WAD (18-decimal fixed point): prices, USD values and sizes (DESIGN §3). */
export const WAD_DECIMALS = 18;
export const WAD = 10n ** 18n;

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

/** `0x3C44Cd…93BC` */
export const shortAddress = (address: string): string => `${address.slice(0, 8)}…${address.slice(-4)}`;

/* TABLES */

export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
}

/** A row of cells, or `"separator"` for a horizontal rule (before a total, for example). */
export type Row = string[] | "separator";

/**
 * Renders a plain-text table with a header, a rule under it and aligned columns (numbers right-aligned by
 * default, the first column left-aligned). Returns the lines, each without a trailing newline.
 */
export function renderTable(
  columns: (Column | string)[],
  rows: Row[],
  { indent = 2 }: { indent?: number } = {},
): string[] {
  const cols: Required<Column>[] = columns.map((c, i) => {
    const column = typeof c === "string" ? { header: c } : c;
    return { header: column.header, align: column.align ?? (i === 0 ? "left" : "right") };
  });
  const widths = cols.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r === "separator" ? 0 : (r[i] ?? "").length))),
  );
  const pad = " ".repeat(indent);
  const line = (cells: string[]): string =>
    pad +
    cells
      .map((cell, i) => (cols[i].align === "left" ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = pad + widths.map((w) => "─".repeat(w)).join("  ");
  return [
    line(cols.map((c) => c.header)),
    rule,
    ...rows.map((r) => (r === "separator" ? rule : line(cols.map((_, i) => r[i] ?? "")))),
  ];
}

/** A section heading: a blank line, the title and an underline. */
export const heading = (title: string): string[] => ["", title, "═".repeat(title.length)];
