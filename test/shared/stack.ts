/**
 * A fresh Keel stack around any settlement token, deployed with ethers (not Ignition): for the tests that need a
 * token the local stack does not have — one with a blocklist, transfer hooks or a transfer fee. Same wiring and
 * parameters as deploy/modules/LocalStack.ts: ETH and BTC markets on 8-decimal MockV3Aggregator feeds, the default
 * risk parameters, the deployer (signer 0) holding every role.
 */
import { ethers } from "hardhat";
import { deployClearinghouse } from "./deploy";
import type {
  Clearinghouse,
  ClearinghouseLens,
  LiquidityPool,
  MockV3Aggregator,
  PriceOracle,
  Vault,
} from "../../typechain-types";
import {
  DEFAULT_MARKETS,
  DEFAULT_RISK,
  LOCAL_FEEDS,
  LOCAL_WITHDRAWAL_DELAY,
  LOCAL_WITHDRAWAL_WINDOW,
  assetKey,
  toMarketParams,
} from "../../deploy/config";

export interface Stack {
  oracle: PriceOracle;
  vault: Vault;
  clearinghouse: Clearinghouse;
  lens: ClearinghouseLens;
  pool: LiquidityPool;
  ethFeed: MockV3Aggregator;
  btcFeed: MockV3Aggregator;
}

export async function deployStack(settlementToken: string): Promise<Stack> {
  const [admin] = await ethers.getSigners();
  const oracle = (await ethers.deployContract("PriceOracle", [admin.address])) as unknown as PriceOracle;
  const feeds: MockV3Aggregator[] = [];
  for (const f of LOCAL_FEEDS) {
    const feed = (await ethers.deployContract("MockV3Aggregator", [
      f.decimals,
      f.initialAnswer,
    ])) as unknown as MockV3Aggregator;
    await oracle.setFeed(assetKey(f.symbol), await feed.getAddress(), f.heartbeat, f.minPrice, f.maxPrice);
    feeds.push(feed);
  }
  const vault = (await ethers.deployContract("Vault", [
    admin.address,
    settlementToken,
    await oracle.getAddress(),
  ])) as unknown as Vault;
  const risk = { ...DEFAULT_RISK };
  const { clearinghouse, lens } = await deployClearinghouse([
    admin.address,
    await vault.getAddress(),
    await oracle.getAddress(),
    risk,
  ]);
  const pool = (await ethers.deployContract("LiquidityPool", [
    admin.address,
    await vault.getAddress(),
    await clearinghouse.getAddress(),
    LOCAL_WITHDRAWAL_DELAY,
    LOCAL_WITHDRAWAL_WINDOW,
  ])) as unknown as LiquidityPool;
  await vault.initialize(await clearinghouse.getAddress(), await pool.getAddress());
  for (const m of DEFAULT_MARKETS) await clearinghouse.addMarket(toMarketParams(m));
  return { oracle, vault, clearinghouse, lens, pool, ethFeed: feeds[0], btcFeed: feeds[1] };
}
