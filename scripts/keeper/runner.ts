/**
 * The keeper's main loop, separate from the CLI so it can be driven step by step: each round reads the head block,
 * scans the logs of the blocks not scanned yet (checkpointing after each range), then checks every known account at
 * the head and liquidates, settles and cancels orders, auto-deleverages, then liquidates collateral and settles bad
 * debt (`Keeper.checkAndLiquidate`). Rounds repeat every poll interval; a failed round is logged and retried with a
 * backoff.
 * `stop()` ends the loop after the round in progress (its transactions' receipts included).
 */
import type { Provider } from "ethers";
import type { Keeper } from "./keeper";
import { errorMessage } from "../common/errors";
import { blockRanges } from "../common/ranges";
import type { KeeperLogger } from "./log";

export interface RunnerConfig {
  keeper: Keeper;
  provider: Provider;
  logger: KeeperLogger;
  /** First block whose logs are not scanned yet (the checkpoint's last block + 1, or the deployment block). */
  startBlock: number;
  /** Pause between rounds (ms). */
  pollIntervalMs: number;
  /** Blocks re-scanned behind the last scanned one each round, to survive reorgs that re-order deposits. Default 0. */
  reorgDepth?: number;
  /** Widest range scanned (and checkpointed) in one step. Default: the keeper's `maxBlockRange`. */
  maxBlockRange?: number;
  /** Longest pause after consecutive failed rounds (ms). Default 30 s. */
  maxBackoffMs?: number;
  /** Persists the checkpoint: called after every scanned range. */
  checkpoint?: (lastScannedBlock: number) => Promise<void> | void;
  sleep?: (ms: number) => Promise<void>;
}

export class KeeperRunner {
  /** Logs of every block up to this one have been ingested. */
  lastScannedBlock: number;
  /** Rounds that threw. */
  loopErrors = 0;
  private readonly firstBlock: number;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly config: RunnerConfig) {
    this.firstBlock = config.startBlock;
    this.lastScannedBlock = config.startBlock - 1;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /**
   * One round: scan new blocks (if any), then check and liquidate at the head. Without a new block the accounts are
   * only re-checked while a transaction of ours is in flight (prices, balances and positions change only in blocks).
   */
  async round(): Promise<{ head: number; scannedFrom?: number; checked: boolean }> {
    const { keeper, provider } = this.config;
    const head = await provider.getBlockNumber();
    let scannedFrom: number | undefined;
    if (head > this.lastScannedBlock) {
      const depth = this.config.reorgDepth ?? 0;
      scannedFrom = Math.max(this.firstBlock, this.lastScannedBlock + 1 - depth);
      await this.scan(scannedFrom, head);
    } else if (keeper.inFlightAccounts().length === 0) {
      return { head, checked: false };
    }
    await keeper.checkAndLiquidate(head);
    return { head, scannedFrom, checked: true };
  }

  /** Scans `from..to` in ranges, checkpointing after each (so a crash during a long catch-up loses little). */
  private async scan(from: number, to: number): Promise<void> {
    const range = this.config.maxBlockRange ?? this.config.keeper.options.maxBlockRange;
    for (const [start, end] of blockRanges(from, to, range)) {
      await this.config.keeper.scanLogs(start, end);
      this.lastScannedBlock = Math.max(this.lastScannedBlock, end);
      await this.config.checkpoint?.(this.lastScannedBlock);
      if (this.stopping && end < to) return; // a long catch-up stops at a range boundary
    }
  }

  /** Runs rounds until `stop()`. Never throws: a failed round is logged and the next one waits a growing backoff. */
  async run(): Promise<void> {
    const { logger, pollIntervalMs } = this.config;
    const maxBackoffMs = this.config.maxBackoffMs ?? 30_000;
    let failures = 0;
    while (!this.stopping) {
      let pause = pollIntervalMs;
      try {
        await this.round();
        failures = 0;
      } catch (err) {
        failures++;
        this.loopErrors++;
        pause = Math.min(maxBackoffMs, Math.max(pollIntervalMs, 250) * 2 ** Math.min(failures, 16));
        logger.log("error", "round_failed", {
          lastScannedBlock: this.lastScannedBlock,
          consecutiveFailures: failures,
          retryInMs: pause,
          error: errorMessage(err),
        });
      }
      if (!this.stopping) await this.pause(pause);
    }
  }

  /** Ends `run()` after the round in progress; wakes it if it is pausing. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private async pause(ms: number): Promise<void> {
    if (this.config.sleep) {
      await Promise.race([this.config.sleep(ms), new Promise<void>((resolve) => (this.wake = resolve))]);
    } else {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.wake = undefined;
  }
}
