/**
 * Discovery: reads `Deposited` (Vault) and `TradeExecuted` (Clearinghouse) logs into the tracker, and puts the
 * accounts of `Liquidated` logs (by any keeper) on the debt pass's watch list.
 */
import type { KeeperChain } from "./chain";
import { accountFields } from "./chain";
import type { DebtWatch } from "./debts";
import { DEPOSITED_TOPIC, LIQUIDATED_TOPIC, TRADE_EXECUTED_TOPIC } from "./tracker";
import type { AccountTracker } from "./tracker";

/**
 * Scans blocks `fromBlock..toBlock` (inclusive) in ranges of at most `maxBlockRange` blocks. Returns the accounts
 * seen for the first time.
 */
export async function scanLogs(
  chain: KeeperChain,
  tracker: AccountTracker,
  debts: DebtWatch,
  fromBlock: number,
  toBlock: number,
): Promise<bigint[]> {
  const discovered: bigint[] = [];
  if (toBlock < fromBlock) return discovered;
  const [vault, clearinghouse] = [await chain.vaultAddress(), await chain.clearinghouseAddress()];
  const range = chain.options.maxBlockRange;
  for (let from = fromBlock; from <= toBlock; from += range) {
    const to = Math.min(toBlock, from + range - 1);
    const [deposits, trades] = await Promise.all([
      chain.rpc(() =>
        chain.provider.getLogs({ address: vault, topics: [DEPOSITED_TOPIC], fromBlock: from, toBlock: to }),
      ),
      chain.rpc(() =>
        chain.provider.getLogs({
          address: clearinghouse,
          topics: [[TRADE_EXECUTED_TOPIC, LIQUIDATED_TOPIC]],
          fromBlock: from,
          toBlock: to,
        }),
      ),
    ]);
    const logs = [...deposits, ...trades].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    const found: bigint[] = [];
    for (const log of logs) {
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
