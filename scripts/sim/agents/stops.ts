/**
 * Stop-losses through the OrderBook (DESIGN §21): after opening a position, a conservative or swing trader leaves a
 * reduce-only stop-loss at the price where the position would have lost `STOP_LOSS_SHARE` of the account's equity, and
 * the keeper closes the position there when the oracle crosses it (the trader no longer has to be watching). A stop
 * left from an earlier position on the market is cancelled first (its fee comes back).
 */
import type { TraderStyle } from "../population";
import { WAD, abs } from "./env";
import type { AgentEnv } from "./env";
import type { Actor } from "../world";

/** `IOrderBook` kind of a stop-loss. */
const STOP_LOSS = 2;
/** The share of equity a trader is ready to lose on a position before its stop closes it, by temperament. */
export const STOP_LOSS_SHARE: Partial<Record<TraderStyle, number>> = { conservative: 0.35, swing: 0.6 };
/** The stop's worst fill, beyond its trigger (a fast market may gap through it). */
const STOP_SLIPPAGE_PERCENT = 10n;

/**
 * The trigger of a stop-loss losing `share` of `equity` (WAD) on a position of `size` (WAD) at `price` (WAD): a move of
 * `share × equity / |size|` against the position, or undefined when that is the whole price (a short's stop only).
 */
export function stopPrice(size: bigint, price: bigint, equity: bigint, share: number): bigint | undefined {
  const move = (equity * BigInt(Math.round(share * 1e6))) / 1_000_000n;
  const perUnit = (move * WAD) / abs(size);
  if (size > 0n) return perUnit < price ? price - perUnit : undefined;
  return price + perUnit;
}

/** Leaves (or replaces) the account's stop-loss on `marketId` for its current position. */
export async function placeStopLoss(
  env: AgentEnv,
  actor: Actor,
  accountId: bigint,
  marketId: bigint,
  style: TraderStyle,
): Promise<void> {
  const share = STOP_LOSS_SHARE[style];
  if (share === undefined) return;
  const book = env.sys.orderBook.connect(actor.signer);
  const orderId = await book.conditionalOrderIdOf(accountId, marketId, STOP_LOSS);
  if ((await book.order(orderId)).committedAt !== 0n) {
    const cancelled = await env.sender.send(() => book.cancelOrder(orderId));
    if (!cancelled.ok) return;
  }
  // Read together (the node answers them back to back).
  const [position, [fee], balance, state] = await Promise.all([
    env.sys.clearinghouse.position(accountId, marketId),
    book.params(),
    env.sys.vault.balanceOf(accountId, env.sys.addresses.usdc),
    env.sys.clearinghouse.accountState(accountId),
  ]);
  const size = position.size;
  if (size === 0n) return;
  // The fee is escrowed from the account's settlement-token balance: a trader whose cash went into losses (its margin
  // is in WETH or WBTC) has none to pay it with.
  if (balance < fee) return;
  const price = env.price(marketId);
  const trigger = stopPrice(size, price, state.equity, share);
  if (trigger === undefined || trigger === 0n) return;
  const limit =
    size > 0n
      ? (trigger * (100n - STOP_SLIPPAGE_PERCENT)) / 100n
      : (trigger * (100n + STOP_SLIPPAGE_PERCENT)) / 100n;
  await env.sender.send(() =>
    book.commitConditionalOrder(accountId, marketId, -size, limit, trigger, STOP_LOSS),
  );
}
