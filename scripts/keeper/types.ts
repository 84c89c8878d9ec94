/**
 * What the keeper reports: the outcome of each action it took (or decided not to take) for an account, and the
 * counters it keeps since it was created (the CLI exports them as Prometheus metrics, the simulation reports them).
 */
import type { BadDebtResult, CollateralResult, DebtActionKind } from "./collateral";

/**
 * What the keeper sends: `Clearinghouse.liquidate`, `Vault.liquidateCollateral`, `Vault.settleBadDebt`,
 * `Clearinghouse.deleverage`, `OrderBook.settleOrder`, `OrderBook.cancelOrder`.
 */
export type ActionKind = "liquidate" | DebtActionKind | "deleverage" | OrderActionKind;

/** The order actions (DESIGN §21): settling a pending order, cancelling an expired one. */
export type OrderActionKind = "settleOrder" | "cancelOrder";

export type LiquidationStatus = "succeeded" | "lost" | "skipped" | "capped" | "failed" | "pending";
export type DebtStatus = "succeeded" | "lost" | "skipped" | "failed" | "pending";
export type OutcomeStatus = LiquidationStatus | DebtStatus;

/** What every outcome says, whatever the action. */
export interface BaseOutcome {
  accountId: bigint;
  /** Our transaction, or for `lost` the winner's. */
  txHash?: string;
  /** Block of the receipt (or of the check, when nothing was mined). */
  block?: number;
  /** The caller that got there first (`lost` only). */
  winner?: string;
  /** Why nothing was sent, or the expected revert that made it unnecessary (`skipped`). */
  reason?: string;
  error?: string;
}

/** What happened to one liquidatable account. */
export interface LiquidationOutcome extends BaseOutcome {
  action: "liquidate";
  status: LiquidationStatus;
  /** Settlement-token units credited to the keeper's subaccount 0 (`succeeded` only). */
  reward?: bigint;
  /**
   * Debt the liquidation left that no collateral covers (settlement-token units, `succeeded` only): run through the
   * loss waterfall in the same transaction (`BadDebtSettled`), or booked against the account's other collateral
   * (`BadDebtBooked`). 0 when the account's equity covered everything.
   */
  badDebt?: bigint;
}

/**
 * The keeper's own reasons not to send a debt action (`skipped` without a transaction): the keeper's wallet holds no
 * settlement tokens (`no_funds`), the discount does not beat the gas by `minProfitUsd` (`unprofitable`), the
 * repayment would seize nothing (`nothing_to_seize`), neither the insurance fund nor the pool can pay anything
 * (`waterfall_empty`), the approval of the settlement token failed (`approval_failed`), the account holds no
 * collateral to seize (`no_collateral`).
 */
export type DebtSkipCode =
  "no_funds" | "unprofitable" | "nothing_to_seize" | "waterfall_empty" | "approval_failed" | "no_collateral";

/**
 * Why a debt action was not sent: a `DebtSkipCode`, or after a revert the error's name (any custom error of the
 * contracts). `string & NonNullable<unknown>` is any string, but unlike a plain `string` it does not absorb the
 * codes, so editors still offer them.
 */
export type DebtSkipReason = DebtSkipCode | (string & NonNullable<unknown>);

/** What happened to one account's debt this round. */
export interface DebtOutcome extends BaseOutcome {
  action: DebtActionKind;
  status: DebtStatus;
  /** Collateral token taken (`liquidateCollateral`). */
  token?: string;
  /** Settlement tokens repaid / collateral tokens seized (`liquidateCollateral`, `succeeded`). */
  repaid?: bigint;
  seized?: bigint;
  /** The waterfall's split (`settleBadDebt`, `succeeded`; settlement-token units). */
  badDebt?: bigint;
  insuranceDraw?: bigint;
  poolWriteOff?: bigint;
  unrecovered?: bigint;
  reason?: DebtSkipReason;
}

/** What happened to one position picked for auto-deleveraging. */
export interface DeleverageOutcome extends BaseOutcome {
  action: "deleverage";
  marketId: bigint;
  status: DebtStatus;
  /** Signed like the position (WAD; `succeeded` only). */
  sizeClosed?: bigint;
}

/** What happened to one pending order the keeper settled or cancelled (the account is the order's). */
export interface OrderOutcome extends BaseOutcome {
  action: OrderActionKind;
  orderId: bigint;
  status: DebtStatus;
  /** Settlement fee credited to the keeper's subaccount 0 (settlement-token units; `succeeded` only). */
  fee?: bigint;
  /** Whether the order's trade filled (`settleOrder`, `succeeded`): a refused trade cancels the order, fee paid. */
  filled?: boolean;
}

export type KeeperOutcome = LiquidationOutcome | DebtOutcome | DeleverageOutcome | OrderOutcome;

/** What the order counters distinguish: `settled` (trade filled) and `cancelled` (by us, fee earned) succeeded. */
export type OrderResult = "sent" | "settled" | "cancelled" | "lost" | "skipped" | "failed";

/** Counters since the keeper was created (the CLI exports them as Prometheus metrics). */
export interface KeeperStats {
  /** Account health checks: one per account per checked block. */
  checks: number;
  /** `liquidatable(uint256[])` calls. */
  checkCalls: number;
  /** Accounts found liquidatable (and holding positions: something to liquidate) at the last check. */
  liquidatableAtLastCheck: number;
  /** Block of the last check. */
  lastCheckedBlock: number | undefined;
  sent: number;
  succeeded: number;
  /** Another keeper liquidated the account first. */
  lost: number;
  /** The account recovered before our transaction (or was already liquidated by us before a restart). */
  skipped: number;
  /** The market's liquidation window was full. */
  capped: number;
  failed: number;
  /** Σ keeper rewards of our successful liquidations (settlement-token units). */
  rewards: bigint;
  /** RPC calls retried after a transient failure. */
  rpcRetries: number;
  /**
   * `liquidateCollateral` decisions by result: mined (`succeeded`), beaten by another caller (`lost`), reverted as
   * expected or no longer needed (`skipped`), not sent for lack of profit (`unprofitable`) or of settlement tokens
   * in the wallet (`no_funds`), and `failed`. A decision not to send is counted once per account and reason, not
   * every round.
   */
  collateralLiquidations: Record<CollateralResult, number>;
  /** `liquidateCollateral` transactions sent. */
  collateralLiquidationsSent: number;
  /** Σ settlement tokens repaid by our collateral liquidations (settlement-token units). */
  collateralRepaid: bigint;
  /** `settleBadDebt` decisions by result (as `collateralLiquidations`). */
  badDebtSettlements: Record<BadDebtResult, number>;
  /** Σ bad debt our `settleBadDebt` transactions ran through the waterfall (settlement-token units). */
  badDebtSettled: bigint;
  /** The keeper wallet's settlement-token balance when last read (undefined: never read). */
  settlementWalletBalance: bigint | undefined;
  /** `deleverage` transactions sent, and their results (the pass runs only on the markets it is given). */
  deleverages: Record<"sent" | "succeeded" | "lost" | "skipped" | "failed", number>;
  /**
   * Order transactions (`settleOrder`, `cancelOrder`) by result: `settled` (the trade filled), `cancelled` (expired,
   * or its trade refused at settlement: the order cancelled, the fee ours), `lost` to another keeper, `skipped`
   * (an expected revert: already settled or cancelled, not triggered, too early) and `failed`.
   */
  orders: Record<OrderResult, number>;
  /** Σ settlement fees our order transactions earned (settlement-token units). */
  orderFees: bigint;
}

export const newStats = (): KeeperStats => ({
  checks: 0,
  checkCalls: 0,
  liquidatableAtLastCheck: 0,
  lastCheckedBlock: undefined,
  sent: 0,
  succeeded: 0,
  lost: 0,
  skipped: 0,
  capped: 0,
  failed: 0,
  rewards: 0n,
  rpcRetries: 0,
  collateralLiquidations: { succeeded: 0, lost: 0, skipped: 0, unprofitable: 0, no_funds: 0, failed: 0 },
  collateralLiquidationsSent: 0,
  collateralRepaid: 0n,
  badDebtSettlements: { succeeded: 0, lost: 0, skipped: 0, failed: 0 },
  badDebtSettled: 0n,
  settlementWalletBalance: undefined,
  deleverages: { sent: 0, succeeded: 0, lost: 0, skipped: 0, failed: 0 },
  orders: { sent: 0, settled: 0, cancelled: 0, lost: 0, skipped: 0, failed: 0 },
  orderFees: 0n,
});
