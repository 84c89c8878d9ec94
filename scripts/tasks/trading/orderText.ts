/**
 * Pure helpers of the order tasks: durations and deadlines in words, a conditional order's trigger in words, the size
 * and limit price of a new order from its options, and the check that a stop-loss or take-profit is not already
 * triggered when committed (it would settle at once: a mistyped side). No chain access; unit-tested on their own.
 */
import { formatUsdExact, formatWadExact } from "../../common/format";
import { isTriggered, orderKindName, triggersAbove } from "../../common/orders";
import type { OrderState, PendingOrder } from "../../common/orders";
import { abs, parseWad } from "../../common/units";
import { acceptablePriceFor } from "./trade";

/** A conditional order's stored deadline (`type(uint40).max`): it has none. */
export const NO_DEADLINE = (1n << 40n) - 1n;

/** The OrderBook's `acceptablePrice` ceiling: `type(uint128).max` means "no limit" for a buy. */
export const NO_LIMIT = (1n << 128n) - 1n;

/** An order id as the tasks print it: 0x + 64 hex digits (`--order` takes it back). */
export const orderIdHex = (orderId: bigint): string => `0x${orderId.toString(16).padStart(64, "0")}`;

/** An order id abbreviated for tables and titles: `0x1a2b3c4d…`. */
export const shortOrderId = (orderId: bigint): string => `${orderIdHex(orderId).slice(0, 10)}…`;

/** A number of seconds in words: `45 s`, `2 min 5 s`, `1 h 3 min`, `2 d 4 h`. */
export function durationWords(seconds: bigint): string {
  const s = abs(seconds);
  if (s < 60n) return `${s} s`;
  if (s < 3_600n) return s % 60n === 0n ? `${s / 60n} min` : `${s / 60n} min ${s % 60n} s`;
  if (s < 86_400n) {
    const minutes = (s % 3_600n) / 60n;
    return minutes === 0n ? `${s / 3_600n} h` : `${s / 3_600n} h ${minutes} min`;
  }
  const hours = (s % 86_400n) / 3_600n;
  return hours === 0n ? `${s / 86_400n} d` : `${s / 86_400n} d ${hours} h`;
}

/** An order's deadline as seen at second `now`: `in 55 s`, `expired 3 s ago`, or `none` for a conditional order. */
export function deadlineWords(deadline: bigint, now: bigint): string {
  if (deadline >= NO_DEADLINE) return "none";
  if (now <= deadline) return `in ${durationWords(deadline - now)}`;
  return `expired ${durationWords(now - deadline)} ago`;
}

/** A conditional order's trigger in words: `at or below $2,900`. */
export const triggerWords = (trigger: { price: bigint; above: boolean }): string =>
  `at or ${trigger.above ? "above" : "below"} ${formatUsdExact(trigger.price)}`;

/** An acceptable price in words: `max $3,030`, `min $2,970`, `none` (a buy without limit, or a sell down to 0). */
export function limitWords(acceptablePrice: bigint, sizeDelta: bigint): string {
  if (sizeDelta > 0n) return acceptablePrice >= NO_LIMIT ? "none" : `max ${formatUsdExact(acceptablePrice)}`;
  return acceptablePrice === 0n ? "none" : `min ${formatUsdExact(acceptablePrice)}`;
}

/** `--size`: a signed, non-zero base-asset amount (`1.5` buys, `-0.5` sells). */
export function parseOrderSize(value: string | undefined, what = "--size"): bigint {
  if (value === undefined)
    throw new Error(`${what} is required (base units, negative to sell: ${what} -0.5)`);
  const size = parseWad(value, what);
  if (size === 0n) throw new Error(`${what} must not be zero`);
  return size;
}

/**
 * The size of a stop-loss or take-profit: `--size` when given (it must sell a long or buy a short, no more than the
 * position), else the whole position closed. Throws a one-line message when there is nothing to protect.
 */
export function protectiveSize(
  kind: number,
  position: bigint,
  sizeArg: string | undefined,
  market: string,
): bigint {
  const name = orderKindName(kind);
  if (position === 0n) throw new Error(`no open position on ${market} for a ${name} to close`);
  if (sizeArg === undefined) return -position;
  const size = parseOrderSize(sizeArg);
  if (size > 0n === position > 0n || abs(size) > abs(position)) {
    throw new Error(
      `a ${name} must reduce the ${position > 0n ? "long" : "short"} of ${exactSize(position)} on ${market}: ` +
        `--size between ${exactSize(-position)} and ${position > 0n ? "-" : ""}0 (got ${exactSize(size)}); ` +
        "omit --size to close it all",
    );
  }
  return size;
}

const exactSize = formatWadExact;

/**
 * Refuses a stop-loss or take-profit whose trigger the current price already crosses: it would settle at once, which
 * is what a trigger on the wrong side of the price does (`--trigger 3100` for a long's stop-loss at $3,000).
 */
export function checkTriggerSide(kind: number, sizeDelta: bigint, trigger: bigint, price: bigint): void {
  if (kind === 1) return; // a limit order already crossed is a marketable limit: allowed
  const above = triggersAbove(kind, sizeDelta);
  if (!isTriggered({ price: trigger, above }, price)) return;
  const name = orderKindName(kind);
  const position = sizeDelta < 0n ? "long" : "short";
  throw new Error(
    `a ${name} of a ${position} triggers ${triggerWords({ price: trigger, above })}, and the price is already ` +
      `${formatUsdExact(price)}: it would settle at once; pick a trigger ${above ? "above" : "below"} the price ` +
      "(or close the position now with close)",
  );
}

/** The limit of a conditional order: `--acceptable-price`, else the trigger moved against the trader by the slippage. */
export const conditionalLimit = (
  trigger: bigint,
  sizeDelta: bigint,
  slippage: bigint,
  explicit?: bigint,
): bigint => explicit ?? acceptablePriceFor(trigger, sizeDelta, slippage);

/** What a pending order waits for, in words, at second `now` with the market's latest oracle price. */
export function stateWords(order: PendingOrder, state: OrderState, price: bigint): string {
  if (state === "expired") return "expired: anyone may cancel it (orders:cancel) and earn the fee";
  if (state === "too-early") return "waiting for the minimum delay";
  if (order.trigger === undefined) return "settleable once a price is published after the commit";
  return isTriggered(order.trigger, price)
    ? `triggered (price ${formatUsdExact(price)}): settleable`
    : `waiting for the trigger (price ${formatUsdExact(price)})`;
}
