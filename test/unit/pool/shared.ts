/** What the LiquidityPool's unit tests share: the withdrawal timing, the funded fixture's LP shares, an empty pool. */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { POOL_LIQUIDITY, USDC, deployFixture, mintAndApprove } from "../../shared/fixtures";
import { sharesForAssets } from "../../shared/poolValue";
import { LOCAL_WITHDRAWAL_DELAY, LOCAL_WITHDRAWAL_WINDOW } from "../../../deploy/config";

export const DELAY = BigInt(LOCAL_WITHDRAWAL_DELAY);
export const WINDOW = BigInt(LOCAL_WITHDRAWAL_WINDOW);
export const THIRTY_DAYS = 30n * 86_400n;
export const GUARDIAN = ethers.id("GUARDIAN");
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
/** Acceptable price that never binds for a buy. */
export const ANY_BUY_PRICE = ethers.MaxUint256;
/** Acceptable price that never binds for a sell. */
export const ANY_SELL_PRICE = 0n;
/** The funded fixture's LP shares: the first deposit into an empty pool (supply 0, assets 0). */
export const LP_SHARES = sharesForAssets(POOL_LIQUIDITY, 0n, 0n);

export async function blockTime(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

export async function latestTime(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** An empty pool (no LP yet) with a funded would-be LP. */
export async function emptyPoolFixture() {
  const sys = await deployFixture();
  const [, lp, alice, bob] = sys.signers;
  await mintAndApprove(sys, lp, USDC(1_000_000), await sys.pool.getAddress());
  return { ...sys, lp, alice, bob };
}
