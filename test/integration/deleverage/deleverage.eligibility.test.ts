import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, POOL_LIQUIDITY, USDC, WAD, accountIdOf, mintAndApprove } from "../../shared/fixtures";
import { Book, ETH_PARAMS, MAX_PNL_TO_POOL, TO_WAD, adlFixture } from "../../shared/deleverageBook";
import * as adl from "../../shared/deleverage";
import * as math from "../../shared/math";

/**
 * DESIGN §11.1: the two thresholds of auto-deleveraging, each tested one settlement-token unit apart, with the
 * expected numbers from the TypeScript reference (test/shared/deleverage.ts). The book: a whale 200 ETH, alice
 * 10 ETH and bob 2 ETH long at ~$3,000, dave 10 ETH long at ~$4,200; ETH then at $5,400.
 */
const OPENS: [number, bigint][] = [
  [3_000, WAD(200)],
  [3_000, WAD(10)],
  [3_000, WAD(2)],
  [4_200, WAD(10)],
];
const PRICE = WAD(5_400);

/** The book's positions by the reference alone (no fee, no funding): each fill at the skew premium of its time. */
function referencePositions(): adl.Pos[] {
  let skew = 0n;
  return OPENS.map(([usd, size]) => {
    const fill = math.fillPrice(WAD(usd), skew, size, ETH_PARAMS.skewScale);
    skew += size;
    const f = math.applyFill(0n, 0n, size, fill);
    return { size: f.newSize, openNotional: f.newOpenNotional };
  });
}

const POSITIONS = referencePositions();
const DAVE = POSITIONS[3];
const LONG = adl.side(POSITIONS, PRICE, true);
const THRESHOLD = adl.threshold(LONG.pnl, LONG.openNotional);
const daveScore = (depositUnits: bigint) =>
  adl.score(
    DAVE,
    PRICE,
    adl.grossNotional([{ size: DAVE.size, price: PRICE }]),
    depositUnits * TO_WAD + math.unrealizedPnl(DAVE.size, DAVE.openNotional, PRICE),
  );

/** The largest deposit (token units) at which dave's score still reaches the side's average: his leverage lifts it. */
function maxEligibleDeposit(): bigint {
  let [lo, hi] = [1n, USDC(1_000_000)]; // eligible at lo, not at hi
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (daveScore(mid) >= THRESHOLD) lo = mid;
    else hi = mid;
  }
  return lo;
}
const DAVE_DEPOSIT = maxEligibleDeposit();

/** The least pool cash (token units) whose cap covers the longs' PnL: one unit less and the side needs deleveraging. */
function minCashUnderCap(): bigint {
  let [lo, hi] = [1n, USDC(10_000_000)]; // over the cap at lo, under it at hi
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (adl.cap(mid, TO_WAD, MAX_PNL_TO_POOL) >= LONG.pnl) hi = mid;
    else lo = mid;
  }
  return hi;
}
const CASH_AT_CAP = minCashUnderCap();

/** The book on chain, with dave's deposit and the pool's cash as given (no fee, no funding: cash is the deposits). */
async function bookWith(daveDeposit: bigint, poolCash: bigint) {
  const sys = await adlFixture();
  const [lp, dave] = [sys.lp, sys.signers[6]];
  if (poolCash > POOL_LIQUIDITY) {
    await mintAndApprove(sys, lp, poolCash - POOL_LIQUIDITY, await sys.pool.getAddress());
    await sys.pool.connect(lp).deposit(poolCash - POOL_LIQUIDITY, lp.address);
  }
  await mintAndApprove(sys, dave, daveDeposit, await sys.vault.getAddress());
  await sys.vault.connect(dave).deposit(0, await sys.usdc.getAddress(), daveDeposit);
  const book = new Book(sys, [sys.whale, sys.alice, sys.bob]);
  book.balances.set(accountIdOf(dave.address), daveDeposit);
  book.cash = poolCash;
  for (const [i, who] of [sys.whale, sys.alice, sys.bob, dave].entries()) {
    if (book.price !== WAD(OPENS[i][0])) await book.setPrice(OPENS[i][0]);
    await book.trade(who, OPENS[i][1]);
  }
  await book.setPrice(5_400);
  return { sys, book, dave: accountIdOf(dave.address) };
}

const CASH = USDC(1_000_000);
const atScoreBoundary = () => bookWith(DAVE_DEPOSIT, CASH);
const oneUnitMoreEquity = () => bookWith(DAVE_DEPOSIT + 1n, CASH);
const cashAtCap = () => bookWith(USDC(10_000), CASH_AT_CAP);
const cashOneUnitUnderCap = () => bookWith(USDC(10_000), CASH_AT_CAP - 1n);

describe("Deleverage: eligibility and need, one unit apart", function () {
  it("the reference's boundaries are where the rule puts them", function () {
    expect(daveScore(DAVE_DEPOSIT)).to.be.at.least(THRESHOLD);
    expect(daveScore(DAVE_DEPOSIT + 1n)).to.be.lessThan(THRESHOLD);
    // Dave's own PnL per unit of open notional is below the side's average: only his leverage ranks him.
    expect(adl.score(DAVE, PRICE, 0n, 1n)).to.be.lessThan(THRESHOLD);
    expect(adl.cap(CASH_AT_CAP - 1n, TO_WAD, MAX_PNL_TO_POOL)).to.be.lessThan(LONG.pnl);
  });

  it("deleverages a position whose score just reaches the side's average", async function () {
    const { sys, book, dave } = await loadFixture(atScoreBoundary);
    expect(book.long().pnl).to.equal(LONG.pnl);
    const plan = book.deleveragePlan(dave);
    await expect(sys.clearinghouse.deleverage(dave, ETH))
      .to.emit(sys.clearinghouse, "Deleveraged")
      .withArgs(
        dave,
        ETH,
        sys.admin.address,
        plan.sizeClosed,
        PRICE,
        plan.realizedPnl,
        0n,
        LONG.pnl,
        book.cap(),
      );
    book.applyDeleverage(dave, plan);
    expect(await sys.vault.balanceOf(dave, await sys.usdc.getAddress())).to.equal(book.balances.get(dave));
    expect((await sys.clearinghouse.position(dave, ETH)).size).to.equal(plan.newSize);
  });

  it("refuses the same position with one more unit of equity, naming its score and the side's average", async function () {
    const { sys, dave } = await loadFixture(oneUnitMoreEquity);
    const preview = await sys.clearinghouse.previewDeleverage(dave, ETH);
    expect([preview.needed, preview.eligible, preview.score, preview.threshold]).to.deep.equal([
      true,
      false,
      daveScore(DAVE_DEPOSIT + 1n),
      THRESHOLD,
    ]);
    await expect(sys.clearinghouse.deleverage(dave, ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseDeleverageIneligible")
      .withArgs(dave, ETH, daveScore(DAVE_DEPOSIT + 1n), THRESHOLD);
  });

  it("refuses while the side's PnL is just within its cap", async function () {
    const { sys, book } = await loadFixture(cashAtCap);
    const whale = accountIdOf(sys.whale.address);
    const cap = adl.cap(CASH_AT_CAP, TO_WAD, MAX_PNL_TO_POOL);
    expect(await sys.clearinghouse.deleverageNeed(ETH)).to.deep.equal([LONG.pnl, 0n, cap]);
    await expect(sys.clearinghouse.deleverage(whale, ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseDeleverageNotNeeded")
      .withArgs(ETH, LONG.pnl, cap);
    expect(book.cap()).to.equal(cap);
  });

  it("deleverages the top winner once the pool's cash is one unit less, back under the cap", async function () {
    const { sys, book } = await loadFixture(cashOneUnitUnderCap);
    const whale = accountIdOf(sys.whale.address);
    const plan = book.deleveragePlan(whale);
    await expect(sys.clearinghouse.deleverage(whale, ETH)).to.emit(sys.clearinghouse, "Deleveraged");
    book.applyDeleverage(whale, plan);
    const [longPnl, , cap] = await sys.clearinghouse.deleverageNeed(ETH);
    expect([longPnl, cap]).to.deep.equal([book.long().pnl, book.cap()]);
    expect(longPnl).to.be.at.most(cap);
    expect(await sys.vault.poolBalance()).to.equal(book.cash);
  });

  it("refuses an unknown market and an account without a position there", async function () {
    const { sys } = await loadFixture(atScoreBoundary);
    await expect(sys.clearinghouse.deleverage(1n, 7n))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnknownMarket")
      .withArgs(7n);
    const nobody = accountIdOf(ethers.Wallet.createRandom().address);
    await expect(sys.clearinghouse.deleverage(nobody, ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseDeleverageIneligible")
      .withArgs(nobody, ETH, 0n, 0n);
  });
});
