/**
 * The set of accounts a keeper watches, built from the protocol's events.
 *
 * An account can only hold a position (and so become liquidatable) after collateral reached it or it traded, so
 * every account worth watching appears as the first indexed topic of a Vault `Deposited` or a Clearinghouse
 * `TradeExecuted` log. Ids are kept as bigints; ingestion is idempotent, so re-reading a block range (after a crash,
 * or to cover a reorg) is harmless.
 */
import { ethers } from "ethers";

/** Topic 0 of `Vault.Deposited(uint256 indexed accountId, address indexed token, address indexed from, uint256)`. */
export const DEPOSITED_TOPIC = ethers.id("Deposited(uint256,address,address,uint256)");
/** Topic 0 of `Clearinghouse.TradeExecuted(uint256 indexed accountId, uint256 indexed marketId, ...)`. */
export const TRADE_EXECUTED_TOPIC = ethers.id(
  "TradeExecuted(uint256,uint256,int256,uint256,uint256,int256,int256,int256,int256,int256)",
);
/** Topic 0 of `Clearinghouse.Liquidated(uint256 indexed accountId, address indexed keeper, ...)`. */
export const LIQUIDATED_TOPIC = ethers.id(
  "Liquidated(uint256,address,uint256,int256,uint256,uint256,uint256,uint256)",
);

/** The minimum of a log the tracker reads (an ethers `Log` qualifies). */
export interface TopicLog {
  topics: readonly string[];
  blockNumber?: number;
}

export { accountIdOf, splitAccountId } from "../common/accounts";

export class AccountTracker {
  private readonly accounts = new Set<bigint>();
  private readonly topics: Set<string>;

  /**
   * @param initial Accounts already known (from a checkpoint).
   * @param topics Topic-0 hashes whose first indexed topic is an account id. Default: `Deposited`, `TradeExecuted`.
   */
  constructor(
    initial: Iterable<bigint> = [],
    topics: readonly string[] = [DEPOSITED_TOPIC, TRADE_EXECUTED_TOPIC],
  ) {
    this.topics = new Set(topics.map((t) => t.toLowerCase()));
    for (const id of initial) this.accounts.add(id);
  }

  /** Adds one account; returns whether it was new. */
  add(accountId: bigint): boolean {
    if (this.accounts.has(accountId)) return false;
    this.accounts.add(accountId);
    return true;
  }

  has(accountId: bigint): boolean {
    return this.accounts.has(accountId);
  }

  get size(): number {
    return this.accounts.size;
  }

  /** Every tracked account, ascending (a stable order for batching and for the checkpoint). */
  ids(): bigint[] {
    return [...this.accounts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Reads the account id out of every log whose topic 0 is a tracked event; logs of other events are ignored.
   * Returns the accounts seen for the first time, in log order.
   */
  ingest(logs: Iterable<TopicLog>): bigint[] {
    const discovered: bigint[] = [];
    for (const log of logs) {
      const [topic0, accountTopic] = log.topics;
      if (topic0 === undefined || accountTopic === undefined) continue;
      if (!this.topics.has(topic0.toLowerCase())) continue;
      const accountId = BigInt(accountTopic);
      if (this.add(accountId)) discovered.push(accountId);
    }
    return discovered;
  }
}
/** Topic 0 of `Vault.CollateralLiquidated(uint256 indexed accountId, address indexed keeper, address indexed token, ...)`. */
export const COLLATERAL_LIQUIDATED_TOPIC = ethers.id(
  "CollateralLiquidated(uint256,address,address,uint256,uint256,uint256)",
);
/** Topic 0 of `Vault.BadDebtSettled(uint256 indexed accountId, ...)`: the loss waterfall, run only by the Vault. */
export const BAD_DEBT_SETTLED_TOPIC = ethers.id("BadDebtSettled(uint256,uint256,uint256,uint256,uint256)");
