/**
 * Shared set-up of the order tests (DESIGN §21): the funded local stack with immediate trades off on ETH, and helpers
 * to commit an order, post a round at a chosen second and encode a round as a settlement proof.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MockV3Aggregator } from "../../../typechain-types";
import { LOCAL_ORDER_PARAMS } from "../../../deploy/config";
import { roundProof } from "../../../scripts/common/orders";
import {
  ETH,
  FEED,
  USDC,
  accountIdOf,
  fundedFixture,
  fundedModel,
  mintAndApprove,
  txTime,
} from "../../shared/fixtures";

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

const coder = ethers.AbiCoder.defaultAbiCoder();

/** Reference of `orderIdOf`: `uint256(keccak256(abi.encode(accountId, marketId)))` (one market order per pair). */
export const marketOrderId = (accountId: bigint, marketId: bigint): bigint =>
  BigInt(ethers.keccak256(coder.encode(["uint256", "uint256"], [accountId, marketId])));

/** Reference of `conditionalOrderIdOf`: `uint256(keccak256(abi.encode(accountId, marketId, kind)))`. */
export const conditionalOrderId = (accountId: bigint, marketId: bigint, kind: number): bigint =>
  BigInt(ethers.keccak256(coder.encode(["uint256", "uint256", "uint8"], [accountId, marketId, kind])));

/** The orders fixture with signer 8 approved as Alice's operator on her subaccount 0, holding one fee of its own. */
export async function operatorFixture() {
  const sys = await ordersFixture();
  const operator = sys.signers[8];
  await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, true);
  await mintAndApprove(sys, operator, USDC(1), await sys.vault.getAddress());
  await sys.vault.connect(operator).deposit(0, await sys.usdc.getAddress(), FEE);
  return {
    ...sys,
    operator,
    accountId: accountIdOf(sys.alice.address),
    operatorId: accountIdOf(operator.address),
  };
}

/** The push-feed proof of a round: the tools' own encoder (`abi.encode(uint80 roundId)`). */
export const proofOf = roundProof;

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
    orderId: marketOrderId(accountId, marketId),
  };
}
