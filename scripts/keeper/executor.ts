/**
 * Runs any `KeeperAction` the same way (one code path for liquidations, collateral liquidations and bad-debt
 * settlements): estimate, send with the keeper's nonce (`TxSender`), keep the transaction in flight (an account with
 * a transaction in flight is sent nothing else until it is settled), wait for the receipt, and read the result:
 *
 *   - mined and succeeded: the action parses its event (`succeeded`);
 *   - an expected revert, on estimate, on submission or replayed after a reverted receipt: `lost` when the action's
 *     `findWinner` names another caller, `skipped` otherwise (logged at `info`, never errors);
 *   - any other failure: `failed`; not mined within `receiptTimeoutMs`: `pending` (settled by a later round).
 */
import type { TransactionReceipt } from "ethers";
import type { ActionPlan, KeeperAction, Winner } from "./action";
import { accountKey, planKey } from "./action";
import type { KeeperChain } from "./chain";
import { accountFields } from "./chain";
import { errorMessage, formatRevert } from "../common/errors";
import type { TxSender } from "./sender";
import type { KeeperOutcome, OutcomeStatus } from "./types";

/** A transaction sent and not yet settled. */
export interface InFlight {
  action: KeeperAction;
  plan: ActionPlan;
  /** Undefined when the send failed in transit but the nonce was used: the hash is unknown. */
  hash: string | undefined;
  nonce: number;
}

type Stage = "estimate" | "send" | "receipt";

export class ActionExecutor {
  /** By `planKey`: `account:<id>`, or an action's own key (`order:<id>`). */
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    private readonly chain: KeeperChain,
    private readonly sender: TxSender,
  ) {}

  /** Whether the account has a transaction of ours not yet settled. */
  busy(accountId: bigint): boolean {
    return this.inFlight.has(accountKey(accountId));
  }

  /** Whether a transaction of ours is in flight under `key` (`order:<id>`, say). */
  busyKey(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** Accounts with a transaction of ours not yet settled (for their own actions, not their orders). */
  accounts(): bigint[] {
    return [...this.inFlight.values()]
      .filter((tx) => tx.plan.key === undefined)
      .map((tx) => tx.plan.accountId);
  }

  /** Transactions of ours not yet settled, of every action. */
  get size(): number {
    return this.inFlight.size;
  }

  /** Sends each plan in order (consecutive nonces), then waits for all the receipts together. */
  async run<P extends ActionPlan>(action: KeeperAction<P>, plans: readonly P[]): Promise<KeeperOutcome[]> {
    const outcomes: KeeperOutcome[] = [];
    const sent: InFlight[] = [];
    for (const plan of plans) {
      if (this.inFlight.has(planKey(plan))) continue; // never two transactions for one account (or order)
      const result = await this.start(action, plan);
      if ("status" in result) outcomes.push(result);
      else sent.push(result);
    }
    outcomes.push(...(await this.finish(sent)));
    return outcomes;
  }

  /** Estimates, then sends one plan; the transaction in flight, or the outcome if nothing will be mined. */
  async start<P extends ActionPlan>(action: KeeperAction<P>, plan: P): Promise<InFlight | KeeperOutcome> {
    const { accountId, checkedAt } = plan;
    let estimate: bigint;
    try {
      estimate = await this.chain.rpc(() => action.estimate(plan));
    } catch (err) {
      return this.classify(action, plan, err, "estimate");
    }
    const notSent = await action.afterEstimate?.(plan, estimate);
    if (notSent) return notSent;
    const gasLimit = this.sender.gasLimit(estimate);
    const result = await this.sender.send({ action: action.kind, accountId }, gasLimit, (overrides) =>
      action.send(plan, overrides),
    );
    if (result.kind === "failed") return this.classify(action, plan, result.error, "send");
    const tx: InFlight = {
      action,
      plan,
      hash: result.kind === "sent" ? result.hash : undefined,
      nonce: result.nonce,
    };
    this.inFlight.set(planKey(plan), tx);
    action.count("sent");
    action.afterSend?.(plan);
    if (result.kind === "uncertain") {
      this.chain.log("warn", action.events.uncertain, {
        accountId,
        ...plan.subject,
        block: checkedAt,
        nonce: result.nonce,
        error: errorMessage(result.error),
      });
      return this.outcome(action, plan, "pending", { block: checkedAt });
    }
    this.chain.log("info", action.events.sent, {
      accountId,
      ...accountFields(accountId),
      ...plan.subject,
      ...plan.fields,
      block: checkedAt,
      txHash: result.hash,
      nonce: result.nonce,
      gasLimit,
    });
    return tx;
  }

  /** Waits for the receipts of transactions just sent (until `receiptTimeoutMs`) and reads them. */
  finish(sent: readonly InFlight[]): Promise<KeeperOutcome[]> {
    return Promise.all(sent.map((tx) => this.await(tx)));
  }

  /** Settles the transactions left in flight by earlier rounds: mined, dropped, or still waiting. */
  async settleInFlight(block: number): Promise<KeeperOutcome[]> {
    const outcomes: KeeperOutcome[] = [];
    for (const tx of [...this.inFlight.values()]) {
      const { action, plan } = tx;
      if (tx.hash === undefined) {
        // Unknown hash: after a few blocks let the next check decide (a mined transaction changed the account).
        if (block - plan.checkedAt >= this.chain.options.uncertainSendBlocks)
          this.inFlight.delete(planKey(plan));
        continue;
      }
      const receipt = await this.sender.receipt(tx.hash, plan.accountId);
      if (receipt) {
        outcomes.push(await this.settle(tx, receipt));
        continue;
      }
      if (!(await this.sender.isDropped(tx.hash))) continue;
      this.inFlight.delete(planKey(plan));
      action.count("failed");
      this.chain.log("warn", action.events.dropped, {
        accountId: plan.accountId,
        ...plan.subject,
        txHash: tx.hash,
        nonce: tx.nonce,
        block,
      });
      outcomes.push(this.outcome(action, plan, "failed", { txHash: tx.hash, error: "dropped" }));
    }
    return outcomes;
  }

  private async await(tx: InFlight): Promise<KeeperOutcome> {
    const { action, plan } = tx;
    const receipt = tx.hash === undefined ? null : await this.sender.waitForReceipt(tx.hash, plan.accountId);
    if (receipt) return this.settle(tx, receipt);
    this.chain.log("warn", action.events.pending, {
      accountId: plan.accountId,
      ...plan.subject,
      txHash: tx.hash,
      nonce: tx.nonce,
      waitedMs: this.chain.options.receiptTimeoutMs,
    });
    return this.outcome(action, plan, "pending", { txHash: tx.hash, block: plan.checkedAt });
  }

  /** Turns a receipt into an outcome. */
  private async settle(tx: InFlight, receipt: TransactionReceipt): Promise<KeeperOutcome> {
    const { action, plan } = tx;
    const { accountId } = plan;
    this.inFlight.delete(planKey(plan));
    if (receipt.status === 1) {
      const parsed = await action.parse(plan, receipt);
      this.chain.log(parsed.level, action.events.succeeded, {
        accountId,
        ...accountFields(accountId),
        ...plan.subject,
        block: receipt.blockNumber,
        txHash: receipt.hash,
        ...parsed.fields,
        gasUsed: receipt.gasUsed,
      });
      return parsed.outcome;
    }
    // Reverted on chain: another caller got there first, or the account changed.
    const winner = await this.winner(action, plan, plan.checkedAt + 1, receipt.blockNumber);
    if (winner && !(await this.chain.isKeeper(winner.caller)))
      return this.lost(action, plan, winner, receipt.hash);
    let error: unknown = new Error("reverted");
    try {
      await action.replay(plan, receipt.blockNumber);
    } catch (err) {
      error = err;
    }
    return this.classify(action, plan, error, "receipt", receipt.hash);
  }

  /** Reads a failure of an estimate, a send or a mined transaction: `lost`, `skipped`, the action's own, or `failed`. */
  private async classify(
    action: KeeperAction,
    plan: ActionPlan,
    err: unknown,
    stage: Stage,
    ourTxHash?: string,
  ): Promise<KeeperOutcome> {
    const { accountId, checkedAt } = plan;
    const revert = this.chain.decode(err);
    const own = revert && action.onRevert?.(plan, revert);
    if (own) return own;
    if (revert && action.expectedReverts.has(revert.name)) {
      const latest = await this.chain.latestBlock().catch(() => checkedAt);
      const winner = await this.winner(action, plan, checkedAt + 1, latest);
      const byUs = winner && (await this.chain.isKeeper(winner.caller)) ? winner : undefined;
      if (winner && !byUs) return this.lost(action, plan, winner, ourTxHash);
      action.count("skipped");
      const skip = action.describeSkip?.(revert, byUs) ?? { reason: revert.name, fields: {} };
      const txHash = ourTxHash ?? byUs?.txHash;
      this.chain.log("info", action.events.skipped, {
        accountId,
        ...accountFields(accountId),
        ...plan.subject,
        block: checkedAt,
        stage,
        reason: skip.reason,
        error: formatRevert(revert),
        ...plan.context,
        ...skip.fields,
        txHash,
      });
      return this.outcome(action, plan, "skipped", { block: checkedAt, reason: skip.reason, txHash });
    }
    const error = this.chain.describe(err);
    action.count("failed");
    this.chain.log("error", action.events.failed, {
      accountId,
      ...accountFields(accountId),
      ...plan.subject,
      stage,
      block: checkedAt,
      ...plan.context,
      txHash: ourTxHash,
      error,
    });
    return this.outcome(action, plan, "failed", { block: checkedAt, txHash: ourTxHash, error });
  }

  private lost(action: KeeperAction, plan: ActionPlan, winner: Winner, ourTxHash?: string): KeeperOutcome {
    action.count("lost");
    this.chain.log("info", action.events.lost, {
      accountId: plan.accountId,
      ...accountFields(plan.accountId),
      ...plan.subject,
      block: winner.block,
      txHash: winner.txHash,
      winner: winner.caller,
      winnerEvent: winner.event,
      ourTxHash,
    });
    return this.outcome(action, plan, "lost", {
      block: winner.block,
      txHash: winner.txHash,
      winner: winner.caller,
    });
  }

  private winner(
    action: KeeperAction,
    plan: ActionPlan,
    from: number,
    to: number,
  ): Promise<Winner | undefined> {
    if (to < from) return Promise.resolve(undefined);
    return action.findWinner(plan.accountId, from, to, plan).catch(() => undefined);
  }

  private outcome(
    action: KeeperAction,
    plan: ActionPlan,
    status: OutcomeStatus,
    fields: Partial<KeeperOutcome>,
  ): KeeperOutcome {
    return {
      action: action.kind,
      accountId: plan.accountId,
      ...plan.subject,
      status,
      ...fields,
    } as KeeperOutcome;
  }
}
