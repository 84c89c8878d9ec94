/**
 * Fixed-point constants and exact conversions shared by the simulation's pipeline and its report: amounts stay
 * `bigint`s (settlement-token units with 6 decimals, or WAD) and become exact decimal strings only for files.
 */
import { ethers } from "ethers";

export const WAD = 10n ** 18n;
/** Settlement-token units (6 decimals) to WAD. */
export const TO_WAD = 10n ** 12n;

/** An exact decimal string of a fixed-point value, without trailing zeros (`1.5`, `-0.000001`, `3000`). */
export function fmt(value: bigint, decimals: number): string {
  const s = ethers.formatUnits(value, decimals);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** ceil(a / b) for a >= 0, b > 0. */
export const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** Σ of exact decimal strings in settlement units (6 decimals); empty strings count 0. */
export const sumUnits = (values: string[]): bigint =>
  values.reduce((acc, v) => acc + (v ? ethers.parseUnits(v, 6) : 0n), 0n);

/** Σ of exact decimal strings in WAD; empty strings count 0. */
export const sumWad = (values: string[]): bigint =>
  values.reduce((acc, v) => acc + (v ? ethers.parseUnits(v, 18) : 0n), 0n);
