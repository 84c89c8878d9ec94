import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  DEFAULT_ADMIN_ROLE,
  DOGE,
  ETH,
  GRACE_PERIOD,
  RISK_ADMIN,
  deployFeed,
  name,
  oracleFixture,
  sequencerFixture,
  units,
  wad,
} from "./shared";

describe("PriceOracle", function () {
  describe("#setFeed", function () {
    it("emits FeedSet with the feed's decimals and the bounds", async function () {
      const { oracle, admin } = await loadFixture(oracleFixture);
      const asset = name("LINK");
      const feed = await deployFeed(8, units("15", 8));
      const feedAddress = await feed.getAddress();
      await expect(oracle.connect(admin).setFeed(asset, feedAddress, 7_200, wad("1"), wad("500")))
        .to.emit(oracle, "FeedSet")
        .withArgs(asset, feedAddress, 7_200n, 8n, wad("1"), wad("500"));
    });

    it("stores the configuration returned by feedConfig and hasFeed", async function () {
      const { oracle, admin } = await loadFixture(oracleFixture);
      const asset = name("LINK");
      const feed = await deployFeed(18, wad("15"));
      const feedAddress = await feed.getAddress();
      expect(await oracle.hasFeed(asset)).to.equal(false);
      await oracle.connect(admin).setFeed(asset, feedAddress, 7_200, wad("1"), wad("500"));
      expect(await oracle.hasFeed(asset)).to.equal(true);
      const config = await oracle.feedConfig(asset);
      expect(config.feed).to.equal(feedAddress);
      expect(config.heartbeat).to.equal(7_200n);
      expect(config.decimals).to.equal(18n);
      expect(config.minPrice).to.equal(wad("1"));
      expect(config.maxPrice).to.equal(wad("500"));
    });

    it("returns a zero configuration for an asset without a feed", async function () {
      const { oracle } = await loadFixture(oracleFixture);
      expect(await oracle.hasFeed(DOGE)).to.equal(false);
      const config = await oracle.feedConfig(DOGE);
      expect(config.feed).to.equal(ethers.ZeroAddress);
      expect(config.heartbeat).to.equal(0n);
      expect(config.decimals).to.equal(0n);
      expect(config.minPrice).to.equal(0n);
      expect(config.maxPrice).to.equal(0n);
    });

    it("replaces an existing feed", async function () {
      const { oracle, admin } = await loadFixture(oracleFixture);
      const feed = await deployFeed(18, wad("2500"));
      const feedAddress = await feed.getAddress();
      await expect(oracle.connect(admin).setFeed(ETH, feedAddress, 60, wad("10"), wad("5000")))
        .to.emit(oracle, "FeedSet")
        .withArgs(ETH, feedAddress, 60n, 18n, wad("10"), wad("5000"));
      const config = await oracle.feedConfig(ETH);
      expect(config.feed).to.equal(feedAddress);
      expect(config.decimals).to.equal(18n);
      expect(await oracle.price(ETH)).to.equal(wad("2500"));
    });

    it("accepts minPrice equal to maxPrice", async function () {
      const { oracle, admin } = await loadFixture(oracleFixture);
      const asset = name("PEG");
      const feed = await deployFeed(18, wad("1"));
      await oracle.connect(admin).setFeed(asset, await feed.getAddress(), 60, wad("1"), wad("1"));
      expect(await oracle.price(asset)).to.equal(wad("1"));
    });

    it("reverts for a zero feed address", async function () {
      const { oracle, admin } = await loadFixture(oracleFixture);
      await expect(oracle.connect(admin).setFeed(DOGE, ethers.ZeroAddress, 60, 1n, 2n))
        .to.be.revertedWithCustomError(oracle, "OracleInvalidConfig")
        .withArgs(DOGE, name("feed"), 0n);
    });

    it("reverts for a zero heartbeat", async function () {
      const { oracle, admin, ethFeed } = await loadFixture(oracleFixture);
      await expect(oracle.connect(admin).setFeed(DOGE, await ethFeed.getAddress(), 0, 1n, 2n))
        .to.be.revertedWithCustomError(oracle, "OracleInvalidConfig")
        .withArgs(DOGE, name("heartbeat"), 0n);
    });

    it("reverts for a zero minPrice", async function () {
      const { oracle, admin, ethFeed } = await loadFixture(oracleFixture);
      await expect(oracle.connect(admin).setFeed(DOGE, await ethFeed.getAddress(), 60, 0n, 2n))
        .to.be.revertedWithCustomError(oracle, "OracleInvalidConfig")
        .withArgs(DOGE, name("minPrice"), 0n);
    });

    it("reverts when maxPrice is one wei below minPrice", async function () {
      const { oracle, admin, ethFeed } = await loadFixture(oracleFixture);
      const minPrice = wad("100");
      await expect(
        oracle.connect(admin).setFeed(DOGE, await ethFeed.getAddress(), 60, minPrice, minPrice - 1n),
      )
        .to.be.revertedWithCustomError(oracle, "OracleInvalidConfig")
        .withArgs(DOGE, name("maxPrice"), minPrice - 1n);
    });

    it("accepts a 36-decimal feed and reverts for a 37-decimal feed", async function () {
      const { oracle, admin } = await loadFixture(oracleFixture);
      const ok = await deployFeed(36, units("1", 36));
      await expect(oracle.connect(admin).setFeed(DOGE, await ok.getAddress(), 60, 1n, wad("10")))
        .to.emit(oracle, "FeedSet")
        .withArgs(DOGE, await ok.getAddress(), 60n, 36n, 1n, wad("10"));
      const tooPrecise = await deployFeed(37, units("1", 37));
      await expect(oracle.connect(admin).setFeed(DOGE, await tooPrecise.getAddress(), 60, 1n, wad("10")))
        .to.be.revertedWithCustomError(oracle, "OracleInvalidConfig")
        .withArgs(DOGE, name("decimals"), 37n);
    });

    it("reverts when the caller is not a risk admin", async function () {
      const { oracle, stranger, ethFeed } = await loadFixture(oracleFixture);
      await expect(oracle.connect(stranger).setFeed(DOGE, await ethFeed.getAddress(), 60, 1n, 2n))
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, RISK_ADMIN);
    });

    it("can be called by a risk admin who is not the admin", async function () {
      const { oracle, admin, stranger, ethFeed } = await loadFixture(oracleFixture);
      await oracle.connect(admin).grantRole(RISK_ADMIN, stranger.address);
      const ethFeedAddress = await ethFeed.getAddress();
      await expect(oracle.connect(stranger).setFeed(DOGE, ethFeedAddress, 60, 1n, wad("1")))
        .to.emit(oracle, "FeedSet")
        .withArgs(DOGE, ethFeedAddress, 60n, 8n, 1n, wad("1"));
    });
  });

  describe("#setSequencerUptimeFeed", function () {
    it("emits SequencerUptimeFeedSet and stores the feed and grace period", async function () {
      const { oracle, admin, sequencer } = await loadFixture(oracleFixture);
      const sequencerAddress = await sequencer.getAddress();
      await expect(oracle.connect(admin).setSequencerUptimeFeed(sequencerAddress, GRACE_PERIOD))
        .to.emit(oracle, "SequencerUptimeFeedSet")
        .withArgs(sequencerAddress, GRACE_PERIOD);
      const [feed, gracePeriod] = await oracle.sequencerUptimeFeed();
      expect(feed).to.equal(sequencerAddress);
      expect(gracePeriod).to.equal(GRACE_PERIOD);
    });

    it("emits SequencerUptimeFeedSet with address zero when disabling the check", async function () {
      const { oracle, admin } = await loadFixture(sequencerFixture);
      await expect(oracle.connect(admin).setSequencerUptimeFeed(ethers.ZeroAddress, 0))
        .to.emit(oracle, "SequencerUptimeFeedSet")
        .withArgs(ethers.ZeroAddress, 0n);
      const [feed, gracePeriod] = await oracle.sequencerUptimeFeed();
      expect(feed).to.equal(ethers.ZeroAddress);
      expect(gracePeriod).to.equal(0n);
    });

    it("reverts when the caller is not the admin", async function () {
      const { oracle, stranger, sequencer } = await loadFixture(oracleFixture);
      await expect(
        oracle.connect(stranger).setSequencerUptimeFeed(await sequencer.getAddress(), GRACE_PERIOD),
      )
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });

    it("reverts for a risk admin who is not the admin", async function () {
      const { oracle, admin, stranger, sequencer } = await loadFixture(oracleFixture);
      await oracle.connect(admin).grantRole(RISK_ADMIN, stranger.address);
      await expect(
        oracle.connect(stranger).setSequencerUptimeFeed(await sequencer.getAddress(), GRACE_PERIOD),
      )
        .to.be.revertedWithCustomError(oracle, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, DEFAULT_ADMIN_ROLE);
    });
  });
});
