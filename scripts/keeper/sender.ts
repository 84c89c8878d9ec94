/**
 * The keeper's transaction sender: one nonce counter for the keeper's key (read from the node before the first send
 * and after any send error), sends with bounded retries of nonce conflicts and transient failures, and receipts.
 *
 * A transient failure can hide whether a transaction reached the node. The sender then asks the node for the key's
 * pending nonce: if ours was used the send is `uncertain` (it may be mined; sending again would be a double send),
 * otherwise it is retried.
 */
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import type { KeeperChain } from "./chain";
import { errorMessage } from "../common/errors";
import { isNonceError, isTransientError } from "../common/retry";

/** The overrides every keeper transaction is sent with. */
export interface SendOverrides {
  nonce: number;
  gasLimit: bigint;
}

export type SendResult =
  /** Accepted by the node: its receipt is `receipt(hash)`. */
  | { kind: "sent"; hash: string; nonce: number }
  /** A transient failure hid whether it was sent, and the nonce was used: it may be mined. */
  | { kind: "uncertain"; nonce: number; error: unknown }
  /** Refused for good (a revert reported on submission, or retries exhausted). */
  | { kind: "failed"; error: unknown };

export class TxSender {
  /** The next nonce to use; undefined = read it from the node before the next send. */
  private nonce: number | undefined;

  constructor(private readonly chain: KeeperChain) {}

  /** The gas limit for an estimate: the estimate plus the `gasLimitBufferBps` margin. */
  gasLimit(estimate: bigint): bigint {
    return (estimate * BigInt(this.chain.options.gasLimitBufferBps)) / 10_000n;
  }

  async nextNonce(): Promise<number> {
    if (this.nonce === undefined) {
      const address = await this.chain.keeperAddress();
      this.nonce = await this.chain.rpc(() => this.chain.provider.getTransactionCount(address, "pending"));
    }
    return this.nonce++;
  }

  /** Forgets the local nonce: the next send reads it from the node. */
  resetNonce(): void {
    this.nonce = undefined;
  }

  /**
   * Sends one transaction with an explicit nonce, retrying nonce conflicts and transient failures up to
   * `maxAttempts`. `label` names it in the `send_retry` log lines.
   */
  async send(
    label: { action: string; accountId?: bigint },
    gasLimit: bigint,
    transmit: (overrides: SendOverrides) => Promise<ContractTransactionResponse>,
  ): Promise<SendResult> {
    const { chain } = this;
    const address = await chain.keeperAddress();
    for (let attempt = 1; ; attempt++) {
      const nonce = await this.nextNonce();
      try {
        const response = await transmit({ nonce, gasLimit });
        return { kind: "sent", hash: response.hash, nonce };
      } catch (err) {
        this.nonce = undefined; // whatever happened, read the nonce from the node before the next send
        // Nodes that execute on submission (Hardhat's automine) report the revert here.
        if (chain.decode(err) !== undefined) return { kind: "failed", error: err };
        const transient = isTransientError(err);
        if (transient) {
          const used = await chain
            .rpc(() => chain.provider.getTransactionCount(address, "pending"))
            .catch(() => nonce);
          if (used > nonce) return { kind: "uncertain", nonce, error: err };
        }
        if (!(transient || isNonceError(err)) || attempt >= chain.options.maxAttempts) {
          return { kind: "failed", error: err };
        }
        const delayMs = chain.options.retryBaseDelayMs * 2 ** (attempt - 1);
        chain.stats.rpcRetries++;
        chain.log("warn", "send_retry", { ...label, nonce, attempt, delayMs, error: errorMessage(err) });
        await chain.sleep(delayMs);
      }
    }
  }

  /** Sends one transaction outside the retry loop and waits for it to be mined (approvals); throws if it reverts. */
  async sendAndWait(
    transmit: (overrides: { nonce: number }) => Promise<ContractTransactionResponse>,
  ): Promise<TransactionReceipt> {
    try {
      const response = await transmit({ nonce: await this.nextNonce() });
      const receipt = await response.wait(1, this.chain.options.receiptTimeoutMs);
      if (receipt?.status !== 1) throw new Error(`transaction ${response.hash} reverted`);
      return receipt;
    } catch (err) {
      this.nonce = undefined;
      throw err;
    }
  }

  /** The receipt of `hash`, or null when it is not mined yet (or cannot be read now: logged). */
  async receipt(hash: string, accountId?: bigint): Promise<TransactionReceipt | null> {
    try {
      return await this.chain.rpc(() => this.chain.provider.getTransactionReceipt(hash));
    } catch (err) {
      this.chain.log("warn", "receipt_unavailable", { accountId, txHash: hash, error: errorMessage(err) });
      return null;
    }
  }

  /** Polls for the receipt of `hash` until `receiptTimeoutMs`; null if it is not mined by then. */
  async waitForReceipt(hash: string, accountId?: bigint): Promise<TransactionReceipt | null> {
    const deadline = Date.now() + this.chain.options.receiptTimeoutMs;
    for (;;) {
      const receipt = await this.receipt(hash, accountId);
      if (receipt) return receipt;
      if (Date.now() >= deadline) return null;
      await this.chain.sleep(this.chain.options.receiptPollMs);
    }
  }

  /** Whether the node no longer knows an unmined transaction (dropped from its pool); re-syncs the nonce if so. */
  async isDropped(hash: string): Promise<boolean> {
    const known = await this.chain.rpc(() => this.chain.provider.getTransaction(hash)).catch(() => undefined);
    if (known !== null) return false;
    this.nonce = undefined;
    return true;
  }
}
