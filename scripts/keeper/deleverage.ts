/**
 * Auto-deleveraging for keepers (DESIGN §11.1): find the markets whose side's net PnL is over its cap
 * (`deleverageNeed`), rank the tracked accounts' positions there by the chain's own rule (`previewDeleverage`: the
 * same code as `deleverage`, so a candidate it calls eligible is one the action accepts), and deleverage the best one,
 * re-ranking after each, until the market is back under its cap. Free of process concerns, like `keeper.ts`.
 *
 * Left for later: running it from the `Keeper` round (`keeper.ts`) after the liquidation pass, as one more
 * `KeeperAction` (action.ts) so the executor brings its nonce handling, races and log lines.
 */
import type { Clearinghouse } from "../../typechain-types";

export interface DeleverageCandidate {
  accountId: bigint;
  /** PnL per unit of open notional × leverage floored at 1x (WAD), as the chain computes it. */
  score: bigint;
  /** Signed like the position. */
  sizeClosed: bigint;
}

export interface DeleverageResult {
  marketId: bigint;
  accountId: bigint;
  sizeClosed: bigint;
  txHash: string;
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

/**
 * One round over `marketIds`: on each market over its cap, deleverage the best-ranked eligible position, re-rank,
 * and repeat until the market is under its cap, nothing is eligible, or `maxPerMarket` transactions were sent.
 * `clearinghouse` is connected to the keeper's signer.
 */
export async function deleverageRound(
  clearinghouse: Clearinghouse,
  marketIds: readonly bigint[],
  accountIds: readonly bigint[],
  maxPerMarket = 8,
): Promise<DeleverageResult[]> {
  const results: DeleverageResult[] = [];
  for (const marketId of marketIds) {
    for (let sent = 0; sent < maxPerMarket && (await needsDeleverage(clearinghouse, marketId)); ++sent) {
      const [best] = await rankCandidates(clearinghouse, marketId, accountIds);
      if (best === undefined) break;
      const tx = await clearinghouse.deleverage(best.accountId, marketId);
      await tx.wait();
      results.push({ marketId, accountId: best.accountId, sizeClosed: best.sizeClosed, txHash: tx.hash });
    }
  }
  return results;
}
