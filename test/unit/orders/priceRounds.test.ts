/**
 * The order price source for push feeds (`PriceOracle.settlementPrice`, DESIGN §21): the first round published after
 * the commit, proven by its round id, so neither the keeper nor the trader chooses among rounds.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { assetKey } from "../../../deploy/config";
import { WAD, deployFixture, latestTime } from "../../shared/fixtures";
import { postAt, proofOf } from "./shared";

const ETH_KEY = assetKey("ETH");

/** Rounds 2 and 3 of the ETH feed, 100 s apart; round 1 is the deployment's. */
async function roundsFixture() {
  const sys = await deployFixture();
  const round1At = (await sys.ethFeed.latestRoundData()).updatedAt;
  const t2 = (await latestTime()) + 100n;
  const r2 = await postAt(sys.ethFeed, 3_100, t2);
  const t3 = t2 + 100n;
  const r3 = await postAt(sys.ethFeed, 3_200, t3);
  return { ...sys, round1At, t2, r2, t3, r3 };
}

describe("Order price source (push feeds)", function () {
  it("accepts the first round after the commit: published one second after it", async function () {
    const { oracle, t2, r2 } = await loadFixture(roundsFixture);
    const [price, publishedAt] = await oracle.settlementPrice(ETH_KEY, t2 - 1n, proofOf(r2));
    expect(price).to.equal(WAD(3_100));
    expect(publishedAt).to.equal(t2);
  });

  it("refuses a round published at the commit's second (updatedAt == committedAt)", async function () {
    const { oracle, t2, r2 } = await loadFixture(roundsFixture);
    await expect(oracle.settlementPrice(ETH_KEY, t2, proofOf(r2)))
      .to.be.revertedWithCustomError(oracle, "OrderPriceRoundTooOld")
      .withArgs(ETH_KEY, r2, t2, t2);
  });

  it("then accepts the next round, whose previous round is at the commit's second", async function () {
    const { oracle, t2, t3, r3 } = await loadFixture(roundsFixture);
    const [price, publishedAt] = await oracle.settlementPrice(ETH_KEY, t2, proofOf(r3));
    expect(price).to.equal(WAD(3_200));
    expect(publishedAt).to.equal(t3);
  });

  it("refuses an older round than the first after the commit", async function () {
    const { oracle, t2, t3, r2 } = await loadFixture(roundsFixture);
    await expect(oracle.settlementPrice(ETH_KEY, t3 - 50n, proofOf(r2)))
      .to.be.revertedWithCustomError(oracle, "OrderPriceRoundTooOld")
      .withArgs(ETH_KEY, r2, t2, t3 - 50n);
  });

  it("refuses a later round than the first after the commit, with the previous round's time", async function () {
    const { oracle, t2, r3 } = await loadFixture(roundsFixture);
    await expect(oracle.settlementPrice(ETH_KEY, t2 - 1n, proofOf(r3)))
      .to.be.revertedWithCustomError(oracle, "OrderPriceRoundNotFirst")
      .withArgs(ETH_KEY, r3, t2, t2 - 1n);
  });

  it("refuses the first round of a phase: nothing proves it is the first after the commit", async function () {
    const { oracle, round1At } = await loadFixture(roundsFixture);
    await expect(oracle.settlementPrice(ETH_KEY, round1At - 1n, proofOf(1n)))
      .to.be.revertedWithCustomError(oracle, "OrderPriceNoPreviousRound")
      .withArgs(ETH_KEY, 1n);
  });

  it("refuses a round not yet published and a malformed proof", async function () {
    const { oracle, t3, r3 } = await loadFixture(roundsFixture);
    await expect(oracle.settlementPrice(ETH_KEY, t3, proofOf(r3 + 1n)))
      .to.be.revertedWithCustomError(oracle, "OrderPriceRoundTooOld")
      .withArgs(ETH_KEY, r3 + 1n, 0n, t3);
    await expect(oracle.settlementPrice(ETH_KEY, t3, "0x1234"))
      .to.be.revertedWithCustomError(oracle, "OrderPriceInvalidProof")
      .withArgs(ETH_KEY, 2n);
  });

  it("applies the price checks: an unknown asset and a stale round are refused", async function () {
    const { oracle, ethFeed, t2, r2 } = await loadFixture(roundsFixture);
    const unknown = assetKey("DOGE");
    await expect(oracle.settlementPrice(unknown, t2 - 1n, proofOf(r2)))
      .to.be.revertedWithCustomError(oracle, "OracleUnknownAsset")
      .withArgs(unknown);
    const heartbeat = (await oracle.feedConfig(ETH_KEY)).heartbeat;
    await time.increaseTo(t2 + heartbeat + 1n);
    await expect(oracle.settlementPrice(ETH_KEY, t2 - 1n, proofOf(r2)))
      .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
      .withArgs(ETH_KEY, await ethFeed.getAddress(), t2, heartbeat, t2 + heartbeat + 1n);
  });
});
