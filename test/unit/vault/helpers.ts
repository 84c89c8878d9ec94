/**
 * Shared set-up of the Vault's tests: acceptable prices that never bind, Alice's position fixture and her book.
 */
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { ETH, POOL_LIQUIDITY, TRADER_DEPOSIT, WAD, fundedFixture } from "../../shared/fixtures";
import { type KeelModel, localModel } from "../../shared/model";
import { accountIdOf } from "../../shared/math";

/** Acceptable price that never binds for a buy. */
export const ANY_BUY_PRICE = ethers.MaxUint256;
/** Acceptable price that never binds for a sell. */
export const ANY_SELL_PRICE = 0n;
/** Alice's long in the position fixture: 10 ETH. */
export const ALICE_LONG = WAD(10);

export async function blockTime(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/** The funded stack with Alice long 10 ETH from subaccount 0; returns the trade's block time. */
export async function alicePositionFixture() {
  const sys = await fundedFixture();
  const tx = await sys.clearinghouse.connect(sys.alice).trade(0, ETH, ALICE_LONG, ANY_BUY_PRICE);
  return { ...sys, tradeTime: await blockTime(tx) };
}

/** Alice's book after the position fixture, rebuilt per test from the reference math. */
export function aliceBook(alice: string, tradeTime: bigint): KeelModel {
  const book = localModel({ pool: POOL_LIQUIDITY });
  book.deposit(accountIdOf(alice), TRADER_DEPOSIT);
  book.trade(accountIdOf(alice), Number(ETH), ALICE_LONG, tradeTime);
  return book;
}
