import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  MockV3Aggregator__factory,
  PriceOracle__factory,
  type MockV3Aggregator,
  type PriceOracle,
} from "../../typechain-types";

// Independent constants: nothing here is read from the oracle under test.
const RISK_ADMIN = ethers.id("RISK_ADMIN");
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

const ETH = ethers.encodeBytes32String("ETH");
const BTC = ethers.encodeBytes32String("BTC");
const DOGE = ethers.encodeBytes32String("DOGE");

const name = (s: string) => ethers.encodeBytes32String(s);
const wad = (amount: string) => ethers.parseUnits(amount, 18);
const units = (amount: string, decimals: number) => ethers.parseUnits(amount, decimals);

// ETH is priced by an 8-decimal feed, BTC by an 18-decimal feed.
const ETH_HEARTBEAT = 3_600n;
const ETH_MIN = wad("100");
const ETH_MAX = wad("100000");
const ETH_ANSWER = units("3000.12345678", 8);
const ETH_PRICE = wad("3000.12345678");

const BTC_HEARTBEAT = 86_400n;
const BTC_MIN = wad("1000");
const BTC_MAX = wad("1000000");
const BTC_ANSWER = units("60000.123456789012345678", 18);
const BTC_PRICE = wad("60000.123456789012345678");

const GRACE_PERIOD = 3_600n;

async function latest(): Promise<bigint> {
  return BigInt(await time.latest());
}

async function deployFeed(decimals: number, answer: bigint): Promise<MockV3Aggregator> {
  const [deployer] = await ethers.getSigners();
  return new MockV3Aggregator__factory(deployer).deploy(decimals, answer);
}

async function oracleFixture() {
  const [deployer, admin, stranger] = await ethers.getSigners();
  const oracle: PriceOracle = await new PriceOracle__factory(deployer).deploy(admin.address);
  const ethFeed = await deployFeed(8, ETH_ANSWER);
  const btcFeed = await deployFeed(18, BTC_ANSWER);
  // Chainlink L2 sequencer uptime feeds have 0 decimals; answer 0 means up.
  const sequencer = await deployFeed(0, 0n);

  await oracle.connect(admin).setFeed(ETH, await ethFeed.getAddress(), ETH_HEARTBEAT, ETH_MIN, ETH_MAX);
  await oracle.connect(admin).setFeed(BTC, await btcFeed.getAddress(), BTC_HEARTBEAT, BTC_MIN, BTC_MAX);

  return { oracle, ethFeed, btcFeed, sequencer, deployer, admin, stranger };
}

/** The oracle with the sequencer uptime feed enabled; the sequencer has been up for a day. */
async function sequencerFixture() {
  const sys = await oracleFixture();
  const upSince = (await latest()) - 86_400n;
  await sys.sequencer.updateRoundData(2, 0n, upSince, upSince);
  await sys.oracle.connect(sys.admin).setSequencerUptimeFeed(await sys.sequencer.getAddress(), GRACE_PERIOD);
  return sys;
}

describe("PriceOracle", function () {
  describe("#constructor", function () {
    it("grants the admin and risk admin roles to the admin, not to the deployer", async function () {
      const { oracle, deployer, admin } = await loadFixture(oracleFixture);
      expect(await oracle.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await oracle.hasRole(RISK_ADMIN, admin.address)).to.equal(true);
      expect(await oracle.hasRole(DEFAULT_ADMIN_ROLE, deployer.address)).to.equal(false);
      expect(await oracle.hasRole(RISK_ADMIN, deployer.address)).to.equal(false);
    });

    it("starts without a sequencer uptime feed", async function () {
      const { oracle } = await loadFixture(oracleFixture);
      const [feed, gracePeriod] = await oracle.sequencerUptimeFeed();
      expect(feed).to.equal(ethers.ZeroAddress);
      expect(gracePeriod).to.equal(0n);
    });
  });

  describe("#price", function () {
    describe("normalisation", function () {
      it("returns the exact WAD price of an 8-decimal feed", async function () {
        const { oracle } = await loadFixture(oracleFixture);
        expect(await oracle.price(ETH)).to.equal(ETH_PRICE);
      });

      it("returns the exact WAD price of an 18-decimal feed", async function () {
        const { oracle } = await loadFixture(oracleFixture);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
      });

      it("returns the exact WAD price of a 6-decimal feed", async function () {
        const { oracle, admin } = await loadFixture(oracleFixture);
        const usdc = name("USDC");
        const feed = await deployFeed(6, units("1.000123", 6));
        await oracle.connect(admin).setFeed(usdc, await feed.getAddress(), 86_400, wad("0.9"), wad("1.1"));
        expect(await oracle.price(usdc)).to.equal(wad("1.000123"));
      });

      it("truncates the digits of a 20-decimal feed below one wei of WAD", async function () {
        const { oracle, admin } = await loadFixture(oracleFixture);
        const asset = name("SOL");
        // 1234.56789012345678901234 with 20 decimals; the last two digits ("34") are below 1 wei of WAD.
        const feed = await deployFeed(20, 123456789012345678901234n);
        await oracle.connect(admin).setFeed(asset, await feed.getAddress(), 86_400, wad("1"), wad("10000"));
        expect(await oracle.price(asset)).to.equal(wad("1234.567890123456789012"));
      });

      it("returns the exact WAD price of a 36-decimal feed", async function () {
        const { oracle, admin } = await loadFixture(oracleFixture);
        const asset = name("X36");
        const feed = await deployFeed(36, units("2000.5", 36));
        await oracle.connect(admin).setFeed(asset, await feed.getAddress(), 86_400, wad("1"), wad("10000"));
        expect(await oracle.price(asset)).to.equal(wad("2000.5"));
      });

      it("reverts when a positive 20-decimal answer truncates to zero", async function () {
        const { oracle, admin } = await loadFixture(oracleFixture);
        const asset = name("DUST");
        const feed = await deployFeed(20, 99n);
        await oracle.connect(admin).setFeed(asset, await feed.getAddress(), 86_400, 1n, wad("1"));
        await expect(oracle.price(asset))
          .to.be.revertedWithCustomError(oracle, "OraclePriceOutOfBounds")
          .withArgs(asset, await feed.getAddress(), 0n, 1n, wad("1"));
      });
    });

    describe("answer checks", function () {
      it("reverts for an asset without a feed", async function () {
        const { oracle } = await loadFixture(oracleFixture);
        await expect(oracle.price(DOGE))
          .to.be.revertedWithCustomError(oracle, "OracleUnknownAsset")
          .withArgs(DOGE);
      });

      it("reverts when the answer is zero", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        await ethFeed.updateAnswer(0n);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleNonPositivePrice")
          .withArgs(ETH, await ethFeed.getAddress(), 0n);
      });

      it("reverts when the answer is negative", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        await ethFeed.updateAnswer(-1n);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleNonPositivePrice")
          .withArgs(ETH, await ethFeed.getAddress(), -1n);
      });

      it("reverts when the answer is the most negative int256", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        const minInt256 = -(2n ** 255n);
        await ethFeed.updateAnswer(minInt256);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleNonPositivePrice")
          .withArgs(ETH, await ethFeed.getAddress(), minInt256);
      });

      it("accepts an answer of one unit of the feed", async function () {
        const { oracle, admin } = await loadFixture(oracleFixture);
        const asset = name("TINY");
        const feed = await deployFeed(8, 1n);
        await oracle.connect(admin).setFeed(asset, await feed.getAddress(), 86_400, 1n, wad("1"));
        expect(await oracle.price(asset)).to.equal(wad("0.00000001"));
      });
    });

    describe("timestamps", function () {
      it("reverts when updatedAt is zero", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        await ethFeed.updateRoundData(2, ETH_ANSWER, 0n, 0n);
        const now = (await latest()) + 60n;
        await time.increaseTo(now);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleInvalidTimestamp")
          .withArgs(ETH, await ethFeed.getAddress(), 0n, now);
      });

      it("reverts when updatedAt is one second in the future", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        const now = (await latest()) + 100n;
        await ethFeed.updateRoundData(2, ETH_ANSWER, now + 1n, now + 1n);
        await time.increaseTo(now);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleInvalidTimestamp")
          .withArgs(ETH, await ethFeed.getAddress(), now + 1n, now);
      });

      it("accepts an answer updated in the current block", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        const now = (await latest()) + 100n;
        await ethFeed.updateRoundData(2, ETH_ANSWER, now, now);
        await time.increaseTo(now);
        expect(await oracle.price(ETH)).to.equal(ETH_PRICE);
      });

      it("accepts an answer exactly one heartbeat old", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        const updatedAt = await latest();
        await ethFeed.updateRoundData(2, ETH_ANSWER, updatedAt, updatedAt);
        await time.increaseTo(updatedAt + ETH_HEARTBEAT);
        expect(await oracle.price(ETH)).to.equal(ETH_PRICE);
      });

      it("reverts one second past the heartbeat", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        const updatedAt = await latest();
        await ethFeed.updateRoundData(2, ETH_ANSWER, updatedAt, updatedAt);
        const now = updatedAt + ETH_HEARTBEAT + 1n;
        await time.increaseTo(now);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
          .withArgs(ETH, await ethFeed.getAddress(), updatedAt, ETH_HEARTBEAT, now);
      });

      it("applies each asset's own heartbeat", async function () {
        const { oracle, ethFeed, btcFeed } = await loadFixture(oracleFixture);
        const updatedAt = await latest();
        await ethFeed.updateRoundData(2, ETH_ANSWER, updatedAt, updatedAt);
        await btcFeed.updateRoundData(2, BTC_ANSWER, updatedAt, updatedAt);
        const now = updatedAt + ETH_HEARTBEAT + 1n;
        await time.increaseTo(now);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OracleStalePrice")
          .withArgs(ETH, await ethFeed.getAddress(), updatedAt, ETH_HEARTBEAT, now);
      });
    });

    describe("bounds", function () {
      it("accepts a price equal to minPrice", async function () {
        const { oracle, btcFeed } = await loadFixture(oracleFixture);
        await btcFeed.updateAnswer(BTC_MIN);
        expect(await oracle.price(BTC)).to.equal(BTC_MIN);
      });

      it("reverts one wei below minPrice", async function () {
        const { oracle, btcFeed } = await loadFixture(oracleFixture);
        await btcFeed.updateAnswer(BTC_MIN - 1n);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OraclePriceOutOfBounds")
          .withArgs(BTC, await btcFeed.getAddress(), BTC_MIN - 1n, BTC_MIN, BTC_MAX);
      });

      it("accepts a price equal to maxPrice", async function () {
        const { oracle, btcFeed } = await loadFixture(oracleFixture);
        await btcFeed.updateAnswer(BTC_MAX);
        expect(await oracle.price(BTC)).to.equal(BTC_MAX);
      });

      it("reverts one wei above maxPrice", async function () {
        const { oracle, btcFeed } = await loadFixture(oracleFixture);
        await btcFeed.updateAnswer(BTC_MAX + 1n);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OraclePriceOutOfBounds")
          .withArgs(BTC, await btcFeed.getAddress(), BTC_MAX + 1n, BTC_MIN, BTC_MAX);
      });

      it("compares the normalised price of an 8-decimal feed with the bounds", async function () {
        const { oracle, ethFeed } = await loadFixture(oracleFixture);
        // 99.99999999 USD: one unit of the 8-decimal feed below minPrice = 100 WAD.
        await ethFeed.updateAnswer(units("99.99999999", 8));
        await expect(oracle.price(ETH))
          .to.be.revertedWithCustomError(oracle, "OraclePriceOutOfBounds")
          .withArgs(ETH, await ethFeed.getAddress(), wad("99.99999999"), ETH_MIN, ETH_MAX);
        await ethFeed.updateAnswer(units("100", 8));
        expect(await oracle.price(ETH)).to.equal(ETH_MIN);
      });
    });

    describe("sequencer uptime", function () {
      it("returns the price while the sequencer has been up longer than the grace period", async function () {
        const { oracle } = await loadFixture(sequencerFixture);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
      });

      it("reverts when the sequencer is down", async function () {
        const { oracle, sequencer } = await loadFixture(sequencerFixture);
        const since = await latest();
        await sequencer.updateRoundData(3, 1n, since, since);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OracleSequencerDown")
          .withArgs(await sequencer.getAddress(), 1n);
      });

      it("treats any non-zero sequencer status as down", async function () {
        const { oracle, sequencer } = await loadFixture(sequencerFixture);
        const since = await latest();
        await sequencer.updateRoundData(3, 2n, since, since);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OracleSequencerDown")
          .withArgs(await sequencer.getAddress(), 2n);
      });

      it("reverts when the sequencer round has startedAt zero", async function () {
        const { oracle, sequencer } = await loadFixture(sequencerFixture);
        await sequencer.updateRoundData(3, 0n, 0n, 0n);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OracleSequencerInvalidRound")
          .withArgs(await sequencer.getAddress());
      });

      it("reverts at the last second of the grace period", async function () {
        const { oracle, sequencer } = await loadFixture(sequencerFixture);
        const startedAt = await latest();
        await sequencer.updateRoundData(3, 0n, startedAt, startedAt);
        const now = startedAt + GRACE_PERIOD;
        await time.increaseTo(now);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OracleSequencerGracePeriod")
          .withArgs(await sequencer.getAddress(), startedAt, GRACE_PERIOD, now);
      });

      it("returns the price one second after the grace period", async function () {
        const { oracle, sequencer } = await loadFixture(sequencerFixture);
        const startedAt = await latest();
        await sequencer.updateRoundData(3, 0n, startedAt, startedAt);
        await time.increaseTo(startedAt + GRACE_PERIOD + 1n);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
      });

      it("reverts in the block the sequencer came back up even with a zero grace period", async function () {
        const { oracle, admin, sequencer } = await loadFixture(sequencerFixture);
        const sequencerAddress = await sequencer.getAddress();
        await oracle.connect(admin).setSequencerUptimeFeed(sequencerAddress, 0);
        const startedAt = (await latest()) + 100n;
        await sequencer.updateRoundData(3, 0n, startedAt, startedAt);
        await time.increaseTo(startedAt);
        await expect(oracle.price(BTC))
          .to.be.revertedWithCustomError(oracle, "OracleSequencerGracePeriod")
          .withArgs(sequencerAddress, startedAt, 0n, startedAt);
        await time.increaseTo(startedAt + 1n);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
      });

      it("skips the check once the sequencer feed is set to address zero", async function () {
        const { oracle, admin, sequencer } = await loadFixture(sequencerFixture);
        const since = await latest();
        await sequencer.updateRoundData(3, 1n, since, since);
        await expect(oracle.price(BTC)).to.be.revertedWithCustomError(oracle, "OracleSequencerDown");
        await oracle.connect(admin).setSequencerUptimeFeed(ethers.ZeroAddress, 0);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
      });

      it("ignores a down sequencer feed that was never set", async function () {
        const { oracle, sequencer } = await loadFixture(oracleFixture);
        const since = await latest();
        await sequencer.updateRoundData(3, 1n, since, since);
        expect(await oracle.price(BTC)).to.equal(BTC_PRICE);
      });
    });
  });

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
