/**
 * Liveness: profit larger than the pool's cash (issue 13, item 7; DESIGN §11.1, §18.24).
 *
 * Set-up: an LP puts $1,000,000 in the pool. On ETH (no fee, no funding, so every figure is exact) a whale opens
 * 200 ETH long at ~$3,000 on $120,000 (5x), alice 10 ETH on $10,000, bob 2 ETH on $10,000, and, at $4,200, carol
 * 10 ETH on $10,000 (all under the open-interest cap of 1x the pool's cash).
 *
 * The move: ETH goes 3,000 → 4,200 → 5,400 → 6,600 → 7,800 → 9,000 (+200%).
 *
 * Red run (before the fix, commit "Attack test (red)"): at $9,000 the longs' net unrealized PnL is $1,319,234.70
 * against $1,000,000 of pool cash. The whale's close needs $1,201,596 of realized profit and reverts with
 * `ClearinghouseInsufficientPoolLiquidity(1,201,596 USDC, 1,000,000 USDC)`: the profit is unpayable, the LPs' signed
 * NAV is −$319,234.70 (`totalAssets()` reads 0), and whoever closes first takes the cash the others' profit needs.
 * There was no `deleverage` (the three tests below that call it failed: "no matching function"), so a keeper could
 * do nothing.
 *
 * After the fix: as soon as the longs' PnL exceeds `maxPnlToPool` (45%) of the pool's cash, a keeper deleverages the
 * highest-ranked winner (PnL per unit of open notional × leverage, checked on chain) at the oracle price, just enough
 * to bring the side back under the cap: at $5,400 the whale (53.1 ETH of 200, +$127,336), at $6,600 alice (all her
 * 10 ETH, +$35,939; her 1.72 outranks the whale's 1.50) then the whale again (92.4 ETH, +$332,520), at $7,800 and
 * $9,000 the whale (30.2 and 13.2 ETH). At $9,000 every remaining close succeeds (the whale's last 11.0 ETH, bob's and
 * carol's whole positions, with their whole upside), and the pool keeps cash and a positive NAV throughout.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, WAD, accountIdOf } from "../shared/fixtures";
import { Book, ETH_PARAMS, TO_WAD, adlFixture, type AdlSys } from "../shared/deleverageBook";
import * as adl from "../shared/deleverage";
import * as math from "../shared/math";

const PATH = [5_400, 6_600, 7_800, 9_000];

/** The positions of the scenario, opened at $3,000 (carol at $4,200). */
async function openBook(sys: AdlSys) {
  const book = new Book(sys, [sys.whale, sys.alice, sys.bob, sys.carol]);
  await book.trade(sys.whale, WAD(200));
  await book.trade(sys.alice, WAD(10));
  await book.trade(sys.bob, WAD(2));
  await book.setPrice(4_200);
  await book.trade(sys.carol, WAD(10));
  return book;
}

/** The keeper: while the longs are over their cap, deleverage the best-ranked long (ranked off chain). */
async function keeperRound(sys: AdlSys, book: Book, deleveraged: Set<bigint>) {
  const ch = sys.clearinghouse;
  for (let i = 0; book.long().pnl > book.cap(); ++i) {
    expect(i).to.be.lessThan(4, "one deleverage per position at most");
    const ids = [...book.positions.keys()].filter((id) => book.pos(id).size > 0n);
    const best = ids.reduce((a, b) => (book.score(b) > book.score(a) ? b : a));
    const plan = book.deleveragePlan(best);
    const [pnlBefore, capBefore] = [book.long().pnl, book.cap()];
    // The preview, computed by the action's code, agrees with the reference (no funding: same in the next block).
    const pv = await ch.previewDeleverage(best, ETH);
    expect([pv.needed, pv.eligible, pv.score, pv.sizeClosed, pv.realizedPnl]).to.deep.equal([
      true,
      true,
      book.score(best),
      plan.sizeClosed,
      plan.realizedPnl,
    ]);
    const tx = await ch.deleverage(best, ETH);
    await expect(tx)
      .to.emit(ch, "Deleveraged")
      .withArgs(
        best,
        ETH,
        sys.signers[0].address,
        plan.sizeClosed,
        book.price,
        plan.realizedPnl,
        0n,
        pnlBefore,
        capBefore,
      );
    book.applyDeleverage(best, plan);
    deleveraged.add(best);
  }
  // Back under the cap, as the need view says too.
  const need = await ch.deleverageNeed(ETH);
  expect([need[0], need[2]]).to.deep.equal([book.long().pnl, book.cap()]);
  expect(book.long().pnl).to.be.at.most(book.cap());
}

describe("Attack: profit larger than the pool's cash", function () {
  it("without deleveraging, the winner's close reverts naming the shortfall and the LPs' NAV is negative", async function () {
    const sys = await loadFixture(adlFixture);
    const book = await openBook(sys);
    for (const usd of PATH) await book.setPrice(usd);
    const whale = accountIdOf(sys.whale.address);
    const p = book.pos(whale);
    const market = { params: { ...ETH_PARAMS, symbol: "ETH" }, price: book.price, fundingIndex: 0n };
    const close = math.trade({ ...p, lastFundingIndex: 0n }, book.skew(), market, -p.size, TO_WAD, 0n);
    expect(close.accountDelta).to.be.greaterThan(book.cash);
    await expect(sys.clearinghouse.connect(sys.whale).trade(0, ETH, -p.size, 0n))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientPoolLiquidity")
      .withArgs(close.accountDelta, book.cash);
    // The LPs' signed NAV: cash minus the longs' PnL (no funding here); the pool reports it floored at zero.
    const nav = book.cash * TO_WAD - adl.side([...book.positions.values()], book.price, true).pnl;
    expect(nav).to.be.lessThan(-WAD(300_000));
    expect(await sys.pool.totalAssets()).to.equal(0n);
  });

  it("a keeper deleveraging the top winner as the cap is crossed keeps every close payable", async function () {
    const sys = await loadFixture(adlFixture);
    const book = await openBook(sys);
    const deleveraged = new Set<bigint>();
    const [whale, alice] = [accountIdOf(sys.whale.address), accountIdOf(sys.alice.address)];
    const others = [sys.bob, sys.carol];
    const sizes = others.map((t) => book.pos(accountIdOf(t.address)).size);
    for (const usd of PATH) {
      await book.setPrice(usd);
      await keeperRound(sys, book, deleveraged);
    }
    // The whale first (score 1.44 at $5,400); at $6,600 alice (10x on $46k of equity: 1.72) outranks it (1.50).
    expect([...deleveraged]).to.deep.equal([whale, alice]);
    // Nobody else lost upside: their positions are whole, and each closes at the full reference PnL.
    for (const [i, t] of others.entries()) {
      expect((await sys.clearinghouse.position(accountIdOf(t.address), ETH)).size).to.equal(sizes[i]);
    }
    expect(book.pos(alice).size).to.equal(0n); // closed whole: the rest of her PnL was below the excess
    for (const t of [sys.whale, ...others]) {
      const id = accountIdOf(t.address);
      const { tx, r } = await book.trade(t, -book.pos(id).size);
      await expect(tx).to.emit(sys.clearinghouse, "TradeExecuted");
      expect(r.realizedPnl).to.be.greaterThan(0n);
    }
    expect(await sys.vault.poolBalance()).to.equal(book.cash);
    expect(book.cash).to.be.greaterThan(0n);
    expect(await sys.pool.totalAssets()).to.equal(book.cash);
  });

  it("refuses to deleverage a healthy below-average winner, naming its score and the side's average", async function () {
    const sys = await loadFixture(adlFixture);
    const book = await openBook(sys);
    await book.setPrice(5_400);
    expect(book.long().pnl).to.be.greaterThan(book.cap());
    const carol = accountIdOf(sys.carol.address);
    const score = book.score(carol);
    const threshold = adl.threshold(book.long().pnl, book.long().openNotional);
    expect(score).to.be.lessThan(threshold);
    await expect(sys.clearinghouse.deleverage(carol, ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseDeleverageIneligible")
      .withArgs(carol, ETH, score, threshold);
  });

  it("refuses to deleverage while the side is under its cap", async function () {
    const sys = await loadFixture(adlFixture);
    const book = await openBook(sys);
    expect(book.long().pnl).to.be.at.most(book.cap());
    await expect(sys.clearinghouse.deleverage(accountIdOf(sys.whale.address), ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseDeleverageNotNeeded")
      .withArgs(ETH, book.long().pnl, book.cap());
  });
});
