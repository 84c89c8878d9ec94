/**
 * Amounts in the keeper's log lines: exact decimal strings in human units, never floats, never a bare raw integer
 * whose scale the reader must guess. A field's name ends in its unit: `…Usdc` (the settlement token, its own
 * decimals), `…Usd` (USD values, WAD on chain), `…Token` (the collateral token named by `token` / `symbol`). Where a
 * reader reconciles the number with an event or a balance, the on-chain integer is there too, as `…Raw`.
 */
import { ethers } from "ethers";
import type { LogFields } from "./log";

/** `raw` with `decimals` decimals as an exact decimal string: `formatAmount(5877487n, 6)` is `"5.877487"`. */
export const formatAmount = (raw: bigint, decimals: number): string => ethers.formatUnits(raw, decimals);

/** A WAD (1e18) value as an exact decimal string: USD amounts, prices, fractions. */
export const formatWad = (wad: bigint): string => ethers.formatUnits(wad, 18);

/**
 * `{ <name><unit>: "5.877487" }`, plus `{ <name>Raw: 5877487n }` when `raw` is asked for; nothing for an undefined
 * value.
 */
export function amountFields(
  name: string,
  value: bigint | undefined,
  decimals: number,
  unit: "Usdc" | "Token",
  raw = false,
): LogFields {
  if (value === undefined) return {};
  const fields: LogFields = { [`${name}${unit}`]: formatAmount(value, decimals) };
  if (raw) fields[`${name}Raw`] = value;
  return fields;
}

/** `{ <name>Usd: "84.326765586335150123" }` for a WAD value; nothing for an undefined one. */
export const usdFields = (name: string, wad: bigint | undefined): LogFields =>
  wad === undefined ? {} : { [`${name}Usd`]: formatWad(wad) };
