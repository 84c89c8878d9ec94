/**
 * Local development chain helpers that work both on the in-process Hardhat network and on a `npx hardhat node` behind
 * `--network localhost`: moving time and moving or re-posting mock Chainlink feeds.
 */
import type { EthereumProvider } from "hardhat/types";
import type { Provider } from "ethers";
import type { MockV3Aggregator } from "../../typechain-types";
import { send } from "./send";
import { BPS } from "./units";

/** What the time helpers need of a Hardhat runtime: its JSON-RPC provider and its ethers provider. */
export interface ChainHandles {
  network: { provider: Pick<EthereumProvider, "request"> };
  ethers: { provider: Pick<Provider, "getBlock"> };
}

/** Timestamp of the latest block (seconds). */
export async function latestTimestamp(hre: ChainHandles): Promise<number> {
  const block = await hre.ethers.provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  return block.timestamp;
}

/**
 * Moves the chain's clock forward by `seconds` and mines a block at the new time; returns that block's timestamp.
 *
 * Speaks the two JSON-RPC methods `time.increase` of `@nomicfoundation/hardhat-network-helpers` is built on, which
 * the in-process network, `hardhat node`, Anvil and Ganache all implement, without the helpers' check of the node's
 * client version (they accept Hardhat, Anvil and zkSync nodes only).
 */
export async function increaseTime(hre: ChainHandles, seconds: number): Promise<number> {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`cannot move time by ${seconds} s`);
  await hre.network.provider.request({ method: "evm_increaseTime", params: [seconds] });
  await hre.network.provider.request({ method: "evm_mine", params: [] });
  return latestTimestamp(hre);
}

/** A feed's latest answer (in the feed's own decimals). */
export async function feedAnswer(feed: MockV3Aggregator): Promise<bigint> {
  const [, answer] = await feed.latestRoundData();
  return answer;
}

/**
 * Moves a mock feed's answer by `changeBps` basis points (`800` = +8%, `-250` = -2.5%), rounding toward zero,
 * posted at the current block time. Returns the new answer.
 */
export async function moveFeed(feed: MockV3Aggregator, changeBps: bigint): Promise<bigint> {
  const answer = ((await feedAnswer(feed)) * (BPS + changeBps)) / BPS;
  await send(feed.updateAnswer(answer));
  return answer;
}

/**
 * Re-posts a mock feed's latest answer so its `updatedAt` is the current block time: after moving time, this keeps
 * the price from going stale (the oracle rejects answers older than the feed's heartbeat, DESIGN §5).
 */
export async function refreshFeed(feed: MockV3Aggregator): Promise<void> {
  await send(feed.updateAnswer(await feedAnswer(feed)));
}
