/**
 * Who got there first: the latest event of an account's liquidation or debt action in a block range; and an account's
 * event in a receipt.
 */
import { ethers } from "ethers";
import type { Log, TransactionReceipt } from "ethers";
import type { Winner } from "../action";
import type { KeeperChain } from "../chain";
import type { EventArgs } from "./events";
import { argsOf } from "./events";
import { BAD_DEBT_SETTLED_TOPIC, COLLATERAL_LIQUIDATED_TOPIC, LIQUIDATED_TOPIC } from "../tracker";

/** The address in an indexed `address` topic. */
export const addressTopic = (topic: string): string => ethers.getAddress(ethers.dataSlice(topic, 12));

/**
 * The latest log at `address` in `fromBlock..toBlock` whose first topic is `topic0` (or one of several) and whose
 * second is the account id (every event the keeper races on indexes `accountId` first).
 */
export async function latestAccountLog(
  chain: KeeperChain,
  address: string,
  topic0: string | string[],
  accountId: bigint,
  fromBlock: number,
  toBlock: number,
): Promise<Log | undefined> {
  const logs = await chain.rpc(() =>
    chain.provider.getLogs({ address, topics: [topic0, ethers.toBeHex(accountId, 32)], fromBlock, toBlock }),
  );
  return logs[logs.length - 1];
}

/** The last event called `name` of `accountId` that `contract` (at `address`) emitted in a receipt, if any. */
export function receiptEvent<K extends keyof EventArgs>(
  contract: { interface: ethers.Interface },
  address: string,
  receipt: TransactionReceipt,
  accountId: bigint,
  name: K,
): EventArgs[K] | undefined {
  let event: EventArgs[K] | undefined;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const args = argsOf(contract.interface.parseLog(log), name);
    if (args?.accountId === accountId) event = args;
  }
  return event;
}

/** The latest `Liquidated` (Clearinghouse) of the account in `fromBlock..toBlock`: its keeper is the winner. */
export async function findLiquidation(
  chain: KeeperChain,
  accountId: bigint,
  fromBlock: number,
  toBlock: number,
): Promise<Winner | undefined> {
  const address = await chain.clearinghouseAddress();
  const log = await latestAccountLog(chain, address, LIQUIDATED_TOPIC, accountId, fromBlock, toBlock);
  if (!log) return undefined;
  return {
    caller: addressTopic(log.topics[2]),
    txHash: log.transactionHash,
    block: log.blockNumber,
    event: "Liquidated",
  };
}

/**
 * The latest `CollateralLiquidated` or `BadDebtSettled` (Vault) of the account in `fromBlock..toBlock`: either ends
 * the other debt action's work. `BadDebtSettled` names no caller: the sender of its transaction is the winner.
 */
export async function findDebtAction(
  chain: KeeperChain,
  accountId: bigint,
  fromBlock: number,
  toBlock: number,
): Promise<Winner | undefined> {
  const address = await chain.vaultAddress();
  const topics = [COLLATERAL_LIQUIDATED_TOPIC, BAD_DEBT_SETTLED_TOPIC];
  const log = await latestAccountLog(chain, address, topics, accountId, fromBlock, toBlock);
  if (!log) return undefined;
  const base = { txHash: log.transactionHash, block: log.blockNumber };
  if (log.topics[0] === COLLATERAL_LIQUIDATED_TOPIC) {
    return { ...base, caller: addressTopic(log.topics[2]), event: "CollateralLiquidated" };
  }
  const tx = await chain.rpc(() => chain.provider.getTransaction(log.transactionHash));
  return { ...base, caller: tx?.from ?? ethers.ZeroAddress, event: "BadDebtSettled" };
}

/** The arguments of the Vault's last `name` event of `accountId` in a receipt, if any. */
export async function vaultEvent<K extends "BadDebtSettled" | "CollateralLiquidated">(
  chain: KeeperChain,
  receipt: TransactionReceipt,
  accountId: bigint,
  name: K,
): Promise<EventArgs[K] | undefined> {
  return receiptEvent(chain.vault, await chain.vaultAddress(), receipt, accountId, name);
}
