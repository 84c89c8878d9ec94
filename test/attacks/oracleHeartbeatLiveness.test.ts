import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployFixture } from "../shared/fixtures";
import { LOCAL_FEEDS, assetKey } from "../../deploy/config";

/*
 * Liveness: staleness limit equal to the published heartbeat (issue 13, item 8c).
 *
 * A Chainlink feed posts a heartbeat round `heartbeat` seconds after the previous one, but the round lands on chain
 * some seconds later (the OCR round, then the L2 batch). With the limit at exactly the heartbeat, every price read in
 * those seconds reverts OracleStalePrice: no trade, no liquidation, no withdrawal against margin, once a day per feed.
 *
 * Red run on the unchanged code: one second past the heartbeat the ETH price reverted (OracleStalePrice(ETH, feed,
 * updatedAt, 86400, updatedAt + 86401)) although the feed was on schedule. After the fix the oracle accepts answers up to `heartbeat + stalenessBuffer` old (a global
 * buffer, set per network: deploy/parameters/*.json, DESIGN §5) and refuses one second later.
 */

const ETH_FEED = LOCAL_FEEDS[0];
/** The buffer this test configures (the production files use 600 s: DESIGN §5). */
const BUFFER = 600;

describe("Liveness: a heartbeat round that lands a little late", function () {
  it("keeps pricing through the buffer after the heartbeat and refuses one second past heartbeat + buffer", async function () {
    const { oracle, ethFeed } = await loadFixture(deployFixture);
    const eth = assetKey("ETH");
    // (Before the fix the oracle had no buffer to set.)
    await Promise.resolve()
      .then(() => oracle.setStalenessBuffer(BUFFER))
      .catch(() => undefined);
    await ethFeed.updateAnswer(3_000n * 10n ** 8n);
    const updatedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

    // The next heartbeat round is due at updatedAt + heartbeat; it lands one second late: still priced.
    await time.setNextBlockTimestamp(updatedAt + BigInt(ETH_FEED.heartbeat) + 1n);
    await ethers.provider.send("evm_mine", []);
    expect(await oracle.price(eth)).to.equal(3_000n * 10n ** 18n);

    // At exactly heartbeat + buffer: accepted.
    await time.setNextBlockTimestamp(updatedAt + BigInt(ETH_FEED.heartbeat + BUFFER));
    await ethers.provider.send("evm_mine", []);
    expect(await oracle.price(eth)).to.equal(3_000n * 10n ** 18n);

    // One second more: stale, with the limit (heartbeat + buffer) in the error.
    await time.setNextBlockTimestamp(updatedAt + BigInt(ETH_FEED.heartbeat + BUFFER) + 1n);
    await ethers.provider.send("evm_mine", []);
    await expect(oracle.price(eth))
      .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
      .withArgs(
        eth,
        await ethFeed.getAddress(),
        updatedAt,
        ETH_FEED.heartbeat + BUFFER,
        updatedAt + BigInt(ETH_FEED.heartbeat + BUFFER) + 1n,
      );
  });

  it("bounds the buffer to one hour and emits StalenessBufferSet", async function () {
    const { oracle } = await loadFixture(deployFixture);
    await expect(oracle.setStalenessBuffer(3_600)).to.emit(oracle, "StalenessBufferSet").withArgs(3_600);
    expect(await oracle.stalenessBuffer()).to.equal(3_600n);
    await expect(oracle.setStalenessBuffer(3_601))
      .to.be.revertedWithCustomError(oracle, "OracleInvalidConfig")
      .withArgs(ethers.ZeroHash, ethers.encodeBytes32String("stalenessBuffer"), 3_601);
  });
});
