/**
 * What the order pass knows of positions between its reads (DESIGN §21): a position's size changes only in a
 * Clearinghouse transaction that logs the account as its first indexed topic: `TradeExecuted` (trades and order
 * settlements), `Liquidated` and `Deleveraged`. The keeper's log scan already reads the first two and, with this watch,
 * the third; each makes the watch forget the sizes it kept for that account. A size read at block B is still the
 * chain's at a later block C when every block in (B, C] was scanned and it is still kept: the order pass then reuses it
 * instead of reading `position` again for every pending stop-loss and take-profit, every round. As a safeguard against
 * a node that returns incomplete logs, a size is read again after `MAX_AGE_PASSES` passes regardless.
 */
import { ethers } from "ethers";

/**
 * Topic 0 of `Clearinghouse.Deleveraged(uint256 indexed accountId, uint256 indexed marketId, address indexed keeper,
 * ...)`: auto-deleveraging reduces the account's position.
 */
export const DELEVERAGED_TOPIC = ethers.id(
  "Deleveraged(uint256,uint256,address,int256,uint256,int256,int256,int256,uint256)",
);

/** Passes after which a kept size is read again even with no log of its account. */
export const MAX_AGE_PASSES = 30;

interface KeptSize {
  size: bigint;
  /** The block it was read at. */
  block: number;
  /** The pass it was read in. */
  pass: number;
}

export class PositionWatch {
  /** The contiguous range of blocks scanned so far (undefined before the first scan). */
  private scanned: { from: number; to: number } | undefined;
  /** Sizes kept, by account then market; a log of the account forgets all of its. */
  private readonly sizes = new Map<bigint, Map<bigint, KeptSize>>();
  private pass = 0;

  /** Records a scan of blocks `from..to` whose position-changing logs named `accounts`. */
  scan(from: number, to: number, accounts: Iterable<bigint>): void {
    for (const id of accounts) this.sizes.delete(id);
    const s = this.scanned;
    // A gap (or a first scan) restarts the range: nothing is known of the blocks before it.
    this.scanned =
      s && from <= s.to + 1 && from >= s.from ? { from: s.from, to: Math.max(s.to, to) } : { from, to };
  }

  /** Starts an order pass (ages the kept sizes). */
  nextPass(): void {
    this.pass++;
  }

  /** The size kept for the position, if it is still the chain's at `block`. */
  size(accountId: bigint, marketId: bigint, block: number): bigint | undefined {
    const kept = this.sizes.get(accountId)?.get(marketId);
    if (!kept || !this.covered(kept.block, block)) return undefined;
    if (this.pass - kept.pass >= MAX_AGE_PASSES) return undefined;
    return kept.size;
  }

  /** Keeps a size read at `block` (or later: a later read only makes the kept size newer than its block says). */
  keep(accountId: bigint, marketId: bigint, block: number, size: bigint): void {
    let markets = this.sizes.get(accountId);
    if (!markets) this.sizes.set(accountId, (markets = new Map<bigint, KeptSize>()));
    markets.set(marketId, { size, block, pass: this.pass });
  }

  /** Forgets the sizes of positions none of `watched` (the pending orders) protects any more. */
  retain(watched: Iterable<{ accountId: bigint; marketId: bigint }>): void {
    const keep = new Set([...watched].map((w) => `${w.accountId}:${w.marketId}`));
    for (const [accountId, markets] of this.sizes) {
      for (const marketId of markets.keys())
        if (!keep.has(`${accountId}:${marketId}`)) markets.delete(marketId);
      if (markets.size === 0) this.sizes.delete(accountId);
    }
  }

  /** Whether every block in (`readAt`, `block`] was scanned. */
  private covered(readAt: number, block: number): boolean {
    const s = this.scanned;
    return block <= readAt || (s !== undefined && s.from <= readAt + 1 && s.to >= block);
  }
}
