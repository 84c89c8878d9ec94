/**
 * `Clearinghouse.liquidate(accountId)`: closes (part of) an account's positions; the reward goes to the keeper's
 * subaccount 0. `ClearinghouseNotLiquidatable` is expected (another keeper liquidated it first: `lost`, or it
 * recovered: `skipped`); a full liquidation window (`ClearinghouseLiquidationCapExceeded`) is `capped`, tried again
 * on the next block. The `liquidation_succeeded` line says whether the liquidation left bad debt, and how much:
 * run through the loss waterfall in the same transaction (`BadDebtSettled`), or booked against the account's other
 * collateral (`BadDebtBooked`), which the debt pass then liquidates.
 */
import type { TransactionReceipt } from "ethers";
import { actionEvents } from "../action";
import type { ActionPlan, ActionResult, KeeperAction, ParsedReceipt } from "../action";
import type { KeeperChain } from "../chain";
import type { DecodedRevert } from "../../common/errors";
import { formatRevert } from "../../common/errors";
import type { LogFields } from "../log";
import type { SendOverrides } from "../sender";
import { amountFields, decimalWad, usdFields } from "../../common/format";
import type { LiquidationOutcome } from "../types";
import type { EventArgs } from "./events";
import { argsOf } from "./events";
import { findLiquidation } from "./winners";

const NOT_LIQUIDATABLE = "ClearinghouseNotLiquidatable";
const CAP_EXCEEDED = "ClearinghouseLiquidationCapExceeded";

const args = (revert: DecodedRevert): unknown[] => Array.from(revert.args as ArrayLike<unknown>);

export class LiquidateAction implements KeeperAction {
  readonly kind = "liquidate" as const;
  readonly events = actionEvents("liquidation");
  readonly expectedReverts = new Set([NOT_LIQUIDATABLE]);

  constructor(private readonly chain: KeeperChain) {}

  /** The plan for an account found liquidatable at `checkedAt`. */
  plan(accountId: bigint, checkedAt: number): ActionPlan {
    return { accountId, checkedAt };
  }

  estimate(plan: ActionPlan): Promise<bigint> {
    return this.chain.clearinghouse.liquidate.estimateGas(plan.accountId);
  }

  send(plan: ActionPlan, overrides: SendOverrides) {
    return this.chain.clearinghouse.liquidate(plan.accountId, overrides);
  }

  replay(plan: ActionPlan, blockTag: number): Promise<unknown> {
    return this.chain.clearinghouse.liquidate.staticCall(plan.accountId, { blockTag });
  }

  findWinner(accountId: bigint, fromBlock: number, toBlock: number) {
    return findLiquidation(this.chain, accountId, fromBlock, toBlock);
  }

  async parse(plan: ActionPlan, receipt: TransactionReceipt): Promise<ParsedReceipt> {
    const { accountId } = plan;
    const { decimals } = await this.chain.settlementToken();
    const [clearinghouse, vault] = [await this.chain.clearinghouseAddress(), await this.chain.vaultAddress()];
    let liquidated: EventArgs["Liquidated"] | undefined;
    let settled: EventArgs["BadDebtSettled"] | undefined;
    let booked: bigint | undefined;
    for (const log of receipt.logs) {
      const address = log.address.toLowerCase();
      const parsed =
        address === clearinghouse.toLowerCase()
          ? this.chain.clearinghouse.interface.parseLog(log)
          : address === vault.toLowerCase()
            ? this.chain.vault.interface.parseLog(log)
            : null;
      if (parsed?.args.accountId !== accountId) continue;
      liquidated = argsOf(parsed, "Liquidated") ?? liquidated;
      settled = argsOf(parsed, "BadDebtSettled") ?? settled;
      booked = argsOf(parsed, "BadDebtBooked")?.booked ?? booked;
    }
    const reward = liquidated?.keeperReward ?? 0n;
    const badDebt = settled ? settled.badDebt : (booked ?? 0n);
    this.chain.stats.succeeded++;
    this.chain.stats.rewards += reward;
    const fields: LogFields = {
      ...amountFields("reward", reward, decimals, "Usdc", true),
      fraction: liquidated ? decimalWad(liquidated.fraction) : undefined,
      ...usdFields("equityBefore", liquidated?.equityBefore),
      ...usdFields("maintenanceMarginBefore", liquidated?.maintenanceMarginBefore),
      ...usdFields("notionalClosed", liquidated?.notionalClosed),
      ...amountFields("penalty", liquidated?.penalty, decimals, "Usdc"),
      leftBadDebt: badDebt > 0n,
      ...(badDebt > 0n ? amountFields("badDebt", badDebt, decimals, "Usdc", true) : {}),
      badDebtCover: settled ? "waterfall" : badDebt > 0n ? "booked" : undefined,
      ...(settled
        ? {
            ...amountFields("insuranceDraw", settled.insuranceDraw, decimals, "Usdc"),
            ...amountFields("poolWriteOff", settled.poolWriteOff, decimals, "Usdc"),
            ...amountFields("unrecovered", settled.unrecovered, decimals, "Usdc"),
          }
        : {}),
    };
    const outcome: LiquidationOutcome = {
      action: "liquidate",
      accountId,
      status: "succeeded",
      txHash: receipt.hash,
      block: receipt.blockNumber,
      reward,
      badDebt,
    };
    return { outcome, level: "info", fields };
  }

  count(result: ActionResult): void {
    const stats = this.chain.stats;
    if (result === "sent") stats.sent++;
    else if (result === "lost") stats.lost++;
    else if (result === "skipped") stats.skipped++;
    else if (result === "capped") stats.capped++;
    else if (result === "failed") stats.failed++;
    // `succeeded` is counted in `parse`, with the reward.
  }

  describeSkip(revert: DecodedRevert, byUs: unknown): { reason: string; fields: LogFields } {
    const [, equity, maintenanceMargin] = args(revert) as [unknown, bigint, bigint];
    return {
      reason: byUs ? "already liquidated by this keeper" : "no longer liquidatable",
      fields: { ...usdFields("equity", equity), ...usdFields("maintenanceMargin", maintenanceMargin) },
    };
  }

  onRevert(plan: ActionPlan, revert: DecodedRevert): LiquidationOutcome | undefined {
    if (revert.name !== CAP_EXCEEDED) return undefined;
    this.count("capped");
    const [marketId, used, notional, cap] = args(revert) as bigint[];
    this.chain.log("warn", "liquidation_capped", {
      accountId: plan.accountId,
      block: plan.checkedAt,
      marketId,
      ...usdFields("used", used),
      ...usdFields("notional", notional),
      ...usdFields("cap", cap),
    });
    const error = formatRevert(revert);
    return { action: "liquidate", accountId: plan.accountId, status: "capped", block: plan.checkedAt, error };
  }
}
