/**
 * The keeper package: `Keeper` (one round: discover, check, act), the action interface its actions implement, the
 * pure debt decisions, the account and order trackers, logging, revert reading, and the process pieces (checkpoint, metrics,
 * runner). The CLI (`cli.ts`) is loaded by the hardhat task, never from here.
 */
export { Keeper } from "./keeper";
export type { KeeperConfig, KeeperOptions, ResolvedKeeperOptions } from "./options";
export { DEFAULT_OPTIONS } from "./options";
export * from "./types";
export type { ActionEvents, ActionPlan, ActionResult, KeeperAction, ParsedReceipt, Winner } from "./action";
export * from "./collateral";
export * from "../common/errors";
export * from "../common/retry";
export * from "./log";
export * from "./tracker";
export * from "./orders";
export { SettleOrderAction, SETTLE_ORDER_REVERTS } from "./actions/settleOrder";
export { CancelOrderAction, CANCEL_ORDER_REVERTS } from "./actions/cancelOrder";
export { amountFields, decimalField, decimalWad, usdFields } from "../common/format";
export { needsDeleverage, rankCandidates } from "./deleverage";
export { DELEVERAGED_TOPIC } from "./actions/deleverage";
export type { DeleverageCandidate } from "./deleverage";
export { KeeperRunner } from "./runner";
export type { RunnerConfig } from "./runner";
