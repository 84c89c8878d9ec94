/**
 * Splitting work a node limits: block ranges for `eth_getLogs` (providers refuse wide ones) and calls with a bounded
 * number in flight (providers rate-limit bursts). Shared by the keeper's scans and the tasks.
 */

/** The default widest block range of one `eth_getLogs` call (the keeper's `maxBlockRange`, `orders:list --all`). */
export const LOG_BLOCK_RANGE = 2_000;

/** The default number of reads in flight at once (the keeper's `readConcurrency`, `orders:list --all`). */
export const READ_CONCURRENCY = 16;

/**
 * `fromBlock..toBlock` (inclusive) as consecutive inclusive ranges `[from, to]` of at most `range` blocks, in order;
 * none when `toBlock < fromBlock`.
 */
export function blockRanges(fromBlock: number, toBlock: number, range: number): [number, number][] {
  if (!Number.isSafeInteger(range) || range < 1)
    throw new Error(`block range must be a positive integer, got ${range}`);
  const ranges: [number, number][] = [];
  for (let from = fromBlock; from <= toBlock; from += range)
    ranges.push([from, Math.min(toBlock, from + range - 1)]);
  return ranges;
}

/** Maps `items` through `fn` with at most `limit` calls running at once; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
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
