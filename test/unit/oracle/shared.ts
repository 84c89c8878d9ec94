/** What the PriceOracle's unit tests share: independent constants, the oracle with its feeds, the sequencer fixture. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { MockV3Aggregator__factory, PriceOracle__factory } from "../../../typechain-types";
import type { MockV3Aggregator, PriceOracle } from "../../../typechain-types";

// Independent constants: nothing here is read from the oracle under test.
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

export const ETH = ethers.encodeBytes32String("ETH");
export const BTC = ethers.encodeBytes32String("BTC");
export const DOGE = ethers.encodeBytes32String("DOGE");

export const name = (s: string) => ethers.encodeBytes32String(s);
export const wad = (amount: string) => ethers.parseUnits(amount, 18);
export const units = (amount: string, decimals: number) => ethers.parseUnits(amount, decimals);

// ETH is priced by an 8-decimal feed, BTC by an 18-decimal feed.
export const ETH_HEARTBEAT = 3_600n;
export const ETH_MIN = wad("100");
export const ETH_MAX = wad("100000");
export const ETH_ANSWER = units("3000.12345678", 8);
export const ETH_PRICE = wad("3000.12345678");

const BTC_HEARTBEAT = 86_400n;
export const BTC_MIN = wad("1000");
export const BTC_MAX = wad("1000000");
export const BTC_ANSWER = units("60000.123456789012345678", 18);
export const BTC_PRICE = wad("60000.123456789012345678");

export const GRACE_PERIOD = 3_600n;

export async function latest(): Promise<bigint> {
  return BigInt(await time.latest());
}

export async function deployFeed(decimals: number, answer: bigint): Promise<MockV3Aggregator> {
  const [deployer] = await ethers.getSigners();
  return new MockV3Aggregator__factory(deployer).deploy(decimals, answer);
}

export async function oracleFixture() {
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
export async function sequencerFixture() {
  const sys = await oracleFixture();
  const upSince = (await latest()) - 86_400n;
  await sys.sequencer.updateRoundData(2, 0n, upSince, upSince);
  await sys.oracle.connect(sys.admin).setSequencerUptimeFeed(await sys.sequencer.getAddress(), GRACE_PERIOD);
  return sys;
}
