/**
 * The keeper's liquidation logic, free of any process concern (no CLI, no timers, no files, no signals), so that the
 * long-running bot (`npm run keeper`, scripts/tasks/keeper.ts) and the simulation run exactly the same code.
 *
 *   const keeper = new Keeper({ clearinghouse, vault, signer, logger });
 *   await keeper.scanLogs(deployBlock, latest);            // discover accounts from Deposited / TradeExecuted
 *   const outcomes = await keeper.checkAndLiquidate();     // batch `liquidatable`, then `liquidate` each hit
 *
 * Sending: every `liquidate` is gas-estimated first (a revert there costs nothing), signed with an explicit nonce
 * from a local counter (re-synced from the node after any send error), sent, then all receipts are awaited together.
 * An account with a transaction in flight is not sent again until that transaction is settled. RPC calls that fail
 * for transport reasons are retried a bounded number of times with exponential backoff.
 *
 * When `liquidate` reverts with `ClearinghouseNotLiquidatable` the account was either liquidated by another keeper
 * since it was checked (`lost`, with the winner's transaction) or recovered (`skipped`): both are expected races,
 * logged at `info`, never errors. A full liquidation window (`ClearinghouseLiquidationCapExceeded`) is `capped`: the
 * account is tried again on the next block.
 */
import type { Interface, Provider, Signer, TransactionReceipt } from "ethers";
import { ethers } from "ethers";
import type { Clearinghouse, Vault } from "../../typechain-types";
import {
  decodeRevert,
  errorMessage,
  formatRevert,
  isNonceError,
  isTransientError,
  sleep as defaultSleep,
  withRetry,
} from "./errors";
import type { KeeperLogger, LogFields, LogLevel } from "./log";
import { silentLogger } from "./log";
import {
  AccountTracker,
  DEPOSITED_TOPIC,
  LIQUIDATED_TOPIC,
  TRADE_EXECUTED_TOPIC,
  splitAccountId,
} from "./tracker";

export * from "./errors";
export * from "./log";
export * from "./tracker";

export type LiquidationStatus = "succeeded" | "lost" | "skipped" | "capped" | "failed" | "pending";

/** What happened to one liquidatable account. */
export interface LiquidationOutcome {
  accountId: bigint;
  status: LiquidationStatus;
  /** Our transaction, or for `lost` the winning keeper's. */
  txHash?: string;
  /** Block of the receipt (or of the check, when nothing was mined). */
  block?: number;
  /** Settlement-token units credited to the keeper's subaccount 0 (`succeeded` only). */
  reward?: bigint;
  /** The keeper that won the race (`lost` only). */
  winner?: string;
  error?: string;
}

/** Counters since the keeper was created (the CLI exports them as Prometheus metrics). */
export interface KeeperStats {
  /** Account health checks: one per account per checked block. */
  checks: number;
  /** `liquidatable(uint256[])` calls. */
  checkCalls: number;
  /** Accounts found liquidatable at the last check. */
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
}

export interface KeeperOptions {
  /** Account ids per `liquidatable` call. Default 200. */
  batchSize?: number;
  /** Attempts per RPC call (and per send) before giving up, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before the first retry (doubles each retry). Default 250 ms. */
  retryBaseDelayMs?: number;
  /** Gas limit = estimate × this / 10,000. Default 12,000 (+20%). */
  gasLimitBufferBps?: number;
  /** How long `checkAndLiquidate` waits for receipts before leaving transactions in flight. Default 120 s. */
  receiptTimeoutMs?: number;
  /** Receipt polling interval. Default 250 ms. */
  receiptPollMs?: number;
  /** Widest block range of one `eth_getLogs` call. Default 2,000. */
  maxBlockRange?: number;
  /** Blocks after which a send whose outcome is unknown (no hash) stops blocking its account. Default 3. */
  uncertainSendBlocks?: number;
}

export interface KeeperConfig extends KeeperOptions {
  clearinghouse: Clearinghouse;
  vault: Vault;
  /** Sends the liquidations and receives the rewards (its subaccount 0). Must be connected to a provider. */
  signer: Signer;
  logger?: KeeperLogger;
  /** Accounts to start from (a checkpoint); a new tracker by default. */
  tracker?: AccountTracker;
  /** More interfaces to decode reverts with (the PriceOracle's errors, for example). */
  errorInterfaces?: Interface[];
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** A transaction sent and not yet settled. */
interface InFlight {
  accountId: bigint;
  /** Undefined when the send failed in transit but the nonce was used: the hash is unknown. */
  hash: string | undefined;
  nonce: number;
  /** Block the account was found liquidatable at. */
  checkedAt: number;
}

const DEFAULTS: Required<KeeperOptions> = {
  batchSize: 200,
  maxAttempts: 4,
  retryBaseDelayMs: 250,
  gasLimitBufferBps: 12_000,
  receiptTimeoutMs: 120_000,
  receiptPollMs: 250,
  maxBlockRange: 2_000,
  uncertainSendBlocks: 3,
};

const NOT_LIQUIDATABLE = "ClearinghouseNotLiquidatable";
const CAP_EXCEEDED = "ClearinghouseLiquidationCapExceeded";

export class Keeper {
  readonly tracker: AccountTracker;
  readonly stats: KeeperStats = {
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
  };
  readonly options: Required<KeeperOptions>;

  private readonly clearinghouse: Clearinghouse;
  private readonly vault: Vault;
  private readonly signer: Signer;
  private readonly provider: Provider;
  private readonly logger: KeeperLogger;
  private readonly interfaces: Interface[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inFlight = new Map<bigint, InFlight>();
  private address: string | undefined;
  private clearinghouseAddress: string | undefined;
  private vaultAddress: string | undefined;
  /** The next nonce to use; undefined = read it from the node before the next send. */
  private nonce: number | undefined;

  constructor(config: KeeperConfig) {
    if (!config.signer.provider) throw new Error("the keeper's signer is not connected to a provider");
    this.signer = config.signer;
    this.provider = config.signer.provider;
    this.clearinghouse = config.clearinghouse.connect(config.signer);
    this.vault = config.vault;
    this.logger = config.logger ?? silentLogger;
    this.tracker = config.tracker ?? new AccountTracker();
    this.interfaces = [
      config.clearinghouse.interface,
      config.vault.interface,
      ...(config.errorInterfaces ?? []),
    ];
    this.sleep = config.sleep ?? defaultSleep;
    const options = Object.fromEntries(
      Object.entries(config).filter(([k, v]) => k in DEFAULTS && v !== undefined),
    );
    this.options = { ...DEFAULTS, ...options } as Required<KeeperOptions>;
    if (!Number.isInteger(this.options.batchSize) || this.options.batchSize < 1) {
      throw new Error(`batch size must be a positive integer, got ${this.options.batchSize}`);
    }
    if (!Number.isInteger(this.options.maxBlockRange) || this.options.maxBlockRange < 1) {
      throw new Error(`max block range must be a positive integer, got ${this.options.maxBlockRange}`);
    }
  }

  /** The keeper's address (rewards go to its subaccount 0). */
  async getAddress(): Promise<string> {
    this.address ??= await this.signer.getAddress();
    return this.address;
  }

  /** Accounts with a liquidation transaction not yet settled. */
  inFlightAccounts(): bigint[] {
    return [...this.inFlight.keys()];
  }

  /* DISCOVERY */

  /**
   * Reads `Deposited` (Vault) and `TradeExecuted` (Clearinghouse) logs of blocks `fromBlock..toBlock` (inclusive)
   * into the tracker, in ranges of at most `maxBlockRange` blocks. Returns the accounts seen for the first time.
   */
  async scanLogs(fromBlock: number, toBlock: number): Promise<bigint[]> {
    const discovered: bigint[] = [];
    if (toBlock < fromBlock) return discovered;
    const [vault, clearinghouse] = await this.addresses();
    for (let from = fromBlock; from <= toBlock; from += this.options.maxBlockRange) {
      const to = Math.min(toBlock, from + this.options.maxBlockRange - 1);
      const [deposits, trades] = await Promise.all([
        this.rpc(() =>
          this.provider.getLogs({ address: vault, topics: [DEPOSITED_TOPIC], fromBlock: from, toBlock: to }),
        ),
        this.rpc(() =>
          this.provider.getLogs({
            address: clearinghouse,
            topics: [TRADE_EXECUTED_TOPIC],
            fromBlock: from,
            toBlock: to,
          }),
        ),
      ]);
      const logs = [...deposits, ...trades].sort(
        (a, b) => a.blockNumber - b.blockNumber || a.index - b.index,
      );
      const found: bigint[] = [];
      for (const log of logs) {
        for (const accountId of this.tracker.ingest([log])) {
          found.push(accountId);
          this.log("debug", "account_discovered", { accountId, ...split(accountId), block: log.blockNumber });
        }
      }
      if (found.length > 0) {
        this.log("info", "accounts_discovered", {
          fromBlock: from,
          toBlock: to,
          count: found.length,
          accountsTracked: this.tracker.size,
        });
      }
      discovered.push(...found);
    }
    return discovered;
  }

  /* CHECKS */

  /**
   * The tracked accounts (minus those with a liquidation in flight) that are liquidatable at `blockTag`, checked with
   * `liquidatable(uint256[])` in batches of `batchSize`. A batch that fails without a decodable revert (out of gas,
   * for instance) is split in two and retried; a batch that reverts with a decodable error is logged and skipped.
   */
  async findLiquidatable(blockTag: number): Promise<bigint[]> {
    const ids = this.tracker.ids().filter((id) => !this.inFlight.has(id));
    const hits: bigint[] = [];
    for (let i = 0; i < ids.length; i += this.options.batchSize) {
      hits.push(...(await this.checkBatch(ids.slice(i, i + this.options.batchSize), blockTag)));
    }
    this.stats.lastCheckedBlock = blockTag;
    this.stats.liquidatableAtLastCheck = hits.length;
    this.log(hits.length > 0 ? "info" : "debug", "accounts_checked", {
      block: blockTag,
      accounts: ids.length,
      liquidatable: hits.length,
    });
    return hits;
  }

  private async checkBatch(batch: bigint[], blockTag: number): Promise<bigint[]> {
    if (batch.length === 0) return [];
    let flags: boolean[];
    try {
      flags = await this.rpc(() => this.clearinghouse.liquidatable(batch, { blockTag }));
      this.stats.checkCalls++;
    } catch (err) {
      const revert = decodeRevert(err, this.interfaces);
      if (revert === undefined && batch.length > 1 && !isTransientError(err)) {
        const half = Math.ceil(batch.length / 2);
        return [
          ...(await this.checkBatch(batch.slice(0, half), blockTag)),
          ...(await this.checkBatch(batch.slice(half), blockTag)),
        ];
      }
      this.log("error", "check_failed", {
        block: blockTag,
        accounts: batch.length,
        firstAccountId: batch[0],
        lastAccountId: batch[batch.length - 1],
        error: revert ? formatRevert(revert) : errorMessage(err),
      });
      return [];
    }
    this.stats.checks += batch.length;
    return batch.filter((_, i) => flags[i]);
  }

  /**
   * One keeper round at `blockTag` (the latest block by default): settles transactions still in flight from an
   * earlier round, checks every tracked account, and liquidates each liquidatable one. Resolves when every
   * transaction sent in this round is settled or `receiptTimeoutMs` has passed (those stay in flight).
   */
  async checkAndLiquidate(blockTag?: number): Promise<LiquidationOutcome[]> {
    const block = blockTag ?? (await this.rpc(() => this.provider.getBlockNumber()));
    const settled = await this.settleInFlight(block);
    const hits = await this.findLiquidatable(block);
    return [...settled, ...(await this.liquidateAccounts(hits, block))];
  }

  /* LIQUIDATION */

  /**
   * Sends `liquidate` for each account (found liquidatable at block `checkedAt`), one after the other with
   * consecutive nonces, then waits for all the receipts together.
   */
  async liquidateAccounts(accountIds: readonly bigint[], checkedAt: number): Promise<LiquidationOutcome[]> {
    const outcomes: LiquidationOutcome[] = [];
    const sent: InFlight[] = [];
    for (const accountId of accountIds) {
      if (this.inFlight.has(accountId)) continue; // never two transactions for one account
      const result = await this.send(accountId, checkedAt);
      if ("status" in result) outcomes.push(result);
      else sent.push(result);
    }
    outcomes.push(...(await Promise.all(sent.map((tx) => this.awaitOutcome(tx)))));
    return outcomes;
  }

  /** Estimates, then sends one `liquidate`; returns the transaction in flight, or the outcome if none was mined. */
  private async send(accountId: bigint, checkedAt: number): Promise<InFlight | LiquidationOutcome> {
    let estimate: bigint;
    try {
      estimate = await this.rpc(() => this.clearinghouse.liquidate.estimateGas(accountId));
    } catch (err) {
      return this.classifyFailure(accountId, err, checkedAt, "estimate");
    }
    const gasLimit = (estimate * BigInt(this.options.gasLimitBufferBps)) / 10_000n;
    const address = await this.getAddress();
    for (let attempt = 1; ; attempt++) {
      const nonce = await this.nextNonce();
      try {
        const response = await this.clearinghouse.liquidate(accountId, { nonce, gasLimit });
        const tx: InFlight = { accountId, hash: response.hash, nonce, checkedAt };
        this.inFlight.set(accountId, tx);
        this.stats.sent++;
        this.log("info", "liquidation_sent", {
          accountId,
          ...split(accountId),
          block: checkedAt,
          txHash: response.hash,
          nonce,
          gasLimit,
        });
        return tx;
      } catch (err) {
        this.nonce = undefined; // whatever happened, read the nonce from the node before the next send
        if (decodeRevert(err, this.interfaces) !== undefined) {
          // Nodes that execute on submission (Hardhat's automine) report the revert here.
          return this.classifyFailure(accountId, err, checkedAt, "send");
        }
        const transient = isTransientError(err);
        if (transient) {
          // The request may have reached the node even though the answer did not: if our nonce was used, a
          // transaction for this account may be in flight, and sending again would be a double send.
          const used = await this.rpc(() => this.provider.getTransactionCount(address, "pending")).catch(
            () => nonce,
          );
          if (used > nonce) {
            const tx: InFlight = { accountId, hash: undefined, nonce, checkedAt };
            this.inFlight.set(accountId, tx);
            this.stats.sent++;
            this.log("warn", "liquidation_send_uncertain", {
              accountId,
              block: checkedAt,
              nonce,
              error: errorMessage(err),
            });
            return { accountId, status: "pending", block: checkedAt };
          }
        }
        if ((transient || isNonceError(err)) && attempt < this.options.maxAttempts) {
          const delayMs = this.options.retryBaseDelayMs * 2 ** (attempt - 1);
          this.stats.rpcRetries++;
          this.log("warn", "send_retry", { accountId, nonce, attempt, delayMs, error: errorMessage(err) });
          await this.sleep(delayMs);
          continue;
        }
        return this.classifyFailure(accountId, err, checkedAt, "send");
      }
    }
  }

  /** Polls for the receipt until `receiptTimeoutMs`; leaves the transaction in flight if it is not mined by then. */
  private async awaitOutcome(tx: InFlight): Promise<LiquidationOutcome> {
    const deadline = Date.now() + this.options.receiptTimeoutMs;
    for (;;) {
      const receipt = await this.receiptOf(tx);
      if (receipt) return this.settle(tx, receipt);
      if (Date.now() >= deadline) {
        this.log("warn", "liquidation_pending", {
          accountId: tx.accountId,
          txHash: tx.hash,
          nonce: tx.nonce,
          waitedMs: this.options.receiptTimeoutMs,
        });
        return { accountId: tx.accountId, status: "pending", txHash: tx.hash, block: tx.checkedAt };
      }
      await this.sleep(this.options.receiptPollMs);
    }
  }

  private async receiptOf(tx: InFlight): Promise<TransactionReceipt | null> {
    if (tx.hash === undefined) return null;
    const hash = tx.hash;
    try {
      return await this.rpc(() => this.provider.getTransactionReceipt(hash));
    } catch (err) {
      this.log("warn", "receipt_unavailable", {
        accountId: tx.accountId,
        txHash: hash,
        error: errorMessage(err),
      });
      return null;
    }
  }

  /** Settles the transactions left in flight by earlier rounds: mined, dropped, or still waiting. */
  private async settleInFlight(block: number): Promise<LiquidationOutcome[]> {
    const outcomes: LiquidationOutcome[] = [];
    for (const tx of [...this.inFlight.values()]) {
      if (tx.hash === undefined) {
        // Unknown hash: after a few blocks let the next check decide (a mined liquidation leaves it healthy).
        if (block - tx.checkedAt >= this.options.uncertainSendBlocks) this.inFlight.delete(tx.accountId);
        continue;
      }
      const receipt = await this.receiptOf(tx);
      if (receipt) {
        outcomes.push(await this.settle(tx, receipt));
        continue;
      }
      const known = await this.rpc(() => this.provider.getTransaction(tx.hash as string)).catch(
        () => undefined,
      );
      if (known === null) {
        this.inFlight.delete(tx.accountId);
        this.nonce = undefined;
        this.stats.failed++;
        this.log("warn", "liquidation_dropped", {
          accountId: tx.accountId,
          txHash: tx.hash,
          nonce: tx.nonce,
          block,
        });
        outcomes.push({ accountId: tx.accountId, status: "failed", txHash: tx.hash, error: "dropped" });
      }
    }
    return outcomes;
  }

  /** Turns a receipt into an outcome: the reward of a success, or why a mined transaction reverted. */
  private async settle(tx: InFlight, receipt: TransactionReceipt): Promise<LiquidationOutcome> {
    this.inFlight.delete(tx.accountId);
    const { accountId } = tx;
    if (receipt.status === 1) {
      const clearinghouse = await this.clearinghouseAddr();
      let event: ethers.LogDescription | null = null;
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== clearinghouse.toLowerCase() || log.topics[0] !== LIQUIDATED_TOPIC)
          continue;
        const parsed = this.clearinghouse.interface.parseLog(log);
        if (parsed && parsed.args.accountId === accountId) event = parsed;
      }
      const reward: bigint = event?.args.keeperReward ?? 0n;
      this.stats.succeeded++;
      this.stats.rewards += reward;
      this.log("info", "liquidation_succeeded", {
        accountId,
        ...split(accountId),
        block: receipt.blockNumber,
        txHash: receipt.hash,
        reward,
        fraction: event?.args.fraction,
        penalty: event?.args.penalty,
        notionalClosed: event?.args.notionalClosed,
        gasUsed: receipt.gasUsed,
      });
      return { accountId, status: "succeeded", txHash: receipt.hash, block: receipt.blockNumber, reward };
    }
    // Reverted on chain: someone else's liquidation landed between our check and our transaction, or not.
    const winner = await this.findLiquidation(accountId, tx.checkedAt + 1, receipt.blockNumber);
    if (winner) return this.lost(accountId, winner, receipt.hash);
    let reason = "reverted";
    try {
      await this.clearinghouse.liquidate.staticCall(accountId, { blockTag: receipt.blockNumber });
    } catch (err) {
      const revert = decodeRevert(err, this.interfaces);
      if (revert) reason = `reverted; now ${formatRevert(revert)}`;
    }
    this.stats.failed++;
    this.log("error", "liquidation_failed", {
      accountId,
      stage: "receipt",
      block: receipt.blockNumber,
      txHash: receipt.hash,
      error: reason,
    });
    return { accountId, status: "failed", txHash: receipt.hash, block: receipt.blockNumber, error: reason };
  }

  /** Classifies a revert (or any failure) of an estimate or a send. */
  private async classifyFailure(
    accountId: bigint,
    err: unknown,
    checkedAt: number,
    stage: "estimate" | "send",
  ): Promise<LiquidationOutcome> {
    const revert = decodeRevert(err, this.interfaces);
    if (revert?.name === NOT_LIQUIDATABLE) {
      const latest = await this.rpc(() => this.provider.getBlockNumber()).catch(() => checkedAt);
      const winner = await this.findLiquidation(accountId, checkedAt + 1, latest).catch(() => undefined);
      const me = await this.getAddress();
      if (winner && winner.keeper.toLowerCase() !== me.toLowerCase()) return this.lost(accountId, winner);
      this.stats.skipped++;
      const [, equity, maintenanceMargin] = Array.from(revert.args as ArrayLike<unknown>);
      this.log("info", "liquidation_skipped", {
        accountId,
        ...split(accountId),
        block: checkedAt,
        reason: winner ? "already liquidated by this keeper" : "no longer liquidatable",
        txHash: winner?.txHash,
        equity,
        maintenanceMargin,
      });
      return { accountId, status: "skipped", block: checkedAt, txHash: winner?.txHash };
    }
    if (revert?.name === CAP_EXCEEDED) {
      this.stats.capped++;
      const [marketId, used, notional, cap] = Array.from(revert.args as ArrayLike<unknown>);
      this.log("warn", "liquidation_capped", { accountId, block: checkedAt, marketId, used, notional, cap });
      return { accountId, status: "capped", block: checkedAt, error: formatRevert(revert) };
    }
    const error = revert ? formatRevert(revert) : errorMessage(err);
    this.stats.failed++;
    this.log("error", "liquidation_failed", {
      accountId,
      ...split(accountId),
      stage,
      block: checkedAt,
      error,
    });
    return { accountId, status: "failed", block: checkedAt, error };
  }

  private lost(
    accountId: bigint,
    winner: { keeper: string; txHash: string; block: number },
    ourTxHash?: string,
  ): LiquidationOutcome {
    this.stats.lost++;
    this.log("info", "liquidation_lost", {
      accountId,
      ...split(accountId),
      block: winner.block,
      txHash: winner.txHash,
      winner: winner.keeper,
      ourTxHash,
    });
    return { accountId, status: "lost", block: winner.block, txHash: winner.txHash, winner: winner.keeper };
  }

  /** The latest `Liquidated` log of this account in `fromBlock..toBlock`, if any. */
  private async findLiquidation(
    accountId: bigint,
    fromBlock: number,
    toBlock: number,
  ): Promise<{ keeper: string; txHash: string; block: number } | undefined> {
    if (toBlock < fromBlock) return undefined;
    const address = await this.clearinghouseAddr();
    const logs = await this.rpc(() =>
      this.provider.getLogs({
        address,
        topics: [LIQUIDATED_TOPIC, ethers.toBeHex(accountId, 32)],
        fromBlock,
        toBlock,
      }),
    );
    const log = logs[logs.length - 1];
    if (!log) return undefined;
    return {
      keeper: ethers.getAddress(ethers.dataSlice(log.topics[2], 12)),
      txHash: log.transactionHash,
      block: log.blockNumber,
    };
  }

  /* PLUMBING */

  private async nextNonce(): Promise<number> {
    if (this.nonce === undefined) {
      const address = await this.getAddress();
      this.nonce = await this.rpc(() => this.provider.getTransactionCount(address, "pending"));
    }
    return this.nonce++;
  }

  private async addresses(): Promise<[string, string]> {
    this.vaultAddress ??= await this.vault.getAddress();
    return [this.vaultAddress, await this.clearinghouseAddr()];
  }

  private async clearinghouseAddr(): Promise<string> {
    this.clearinghouseAddress ??= await this.clearinghouse.getAddress();
    return this.clearinghouseAddress;
  }

  /** An RPC call with bounded retries on transient failures. */
  private rpc<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      attempts: this.options.maxAttempts,
      baseDelayMs: this.options.retryBaseDelayMs,
      sleep: this.sleep,
      onRetry: (err, attempt, delayMs) => {
        this.stats.rpcRetries++;
        this.log("warn", "rpc_retry", { attempt, delayMs, error: errorMessage(err) });
      },
    });
  }

  private log(level: LogLevel, event: string, fields: LogFields): void {
    this.logger.log(level, event, fields);
  }
}

const split = (accountId: bigint): { owner: string; subaccount: bigint } => splitAccountId(accountId);
