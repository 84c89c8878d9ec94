import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { BTC, ETH, WAD, accountIdOf } from "../../shared/fixtures";
import { Book, adlFixture } from "../../shared/deleverageBook";
import { ethers } from "hardhat";
import { Keeper, MemoryLogger, rankCandidates } from "../../../scripts/keeper";

/** The keeper's auto-deleveraging pass (scripts/keeper/deleverage.ts, DESIGN §11.1) against the reference book. */
async function overCap() {
  const sys = await adlFixture();
  const book = new Book(sys, [sys.whale, sys.alice, sys.bob, sys.carol]);
  await book.trade(sys.whale, WAD(200));
  await book.trade(sys.alice, WAD(10));
  await book.trade(sys.bob, WAD(2));
  await book.setPrice(4_200);
  await book.trade(sys.carol, WAD(10));
  await book.setPrice(5_400);
  const ids = [sys.whale, sys.alice, sys.bob, sys.carol].map((t) => accountIdOf(t.address));
  return { sys, book, ids };
}

describe("Keeper: deleverage pass", function () {
  it("ranks the eligible positions by the chain's score, leaving out the below-average one", async function () {
    const { sys, book, ids } = await loadFixture(overCap);
    const ranked = await rankCandidates(sys.clearinghouse, ETH, ids);
    const expected = ids
      .filter((id) => id !== ids[3]) // carol: below the side's average (the attack test's refusal)
      .sort((a, b) => (book.score(b) > book.score(a) ? 1 : -1));
    expect(ranked.map((c) => c.accountId)).to.deep.equal(expected);
    expect(ranked.map((c) => c.score)).to.deep.equal(expected.map((id) => book.score(id)));
  });

  it("leaves the markets alone when the pass is turned off (deleverageMarkets [], --deleverage none)", async function () {
    const { sys, ids } = await loadFixture(overCap);
    const keeper = new Keeper({
      clearinghouse: sys.clearinghouse,
      vault: sys.vault,
      signer: sys.signers[10],
      logger: new MemoryLogger(),
      receiptPollMs: 10,
      deleverageMarkets: [],
    });
    for (const id of ids) keeper.tracker.add(id);
    expect((await keeper.checkAndLiquidate()).filter((o) => o.action === "deleverage")).to.deep.equal([]);
    const [longPnl, , cap] = await sys.clearinghouse.deleverageNeed(ETH);
    expect(longPnl).to.be.greaterThan(cap);
  });

  it("by default deleverages, on every market, the best-ranked position until it is back under its cap", async function () {
    const { sys, book, ids } = await loadFixture(overCap);
    const whale = ids[0];
    const plan = book.deleveragePlan(whale);
    const logger = new MemoryLogger();
    const keeper = new Keeper({
      clearinghouse: sys.clearinghouse,
      vault: sys.vault,
      signer: sys.signers[10],
      logger,
      receiptPollMs: 10,
    });
    expect(await keeper.deleverageMarkets()).to.deep.equal([ETH, BTC]);
    for (const id of ids) keeper.tracker.add(id);
    // One round: nobody is liquidatable, the ETH long side is over its cap: its best-ranked position is deleveraged.
    const outcomes = (await keeper.checkAndLiquidate()).filter((o) => o.action === "deleverage");
    expect(outcomes.map((o) => [o.marketId, o.accountId, o.status, o.sizeClosed])).to.deep.equal([
      [ETH, whale, "succeeded", plan.sizeClosed],
    ]);
    book.applyDeleverage(whale, plan);
    const [longPnl, , cap] = await sys.clearinghouse.deleverageNeed(ETH);
    expect([longPnl, cap]).to.deep.equal([book.long().pnl, book.cap()]);
    expect(longPnl).to.be.at.most(cap);
    expect(keeper.stats.deleverages).to.deep.equal({ sent: 1, succeeded: 1, lost: 0, skipped: 0, failed: 0 });
    expect(logger.events("deleveraged")[0]).to.include({
      accountId: whale,
      marketId: ETH,
      sizeClosed: ethers.formatUnits(plan.sizeClosed, 18),
    });
    expect(await keeper.deleverage([ETH])).to.deep.equal([]);
  });
});
