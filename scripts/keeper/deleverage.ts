/**
 * The auto-deleveraging pass (DESIGN §11.1): on each market whose side's net PnL is over its cap
 * (`deleverageNeed`), rank the tracked accounts' positions there by the chain's own rule (`previewDeleverage`: the
 * same code as `deleverage`, so a candidate it calls eligible is one the action accepts), deleverage the best one
 * (actions/deleverage.ts, through the executor like every action), re-rank, and repeat until the market is back under
 * its cap, nothing is eligible, or `maxPerMarket` transactions were sent.
 */
import type { Clearinghouse } from "../../typechain-types";
import type { DeleverageAction } from "./actions/deleverage";
import type { KeeperChain } from "./chain";
import type { ActionExecutor } from "./executor";
import type { DeleverageOutcome } from "./types";

export interface DeleverageCandidate {
  accountId: bigint;
  /** PnL per unit of open notional × leverage floored at 1x (WAD), as the chain computes it. */
  score: bigint;
  /** Signed like the position. */
  sizeClosed: bigint;
}

/** Whether either side of `marketId` is over its cap. */
export async function needsDeleverage(clearinghouse: Clearinghouse, marketId: bigint): Promise<boolean> {
  const [longPnl, shortPnl, cap] = await clearinghouse.deleverageNeed(marketId);
  return longPnl > cap || shortPnl > cap;
}

/** The eligible positions among `accountIds` on `marketId`, best score first (ties: lower account id first). */
export async function rankCandidates(
  clearinghouse: Clearinghouse,
  marketId: bigint,
  accountIds: readonly bigint[],
): Promise<DeleverageCandidate[]> {
  const bit = 1n << marketId;
  const holders: bigint[] = [];
  for (const id of accountIds) if (((await clearinghouse.openMarkets(id)) & bit) !== 0n) holders.push(id);
  const candidates: DeleverageCandidate[] = [];
  for (const accountId of holders) {
    const p = await clearinghouse.previewDeleverage(accountId, marketId);
    if (p.eligible) candidates.push({ accountId, score: p.score, sizeClosed: p.sizeClosed });
  }
  return candidates.sort((a, b) =>
    a.score !== b.score ? (b.score > a.score ? 1 : -1) : a.accountId < b.accountId ? -1 : 1,
  );
}

/** One pass over `marketIds`, among `accountIds`; stops on a market at the first outcome that is not a success. */
export async function deleveragePass(
  chain: KeeperChain,
  executor: ActionExecutor,
  action: DeleverageAction,
  marketIds: readonly bigint[],
  accountIds: readonly bigint[],
  maxPerMarket = 8,
): Promise<DeleverageOutcome[]> {
  const outcomes: DeleverageOutcome[] = [];
  const { clearinghouse } = chain;
  for (const marketId of marketIds) {
    for (let sent = 0; sent < maxPerMarket; ++sent) {
      if (!(await chain.rpc(() => needsDeleverage(clearinghouse, marketId)))) break;
      const ids = accountIds.filter((id) => !executor.busy(id));
      const [best] = await chain.rpc(() => rankCandidates(clearinghouse, marketId, ids));
      if (best === undefined) {
        chain.log("warn", "deleverage_no_candidate", { marketId, accounts: ids.length });
        break;
      }
      const block = await chain.latestBlock();
      const done = (await executor.run(action, [
        action.plan(best.accountId, marketId, best.score, block),
      ])) as DeleverageOutcome[];
      outcomes.push(...done);
      if (done.some((o) => o.status !== "succeeded")) break;
    }
  }
  return outcomes;
}
