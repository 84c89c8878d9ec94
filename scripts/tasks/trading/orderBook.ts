/**
 * What the order tasks share: the deployment's OrderBook, the chain's clock, the pending orders of
 * an account (or, from the `OrderCommitted` events, of everyone) and the settlement proof of an order.
 */
import { ethers } from "ethers";
import { MockV3Aggregator__factory, OrderBook__factory } from "../../../typechain-types";
import type { OrderBook } from "../../../typechain-types";
import { findSettlementRound, readPendingOrder, roundProof } from "../../common/orders";
import type { PendingOrder } from "../../common/orders";
import { LOG_BLOCK_RANGE, READ_CONCURRENCY, blockRanges, mapLimit } from "../../common/ranges";
import type { TaskContext } from "../frame/context";
import { listMarkets } from "../frame/lookup";
import type { MarketRef } from "../frame/lookup";
import { durationWords } from "./orderText";

/** The deployment's OrderBook, or a one-line error when the deployment has none. */
export function orderBookOf(ctx: TaskContext): OrderBook {
  const address = ctx.addresses.orderBook;
  if (address === undefined)
    throw new Error(`deployment "${ctx.deploymentId}" has no OrderBook: redeploy it with orders`);
  return OrderBook__factory.connect(address, ctx.signer);
}

/** The latest block's timestamp: what the contracts compare deadlines and delays with. */
export async function chainNow(ctx: TaskContext): Promise<bigint> {
  const block = await ctx.hre.ethers.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

const coder = ethers.AbiCoder.defaultAbiCoder();

/** `OrderBook.orderIdOf` / `conditionalOrderIdOf`: kind 0 the market order, 1..3 a conditional one. */
export function orderIdFor(accountId: bigint, marketId: bigint, kind: number): bigint {
  const encoded =
    kind === 0
      ? coder.encode(["uint256", "uint256"], [accountId, marketId])
      : coder.encode(["uint256", "uint256", "uint8"], [accountId, marketId, kind]);
  return BigInt(ethers.keccak256(encoded));
}

/** The pending orders of `accountId`: each market's market order and its three conditional ones. */
export async function accountOrders(
  book: OrderBook,
  accountId: bigint,
  markets: MarketRef[],
): Promise<PendingOrder[]> {
  const ids = markets.flatMap((m) => [0, 1, 2, 3].map((kind) => orderIdFor(accountId, m.marketId, kind)));
  const orders = await Promise.all(ids.map((id) => readPendingOrder(book, id)));
  return orders.filter((o): o is PendingOrder => o !== undefined);
}

/**
 * The distinct ids of the `OrderCommitted` events in `fromBlock..toBlock`, in order of first commit, read in ranges
 * of at most `range` blocks.
 */
export async function committedOrderIds(
  book: Pick<OrderBook, "queryFilter" | "filters">,
  fromBlock: number,
  toBlock: number,
  range = LOG_BLOCK_RANGE,
): Promise<bigint[]> {
  const ids = new Set<bigint>();
  for (const [from, to] of blockRanges(fromBlock, toBlock, range))
    for (const event of await book.queryFilter(book.filters.OrderCommitted(), from, to))
      ids.add(event.args.orderId);
  return [...ids];
}

/**
 * Every pending order: the ids of all `OrderCommitted` events since the deployment's first block (block 0 when its
 * journal does not say), still pending now.
 */
export async function allOrders(ctx: TaskContext, book: OrderBook): Promise<PendingOrder[]> {
  const latest = await ctx.hre.ethers.provider.getBlockNumber();
  const ids = await committedOrderIds(book, ctx.addresses.deployBlock ?? 0, latest);
  const orders = await mapLimit(ids, READ_CONCURRENCY, (id) => readPendingOrder(book, id));
  return orders.filter((o): o is PendingOrder => o !== undefined);
}

/** The pending order `orderId`, or a one-line error. */
export async function pendingOrder(book: OrderBook, orderId: bigint): Promise<PendingOrder> {
  const order = await readPendingOrder(book, orderId);
  if (!order) throw new Error(`no pending order ${orderId} (settled, cancelled or never placed)`);
  return order;
}

/** `--order <id>` (decimal or 0x hex). */
export function parseOrderId(value: string): bigint {
  const text = value.trim();
  if (!/^(\d+|0x[0-9a-fA-F]{1,64})$/.test(text))
    throw new Error(`--order: "${value}" is not an order id (a number or 0x hex)`);
  return BigInt(text);
}

/**
 * The proof `settleOrder` wants: for a market order the first round of the market's feed published after the commit
 * (a one-line error when there is none yet), for a conditional order none (it settles at the latest price).
 */
export async function settlementProof(ctx: TaskContext, order: PendingOrder): Promise<string> {
  if (order.trigger !== undefined) return "0x";
  const market = (await listMarkets(ctx)).find((m) => m.marketId === order.marketId)!;
  const feed = MockV3Aggregator__factory.connect(
    (await ctx.oracle.feedConfig(market.params.asset)).feed,
    ctx.signer,
  );
  const round = await findSettlementRound(feed, order.committedAt);
  if (round.status === "found") return roundProof(round.roundId);
  if (round.status === "waiting") {
    const net = ctx.hre.network.name === "hardhat" ? "" : ` --network ${ctx.hre.network.name}`;
    throw new Error(
      `no ${market.symbol} price was published after the order's commit yet (the latest is ` +
        `${durationWords(order.committedAt - round.latestUpdatedAt)} older than the commit): wait for the next oracle update ` +
        `(on a local chain: npx hardhat mock:set-price --market ${market.symbol} --price <USD>${net})`,
    );
  }
  throw new Error(`the order's settlement round cannot be proven: ${round.reason}`);
}

/** A market by id from the listed ones. */
export const marketById = (markets: MarketRef[], marketId: bigint): MarketRef =>
  markets.find((m) => m.marketId === marketId)!;
