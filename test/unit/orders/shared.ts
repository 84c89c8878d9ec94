/**
 * Shared set-up of the order tests (DESIGN §21): the funded local stack with immediate trades off on ETH, and helpers
 * to commit an order, post a round at a chosen second and encode a round as a settlement proof.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockV3Aggregator } from "../../../typechain-types";
import { LOCAL_ORDER_PARAMS } from "../../../deploy/config";
import { ETH, FEED, accountIdOf, fundedFixture, fundedModel, txTime } from "../../shared/fixtures";

export const FEE = LOCAL_ORDER_PARAMS.settlementFee;
export const MIN_DELAY = BigInt(LOCAL_ORDER_PARAMS.minDelay);
export const MAX_LIFETIME = BigInt(LOCAL_ORDER_PARAMS.maxLifetime);
export const MAX = ethers.MaxUint256;
export const UINT128_MAX = 2n ** 128n - 1n;

/** The funded fixture with ETH trading through orders only; signer 5 is the keeper. */
export async function ordersFixture() {
  const sys = await fundedFixture();
  await sys.clearinghouse.setImmediateTrades(ETH, false);
  return { ...sys, keeper: sys.signers[5] };
}

export type OrdersSystem = Awaited<ReturnType<typeof ordersFixture>>;

/** The ledger model of the fixture. */
export const modelOf = (sys: OrdersSystem) => fundedModel(sys);

/** `abi.encode(uint80 roundId)`: the push-feed proof. */
export const proofOf = (roundId: bigint) => ethers.AbiCoder.defaultAbiCoder().encode(["uint80"], [roundId]);

/** Posts `usd` on `feed` in a block at exactly `at`; returns the new round id. */
export async function postAt(feed: MockV3Aggregator, usd: number | string, at: bigint): Promise<bigint> {
  await time.setNextBlockTimestamp(at);
  await feed.updateAnswer(FEED(usd));
  return (await feed.latestRoundData()).roundId;
}

/** Commits an order for `who`'s subaccount 0 in a block at exactly `at`; returns its id and commit time. */
export async function commitAt(
  sys: OrdersSystem,
  who: HardhatEthersSigner,
  at: bigint,
  sizeDelta: bigint,
  opts: { marketId?: bigint; limit?: bigint; lifetime?: bigint; reduceOnly?: boolean } = {},
) {
  const accountId = accountIdOf(who.address);
  const marketId = opts.marketId ?? ETH;
  await time.setNextBlockTimestamp(at);
  const tx = await sys.orderBook
    .connect(who)
    .commitOrder(
      accountId,
      marketId,
      sizeDelta,
      opts.limit ?? (sizeDelta > 0n ? MAX : 0n),
      at + (opts.lifetime ?? 60n),
      opts.reduceOnly ?? false,
    );
  const committedAt = await txTime(tx);
  return {
    tx,
    accountId,
    marketId,
    committedAt,
    orderId: await sys.orderBook.orderIdOf(accountId, marketId),
  };
}
