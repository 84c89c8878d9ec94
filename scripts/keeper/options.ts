/** The keeper's configuration: what it is given (`KeeperConfig`), its tunables and their defaults. */
import type { Interface, Signer } from "ethers";
import type { Clearinghouse, OrderBook, Vault } from "../../typechain-types";
import { LOG_BLOCK_RANGE, READ_CONCURRENCY } from "../common/ranges";
import type { KeeperLogger } from "./log";
import type { AccountTracker } from "./tracker";

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
  /**
   * Markets the round auto-deleverages when a side is over its cap (DESIGN §11.1): `"all"` (every listed market, read
   * each round), or a list (`[]` turns the pass off). Default `"all"`.
   */
  deleverageMarkets?: readonly bigint[] | "all";
  /**
   * Whether the round settles pending orders and cancels expired ones (DESIGN §21), earning their settlement fees.
   * Needs `orderBook`. Default true.
   */
  orders?: boolean;
  /** Most orders the order pass looks at per round (oldest first). Default 50. */
  maxOrdersPerRound?: number;
  /** Most pending orders tracked; past it the oldest are dropped. Default 10,000. */
  maxPendingOrders?: number;
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
  /** The OrderBook whose orders the order pass settles and cancels (none: no order pass). */
  orderBook?: OrderBook;
  /** Pending order ids known to an earlier run (a checkpoint), oldest first. */
  pendingOrders?: Iterable<bigint>;
  /** More interfaces to decode reverts with (the PriceOracle's errors, for example). */
  errorInterfaces?: Interface[];
  /** For tests. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_OPTIONS: ResolvedKeeperOptions = {
  batchSize: 200,
  maxAttempts: 4,
  retryBaseDelayMs: 250,
  gasLimitBufferBps: 12_000,
  receiptTimeoutMs: 120_000,
  receiptPollMs: 250,
  maxBlockRange: LOG_BLOCK_RANGE,
  uncertainSendBlocks: 3,
  maxRepayPerTx: undefined,
  minProfitUsd: 0n,
  gasPriceAsset: "ETH",
  maxDebtAccounts: 10_000,
  readConcurrency: READ_CONCURRENCY,
  deleverageMarkets: "all",
  orders: true,
  maxOrdersPerRound: 50,
  maxPendingOrders: 10_000,
};

/** The options of `config` over the defaults; throws on a value out of range. */
export function resolveOptions(config: KeeperOptions): ResolvedKeeperOptions {
  const given = Object.fromEntries(
    Object.entries(config).filter(([k, v]) => k in DEFAULT_OPTIONS && v !== undefined),
  );
  const options = { ...DEFAULT_OPTIONS, ...given } as ResolvedKeeperOptions;
  for (const name of [
    "batchSize",
    "maxBlockRange",
    "maxDebtAccounts",
    "readConcurrency",
    "maxOrdersPerRound",
    "maxPendingOrders",
  ] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (options.maxRepayPerTx !== undefined && options.maxRepayPerTx <= 0n) {
    throw new Error(`maxRepayPerTx must be positive, got ${options.maxRepayPerTx}`);
  }
  return options;
}
