/**
 * `orders:list --all` reads the OrderBook's `OrderCommitted` logs from the deployment's first block in ranges a public
 * RPC accepts (it used to ask for block 0..latest in one call, which providers refuse on a long chain).
 */
import { expect } from "chai";
import type { OrderBook } from "../../../typechain-types";
import { LOG_BLOCK_RANGE } from "../../../scripts/common/ranges";
import { committedOrderIds } from "../../../scripts/tasks/trading/orderBook";

type Book = Pick<OrderBook, "queryFilter" | "filters">;

/** A book whose log query refuses ranges wider than `limit` blocks (as providers do) and records each query. */
function fakeBook(commits: { block: number; orderId: bigint }[], limit: number) {
  const queries: [number, number][] = [];
  const book = {
    filters: { OrderCommitted: () => "OrderCommitted" },
    queryFilter: (_filter: unknown, from: number, to: number) => {
      if (to - from + 1 > limit) {
        return Promise.reject(
          new Error(`range ${from}-${to} too wide: the provider limits queries to ${limit} blocks`),
        );
      }
      queries.push([from, to]);
      const events = commits
        .filter((c) => c.block >= from && c.block <= to)
        .map((c) => ({ args: { orderId: c.orderId } }));
      return Promise.resolve(events);
    },
  } as unknown as Book;
  return { book, queries };
}

describe("orders:list --all: the OrderCommitted scan", () => {
  it("reads 0..4,500 in ranges of 2,000 blocks and keeps each id once, in order of first commit", async () => {
    const commits = [
      { block: 0, orderId: 7n },
      { block: 1_999, orderId: 9n },
      { block: 2_000, orderId: 7n }, // the same pair's next order: same id
      { block: 4_500, orderId: 11n },
      { block: 4_501, orderId: 13n }, // after the latest block: not read
    ];
    const { book, queries } = fakeBook(commits, LOG_BLOCK_RANGE);
    expect(await committedOrderIds(book, 0, 4_500)).to.deep.equal([7n, 9n, 11n]);
    expect(queries).to.deep.equal([
      [0, 1_999],
      [2_000, 3_999],
      [4_000, 4_500],
    ]);
  });

  it("starts at the first block it is given (the deployment's) and reads nothing when that is past the latest", async () => {
    const { book, queries } = fakeBook([{ block: 5, orderId: 1n }], 2_000);
    expect(await committedOrderIds(book, 6, 10)).to.deep.equal([]);
    expect(queries).to.deep.equal([[6, 10]]);
    const none = fakeBook([], 2_000);
    expect(await committedOrderIds(none.book, 11, 10)).to.deep.equal([]);
    expect(none.queries).to.deep.equal([]);
  });

  it("never asks a provider for more than its range (the old single 0..latest query would be refused)", async () => {
    const { book } = fakeBook([{ block: 9_000, orderId: 3n }], 2_000);
    await expect(book.queryFilter(book.filters.OrderCommitted(), 0, 9_000)).to.be.rejectedWith("too wide");
    expect(await committedOrderIds(book, 0, 9_000)).to.deep.equal([3n]);
  });
});
