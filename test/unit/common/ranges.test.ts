/** Block ranges for `eth_getLogs` and bounded concurrency: shared by the keeper's scans and `orders:list --all`. */
import { expect } from "chai";
import { blockRanges, mapLimit } from "../../../scripts/common/ranges";

describe("common/ranges", () => {
  it("splits a span into inclusive ranges of at most `range` blocks: exactly one range, then one block more", () => {
    expect(blockRanges(100, 2_099, 2_000)).to.deep.equal([[100, 2_099]]);
    expect(blockRanges(100, 2_100, 2_000)).to.deep.equal([
      [100, 2_099],
      [2_100, 2_100],
    ]);
    expect(blockRanges(0, 4, 1)).to.deep.equal([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
  });

  it("gives one single-block range when from = to and none when to is one below from", () => {
    expect(blockRanges(7, 7, 2_000)).to.deep.equal([[7, 7]]);
    expect(blockRanges(7, 6, 2_000)).to.deep.equal([]);
  });

  it("refuses a range that is not a positive integer (it would loop forever or skip blocks)", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => blockRanges(0, 10, bad)).to.throw(`block range must be a positive integer, got ${bad}`);
    }
  });

  it("mapLimit keeps input order and never has more than `limit` calls in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 10, 3, 8];
    const out = await mapLimit(delays, 3, async (ms) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return ms * 2;
    });
    expect(out).to.deep.equal([60, 10, 40, 2, 20, 6, 16]);
    expect(most).to.equal(3);
    expect(await mapLimit([], 3, (x: number) => Promise.resolve(x))).to.deep.equal([]);
  });
});
