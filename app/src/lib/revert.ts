/**
 * A failed transaction or call in words: the decoded custom error (scripts/common/errors.ts, the tools' own decoder)
 * with its arguments in human units, as a sentence: `Clearinghouse insufficient margin: equity $412.5, initial margin
 * $600 (ClearinghouseInsufficientMargin)`. A wallet's refusal or a network failure gives its one-line message.
 */
import type { Interface } from "ethers";
import { decodeRevert, errorMessage, revertArgs } from "../../../scripts/common/errors";
import type { UnitContext } from "../../../scripts/common/errors";

/** Arguments naming the account or its owner: the connected wallet's own, left out of the sentence. */
const WHO = ["accountId", "account", "owner"];

/** `ClearinghouseInsufficientMargin` → `Clearinghouse insufficient margin`; `initialMargin` → `initial margin`. */
export function words(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
  const [first, ...rest] = spaced.split(" ");
  return [first, ...rest.map((w) => (/^[A-Z]+$/.test(w) && w.length > 1 ? w : w.toLowerCase()))].join(" ");
}

/** The message shown for an error: the decoded revert in words when there is one, the error's first line otherwise. */
export function revertMessage(
  err: unknown,
  interfaces: readonly Interface[],
  units: UnitContext = {},
): string {
  const revert = decodeRevert(err, interfaces);
  if (revert === undefined) return errorMessage(err);
  const args = revertArgs(revert, units)
    .filter((a) => !WHO.includes(a.name))
    .map((a) => `${words(a.name)} ${a.value}`);
  return `${words(revert.name)}${args.length > 0 ? `: ${args.join(", ")}` : ""} (${revert.name})`;
}
