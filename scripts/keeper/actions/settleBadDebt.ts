/**
 * `Vault.settleBadDebt(accountId)`: runs the debt of an account with neither positions nor other collateral through
 * the loss waterfall (the insurance fund, then the pool). Needs no funds from the keeper; not sent while both the
 * insurance fund and the pool are empty.
 */
import type { TransactionReceipt } from "ethers";
import { actionEvents } from "../action";
import type { ActionPlan, ActionResult, ParsedReceipt } from "../action";
import type { KeeperChain } from "../chain";
import { errorMessage } from "../../common/errors";
import type { SendOverrides } from "../sender";
import type { DebtOutcome } from "../types";
import { amountFields } from "../../common/format";
import type { SkipNotes } from "./notes";
import { DEBT_REVERTS, readFailed } from "./pass";
import type { DebtAction, DebtPass } from "./pass";
import { findDebtAction, vaultEvent } from "./winners";

export interface BadDebtPlan extends ActionPlan {
  debt: bigint;
}

export class SettleBadDebtAction implements DebtAction<BadDebtPlan> {
  readonly kind = "settleBadDebt" as const;
  readonly events = actionEvents("bad_debt_settlement", "bad_debt_settled");
  readonly expectedReverts = DEBT_REVERTS;

  constructor(
    private readonly chain: KeeperChain,
    private readonly notes: SkipNotes,
  ) {}

  /** The plan for `debt` of `accountId`, or the outcome of not sending (the waterfall is empty or unreadable). */
  async plan(accountId: bigint, debt: bigint, pass: DebtPass): Promise<BadDebtPlan | DebtOutcome> {
    const { chain } = this;
    const { block } = pass;
    const { decimals } = await chain.settlementToken();
    const context = amountFields("debt", debt, decimals, "Usdc");
    let available: bigint;
    try {
      pass.waterfall ??= Promise.all([
        chain.rpc(() => chain.vault.insuranceBalance({ blockTag: block })),
        chain.rpc(() => chain.vault.poolBalance({ blockTag: block })),
      ]).then(([insurance, pool]) => insurance + pool);
      available = await pass.waterfall;
    } catch (err) {
      readFailed(chain, accountId, block, "waterfall", err);
      return { action: this.kind, accountId, status: "failed", block, error: errorMessage(err) };
    }
    if (available === 0n) {
      return this.notes.notSent(this, accountId, block, "waterfall_empty", context, () =>
        this.count("skipped"),
      );
    }
    return { accountId, checkedAt: block, debt, fields: context, context };
  }

  estimate(plan: BadDebtPlan): Promise<bigint> {
    return this.chain.vault.settleBadDebt.estimateGas(plan.accountId);
  }

  send(plan: BadDebtPlan, overrides: SendOverrides) {
    return this.chain.vault.settleBadDebt(plan.accountId, overrides);
  }

  afterSend(plan: BadDebtPlan): void {
    this.notes.forget(plan.accountId);
  }

  replay(plan: BadDebtPlan, blockTag: number): Promise<unknown> {
    return this.chain.vault.settleBadDebt.staticCall(plan.accountId, { blockTag });
  }

  findWinner(accountId: bigint, fromBlock: number, toBlock: number) {
    return findDebtAction(this.chain, accountId, fromBlock, toBlock);
  }

  async parse(plan: BadDebtPlan, receipt: TransactionReceipt): Promise<ParsedReceipt> {
    const event = await vaultEvent(this.chain, receipt, plan.accountId, "BadDebtSettled");
    const badDebt = event?.badDebt ?? 0n;
    const insuranceDraw = event?.insuranceDraw ?? 0n;
    const poolWriteOff = event?.poolWriteOff ?? 0n;
    const unrecovered = event?.unrecovered ?? 0n;
    this.count("succeeded");
    this.chain.stats.badDebtSettled += badDebt;
    const { decimals } = await this.chain.settlementToken();
    const usdc = (name: string, value: bigint) => amountFields(name, value, decimals, "Usdc", true);
    const outcome: DebtOutcome = {
      action: this.kind,
      accountId: plan.accountId,
      status: "succeeded",
      txHash: receipt.hash,
      block: receipt.blockNumber,
      badDebt,
      insuranceDraw,
      poolWriteOff,
      unrecovered,
    };
    return {
      outcome,
      level: unrecovered > 0n ? "warn" : "info",
      fields: {
        ...usdc("badDebt", badDebt),
        ...usdc("insuranceDraw", insuranceDraw),
        ...usdc("poolWriteOff", poolWriteOff),
        ...usdc("unrecovered", unrecovered),
      },
    };
  }

  count(result: ActionResult): void {
    if (result !== "sent" && result !== "capped") this.chain.stats.badDebtSettlements[result]++;
  }
}
