/**
 * The Trade form's inputs as a signed size delta: a size in base units, or a leverage applied to the account's
 * equity at the oracle price (size = leverage × equity / price, truncated). Pure: no ethers, no DOM.
 */
import { parseDecimal, parsePercent, parsePositive } from "../../../scripts/common/units";
import { WAD } from "./stress";

export type SizeMode = "size" | "leverage";

/** The signed size delta the form describes; throws a one-line message for a bad input. */
export function sizeDeltaOf(p: {
  mode: SizeMode;
  side: "long" | "short";
  amount: string;
  equity: bigint;
  price: bigint;
}): bigint {
  let size: bigint;
  if (p.mode === "size") size = parsePositive(p.amount, 18, "Size");
  else {
    const leverage = parsePositive(p.amount, 18, "Leverage");
    if (p.equity <= 0n) throw new Error("Leverage needs positive equity: deposit first");
    if (p.price <= 0n) throw new Error("No oracle price for this market");
    size = (leverage * p.equity) / p.price;
    if (size === 0n) throw new Error("Leverage gives a zero size");
  }
  return p.side === "long" ? size : -size;
}

/** The slippage setting (a percentage: `0.5` = 0.5%) as a WAD fraction, at most 100%. */
export function slippageOf(text: string): bigint {
  const fraction = parsePercent(text, "Slippage");
  if (fraction >= WAD) throw new Error(`Slippage must be below 100%, got ${text}%`);
  return fraction;
}

/** A trigger price in USD (`2,950.5`) as WAD. */
export function triggerOf(text: string): bigint {
  const price = parseDecimal(text, 18, "Trigger price");
  if (price <= 0n) throw new Error(`Trigger price must be positive, got "${text}"`);
  return price;
}
