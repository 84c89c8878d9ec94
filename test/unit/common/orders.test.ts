/**
 * scripts/common/orders.ts: the kinds by name, the trigger directions (OrderBook._triggerAbove's rule), an order's
 * state at a second (one second either side of each bound), and the walk back to the first round published after a
 * commit, on a fake feed whose rounds the test writes.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import {
  findSettlementRound,
  isTriggered,
  orderKindName,
  orderState,
  parseOrderKind,
  roundProof,
  triggersAbove,
} from "../../../scripts/common/orders";
import type { PendingOrder, RoundSource } from "../../../scripts/common/orders";

/** A feed whose round `i` (ids `first..`) was published at `times[i - first]`. */
function fakeFeed(times: number[], first = 1n): RoundSource & { reads: bigint[] } {
  const reads: bigint[] = [];
  const at = (roundId: bigint) => {
    const i = Number(roundId - first);
    return i >= 0 && i < times.length ? BigInt(times[i]) : 0n;
  };
  const latestId = first + BigInt(times.length - 1);
  return {
    reads,
    latestRoundData: () => Promise.resolve({ roundId: latestId, updatedAt: at(latestId) }),
    getRoundData: (roundId: bigint) => {
      reads.push(roundId);
      return Promise.resolve({ updatedAt: at(roundId) });
    },
  };
}

const order = (over: Partial<PendingOrder> = {}): PendingOrder => ({
  orderId: 1n,
  accountId: 1n,
  marketId: 0n,
  sizeDelta: 10n ** 18n,
  acceptablePrice: 0n,
  committedAt: 1_000n,
  deadline: 1_060n,
  reduceOnly: false,
  fee: 1_000_000n,
  kind: 0,
  ...over,
});

describe("common/orders", function () {
  it("names the kinds and parses them back, refusing unknown names in one line", function () {
    expect([0, 1, 2, 3].map(orderKindName)).to.deep.equal(["market", "limit", "stop-loss", "take-profit"]);
    expect(orderKindName(7)).to.equal("kind 7");
    expect(parseOrderKind(" Stop-Loss ")).to.equal(2);
    expect(() => parseOrderKind("stop")).to.throw(
      'unknown order kind "stop" (one of market, limit, stop-loss, take-profit)',
    );
  });

  it("triggers limit sells, take-profit sells and stop-loss buys at or above; the others at or below", function () {
    const buy = 1n;
    const sell = -1n;
    expect([triggersAbove(1, buy), triggersAbove(1, sell)]).to.deep.equal([false, true]);
    expect([triggersAbove(2, buy), triggersAbove(2, sell)]).to.deep.equal([true, false]);
    expect([triggersAbove(3, buy), triggersAbove(3, sell)]).to.deep.equal([false, true]);
    const above = { price: 2_000n, above: true };
    const below = { price: 2_000n, above: false };
    expect([1_999n, 2_000n, 2_001n].map((p) => isTriggered(above, p))).to.deep.equal([false, true, true]);
    expect([1_999n, 2_000n, 2_001n].map((p) => isTriggered(below, p))).to.deep.equal([true, true, false]);
  });

  it("is too early before committedAt + minDelay, open through the deadline, expired one second after", function () {
    const o = order();
    expect(orderState(o, 2n, 1_001n)).to.equal("too-early");
    expect(orderState(o, 2n, 1_002n)).to.equal("open");
    expect(orderState(o, 2n, 1_060n)).to.equal("open");
    expect(orderState(o, 2n, 1_061n)).to.equal("expired");
  });

  it("encodes a round id as abi.encode(uint80)", function () {
    expect(roundProof(5n)).to.equal(ethers.zeroPadValue("0x05", 32));
  });

  describe("findSettlementRound", function () {
    it("waits while the latest round is not later than the commit (updatedAt == committedAt)", async function () {
      expect(await findSettlementRound(fakeFeed([900, 1_000]), 1_000n)).to.deep.equal({
        status: "waiting",
        latestUpdatedAt: 1_000n,
      });
    });

    it("finds the latest round when it is the first after the commit (its previous one == committedAt)", async function () {
      expect(await findSettlementRound(fakeFeed([900, 1_000, 1_001]), 1_000n)).to.deep.equal({
        status: "found",
        roundId: 3n,
        updatedAt: 1_001n,
      });
    });

    it("walks back over later rounds to the first one after the commit", async function () {
      const feed = fakeFeed([900, 999, 1_005, 1_010, 1_020]);
      expect(await findSettlementRound(feed, 1_000n)).to.deep.equal({
        status: "found",
        roundId: 3n,
        updatedAt: 1_005n,
      });
      expect(feed.reads).to.deep.equal([4n, 3n, 2n]);
    });

    it("cannot prove the first round of a phase (aggregator round 1)", async function () {
      const phase2 = (2n << 64n) | 1n;
      expect(await findSettlementRound(fakeFeed([1_005], phase2), 1_000n)).to.deep.equal({
        status: "unprovable",
        reason: `round ${phase2} is the first of its phase`,
      });
    });

    it("cannot prove a round whose previous round reverts (real Chainlink), and throws a transport failure", async function () {
      const reverting = (error: Error & { code?: string }): RoundSource => ({
        latestRoundData: () => Promise.resolve({ roundId: 7n, updatedAt: 1_005n }),
        getRoundData: () => Promise.reject(error),
      });
      const revert = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" });
      expect(await findSettlementRound(reverting(revert), 1_000n)).to.deep.equal({
        status: "unprovable",
        reason: "round 6 does not exist (getRoundData reverted)",
      });
      const down = Object.assign(new Error("connect ECONNREFUSED"), { code: "NETWORK_ERROR" });
      await expect(findSettlementRound(reverting(down), 1_000n)).to.be.rejectedWith("ECONNREFUSED");
    });

    it("cannot prove a round whose previous round does not exist, nor one more than maxSteps back", async function () {
      expect(await findSettlementRound(fakeFeed([1_005, 1_006], 5n), 1_000n)).to.deep.equal({
        status: "unprovable",
        reason: "round 4 does not exist",
      });
      const feed = fakeFeed([900, 1_001, 1_002, 1_003]);
      expect(await findSettlementRound(feed, 1_000n, 2)).to.deep.equal({
        status: "unprovable",
        reason: "more than 2 rounds were published since the commit",
      });
      expect(await findSettlementRound(feed, 1_000n, 3)).to.deep.equal({
        status: "found",
        roundId: 2n,
        updatedAt: 1_001n,
      });
    });
  });
});
