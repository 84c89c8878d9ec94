import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  BTC_ANSWER,
  BTC_MAX,
  BTC_MIN,
  BTC_PRICE,
  DEFAULT_ADMIN_ROLE,
  DOGE,
  ETH,
  ETH_ANSWER,
  ETH_HEARTBEAT,
  ETH_MAX,
  ETH_MIN,
  ETH_PRICE,
  GRACE_PERIOD,
  RISK_ADMIN,
  deployFeed,
  latest,
  name,
  oracleFixture,
  sequencerFixture,
  units,
  wad,
} from "./shared";

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
});
