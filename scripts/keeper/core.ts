/**
 * The keeper's logic, free of any process concern (no CLI, no timers, no files, no signals), so that the long-running
 * bot (`npm run keeper`, scripts/tasks/keeper.ts) and the simulation run exactly the same code.
 *
 *   const keeper = new Keeper({ clearinghouse, vault, signer, logger });
 *   await keeper.scanLogs(deployBlock, latest);            // discover accounts from Deposited / TradeExecuted
 *   const outcomes = await keeper.checkAndLiquidate();     // liquidate, then collateral and bad debt
 *
 * One round (`checkAndLiquidate`):
 *   1. batch `liquidatable(uint256[])` over every tracked account, then `liquidate` each hit;
 *   2. the debt pass (`processDebts`) over the accounts that may owe settlement tokens — those just found liquidatable
 *      or liquidated (by anyone: `Liquidated` logs), and those left with a known debt by earlier rounds: one
 *      `Vault.accountCollateral` read each, and for each debtor the action `decideDebtAction` picks:
 *      `Vault.liquidateCollateral` (the keeper repays the debt from its wallet's settlement tokens and receives the
 *      account's collateral at a discount, largest holding first, the repayment capped by `maxRepayPerTx` and the
 *      wallet balance, sent only if the discount beats the gas by `minProfitUsd`), or `Vault.settleBadDebt`.
 *
 * Sending: every transaction is gas-estimated first (a revert there costs nothing), signed with an explicit nonce
 * from a local counter (re-synced from the node after any send error), sent, then all receipts are awaited together.
 * An account with a transaction in flight is not sent anything else until that transaction is settled. RPC calls that
 * fail for transport reasons are retried a bounded number of times with exponential backoff.
 *
 * When `liquidate` reverts with `ClearinghouseNotLiquidatable` the account was either liquidated by another keeper
 * since it was checked (`lost`, with the winner's transaction) or recovered (`skipped`): both are expected races,
 * logged at `info`, never errors. A full liquidation window (`ClearinghouseLiquidationCapExceeded`) is `capped`: the
 * account is tried again on the next block. The debt actions read their expected reverts (`VaultNoDebt`,
 * `VaultCollateralNotLiquidatable`, `VaultBadDebtNotSettleable`) the same way: `lost` when another caller's
 * `CollateralLiquidated`/`BadDebtSettled` got there first, `skipped` otherwise.
 */
import type { ContractTransactionResponse, Interface, Provider, Signer, TransactionReceipt } from "ethers";
import { ethers } from "ethers";
import { ERC20__factory, IPriceOracle__factory } from "../../typechain-types";
import type { Clearinghouse, ERC20, IPriceOracle, Vault } from "../../typechain-types";
import {
  collateralProfit,
  decideDebtAction,
  gasCostUsd,
  previewCollateralLiquidation,
  rankCollaterals,
  repayAmount,
  WAD,
} from "./collateral";
import type { BadDebtResult, CollateralResult, DebtActionKind, HeldCollateral } from "./collateral";
import { decodeRevert, errorMessage, formatRevert } from "../common/errors";
import { isNonceError, isTransientError, sleep as defaultSleep, withRetry } from "../common/retry";
import type { KeeperLogger, LogFields, LogLevel } from "./log";
import { silentLogger } from "./log";
import {
  AccountTracker,
  BAD_DEBT_SETTLED_TOPIC,
  COLLATERAL_LIQUIDATED_TOPIC,
  DEPOSITED_TOPIC,
  LIQUIDATED_TOPIC,
  TRADE_EXECUTED_TOPIC,
  splitAccountId,
} from "./tracker";

export * from "./collateral";
export * from "../common/errors";
export * from "../common/retry";
export * from "./log";
export * from "./tracker";

export type LiquidationStatus = "succeeded" | "lost" | "skipped" | "capped" | "failed" | "pending";

/** What the keeper sends: `Clearinghouse.liquidate`, `Vault.liquidateCollateral`, `Vault.settleBadDebt`. */
export type KeeperAction = "liquidate" | DebtActionKind;

/** What happened to one liquidatable account. */
export interface LiquidationOutcome {
  action: "liquidate";
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

export type DebtStatus = "succeeded" | "lost" | "skipped" | "failed" | "pending";

/**
 * Why a debt action was not sent (`skipped` without a transaction): the keeper's wallet holds no settlement tokens
 * (`no_funds`), the discount does not beat the gas by `minProfitUsd` (`unprofitable`), the repayment would seize
 * nothing (`nothing_to_seize`), neither the insurance fund nor the pool can pay anything (`waterfall_empty`), the
 * approval of the settlement token failed (`approval_failed`); or, after a revert, the error's name.
 */
export type DebtSkipReason =
  | "no_funds"
  | "unprofitable"
  | "nothing_to_seize"
  | "waterfall_empty"
  | "approval_failed"
  | "no_collateral"
  | string;

/** What happened to one account's debt this round. */
export interface DebtOutcome {
  action: DebtActionKind;
  accountId: bigint;
  status: DebtStatus;
  /** Our transaction, or for `lost` the other caller's. */
  txHash?: string;
  block?: number;
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
  /** The other caller (`lost` only). */
  winner?: string;
  /** Why nothing was sent or why it reverted (`skipped`). */
  reason?: DebtSkipReason;
  error?: string;
}

export type KeeperOutcome = LiquidationOutcome | DebtOutcome;

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
  /** Most settlement tokens one `liquidateCollateral` repays (settlement-token units). Default: no cap. */
  maxRepayPerTx?: bigint;
  /**
   * A collateral liquidation is sent only if the discount earned minus the estimated gas is at least this (USD, WAD;
   * may be negative to accept a loss). Default 0: the discount must pay for the gas.
   */
  minProfitUsd?: bigint;
  /**
   * Oracle asset whose price values the gas (the chain's native token). Default `"ETH"`; `""` leaves gas unpriced
   * (counted as 0). When the oracle has no such feed, gas is counted as 0 and a warning logged once.
   */
  gasPriceAsset?: string;
  /** Most accounts watched for debt; past it the longest-watched are dropped. Default 10,000. */
  maxDebtAccounts?: number;
  /** Concurrent reads of the debt pass. Default 16. */
  readConcurrency?: number;
}

/** The options after defaults (`maxRepayPerTx` stays optional: undefined is no cap). */
export type ResolvedKeeperOptions = Required<Omit<KeeperOptions, "maxRepayPerTx">> & {
  maxRepayPerTx?: bigint;
};

export interface KeeperConfig extends KeeperOptions {
  clearinghouse: Clearinghouse;
  vault: Vault;
  /**
   * Sends the transactions and receives the rewards (its subaccount 0) and the seized collateral (its wallet). To
   * liquidate collateral its wallet needs settlement tokens (USDC); the keeper approves the Vault for them, once.
   * Must be connected to a provider.
   */
  signer: Signer;
  logger?: KeeperLogger;
  /** Accounts to start from (a checkpoint); a new tracker by default. */
  tracker?: AccountTracker;
  /** Accounts left with debt by an earlier run (a checkpoint): checked by the first debt pass. */
  debtAccounts?: Iterable<bigint>;
  /** More interfaces to decode reverts with (the PriceOracle's errors, for example). */
  errorInterfaces?: Interface[];
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** A transaction sent and not yet settled. */
interface InFlight {
  action: KeeperAction;
  accountId: bigint;
  /** Undefined when the send failed in transit but the nonce was used: the hash is unknown. */
  hash: string | undefined;
  nonce: number;
  /** Block the account was checked at. */
  checkedAt: number;
  /** The debt when it was checked (debt actions). */
  debt?: bigint;
  /** The collateral token (`liquidateCollateral`). */
  token?: string;
}

/** The log event names of each action. */
const EVENTS: Record<
  KeeperAction,
  {
    sent: string;
    succeeded: string;
    lost: string;
    skipped: string;
    failed: string;
    pending: string;
    dropped: string;
    uncertain: string;
  }
> = {
  liquidate: {
    sent: "liquidation_sent",
    succeeded: "liquidation_succeeded",
    lost: "liquidation_lost",
    skipped: "liquidation_skipped",
    failed: "liquidation_failed",
    pending: "liquidation_pending",
    dropped: "liquidation_dropped",
    uncertain: "liquidation_send_uncertain",
  },
  liquidateCollateral: {
    sent: "collateral_liquidation_sent",
    succeeded: "collateral_liquidated",
    lost: "collateral_liquidation_lost",
    skipped: "collateral_liquidation_skipped",
    failed: "collateral_liquidation_failed",
    pending: "collateral_liquidation_pending",
    dropped: "collateral_liquidation_dropped",
    uncertain: "collateral_liquidation_send_uncertain",
  },
  settleBadDebt: {
    sent: "bad_debt_settlement_sent",
    succeeded: "bad_debt_settled",
    lost: "bad_debt_settlement_lost",
    skipped: "bad_debt_settlement_skipped",
    failed: "bad_debt_settlement_failed",
    pending: "bad_debt_settlement_pending",
    dropped: "bad_debt_settlement_dropped",
    uncertain: "bad_debt_settlement_send_uncertain",
  },
};

const DEFAULTS: ResolvedKeeperOptions = {
  batchSize: 200,
  maxAttempts: 4,
  retryBaseDelayMs: 250,
  gasLimitBufferBps: 12_000,
  receiptTimeoutMs: 120_000,
  receiptPollMs: 250,
  maxBlockRange: 2_000,
  uncertainSendBlocks: 3,
  maxRepayPerTx: undefined,
  minProfitUsd: 0n,
  gasPriceAsset: "ETH",
  maxDebtAccounts: 10_000,
  readConcurrency: 16,
};

const NOT_LIQUIDATABLE = "ClearinghouseNotLiquidatable";
const CAP_EXCEEDED = "ClearinghouseLiquidationCapExceeded";
/** Reverts of the debt actions that mean "no longer needed" (someone else acted, or the account changed). */
const EXPECTED_DEBT_REVERTS = new Set([
  "VaultNoDebt",
  "VaultCollateralNotLiquidatable",
  "VaultBadDebtNotSettleable",
]);

/** Per debt pass: reads shared by the accounts of one pass, done lazily, at most once. */
interface DebtPass {
  block: number;
  /** Settlement tokens left in the wallet for this pass (read once, then decreased by what was sent). */
  wallet?: bigint;
  walletAtStart?: bigint;
  /** Σ debt of accounts the wallet could not (fully) repay this pass, and how many. */
  shortfall: bigint;
  unfunded: number;
  collateral: Map<string, Promise<{ decimals: number; price: bigint; discount: bigint; symbol?: string }>>;
  gasPrice?: Promise<bigint>;
  nativePrice?: Promise<bigint>;
  waterfall?: Promise<bigint>;
}

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
    collateralLiquidations: { succeeded: 0, lost: 0, skipped: 0, unprofitable: 0, no_funds: 0, failed: 0 },
    collateralLiquidationsSent: 0,
    collateralRepaid: 0n,
    badDebtSettlements: { succeeded: 0, lost: 0, skipped: 0, failed: 0 },
    badDebtSettled: 0n,
    settlementWalletBalance: undefined,
  };
  readonly options: ResolvedKeeperOptions;

  private readonly clearinghouse: Clearinghouse;
  private readonly vault: Vault;
  private readonly signer: Signer;
  private readonly provider: Provider;
  private readonly logger: KeeperLogger;
  private readonly interfaces: Interface[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inFlight = new Map<bigint, InFlight>();
  /** Accounts that may owe settlement tokens → block they were added at (insertion order: oldest first). */
  private readonly debtWatch = new Map<bigint, number>();
  /** The last "not sent" decision logged per account, so a standing decision is logged (and counted) once. */
  private readonly debtNotes = new Map<bigint, string>();
  /** The last funds warning (to log it when it changes, not every round). */
  private fundsNote: string | undefined;
  private gasUnpricedWarned = false;
  private debtWatchFullWarned = false;
  private address: string | undefined;
  private clearinghouseAddress: string | undefined;
  private vaultAddress: string | undefined;
  private settlement: { token: ERC20; address: string; decimals: number; symbol: string } | undefined;
  private oracle: IPriceOracle | undefined;
  /** Known allowance of the Vault over the keeper's settlement tokens (undefined: read it). */
  private allowance: bigint | undefined;
  /** The next nonce to use; undefined = read it from the node before the next send. */
  private nonce: number | undefined;

  constructor(config: KeeperConfig) {
    if (!config.signer.provider) throw new Error("the keeper's signer is not connected to a provider");
    this.signer = config.signer;
    this.provider = config.signer.provider;
    this.clearinghouse = config.clearinghouse.connect(config.signer);
    this.vault = config.vault.connect(config.signer);
    this.logger = config.logger ?? silentLogger;
    this.tracker = config.tracker ?? new AccountTracker();
    this.interfaces = [
      config.clearinghouse.interface,
      config.vault.interface,
      ERC20__factory.createInterface(),
      IPriceOracle__factory.createInterface(),
      ...(config.errorInterfaces ?? []),
    ];
    this.sleep = config.sleep ?? defaultSleep;
    const options = Object.fromEntries(
      Object.entries(config).filter(([k, v]) => k in DEFAULTS && v !== undefined),
    );
    this.options = { ...DEFAULTS, ...options } as ResolvedKeeperOptions;
    for (const name of ["batchSize", "maxBlockRange", "maxDebtAccounts", "readConcurrency"] as const) {
      const value = this.options[name];
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`${name} must be a positive integer, got ${value}`);
      }
    }
    if (this.options.maxRepayPerTx !== undefined && this.options.maxRepayPerTx <= 0n) {
      throw new Error(`maxRepayPerTx must be positive, got ${this.options.maxRepayPerTx}`);
    }
    for (const id of config.debtAccounts ?? []) this.watchDebt(id);
  }

  /** The keeper's address (rewards go to its subaccount 0). */
  async getAddress(): Promise<string> {
    this.address ??= await this.signer.getAddress();
    return this.address;
  }

  /** Accounts with a transaction of ours not yet settled. */
  inFlightAccounts(): bigint[] {
    return [...this.inFlight.keys()];
  }

  /** Accounts the debt pass checks (may owe settlement tokens), ascending. */
  debtAccounts(): bigint[] {
    return [...this.debtWatch.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Adds an account to the debt pass's watch list (idempotent). Bounded by `maxDebtAccounts`: oldest dropped. */
  watchDebt(accountId: bigint, block = -1): void {
    if (this.debtWatch.has(accountId)) return;
    while (this.debtWatch.size >= this.options.maxDebtAccounts) {
      const [oldest] = this.debtWatch.keys();
      this.unwatchDebt(oldest);
      if (!this.debtWatchFullWarned) {
        this.debtWatchFullWarned = true;
        this.log("warn", "debt_watch_full", {
          maxDebtAccounts: this.options.maxDebtAccounts,
          dropped: oldest,
          message: "more accounts may owe settlement tokens than the keeper watches; raise maxDebtAccounts",
        });
      }
    }
    this.debtWatch.set(accountId, block);
  }

  private unwatchDebt(accountId: bigint): void {
    this.debtWatch.delete(accountId);
    this.debtNotes.delete(accountId);
  }

  /* DISCOVERY */

  /**
   * Reads `Deposited` (Vault) and `TradeExecuted` (Clearinghouse) logs of blocks `fromBlock..toBlock` (inclusive)
   * into the tracker, in ranges of at most `maxBlockRange` blocks, and puts the accounts of `Liquidated` logs (by any
   * keeper) on the debt pass's watch list. Returns the accounts seen for the first time.
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
            topics: [[TRADE_EXECUTED_TOPIC, LIQUIDATED_TOPIC]],
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
        if (log.topics[0] === LIQUIDATED_TOPIC && log.topics[1] !== undefined) {
          this.watchDebt(BigInt(log.topics[1]), log.blockNumber);
          continue;
        }
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
   * The tracked accounts (minus those with a transaction in flight) that are liquidatable at `blockTag`, checked with
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
   * earlier round, checks every tracked account, liquidates each liquidatable one, then runs the debt pass
   * (`processDebts`) at the latest block. Resolves when every transaction sent in this round is settled or
   * `receiptTimeoutMs` has passed (those stay in flight).
   */
  async checkAndLiquidate(blockTag?: number): Promise<KeeperOutcome[]> {
    const block = blockTag ?? (await this.rpc(() => this.provider.getBlockNumber()));
    const settled = await this.settleInFlight(block);
    const hits = await this.findLiquidatable(block);
    const liquidations = await this.liquidateAccounts(await this.withPositions(hits, block), block);
    const debts = await this.processDebts();
    return [...settled, ...liquidations, ...debts];
  }

  /**
   * The accounts among `hits` that hold positions. An account without positions whose equity is negative (debt
   * the collateral left does not cover at its haircut) is `liquidatable` too, but `liquidate` has nothing to close
   * there: it would be a zero-reward no-op while other collateral is left, and repeat every block. Such accounts go to
   * the debt pass (`liquidateCollateral`, then `settleBadDebt`) instead. When the count cannot be read the account is
   * kept (liquidated as before).
   */
  private async withPositions(hits: readonly bigint[], block: number): Promise<bigint[]> {
    const counts = await mapLimit(hits, this.options.readConcurrency, (accountId) =>
      this.rpc(() => this.clearinghouse.positionCount(accountId, { blockTag: block })).catch(() => undefined),
    );
    return hits.filter((accountId, i) => {
      if (counts[i] !== 0n) return true;
      this.watchDebt(accountId, block);
      this.log("debug", "liquidation_not_needed", {
        accountId,
        block,
        reason: "no positions: its debt goes to the debt pass",
      });
      return false;
    });
  }

  /* LIQUIDATION */

  /**
   * Sends `liquidate` for each account (found liquidatable at block `checkedAt`), one after the other with
   * consecutive nonces, then waits for all the receipts together. The accounts go on the debt pass's watch list.
   */
  async liquidateAccounts(accountIds: readonly bigint[], checkedAt: number): Promise<LiquidationOutcome[]> {
    const outcomes: LiquidationOutcome[] = [];
    const sent: InFlight[] = [];
    for (const accountId of accountIds) {
      this.watchDebt(accountId, checkedAt);
      if (this.inFlight.has(accountId)) continue; // never two transactions for one account
      const result = await this.send(accountId, checkedAt);
      if ("status" in result) outcomes.push(result);
      else sent.push(result);
    }
    const settled = await Promise.all(sent.map((tx) => this.awaitOutcome(tx)));
    outcomes.push(...(settled as LiquidationOutcome[]));
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
    const result = await this.submit(
      { action: "liquidate", accountId, checkedAt },
      this.gasLimit(estimate),
      (overrides) => this.clearinghouse.liquidate(accountId, overrides),
      { ...split(accountId) },
    );
    if (result.kind === "failed") return this.classifyFailure(accountId, result.error, checkedAt, "send");
    if (result.kind === "uncertain") {
      return { action: "liquidate", accountId, status: "pending", block: checkedAt };
    }
    return result.tx;
  }

  /**
   * Sends one transaction with an explicit nonce, retrying nonce conflicts and transient failures. Returns the
   * transaction in flight; `uncertain` when a transient failure hid whether it was sent (the nonce was used: it is
   * kept in flight without a hash); or the error of a send that failed for good (a revert reported on submission).
   */
  private async submit(
    base: Omit<InFlight, "hash" | "nonce">,
    gasLimit: bigint,
    transmit: (overrides: { nonce: number; gasLimit: bigint }) => Promise<ContractTransactionResponse>,
    fields: LogFields,
  ): Promise<{ kind: "sent"; tx: InFlight } | { kind: "uncertain" } | { kind: "failed"; error: unknown }> {
    const { accountId, checkedAt, action } = base;
    const names = EVENTS[action];
    const address = await this.getAddress();
    for (let attempt = 1; ; attempt++) {
      const nonce = await this.nextNonce();
      try {
        const response = await transmit({ nonce, gasLimit });
        const tx: InFlight = { ...base, hash: response.hash, nonce };
        this.inFlight.set(accountId, tx);
        this.countSent(action);
        this.log("info", names.sent, {
          accountId,
          ...fields,
          block: checkedAt,
          txHash: response.hash,
          nonce,
          gasLimit,
        });
        return { kind: "sent", tx };
      } catch (err) {
        this.nonce = undefined; // whatever happened, read the nonce from the node before the next send
        if (decodeRevert(err, this.interfaces) !== undefined) {
          // Nodes that execute on submission (Hardhat's automine) report the revert here.
          return { kind: "failed", error: err };
        }
        const transient = isTransientError(err);
        if (transient) {
          // The request may have reached the node even though the answer did not: if our nonce was used, a
          // transaction for this account may be in flight, and sending again would be a double send.
          const used = await this.rpc(() => this.provider.getTransactionCount(address, "pending")).catch(
            () => nonce,
          );
          if (used > nonce) {
            this.inFlight.set(accountId, { ...base, hash: undefined, nonce });
            this.countSent(action);
            this.log("warn", names.uncertain, {
              accountId,
              block: checkedAt,
              nonce,
              error: errorMessage(err),
            });
            return { kind: "uncertain" };
          }
        }
        if ((transient || isNonceError(err)) && attempt < this.options.maxAttempts) {
          const delayMs = this.options.retryBaseDelayMs * 2 ** (attempt - 1);
          this.stats.rpcRetries++;
          this.log("warn", "send_retry", {
            action,
            accountId,
            nonce,
            attempt,
            delayMs,
            error: errorMessage(err),
          });
          await this.sleep(delayMs);
          continue;
        }
        return { kind: "failed", error: err };
      }
    }
  }

  private countSent(action: KeeperAction): void {
    if (action === "liquidate") this.stats.sent++;
    else if (action === "liquidateCollateral") this.stats.collateralLiquidationsSent++;
  }

  /** Polls for the receipt until `receiptTimeoutMs`; leaves the transaction in flight if it is not mined by then. */
  private async awaitOutcome(tx: InFlight): Promise<KeeperOutcome> {
    const deadline = Date.now() + this.options.receiptTimeoutMs;
    for (;;) {
      const receipt = await this.receiptOf(tx);
      if (receipt) return this.settle(tx, receipt);
      if (Date.now() >= deadline) {
        this.log("warn", EVENTS[tx.action].pending, {
          accountId: tx.accountId,
          txHash: tx.hash,
          nonce: tx.nonce,
          waitedMs: this.options.receiptTimeoutMs,
        });
        const pending = {
          accountId: tx.accountId,
          status: "pending" as const,
          txHash: tx.hash,
          block: tx.checkedAt,
        };
        return tx.action === "liquidate"
          ? { action: tx.action, ...pending }
          : { action: tx.action, ...pending };
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
  private async settleInFlight(block: number): Promise<KeeperOutcome[]> {
    const outcomes: KeeperOutcome[] = [];
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
        if (tx.action === "liquidate") this.stats.failed++;
        else this.countDebt(tx.action, "failed");
        this.log("warn", EVENTS[tx.action].dropped, {
          accountId: tx.accountId,
          txHash: tx.hash,
          nonce: tx.nonce,
          block,
        });
        const dropped = {
          accountId: tx.accountId,
          status: "failed" as const,
          txHash: tx.hash,
          error: "dropped",
        };
        outcomes.push(
          tx.action === "liquidate" ? { action: tx.action, ...dropped } : { action: tx.action, ...dropped },
        );
      }
    }
    return outcomes;
  }

  /** Turns a receipt into an outcome. */
  private async settle(tx: InFlight, receipt: TransactionReceipt): Promise<KeeperOutcome> {
    return tx.action === "liquidate" ? this.settleLiquidation(tx, receipt) : this.settleDebt(tx, receipt);
  }

  /** The reward of a successful liquidation, or why a mined one reverted. */
  private async settleLiquidation(tx: InFlight, receipt: TransactionReceipt): Promise<LiquidationOutcome> {
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
      return {
        action: "liquidate",
        accountId,
        status: "succeeded",
        txHash: receipt.hash,
        block: receipt.blockNumber,
        reward,
      };
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
    return {
      action: "liquidate",
      accountId,
      status: "failed",
      txHash: receipt.hash,
      block: receipt.blockNumber,
      error: reason,
    };
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
      return { action: "liquidate", accountId, status: "skipped", block: checkedAt, txHash: winner?.txHash };
    }
    if (revert?.name === CAP_EXCEEDED) {
      this.stats.capped++;
      const [marketId, used, notional, cap] = Array.from(revert.args as ArrayLike<unknown>);
      this.log("warn", "liquidation_capped", { accountId, block: checkedAt, marketId, used, notional, cap });
      return {
        action: "liquidate",
        accountId,
        status: "capped",
        block: checkedAt,
        error: formatRevert(revert),
      };
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
    return { action: "liquidate", accountId, status: "failed", block: checkedAt, error };
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
    return {
      action: "liquidate",
      accountId,
      status: "lost",
      block: winner.block,
      txHash: winner.txHash,
      winner: winner.keeper,
    };
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

  /* COLLATERAL LIQUIDATION AND BAD DEBT */

  /**
   * The debt pass at `blockTag` (the latest block by default): reads the settlement balance of every watched account
   * without a transaction in flight (`Vault.accountCollateral`, `readConcurrency` at a time), forgets those without
   * debt, and for each debtor sends what `decideDebtAction` says — `liquidateCollateral` (largest holding first) or
   * `settleBadDebt` — largest debt first, then waits for the receipts. Accounts that still owe after this stay
   * watched; accounts needing nothing (no debt, or healthy with positions) are dropped until they are liquidatable
   * again.
   */
  async processDebts(blockTag?: number): Promise<DebtOutcome[]> {
    const ids = [...this.debtWatch.keys()].filter((id) => !this.inFlight.has(id));
    if (ids.length === 0) return [];
    const block = blockTag ?? (await this.rpc(() => this.provider.getBlockNumber()));

    // Balances, one read per watched account.
    const reads = await mapLimit(ids, this.options.readConcurrency, async (accountId) => {
      try {
        const [balance, otherValue, hasOther] = await this.rpc(() =>
          this.vault.accountCollateral(accountId, { blockTag: block }),
        );
        return { accountId, balance, otherValue, hasOther };
      } catch (err) {
        this.readFailed(accountId, block, "accountCollateral", err);
        return undefined;
      }
    });
    const debtors: { accountId: bigint; balance: bigint; otherValue: bigint; hasOther: boolean }[] = [];
    for (const read of reads) {
      if (read === undefined) continue;
      if (read.balance >= 0n) {
        this.unwatchDebt(read.accountId);
        continue;
      }
      debtors.push(read);
    }
    if (debtors.length === 0) return [];

    // Positions, and for debtors with positions and collateral whether they are liquidatable.
    const counts = await mapLimit(debtors, this.options.readConcurrency, async ({ accountId }) => {
      try {
        return Number(await this.rpc(() => this.clearinghouse.positionCount(accountId, { blockTag: block })));
      } catch (err) {
        this.readFailed(accountId, block, "positionCount", err);
        return undefined;
      }
    });
    const needFlag = debtors.filter((d, i) => d.hasOther && (counts[i] ?? 0) > 0).map((d) => d.accountId);
    const liquidatable = new Set<bigint>();
    for (let i = 0; i < needFlag.length; i += this.options.batchSize) {
      const batch = needFlag.slice(i, i + this.options.batchSize);
      try {
        const flags = await this.rpc(() => this.clearinghouse.liquidatable(batch, { blockTag: block }));
        batch.forEach((id, j) => flags[j] && liquidatable.add(id));
      } catch (err) {
        for (const id of batch) this.readFailed(id, block, "liquidatable", err);
        for (const id of batch) counts[debtors.findIndex((d) => d.accountId === id)] = undefined;
      }
    }

    // Without positions, collateral is open to liquidation only with booked bad debt or below debt × (1 + buffer)
    // at haircut value (DESIGN §12).
    const buffer = await this.rpc(() => this.vault.collateralLiquidationBuffer({ blockTag: block }));
    const toWad = 10n ** BigInt(18 - (await this.settlementToken()).decimals);
    const closed = debtors.filter((d, i) => counts[i] === 0 && d.hasOther);
    const booked = await mapLimit(closed, this.options.readConcurrency, ({ accountId }) =>
      this.rpc(() => this.vault.badDebtBooked(accountId, { blockTag: block })).catch(() => 0n),
    );
    closed.forEach((d, j) => {
      if (booked[j] > 0n || d.otherValue < (-d.balance * toWad * (WAD + buffer)) / WAD)
        liquidatable.add(d.accountId);
    });

    // Decide.
    const plans: { accountId: bigint; action: DebtActionKind; debt: bigint }[] = [];
    debtors.forEach((d, i) => {
      const positionCount = counts[i];
      if (positionCount === undefined) return; // read failed: try again next round
      const decision = decideDebtAction({
        settlementBalance: d.balance,
        positionCount,
        liquidatable: liquidatable.has(d.accountId),
        hasOtherCollateral: d.hasOther,
      });
      if (decision.action === "none") {
        this.log("debug", "debt_not_actionable", {
          accountId: d.accountId,
          block,
          debt: -d.balance,
          positions: positionCount,
          hasOtherCollateral: d.hasOther,
          reason: decision.reason,
        });
        this.unwatchDebt(d.accountId);
        return;
      }
      plans.push({ accountId: d.accountId, action: decision.action, debt: decision.debt });
    });
    plans.sort((a, b) => (a.debt === b.debt ? 0 : a.debt > b.debt ? -1 : 1));

    // Act: one transaction per account per pass (the next pass sees its effect and continues).
    const pass: DebtPass = { block, shortfall: 0n, unfunded: 0, collateral: new Map() };
    const outcomes: DebtOutcome[] = [];
    const sent: InFlight[] = [];
    for (const plan of plans) {
      const result =
        plan.action === "settleBadDebt"
          ? await this.sendSettleBadDebt(plan.accountId, plan.debt, pass)
          : await this.sendCollateralLiquidation(plan.accountId, plan.debt, pass);
      if ("status" in result) outcomes.push(result);
      else sent.push(result);
    }
    this.noteFunds(pass);
    const settled = await Promise.all(sent.map((tx) => this.awaitOutcome(tx)));
    outcomes.push(...(settled as DebtOutcome[]));
    return outcomes;
  }

  private readFailed(accountId: bigint, block: number, read: string, err: unknown): void {
    const revert = decodeRevert(err, this.interfaces);
    this.log("error", "debt_check_failed", {
      accountId,
      block,
      read,
      error: revert ? formatRevert(revert) : errorMessage(err),
    });
  }

  /** Plans, checks and sends one `liquidateCollateral`; the transaction in flight, or the outcome. */
  private async sendCollateralLiquidation(
    accountId: bigint,
    debt: bigint,
    pass: DebtPass,
  ): Promise<InFlight | DebtOutcome> {
    const action = "liquidateCollateral";
    const { block } = pass;
    let tokens: string[];
    try {
      tokens = await this.rpc(() => this.vault.accountCollaterals(accountId, { blockTag: block }));
    } catch (err) {
      this.readFailed(accountId, block, "accountCollaterals", err);
      return { action, accountId, status: "failed", block, error: errorMessage(err) };
    }
    // A token that cannot be priced now (a stale feed, say) would make liquidateCollateral revert: leave it out.
    let unreadable: unknown;
    const held = await Promise.all(
      tokens.map(async (token): Promise<HeldCollateral | undefined> => {
        try {
          const [balance, info] = await Promise.all([
            this.rpc(() => this.vault.balanceOf(accountId, token, { blockTag: block })),
            this.collateralInfo(token, pass),
          ]);
          return { token, balance, ...info };
        } catch (err) {
          unreadable = err;
          this.readFailed(accountId, block, `collateral ${token}`, err);
          return undefined;
        }
      }),
    );
    const chosen = rankCollaterals(held.filter((c): c is HeldCollateral => c !== undefined))[0];
    if (chosen === undefined && unreadable !== undefined) {
      return { action, accountId, status: "failed", block, error: errorMessage(unreadable) };
    }
    if (chosen === undefined) return this.debtSkip(action, accountId, block, "no_collateral", { debt });
    const settlement = await this.settlementToken();

    const wallet = await this.walletLeft(pass);
    const amount = repayAmount(debt, wallet, this.options.maxRepayPerTx);
    const wanted = repayAmount(debt, debt, this.options.maxRepayPerTx);
    if (amount < wanted) {
      // The wallet, not the per-transaction budget, is what limits this repayment.
      pass.shortfall += wanted - amount;
      pass.unfunded++;
    }
    const context = {
      debt,
      token: chosen.token,
      symbol: chosen.symbol,
      held: chosen.balance,
      price: chosen.price,
    };
    if (amount === 0n) return this.debtSkip(action, accountId, block, "no_funds", { ...context, wallet });
    const preview = previewCollateralLiquidation({
      repayAmount: amount,
      debt,
      held: chosen.balance,
      decimals: chosen.decimals,
      price: chosen.price,
      discount: chosen.discount,
      settlementDecimals: settlement.decimals,
    });
    if (preview.seized === 0n || preview.repaid === 0n) {
      return this.debtSkip(action, accountId, block, "nothing_to_seize", { ...context, repayAmount: amount });
    }
    if (!(await this.ensureAllowance(preview.repaid))) {
      return this.debtSkip(action, accountId, block, "approval_failed", context);
    }

    let estimate: bigint;
    try {
      estimate = await this.rpc(() =>
        this.vault.liquidateCollateral.estimateGas(accountId, chosen.token, amount),
      );
    } catch (err) {
      return this.classifyDebtFailure(action, accountId, debt, err, block, "estimate");
    }
    const gasCost = await this.gasCost(estimate, pass);
    const profit = collateralProfit({
      repaid: preview.repaid,
      seized: preview.seized,
      decimals: chosen.decimals,
      price: chosen.price,
      settlementDecimals: settlement.decimals,
      gasCostUsd: gasCost,
    });
    if (profit < this.options.minProfitUsd) {
      return this.debtSkip(action, accountId, block, "unprofitable", {
        ...context,
        repayAmount: amount,
        expectedRepaid: preview.repaid,
        expectedSeized: preview.seized,
        profitUsd: ethers.formatUnits(profit, 18),
        gasCostUsd: ethers.formatUnits(gasCost, 18),
        minProfitUsd: ethers.formatUnits(this.options.minProfitUsd, 18),
      });
    }

    const result = await this.submit(
      { action, accountId, checkedAt: block, debt, token: chosen.token },
      this.gasLimit(estimate),
      (overrides) => this.vault.liquidateCollateral(accountId, chosen.token, amount, overrides),
      {
        ...split(accountId),
        debt,
        token: chosen.token,
        symbol: chosen.symbol,
        repayAmount: amount,
        expectedRepaid: preview.repaid,
        expectedSeized: preview.seized,
        clamped: preview.clamped,
        profitUsd: ethers.formatUnits(profit, 18),
      },
    );
    if (result.kind === "failed") {
      return this.classifyDebtFailure(action, accountId, debt, result.error, block, "send");
    }
    pass.wallet = (pass.wallet ?? 0n) - preview.repaid;
    if (this.allowance !== undefined && this.allowance !== ethers.MaxUint256)
      this.allowance -= preview.repaid;
    this.debtNotes.delete(accountId);
    if (result.kind === "uncertain") return { action, accountId, status: "pending", block };
    return result.tx;
  }

  /** Checks and sends one `settleBadDebt`; the transaction in flight, or the outcome. */
  private async sendSettleBadDebt(
    accountId: bigint,
    debt: bigint,
    pass: DebtPass,
  ): Promise<InFlight | DebtOutcome> {
    const action = "settleBadDebt";
    const { block } = pass;
    let available: bigint;
    try {
      pass.waterfall ??= Promise.all([
        this.rpc(() => this.vault.insuranceBalance({ blockTag: block })),
        this.rpc(() => this.vault.poolBalance({ blockTag: block })),
      ]).then(([insurance, pool]) => insurance + pool);
      available = await pass.waterfall;
    } catch (err) {
      this.readFailed(accountId, block, "waterfall", err);
      return { action, accountId, status: "failed", block, error: errorMessage(err) };
    }
    if (available === 0n) return this.debtSkip(action, accountId, block, "waterfall_empty", { debt });
    let estimate: bigint;
    try {
      estimate = await this.rpc(() => this.vault.settleBadDebt.estimateGas(accountId));
    } catch (err) {
      return this.classifyDebtFailure(action, accountId, debt, err, block, "estimate");
    }
    const result = await this.submit(
      { action, accountId, checkedAt: block, debt },
      this.gasLimit(estimate),
      (overrides) => this.vault.settleBadDebt(accountId, overrides),
      { ...split(accountId), debt },
    );
    if (result.kind === "failed") {
      return this.classifyDebtFailure(action, accountId, debt, result.error, block, "send");
    }
    this.debtNotes.delete(accountId);
    if (result.kind === "uncertain") return { action, accountId, status: "pending", block };
    return result.tx;
  }

  /** What a mined debt transaction did (from the Vault's event), or why it reverted. */
  private async settleDebt(tx: InFlight, receipt: TransactionReceipt): Promise<DebtOutcome> {
    this.inFlight.delete(tx.accountId);
    const { accountId } = tx;
    const action = tx.action as DebtActionKind;
    const block = receipt.blockNumber;
    if (receipt.status === 1) {
      const vault = (await this.addresses())[0].toLowerCase();
      let event: ethers.LogDescription | null = null;
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== vault) continue;
        const parsed = this.vault.interface.parseLog(log);
        if (parsed?.args.accountId !== accountId) continue;
        if (parsed.name === "CollateralLiquidated" || parsed.name === "BadDebtSettled") event = parsed;
      }
      if (action === "liquidateCollateral") {
        const repaid: bigint = event?.args.repaid ?? 0n;
        const seized: bigint = event?.args.seized ?? 0n;
        const token: string | undefined = event?.args.token ?? tx.token;
        this.countDebt(action, "succeeded");
        this.stats.collateralRepaid += repaid;
        const symbol = token ? await this.collateralSymbol(token).catch(() => undefined) : undefined;
        this.log("info", "collateral_liquidated", {
          accountId,
          ...split(accountId),
          block,
          txHash: receipt.hash,
          token,
          symbol,
          repaid,
          seized,
          price: event?.args.price,
          debtBefore: tx.debt,
          debtAfter: tx.debt === undefined ? undefined : tx.debt - repaid,
          gasUsed: receipt.gasUsed,
        });
        return { action, accountId, status: "succeeded", txHash: receipt.hash, block, token, repaid, seized };
      }
      const badDebt: bigint = event?.args.badDebt ?? 0n;
      const insuranceDraw: bigint = event?.args.insuranceDraw ?? 0n;
      const poolWriteOff: bigint = event?.args.poolWriteOff ?? 0n;
      const unrecovered: bigint = event?.args.unrecovered ?? 0n;
      this.countDebt(action, "succeeded");
      this.stats.badDebtSettled += badDebt;
      this.log(unrecovered > 0n ? "warn" : "info", "bad_debt_settled", {
        accountId,
        ...split(accountId),
        block,
        txHash: receipt.hash,
        badDebt,
        insuranceDraw,
        poolWriteOff,
        unrecovered,
        gasUsed: receipt.gasUsed,
      });
      return {
        action,
        accountId,
        status: "succeeded",
        txHash: receipt.hash,
        block,
        badDebt,
        insuranceDraw,
        poolWriteOff,
        unrecovered,
      };
    }
    // Reverted on chain: another caller got there first, or the account changed.
    const winner = await this.findDebtAction(accountId, tx.checkedAt + 1, block).catch(() => undefined);
    const me = (await this.getAddress()).toLowerCase();
    if (winner && winner.caller.toLowerCase() !== me)
      return this.debtLost(action, accountId, winner, receipt.hash);
    let error: unknown = new Error("reverted");
    try {
      if (action === "liquidateCollateral" && tx.token) {
        await this.vault.liquidateCollateral.staticCall(accountId, tx.token, tx.debt ?? 1n, {
          blockTag: block,
        });
      } else {
        await this.vault.settleBadDebt.staticCall(accountId, { blockTag: block });
      }
    } catch (err) {
      error = err;
    }
    return this.classifyDebtFailure(action, accountId, tx.debt, error, tx.checkedAt, "receipt", receipt.hash);
  }

  /** Classifies a revert (or any failure) of a debt action's estimate, send or receipt. */
  private async classifyDebtFailure(
    action: DebtActionKind,
    accountId: bigint,
    debt: bigint | undefined,
    err: unknown,
    checkedAt: number,
    stage: "estimate" | "send" | "receipt",
    ourTxHash?: string,
  ): Promise<DebtOutcome> {
    const revert = decodeRevert(err, this.interfaces);
    if (revert && EXPECTED_DEBT_REVERTS.has(revert.name)) {
      const latest = await this.rpc(() => this.provider.getBlockNumber()).catch(() => checkedAt);
      const winner = await this.findDebtAction(accountId, checkedAt + 1, latest).catch(() => undefined);
      const me = (await this.getAddress()).toLowerCase();
      if (winner && winner.caller.toLowerCase() !== me)
        return this.debtLost(action, accountId, winner, ourTxHash);
      this.countDebt(action, "skipped");
      this.log("info", EVENTS[action].skipped, {
        accountId,
        ...split(accountId),
        block: checkedAt,
        stage,
        reason: revert.name,
        error: formatRevert(revert),
        debt,
        txHash: ourTxHash,
      });
      return {
        action,
        accountId,
        status: "skipped",
        block: checkedAt,
        reason: revert.name,
        txHash: ourTxHash,
      };
    }
    const error = revert ? formatRevert(revert) : errorMessage(err);
    this.countDebt(action, "failed");
    this.log("error", EVENTS[action].failed, {
      accountId,
      ...split(accountId),
      stage,
      block: checkedAt,
      debt,
      txHash: ourTxHash,
      error,
    });
    return { action, accountId, status: "failed", block: checkedAt, txHash: ourTxHash, error };
  }

  private debtLost(
    action: DebtActionKind,
    accountId: bigint,
    winner: { caller: string; txHash: string; block: number; event: string },
    ourTxHash?: string,
  ): DebtOutcome {
    this.countDebt(action, "lost");
    this.log("info", EVENTS[action].lost, {
      accountId,
      ...split(accountId),
      block: winner.block,
      txHash: winner.txHash,
      winner: winner.caller,
      winnerEvent: winner.event,
      ourTxHash,
    });
    return {
      action,
      accountId,
      status: "lost",
      block: winner.block,
      txHash: winner.txHash,
      winner: winner.caller,
    };
  }

  /** A decision not to send: logged (and counted) once per account and reason, at debug level afterwards. */
  private debtSkip(
    action: DebtActionKind,
    accountId: bigint,
    block: number,
    reason: DebtSkipReason,
    fields: LogFields,
  ): DebtOutcome {
    const note = `${action}:${reason}`;
    const changed = this.debtNotes.get(accountId) !== note;
    this.debtNotes.set(accountId, note);
    if (changed) {
      if (action === "liquidateCollateral") {
        const result: CollateralResult =
          reason === "no_funds"
            ? "no_funds"
            : reason === "unprofitable" || reason === "nothing_to_seize"
              ? "unprofitable"
              : "skipped";
        this.stats.collateralLiquidations[result]++;
      } else {
        this.stats.badDebtSettlements.skipped++;
      }
    }
    this.log(changed ? "info" : "debug", EVENTS[action].skipped, {
      accountId,
      ...split(accountId),
      block,
      reason,
      ...fields,
    });
    return { action, accountId, status: "skipped", block, reason };
  }

  private countDebt(action: DebtActionKind, result: "succeeded" | "lost" | "skipped" | "failed"): void {
    if (action === "liquidateCollateral") this.stats.collateralLiquidations[result]++;
    else this.stats.badDebtSettlements[result]++;
  }

  /** The latest `CollateralLiquidated` or `BadDebtSettled` (Vault) of this account in `fromBlock..toBlock`. */
  private async findDebtAction(
    accountId: bigint,
    fromBlock: number,
    toBlock: number,
  ): Promise<{ caller: string; txHash: string; block: number; event: string } | undefined> {
    if (toBlock < fromBlock) return undefined;
    const [vault] = await this.addresses();
    const logs = await this.rpc(() =>
      this.provider.getLogs({
        address: vault,
        topics: [[COLLATERAL_LIQUIDATED_TOPIC, BAD_DEBT_SETTLED_TOPIC], ethers.toBeHex(accountId, 32)],
        fromBlock,
        toBlock,
      }),
    );
    const log = logs[logs.length - 1];
    if (!log) return undefined;
    let caller: string;
    let event: string;
    if (log.topics[0] === COLLATERAL_LIQUIDATED_TOPIC) {
      caller = ethers.getAddress(ethers.dataSlice(log.topics[2], 12));
      event = "CollateralLiquidated";
    } else {
      const tx = await this.rpc(() => this.provider.getTransaction(log.transactionHash));
      caller = tx?.from ?? ethers.ZeroAddress;
      event = "BadDebtSettled";
    }
    return { caller, txHash: log.transactionHash, block: log.blockNumber, event };
  }

  /** Logs (once per change) that the wallet could not repay every debt this pass. */
  private noteFunds(pass: DebtPass): void {
    if (pass.unfunded === 0) {
      this.fundsNote = undefined;
      return;
    }
    const note = `${pass.walletAtStart}:${pass.unfunded}:${pass.shortfall}`;
    const changed = note !== this.fundsNote;
    this.fundsNote = note;
    this.log(changed ? "warn" : "debug", "insufficient_funds", {
      block: pass.block,
      token: this.settlement?.address,
      symbol: this.settlement?.symbol,
      wallet: pass.walletAtStart,
      shortfall: pass.shortfall,
      accounts: pass.unfunded,
      keeper: this.address,
      message:
        "the keeper's wallet lacks the settlement tokens to repay these debts with liquidateCollateral; " +
        "send it settlement tokens (USDC)",
    });
  }

  /** The settlement tokens the wallet still has for this pass (read once per pass). */
  private async walletLeft(pass: DebtPass): Promise<bigint> {
    if (pass.wallet === undefined) {
      const { token } = await this.settlementToken();
      const me = await this.getAddress();
      pass.wallet = await this.rpc(() => token.balanceOf(me, { blockTag: pass.block }));
      pass.walletAtStart = pass.wallet;
      this.stats.settlementWalletBalance = pass.wallet;
    }
    return pass.wallet > 0n ? pass.wallet : 0n;
  }

  /** The keeper wallet's settlement-token balance now (also updates `stats.settlementWalletBalance`). */
  async settlementWalletBalance(): Promise<bigint> {
    const { token } = await this.settlementToken();
    const me = await this.getAddress();
    const balance = await this.rpc(() => token.balanceOf(me));
    this.stats.settlementWalletBalance = balance;
    return balance;
  }

  /**
   * Makes sure the Vault may pull `needed` settlement tokens from the keeper's wallet: approves the maximum once
   * (and waits for it to be mined) when the allowance is short. Returns false if the approval failed.
   */
  private async ensureAllowance(needed: bigint): Promise<boolean> {
    if (this.allowance !== undefined && this.allowance >= needed) return true;
    const { token, address, symbol } = await this.settlementToken();
    const [vault] = await this.addresses();
    const me = await this.getAddress();
    try {
      this.allowance = await this.rpc(() => token.allowance(me, vault));
      if (this.allowance >= needed) return true;
      const nonce = await this.nextNonce();
      const response = await token.approve(vault, ethers.MaxUint256, { nonce });
      const receipt = await response.wait(1, this.options.receiptTimeoutMs);
      if (receipt?.status !== 1) throw new Error(`approval ${response.hash} reverted`);
      this.allowance = ethers.MaxUint256;
      this.log("info", "settlement_approved", {
        token: address,
        symbol,
        spender: vault,
        txHash: receipt.hash,
        block: receipt.blockNumber,
      });
      return true;
    } catch (err) {
      this.nonce = undefined;
      this.allowance = undefined;
      const revert = decodeRevert(err, this.interfaces);
      this.log("error", "approval_failed", {
        token: address,
        spender: vault,
        error: revert ? formatRevert(revert) : errorMessage(err),
      });
      return false;
    }
  }

  /** Decimals, oracle price, discount and symbol of a collateral token (read once per pass). */
  private collateralInfo(
    token: string,
    pass: DebtPass,
  ): Promise<{ decimals: number; price: bigint; discount: bigint; symbol?: string }> {
    const key = token.toLowerCase();
    let info = pass.collateral.get(key);
    if (!info) {
      info = (async () => {
        const config = await this.rpc(() => this.vault.collateralConfig(token, { blockTag: pass.block }));
        const oracle = await this.oracleContract();
        const [price, symbol] = await Promise.all([
          this.rpc(() => oracle.price(config.asset, { blockTag: pass.block })),
          this.collateralSymbol(token).catch(() => undefined),
        ]);
        return { decimals: Number(config.decimals), price, discount: config.liquidationDiscount, symbol };
      })();
      pass.collateral.set(key, info);
    }
    return info;
  }

  private readonly symbols = new Map<string, Promise<string>>();
  private collateralSymbol(token: string): Promise<string> {
    const key = token.toLowerCase();
    let symbol = this.symbols.get(key);
    if (!symbol) {
      symbol = this.rpc(() => ERC20__factory.connect(token, this.provider).symbol());
      symbol.catch(() => this.symbols.delete(key));
      this.symbols.set(key, symbol);
    }
    return symbol;
  }

  /** Gas cost in USD (WAD) at the node's gas price and the oracle's price of `gasPriceAsset`; 0 when unpriced. */
  private async gasCost(gas: bigint, pass: DebtPass): Promise<bigint> {
    const asset = this.options.gasPriceAsset;
    if (asset === "") return 0n;
    pass.gasPrice ??= this.rpc(() => this.provider.getFeeData()).then(
      (f) => f.gasPrice ?? f.maxFeePerGas ?? 0n,
    );
    pass.nativePrice ??= (async () => {
      const oracle = await this.oracleContract();
      const key = ethers.encodeBytes32String(asset);
      if (!(await this.rpc(() => oracle.hasFeed(key)))) throw new Error(`the oracle has no ${asset} feed`);
      return this.rpc(() => oracle.price(key, { blockTag: pass.block }));
    })();
    try {
      const [gasPrice, nativePrice] = await Promise.all([pass.gasPrice, pass.nativePrice]);
      return gasCostUsd(gas, gasPrice, nativePrice);
    } catch (err) {
      if (!this.gasUnpricedWarned) {
        this.gasUnpricedWarned = true;
        this.log("warn", "gas_cost_unpriced", {
          asset,
          error: errorMessage(err),
          message: "gas is counted as 0 in the profitability check of collateral liquidations",
        });
      }
      return 0n;
    }
  }

  /* PLUMBING */

  private gasLimit(estimate: bigint): bigint {
    return (estimate * BigInt(this.options.gasLimitBufferBps)) / 10_000n;
  }

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

  /** The settlement token (USDC) connected to the keeper's signer, with its decimals and symbol. */
  private async settlementToken(): Promise<{
    token: ERC20;
    address: string;
    decimals: number;
    symbol: string;
  }> {
    if (!this.settlement) {
      const address = await this.rpc(() => this.vault.settlementToken());
      const token = ERC20__factory.connect(address, this.signer);
      const [decimals, symbol] = await Promise.all([
        this.rpc(() => this.vault.settlementDecimals()),
        this.rpc(() => token.symbol()).catch(() => "settlement token"),
      ]);
      this.settlement = { token, address, decimals: Number(decimals), symbol };
    }
    return this.settlement;
  }

  private async oracleContract(): Promise<IPriceOracle> {
    this.oracle ??= IPriceOracle__factory.connect(await this.rpc(() => this.vault.oracle()), this.provider);
    return this.oracle;
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

/** Maps `items` through `fn` with at most `limit` calls running at once; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
