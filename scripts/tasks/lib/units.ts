/**
 * Human units in, integers out: `--amount 1000` USDC → 1_000_000_000 (6 decimals), `--size -1.5` → -1.5e18 (WAD),
 * `--slippage 0.5` (percent) → 0.005e18. Inputs are parsed as exact decimals; nothing goes through floating point.
 */
import { ethers } from "ethers";

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** Parses a decimal string into an integer with `decimals` decimals; rejects more precision than that. */
export function parseDecimal(value: string, decimals: number, what: string): bigint {
  const clean = String(value).trim().replace(/[_,]/g, "");
  if (!DECIMAL.test(clean)) throw new Error(`${what}: "${value}" is not a number`);
  const negative = clean.startsWith("-");
  const body = clean.replace(/^[+-]/, "");
  const [integer, fraction = ""] = body.split(".");
  if (fraction.length > decimals) {
    throw new Error(`${what}: "${value}" has more than ${decimals} decimals`);
  }
  const units = ethers.parseUnits(`${integer || "0"}.${fraction || "0"}`, decimals);
  return negative ? -units : units;
}

/** A positive amount in the given decimals. */
export function parsePositive(value: string, decimals: number, what: string): bigint {
  const amount = parseDecimal(value, decimals, what);
  if (amount <= 0n) throw new Error(`${what} must be positive, got "${value}"`);
  return amount;
}

/** A WAD value (18 decimals). */
export const parseWad = (value: string, what: string): bigint => parseDecimal(value, 18, what);

/** A percentage (`0.5` = 0.5%) as a WAD fraction. */
export function parsePercent(value: string, what: string): bigint {
  const fraction = parseDecimal(value, 16, what); // 0.5% = 0.005 = 5e15: percent with 16 decimals is exactly WAD
  if (fraction < 0n) throw new Error(`${what} must not be negative, got "${value}"`);
  return fraction;
}

/** An account id in decimal or hex. */
export function parseAccountId(value: string): bigint {
  const clean = value.trim();
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(clean)) throw new Error(`--account-id: "${value}" is not an account id`);
  const id = BigInt(clean);
  if (id >> 96n === 0n) throw new Error(`--account-id ${value} has no owner`);
  return id;
}

/** An exact decimal string of an integer with `decimals` decimals, for JSON (`"1.5"`, `"-0.000001"`). */
export function exact(value: bigint, decimals: number): string {
  const text = ethers.formatUnits(value, decimals);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

export const WAD = 10n ** 18n;
export const abs = (v: bigint): bigint => (v < 0n ? -v : v);
