/**
 * Every failure of a task is printed as one readable line: a revert as its decoded custom error with named values in
 * human units (`ClearinghouseInsufficientMargin(accountId=…, equity=$412.5, initialMargin=$600)`) and a hint on what to
 * do, never as a raw revert blob or a stack trace; anything else as its first line.
 */
import type { Interface } from "ethers";
import {
  decodeRevertData,
  errorMessage,
  findRevertData,
  formatRevert,
  rawRevertArgs,
  revertArgs,
} from "../../common/errors";
import type { DecodedRevert, UnitContext } from "../../common/errors";
import { isNonceError } from "../../common/retry";
import { revertHint } from "./hints";
import type { HintContext } from "./hints";

export interface FailureReport {
  /** What the task prints after `error: `. */
  message: string;
  /** What to do about it, when known. */
  hint?: string;
  /** The decoded revert, when the failure was one. */
  revert?: DecodedRevert;
  /** The revert's arguments in human units and as raw integers. */
  args?: Record<string, string>;
  rawArgs?: Record<string, string>;
  /** Revert data no known interface could decode. */
  undecodedData?: string;
}

export interface FailureContext extends HintContext {
  interfaces: readonly Interface[];
  units?: UnitContext;
  /** The signer's address, for the hint on nonce conflicts. */
  signer?: string;
}

/** Turns any thrown value into what a task prints. */
export function describeFailure(err: unknown, ctx: FailureContext): FailureReport {
  const data = findRevertData(err);
  if (data !== undefined) {
    const revert = decodeRevertData(data, ctx.interfaces);
    if (!revert)
      return {
        message: `reverted with an unknown error (selector ${data.slice(0, 10)})`,
        undecodedData: data,
      };
    const units = { settlement: ctx.settlement, ...ctx.units };
    return {
      message: `reverted: ${formatRevert(revert, units)}`,
      hint: revertHint(revert, ctx),
      revert,
      args: Object.fromEntries(revertArgs(revert, units).map((a) => [a.name, a.value])),
      rawArgs: rawRevertArgs(revert),
    };
  }
  if (isNonceError(err)) {
    return {
      message: errorMessage(err),
      hint:
        `another process is sending from ${ctx.signer ?? "this account"} (a keeper on the same key?): give the ` +
        "keeper its own key (KEEPER_PRIVATE_KEY) or pass --from another account",
    };
  }
  return { message: errorMessage(err) };
}
