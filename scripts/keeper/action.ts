/**
 * The one interface every keeper action implements: liquidating positions (`actions/liquidate.ts`), liquidating
 * collateral (`actions/collateral.ts`) and settling bad debt (`actions/badDebt.ts`). The executor (`executor.ts`)
 * runs any of them the same way: estimate, send, wait for the receipt, parse the outcome; an expected revert is a
 * race lost to whoever the action's `findWinner` names, or `skipped`; anything else is `failed`.
 *
 * A new action is one more implementation of `KeeperAction` plus a pass that chooses its plans (see `keeper.ts`, and
 * the order actions `actions/settleOrder.ts`, `actions/cancelOrder.ts`): the sending, retries, receipts, races,
 * counters and log lines come with the executor.
 */
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import type { DecodedRevert } from "../common/errors";
import type { LogFields, LogLevel } from "./log";
import type { SendOverrides } from "./sender";
import type { ActionKind, KeeperOutcome } from "./types";

/** One transaction an action means to send, decided at block `checkedAt`. */
export interface ActionPlan {
  accountId: bigint;
  /**
   * What the executor keys in-flight work by (never two transactions for one key): `account:<id>` by default
   * (`planKey`); an order's plan uses `order:<orderId>`, so an account's orders and its liquidation do not block
   * each other.
   */
  key?: string;
  /**
   * What the plan acts on besides the account (`{ orderId }`): copied into its outcome and onto every log line of
   * its transaction.
   */
  subject?: Record<string, bigint>;
  /** Block the decision was made at. */
  checkedAt: number;
  /** Fields of the `…_sent` log line (what was decided, in human units). */
  fields?: LogFields;
  /** Fields repeated on the `…_skipped` / `…_failed` lines (the debt it was meant for, say). */
  context?: LogFields;
}

/** The transaction that did what we meant to do first. */
export interface Winner {
  caller: string;
  txHash: string;
  block: number;
  /** The event that shows it (`Liquidated`, `CollateralLiquidated`, `BadDebtSettled`). */
  event: string;
}

/** What the counters distinguish. */
export type ActionResult = "sent" | "succeeded" | "lost" | "skipped" | "capped" | "failed";

/** The log event names of an action, one per step and result. */
export interface ActionEvents {
  sent: string;
  succeeded: string;
  lost: string;
  skipped: string;
  failed: string;
  pending: string;
  dropped: string;
  uncertain: string;
}

/** An action's log event names, `<prefix>_sent`, `<prefix>_lost`, …, with its own name for a success if it has one. */
export const actionEvents = (prefix: string, succeeded = `${prefix}_succeeded`): ActionEvents => ({
  sent: `${prefix}_sent`,
  succeeded,
  lost: `${prefix}_lost`,
  skipped: `${prefix}_skipped`,
  failed: `${prefix}_failed`,
  pending: `${prefix}_pending`,
  dropped: `${prefix}_dropped`,
  uncertain: `${prefix}_send_uncertain`,
});

/** A mined transaction's effect: the outcome, and the level and fields of its `succeeded` line. */
export interface ParsedReceipt {
  outcome: KeeperOutcome;
  level: LogLevel;
  fields: LogFields;
}

/** The key a plan's transaction is kept in flight under (`account:<id>` unless the plan names its own). */
export const planKey = (plan: ActionPlan): string => plan.key ?? accountKey(plan.accountId);

/** The in-flight key of an account's own actions (liquidations, debts, deleverage). */
export const accountKey = (accountId: bigint): string => `account:${accountId}`;

export interface KeeperAction<P extends ActionPlan = ActionPlan> {
  readonly kind: ActionKind;
  readonly events: ActionEvents;
  /** Reverts that mean "no longer needed" (another caller acted first, or the account changed): never errors. */
  readonly expectedReverts: ReadonlySet<string>;
  /** Gas estimate of the plan's transaction (a revert here costs nothing). */
  estimate(plan: P): Promise<bigint>;
  /** A last check with the estimate (is it worth the gas?): an outcome of not sending, or undefined to send. */
  afterEstimate?(plan: P, gas: bigint): Promise<KeeperOutcome | undefined>;
  send(plan: P, overrides: SendOverrides): Promise<ContractTransactionResponse>;
  /** Replays the plan as a call at `blockTag`, to learn why a mined transaction reverted (throws the revert). */
  replay(plan: P, blockTag: number): Promise<unknown>;
  /** What a successful receipt did, from the contract's events; counts it (`succeeded`) with its amounts. */
  parse(plan: P, receipt: TransactionReceipt): Promise<ParsedReceipt>;
  /**
   * The latest transaction in `fromBlock..toBlock` that did this action's work for the account (or for the plan's
   * own subject, an order say), if any.
   */
  findWinner(accountId: bigint, fromBlock: number, toBlock: number, plan: P): Promise<Winner | undefined>;
  /** Counts one result in the keeper's stats. */
  count(result: ActionResult): void;
  /** The reason and fields of a `skipped` line after an expected revert (`byUs`: our own earlier transaction). */
  describeSkip?(revert: DecodedRevert, byUs: Winner | undefined): { reason: string; fields: LogFields };
  /** An outcome of its own for some revert (a full liquidation window: `capped`), before the generic reading. */
  onRevert?(plan: P, revert: DecodedRevert): KeeperOutcome | undefined;
  /** After a send that may be mined (`sent` or `uncertain`): spend the plan's budget. */
  afterSend?(plan: P): void;
}
