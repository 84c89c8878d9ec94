/**
 * Discovery: reads `Deposited` (Vault) and `TradeExecuted` (Clearinghouse) logs into the tracker, puts the
 * accounts of `Liquidated` logs (by any keeper) on the debt pass's watch list, and, given an order tracker, reads the
 * OrderBook's `OrderCommitted` / `OrderSettled` / `OrderCancelled` logs into it (orders.ts).
 */
import type { KeeperChain } from "./chain";
import { blockRanges } from "../common/ranges";
import { accountFields } from "./chain";
import type { DebtWatch } from "./debts";
import { ORDER_TOPICS } from "./orders";
import type { OrderTracker } from "./orders";
import { DELEVERAGED_TOPIC } from "./positionWatch";
import type { PositionWatch } from "./positionWatch";
import { DEPOSITED_TOPIC, LIQUIDATED_TOPIC, TRADE_EXECUTED_TOPIC } from "./tracker";
import type { AccountTracker } from "./tracker";

/**
 * Scans blocks `fromBlock..toBlock` (inclusive) in ranges of at most `maxBlockRange` blocks. Returns the accounts
 * seen for the first time. With `positions`, the accounts whose positions changed (`TradeExecuted`, `Liquidated`,
 * `Deleveraged`) are recorded there (positionWatch.ts).
 */
export async function scanLogs(
  chain: KeeperChain,
  tracker: AccountTracker,
  debts: DebtWatch,
  fromBlock: number,
  toBlock: number,
  orders?: OrderTracker,
  positions?: PositionWatch,
): Promise<bigint[]> {
  const discovered: bigint[] = [];
  if (toBlock < fromBlock) return discovered;
  const [vault, clearinghouse] = [await chain.vaultAddress(), await chain.clearinghouseAddress()];
  const range = chain.options.maxBlockRange;
  for (const [from, to] of blockRanges(fromBlock, toBlock, range)) {
    const [deposits, trades] = await Promise.all([
      chain.rpc(() =>
        chain.provider.getLogs({ address: vault, topics: [DEPOSITED_TOPIC], fromBlock: from, toBlock: to }),
      ),
      chain.rpc(() =>
        chain.provider.getLogs({
          address: clearinghouse,
          topics: [[TRADE_EXECUTED_TOPIC, LIQUIDATED_TOPIC, DELEVERAGED_TOPIC]],
          fromBlock: from,
          toBlock: to,
        }),
      ),
    ]);
    if (orders) await scanOrders(chain, orders, from, to);
    const logs = [...deposits, ...trades].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    positions?.scan(
      from,
      to,
      trades.filter((log) => log.topics[1] !== undefined).map((log) => BigInt(log.topics[1])),
    );
    const found: bigint[] = [];
    for (const log of logs) {
      if (log.topics[0] === DELEVERAGED_TOPIC) continue; // positions only
      if (log.topics[0] === LIQUIDATED_TOPIC && log.topics[1] !== undefined) {
        debts.watch(BigInt(log.topics[1]), log.blockNumber);
        continue;
      }
      for (const accountId of tracker.ingest([log])) {
        found.push(accountId);
        chain.log("debug", "account_discovered", {
          accountId,
          ...accountFields(accountId),
          block: log.blockNumber,
        });
      }
    }
    if (found.length > 0) {
      chain.log("info", "accounts_discovered", {
        fromBlock: from,
        toBlock: to,
        count: found.length,
        accountsTracked: tracker.size,
      });
    }
    discovered.push(...found);
  }
  return discovered;
}

/** Reads the OrderBook's order logs of blocks `from..to` into `orders` (the chain must have an OrderBook). */
async function scanOrders(chain: KeeperChain, orders: OrderTracker, from: number, to: number): Promise<void> {
  const book = chain.orderBook;
  if (!book) return;
  const address = await book.getAddress();
  const logs = await chain.rpc(() =>
    chain.provider.getLogs({ address, topics: [[...ORDER_TOPICS]], fromBlock: from, toBlock: to }),
  );
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const { added, removed, dropped } = orders.ingest(logs);
  for (const orderId of dropped) chain.log("warn", "order_dropped", { orderId, pendingOrders: orders.size });
  if (added.length + removed.length > 0) {
    chain.log("info", "orders_discovered", {
      fromBlock: from,
      toBlock: to,
      committed: added.length,
      gone: removed.length,
      pendingOrders: orders.size,
    });
  }
}
