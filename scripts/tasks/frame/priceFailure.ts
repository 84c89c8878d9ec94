/**
 * The oracle's refusals in words a user can act on. `OracleStalePrice(asset, feed, updatedAt, maxAge, blockTimestamp)`
 * as raw integers says little ("updatedAt=1796491020, maxAge=86400, blockTimestamp=1893460201"); said with dates and
 * durations it says the feed is three years old because the chain's clock moved, and how to re-post it.
 */
import { decodeBytes32String } from "ethers";
import type { DecodedRevert } from "../../common/errors";

const arg = (e: DecodedRevert, name: string): unknown => e.params.find((a) => a.name === name)?.value;
const text = (v: unknown): string => (typeof v === "string" || typeof v === "bigint" ? v.toString() : "?");
/** A bytes32 asset key as text (`ETH`), or the raw value when it is not a string. */
function assetName(v: unknown): string {
  if (typeof v !== "string") return "?";
  try {
    return decodeBytes32String(v);
  } catch {
    return v;
  }
}

/** `2030-01-01 00:00:01 UTC`. */
export const utc = (seconds: number): string =>
  new Date(seconds * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.000Z$/, " UTC");

/** `3 y 27 d`, `1 d 2 h`, `24 h`, `5 min`, `12 s`: the two largest units. */
export function duration(seconds: number): string {
  const units: [string, number][] = [
    ["y", 365 * 86_400],
    ["d", 86_400],
    ["h", 3_600],
    ["min", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  let left = Math.max(0, Math.floor(seconds));
  for (const [unit, size] of units) {
    if (parts.length === 2) break;
    const n = Math.floor(left / size);
    if (n > 0 || (unit === "s" && parts.length === 0)) parts.push(`${n} ${unit}`);
    left -= n * size;
    if (parts.length === 1 && left === 0) break;
  }
  return parts.join(" ");
}

/** A short cell for a table (`stale price`), or undefined for a revert that is not the oracle's. */
export function priceFailureCell(e: DecodedRevert): string | undefined {
  if (e.name === "OracleStalePrice") return "stale price";
  return e.name.startsWith("Oracle") ? e.name : undefined;
}

/** One readable sentence for an oracle revert, or undefined for any other. */
export function explainPriceFailure(e: DecodedRevert): string | undefined {
  if (e.name !== "OracleStalePrice") return undefined;
  const asset = assetName(arg(e, "asset"));
  const updatedAt = Number(text(arg(e, "updatedAt")));
  const now = Number(text(arg(e, "blockTimestamp")));
  const maxAge = Number(text(arg(e, "maxAge")));
  return (
    `the ${asset} price is stale: its feed ${text(arg(e, "feed"))} was last updated ${utc(updatedAt)}, ` +
    `${duration(now - updatedAt)} before the chain's time ${utc(now)} (the limit is ${duration(maxAge)}); ` +
    `on a local chain re-post it: npx hardhat mock:set-price --asset ${asset} --price <USD>`
  );
}
