/**
 * Decisions not to send (no funds, unprofitable, nothing to seize, empty waterfall...): logged and counted once per
 * account and reason, at `debug` while the decision stands, so a standing decision does not flood the log.
 */
import type { ActionEvents } from "../action";
import type { KeeperChain } from "../chain";
import { accountFields } from "../chain";
import type { LogFields } from "../log";
import type { DebtActionKind } from "../collateral";
import type { DebtOutcome, DebtSkipReason } from "../types";

export class SkipNotes {
  /** The last decision logged per account. */
  private readonly notes = new Map<bigint, string>();

  constructor(private readonly chain: KeeperChain) {}

  /** Logs a decision not to send (`info` when it changed, `debug` otherwise); `count` runs only when it changed. */
  notSent(
    action: { kind: DebtActionKind; events: ActionEvents },
    accountId: bigint,
    block: number,
    reason: DebtSkipReason,
    fields: LogFields,
    count: () => void,
  ): DebtOutcome {
    const note = `${action.kind}:${reason}`;
    const changed = this.notes.get(accountId) !== note;
    this.notes.set(accountId, note);
    if (changed) count();
    this.chain.log(changed ? "info" : "debug", action.events.skipped, {
      accountId,
      ...accountFields(accountId),
      block,
      reason,
      ...fields,
    });
    return { action: action.kind, accountId, status: "skipped", block, reason };
  }

  /** Forgets the account's standing decision (it was acted on, or is no longer watched). */
  forget(accountId: bigint): void {
    this.notes.delete(accountId);
  }
}
