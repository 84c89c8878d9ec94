/**
 * The health check: which tracked accounts are liquidatable, with `liquidatable(uint256[])` in batches, and of those
 * which hold positions (something for `liquidate` to close). An account without positions whose equity is negative
 * (debt its collateral does not cover at haircut) is `liquidatable` too, but `liquidate` would close nothing there: it
 * goes to the debt pass (`liquidateCollateral`, then `settleBadDebt`) and is not counted as liquidatable.
 */
import type { KeeperChain } from "./chain";
import { mapLimit } from "../common/ranges";
import { isTransientError } from "../common/retry";
import type { DebtWatch } from "./debts";

/**
 * The accounts among `ids` that are liquidatable at `blockTag` and hold positions. A batch that fails without a
 * decodable revert (out of gas, for instance) is split in two and retried; a batch that reverts with a decodable error
 * is logged and skipped. Updates `checks`, `checkCalls`, `lastCheckedBlock` and `liquidatableAtLastCheck`.
 */
export async function findLiquidatable(
  chain: KeeperChain,
  debts: DebtWatch,
  ids: readonly bigint[],
  blockTag: number,
): Promise<bigint[]> {
  const flagged: bigint[] = [];
  for (let i = 0; i < ids.length; i += chain.options.batchSize) {
    flagged.push(...(await checkBatch(chain, ids.slice(i, i + chain.options.batchSize), blockTag)));
  }
  const hits = await withPositions(chain, debts, flagged, blockTag);
  chain.stats.lastCheckedBlock = blockTag;
  chain.stats.liquidatableAtLastCheck = hits.length;
  chain.log(hits.length > 0 ? "info" : "debug", "accounts_checked", {
    block: blockTag,
    accounts: ids.length,
    liquidatable: hits.length,
    withoutPositions: flagged.length - hits.length,
  });
  return hits;
}

async function checkBatch(chain: KeeperChain, batch: bigint[], blockTag: number): Promise<bigint[]> {
  if (batch.length === 0) return [];
  let flags: boolean[];
  try {
    flags = await chain.rpc(() => chain.clearinghouse.liquidatable(batch, { blockTag }));
    chain.stats.checkCalls++;
  } catch (err) {
    const revert = chain.decode(err);
    if (revert === undefined && batch.length > 1 && !isTransientError(err)) {
      const half = Math.ceil(batch.length / 2);
      return [
        ...(await checkBatch(chain, batch.slice(0, half), blockTag)),
        ...(await checkBatch(chain, batch.slice(half), blockTag)),
      ];
    }
    chain.log("error", "check_failed", {
      block: blockTag,
      accounts: batch.length,
      firstAccountId: batch[0],
      lastAccountId: batch[batch.length - 1],
      error: chain.describe(err),
    });
    return [];
  }
  chain.stats.checks += batch.length;
  return batch.filter((_, i) => flags[i]);
}

/**
 * The accounts among `hits` that hold positions; the others go on the debt pass's watch list. When the count cannot
 * be read the account is kept (liquidated as before).
 */
async function withPositions(
  chain: KeeperChain,
  debts: DebtWatch,
  hits: readonly bigint[],
  block: number,
): Promise<bigint[]> {
  const counts = await mapLimit(hits, chain.options.readConcurrency, (accountId) =>
    chain.rpc(() => chain.clearinghouse.positionCount(accountId, { blockTag: block })).catch(() => undefined),
  );
  return hits.filter((accountId, i) => {
    if (counts[i] !== 0n) return true;
    debts.watch(accountId, block);
    chain.log("debug", "liquidation_not_needed", {
      accountId,
      block,
      reason: "no positions: its debt goes to the debt pass",
    });
    return false;
  });
}
