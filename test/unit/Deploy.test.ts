import { expect } from "chai";
import hre, { ethers, ignition } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import LocalStack from "../../deploy/modules/LocalStack";
import { DEFAULT_MARKETS, LOCAL_COLLATERALS, LOCAL_FEEDS, assetKey } from "../../deploy/config";
import { attachSystem } from "../../scripts/lib/system";
import { type LocalSystem, deployFixture } from "../shared/fixtures";

const ROLES = ["DEFAULT_ADMIN_ROLE", "RISK_ADMIN", "GUARDIAN"].map((r) =>
  r === "DEFAULT_ADMIN_ROLE" ? ethers.ZeroHash : ethers.id(r),
);

/** A JSON value: what `plain` turns contract results (bigints, ethers' `Result`s) into. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Every parameter a deployment sets, with addresses replaced by what they point at. */
async function configuration(sys: LocalSystem): Promise<Record<string, Json[]>> {
  const plain = (r: object) =>
    JSON.parse(JSON.stringify(r, (_, v: unknown) => (typeof v === "bigint" ? `${v}` : v))) as Record<
      string,
      Json[]
    >;
  const feeds = [];
  for (const f of LOCAL_FEEDS) {
    const c = await sys.oracle.feedConfig(assetKey(f.symbol));
    const feed = await ethers.getContractAt("MockV3Aggregator", c.feed);
    const round = await feed.latestRoundData();
    feeds.push([c.heartbeat, c.decimals, c.minPrice, c.maxPrice, await feed.decimals(), round.answer]);
  }
  const tokens = await sys.vault.collateralTokens();
  const collaterals = [];
  for (const token of tokens) {
    const c = await sys.vault.collateralConfig(token);
    const erc20 = await ethers.getContractAt("MockERC20", token);
    collaterals.push([
      await erc20.symbol(),
      await erc20.decimals(),
      c.asset,
      c.weight,
      c.liquidationDiscount,
      c.depositCap,
      c.decimals,
      c.index,
    ]);
  }
  const markets = [];
  for (let i = 0n; i < (await sys.clearinghouse.marketCount()); i++)
    markets.push(await sys.lens.marketParams(i));
  const roles = [];
  for (const contract of [sys.oracle, sys.vault, sys.clearinghouse, sys.pool]) {
    for (const role of ROLES) roles.push(await contract.hasRole(role, sys.admin.address));
  }
  const orderBook = sys.orderBook;
  const orders = [
    await orderBook.params(),
    await sys.clearinghouse.hasRole(ethers.id("ORDER"), await orderBook.getAddress()),
    (await orderBook.priceSource()) === sys.addresses.oracle,
    (await orderBook.clearinghouse()) === sys.addresses.clearinghouse,
    await orderBook.hasRole(ROLES[0], sys.admin.address),
    await orderBook.hasRole(ROLES[1], sys.admin.address),
  ];
  const immediate = [];
  for (let i = 0n; i < (await sys.clearinghouse.marketCount()); i++)
    immediate.push((await sys.clearinghouse.marketConfig(i)).trade.immediateTrades);
  return plain({
    orders,
    immediate,
    settlement: [await sys.usdc.symbol(), await sys.usdc.decimals(), await sys.vault.settlementDecimals()],
    wiring: [
      (await sys.vault.clearinghouse()) === sys.addresses.clearinghouse,
      (await sys.vault.liquidityPool()) === sys.addresses.pool,
      (await sys.lens.clearinghouse()) === sys.addresses.clearinghouse,
    ],
    oracle: [feeds, await sys.oracle.sequencerUptimeFeed(), await sys.oracle.stalenessBuffer()],
    collaterals,
    risk: await sys.lens.riskParams(),
    markets,
    pool: [
      await sys.pool.withdrawalDelay(),
      await sys.pool.withdrawalWindow(),
      (await sys.pool.asset()) === sys.addresses.usdc,
    ],
    roles,
  });
}

/** The LocalStack Ignition module, deployed and attached as the `System` of scripts/lib/system.ts. */
async function ignitionFixture(): Promise<LocalSystem> {
  const deployed = await ignition.deploy(LocalStack);
  const address = (c: { getAddress(): Promise<string> }) => c.getAddress();
  const sys = await attachSystem(hre, {
    usdc: await address(deployed.usdc),
    oracle: await address(deployed.oracle),
    vault: await address(deployed.vault),
    clearinghouse: await address(deployed.clearinghouse),
    lens: await address(deployed.lens),
    pool: await address(deployed.pool),
    orderBook: await address(deployed.orderBook),
    ethFeed: await address(deployed.ethFeed),
    btcFeed: await address(deployed.btcFeed),
  });
  const at = async (c: { getAddress(): Promise<string> }) =>
    ethers.getContractAt("MockERC20", await address(c));
  return { ...sys, weth: await at(deployed.weth), wbtc: await at(deployed.wbtc) };
}

describe("LocalStack", function () {
  it("lists the default markets and collateral tokens", async function () {
    const { clearinghouse, vault, weth, wbtc } = await loadFixture(ignitionFixture);
    expect(await clearinghouse.marketCount()).to.equal(BigInt(DEFAULT_MARKETS.length));
    expect(await vault.collateralTokens()).to.deep.equal([await weth.getAddress(), await wbtc.getAddress()]);
    expect(LOCAL_COLLATERALS.map((c) => c.symbol)).to.deep.equal([await weth.symbol(), await wbtc.symbol()]);
  });

  it("is what the tests' fixture (test/shared/fixtures.ts) deploys, parameter by parameter", async function () {
    const fromIgnition = await configuration(await loadFixture(ignitionFixture));
    const fromFixture = await configuration(await loadFixture(deployFixture));
    expect(fromFixture).to.deep.equal(fromIgnition);
    // Not vacuous: the comparison sees every listed feed, collateral token and market.
    expect(fromFixture.oracle[0]).to.have.length(LOCAL_FEEDS.length);
    expect(fromFixture.collaterals).to.have.length(LOCAL_COLLATERALS.length);
    expect(fromFixture.markets).to.have.length(DEFAULT_MARKETS.length);
    expect(fromFixture.orders[1]).to.equal(true);
    expect(fromFixture.immediate).to.deep.equal(DEFAULT_MARKETS.map(() => true));
  });

  it("lets the OrderBook accept settlement prices up to 120 s old, for people typing commands (the fixture keeps 15 s)", async function () {
    const local = await loadFixture(ignitionFixture);
    const fixture = await loadFixture(deployFixture);
    // 120 s: deploy/config.ts LOCAL_ORDER_MAX_PRICE_AGE; 15 s: the contract's default (IOrderBook.maxPriceAge).
    expect(await local.orderBook.maxPriceAge()).to.equal(120n);
    expect(await fixture.orderBook.maxPriceAge()).to.equal(15n);
  });
});
