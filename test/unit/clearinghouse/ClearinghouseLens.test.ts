import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { WAD, accountIdOf, fundedFixture } from "../../shared/fixtures";

/**
 * The lens forwards the core's views unchanged (the claim is equality with the core: the values themselves are checked
 * against the reference model in the Clearinghouse and liquidation suites) and refuses unknown markets like the core.
 */
const MAX = 2n ** 256n - 1n;

describe("ClearinghouseLens", function () {
  async function withPositions() {
    const sys = await loadFixture(fundedFixture);
    await sys.clearinghouse.connect(sys.alice).trade(0, 0, WAD(2), MAX);
    await sys.clearinghouse.connect(sys.bob).trade(0, 1, -WAD("0.1"), 0n);
    return sys;
  }

  it("reads the Clearinghouse it was built for", async function () {
    const sys = await loadFixture(fundedFixture);
    expect(await sys.lens.clearinghouse()).to.equal(await sys.clearinghouse.getAddress());
  });

  it("forwards accountState, health, previews, counts exactly as the core answers them", async function () {
    const sys = await withPositions();
    const ids = [sys.alice, sys.bob, sys.carol].map((s) => accountIdOf(s.address));
    for (const id of ids) {
      expect(await sys.lens.accountState(id)).to.deep.equal(await sys.clearinghouse.accountState(id));
      expect(await sys.lens.isLiquidatable(id)).to.equal(await sys.clearinghouse.isLiquidatable(id));
      expect(await sys.lens.previewLiquidation(id)).to.deep.equal(
        await sys.clearinghouse.previewLiquidation(id),
      );
      expect(await sys.lens.positionCount(id)).to.equal(await sys.clearinghouse.positionCount(id));
      expect(await sys.lens.previewTrade(id, 0, -WAD(1))).to.deep.equal(
        await sys.clearinghouse.previewTrade(id, 0, -WAD(1)),
      );
    }
    expect(await sys.lens.liquidatable(ids)).to.deep.equal(await sys.clearinghouse.liquidatable(ids));
    expect(await sys.lens.marketCount()).to.equal(await sys.clearinghouse.marketCount());
    expect(await sys.lens.positionCount(ids[0])).to.equal(1n);
  });

  it("refuses an unknown market id with ClearinghouseUnknownMarket, and serves the last listed one", async function () {
    const sys = await loadFixture(fundedFixture);
    const count = await sys.clearinghouse.marketCount();
    for (const view of ["marketParams", "marketState", "market"] as const) {
      await expect(sys.lens[view](count))
        .to.be.revertedWithCustomError(sys.lens, "ClearinghouseUnknownMarket")
        .withArgs(count);
      await sys.lens[view](count - 1n);
    }
  });
});
