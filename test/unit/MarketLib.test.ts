/**
 * MarketLib's aggregate updates over the whole range of the stored types (`int128` sizes, indexes and notionals,
 * `uint128` open interest), against a BigInt reference: the liquidation path (`reducePosition`, storage) and the
 * trade path (`replacePosition`, memory) must agree with it and with each other. A liquidation once reverted with
 * Panic(0x11) because `reducePosition` multiplied two stored `int128` fields in 128 bits. Each side keeps its own
 * Σ size·(lastIndex + 1) and entry spread Σ ceil(m² / (|size|·WAD)) (DESIGN §11); entries and indexes are drawn up to
 * 2^80 and 2^90 (1.2e6 and 1.2e9 USD per unit), the range in which the spread term fits 256 bits for any int128 size.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import type { MarketLibHarness } from "../../typechain-types";
import * as math from "../shared/math";

const I128 = 2n ** 127n;
const U128 = 2n ** 128n;

interface Side {
  openInterest: bigint;
  openNotional: bigint;
}
interface Entries {
  sizeTimesShiftedIndexSum: bigint;
  entrySpreadSum: bigint;
}
interface MarketRef {
  funding: { index: bigint; lastTime: bigint; proportion: bigint };
  long: Side;
  short: Side;
  longEntries: Entries;
  shortEntries: Entries;
}

/** A position's term of its side's entry spread: ceil(m² / (|size|·WAD)), m = openNotional·WAD − size·lastIndex. */
function spreadTerm(size: bigint, openNotional: bigint, lastIndex: bigint): bigint {
  if (size === 0n) return 0n;
  const m = openNotional * math.WAD - size * lastIndex;
  return math.divCeil(m * m, math.abs(size) * math.WAD);
}

/** `clamp(skew / skewScale, -1, 1)`, magnitude rounded up (WAD). */
function proportion(skew: bigint, skewScale: bigint): bigint {
  if (skew === 0n) return 0n;
  const p = math.min(math.divCeil(math.abs(skew) * math.WAD, skewScale), math.WAD);
  return skew > 0n ? p : -p;
}

/** One position's contribution moves from (size, openNotional, lastIndex) to (newSize, newOpenNotional, index). */
function reference(
  m: MarketRef,
  old: { size: bigint; lastFundingIndex: bigint; openNotional: bigint },
  index: bigint,
  newSize: bigint,
  newOpenNotional: bigint,
  skewScale: bigint,
) {
  const side = old.size > 0n ? "long" : "short";
  const next = {
    ...m,
    [side]: {
      openInterest: m[side].openInterest - (math.abs(old.size) - math.abs(newSize)),
      openNotional: m[side].openNotional - (old.openNotional - newOpenNotional),
    },
  };
  const key = old.size > 0n ? "longEntries" : "shortEntries";
  next[key] = {
    sizeTimesShiftedIndexSum:
      m[key].sizeTimesShiftedIndexSum +
      newSize * index -
      old.size * old.lastFundingIndex +
      (newSize - old.size),
    entrySpreadSum:
      m[key].entrySpreadSum -
      spreadTerm(old.size, old.openNotional, old.lastFundingIndex) +
      spreadTerm(newSize, newOpenNotional, index),
  };
  const skew = next.long.openInterest - next.short.openInterest;
  return { ...next, funding: { ...m.funding, index, proportion: proportion(skew, skewScale) } };
}

const plain = (m: Awaited<ReturnType<MarketLibHarness["replace"]>>) => ({
  long: { openInterest: m.long.openInterest, openNotional: m.long.openNotional },
  short: { openInterest: m.short.openInterest, openNotional: m.short.openNotional },
  longEntries: {
    sizeTimesShiftedIndexSum: m.longEntries.sizeTimesShiftedIndexSum,
    entrySpreadSum: m.longEntries.entrySpreadSum,
  },
  shortEntries: {
    sizeTimesShiftedIndexSum: m.shortEntries.sizeTimesShiftedIndexSum,
    entrySpreadSum: m.shortEntries.entrySpreadSum,
  },
  index: m.funding.index,
  proportion: m.funding.proportion,
});

/** A reduction of a position that keeps its side, in a market whose side holds at least the position. */
const reductions = fc
  .record({
    sizeAbs: fc.bigInt(1n, I128 - 1n),
    long: fc.boolean(),
    keep: fc.bigInt(0n, 1000n), // the new |size| is keep/1000 of the old one
    // Indexes across ±2^90 and entry prices up to 2^80: |size|·(entry − index)² / WAD fits 256 bits.
    lastFundingIndex: fc.bigInt(-(2n ** 90n), 2n ** 90n),
    index: fc.bigInt(-(2n ** 90n), 2n ** 90n),
    entry: fc.bigInt(1n, 2n ** 80n),
    newEntry: fc.bigInt(1n, 2n ** 80n),
    sideExtra: fc.bigInt(0n, U128 - 1n),
    sideNotional: fc.bigInt(-(2n ** 100n), 2n ** 100n),
    otherOpenInterest: fc.bigInt(0n, U128 - 1n),
    otherNotional: fc.bigInt(-(2n ** 100n), 2n ** 100n),
    sum: fc.bigInt(-(2n ** 200n), 2n ** 200n),
    otherSum: fc.bigInt(-(2n ** 200n), 2n ** 200n),
    spreadExtra: fc.bigInt(0n, 2n ** 200n),
    otherSpread: fc.bigInt(0n, 2n ** 200n),
    skewScale: fc.bigInt(1n, U128),
  })
  .map((r) => {
    const sign = r.long ? 1n : -1n;
    // openNotional = size × entry (WAD), as PositionLib.applyFill builds it, within ±2^100.
    const cap = (2n ** 100n * math.WAD) / r.sizeAbs;
    const entry = math.min(r.entry, cap);
    const newEntry = math.min(r.newEntry, cap);
    const old = {
      size: sign * r.sizeAbs,
      lastFundingIndex: r.lastFundingIndex,
      openNotional: math.divCeil(sign * r.sizeAbs * entry, math.WAD),
    };
    const newSize = (sign * r.sizeAbs * r.keep) / 1000n;
    const own_ = {
      sizeTimesShiftedIndexSum: r.sum,
      entrySpreadSum: spreadTerm(old.size, old.openNotional, old.lastFundingIndex) + r.spreadExtra,
    };
    const other_ = { sizeTimesShiftedIndexSum: r.otherSum, entrySpreadSum: r.otherSpread };
    const held = math.min(r.sizeAbs + r.sideExtra, U128 - 1n);
    const own = { openInterest: held, openNotional: r.sideNotional };
    const other = { openInterest: r.otherOpenInterest, openNotional: r.otherNotional };
    const market: MarketRef = {
      funding: { index: r.lastFundingIndex, lastTime: 1n, proportion: 0n },
      long: r.long ? own : other,
      short: r.long ? other : own,
      longEntries: r.long ? own_ : other_,
      shortEntries: r.long ? other_ : own_,
    };
    return {
      market,
      old,
      newSize,
      index: r.index,
      // A closed position has no open notional left (PositionLib.applyFill).
      newOpenNotional: newSize === 0n ? 0n : math.divCeil(newSize * newEntry, math.WAD),
      skewScale: r.skewScale,
    };
  });

describe("MarketLib (property: the aggregates over the full range of the stored types)", function () {
  async function harnessFixture() {
    return await ethers.deployContract("MarketLibHarness");
  }

  it("reducePosition (liquidation) and replacePosition (trade) both equal the BigInt reference", async function () {
    const harness = await loadFixture(harnessFixture);
    let large = 0;
    await fc.assert(
      fc.asyncProperty(reductions, async (c) => {
        const expected = reference(c.market, c.old, c.index, c.newSize, c.newOpenNotional, c.skewScale);
        if (math.abs(c.old.size * c.old.lastFundingIndex) >= I128) large++;
        const want = {
          long: expected.long,
          short: expected.short,
          longEntries: expected.longEntries,
          shortEntries: expected.shortEntries,
          index: expected.funding.index,
          proportion: expected.funding.proportion,
        };
        const reduced = await harness.reduce.staticCall(
          c.market,
          c.old,
          c.index,
          c.newSize,
          c.newOpenNotional,
          c.skewScale,
        );
        expect(plain(reduced)).to.deep.equal(want);
        const replaced = await harness.replace(
          c.market,
          c.old,
          c.newSize,
          c.newOpenNotional,
          c.index,
          c.skewScale,
        );
        // The trade path leaves the funding index to its caller; everything else is the same update.
        expect(plain(replaced)).to.deep.equal({ ...want, index: c.market.funding.index });
      }),
      { numRuns: 300, seed: 20_261_121 },
    );
    // The generator does reach the products that overflowed 128 bits.
    expect(large).to.be.greaterThan(50);
  });
});
