/**
 * What to do about the order and operator reverts (DESIGN §4, §21): one sentence after the decoded error, with the
 * command that fixes it where there is one. Merged into the hints of hints.ts.
 */
import { ethers } from "ethers";
import { accountIdOf, splitAccountId } from "../../common/accounts";
import { formatUsdExact } from "../../common/format";

type Hint = (args: readonly unknown[], net: string) => string | undefined;

const big = (v: unknown): bigint => BigInt(v as bigint);

/** `the account 0xabc… / subaccount 0`, from an account id. */
const accountText = (accountId: unknown): string => {
  const { owner, subaccount } = splitAccountId(big(accountId));
  return `${owner} / subaccount ${subaccount}`;
};

const notOperator = (accountId: unknown, caller: unknown, net: string): string => {
  const { owner, subaccount } = splitAccountId(big(accountId));
  const self = accountIdOf(ethers.getAddress(String(caller)), subaccount) === big(accountId);
  return self
    ? "the signer owns this account: leave out --account-id / --owner"
    : `${String(caller)} is not an operator of ${owner} / subaccount ${subaccount}: its owner approves it with ` +
        `npx hardhat operator:set --operator ${String(caller)} --subaccount ${subaccount}${net} (run by ${owner})`;
};

export const ORDER_HINTS: Record<string, Hint> = {
  ClearinghouseUnauthorizedTrader: ([accountId, caller], net) => notOperator(accountId, caller, net),
  OrderBookUnauthorized: ([accountId, caller], net) => notOperator(accountId, caller, net),
  OrderBookOrderPending: ([, accountId, marketId], net) =>
    `${accountText(accountId)} already has an order of this kind pending on market ${big(marketId)}: see it with ` +
    `npx hardhat orders:list${net}; cancel it (conditional orders) or wait until it is settled or expires`,
  OrderBookTooEarly: ([, settleableAt, blockTimestamp]) =>
    `the order is settleable ${big(settleableAt) - big(blockTimestamp)} s from now (the OrderBook's minimum delay)`,
  OrderBookNotTriggered: ([, price, triggerPrice, above], net) =>
    `the price ${formatUsdExact(big(price))} has not reached the trigger yet (at or ${above ? "above" : "below"} ` +
    `${formatUsdExact(big(triggerPrice))}): wait, or on a local chain move it (npx hardhat mock:set-price ` +
    `--market <market> --price <USD>${net})`,
  OrderBookPriceTooOld: (_args, net) =>
    "the latest oracle round is older than the OrderBook accepts: wait for the next update (on a local chain: npx " +
    `hardhat mock:set-price --market <market> --price <USD>${net}, or mock:advance-time --seconds 1${net})`,
  OrderPriceNotPublishedAfter: (_args, net) =>
    "no price was published since the order was placed: wait for the next oracle update (on a local chain: npx " +
    `hardhat mock:set-price --market <market> --price <USD>${net})`,
  OrderBookOrderExpired: () =>
    "the order's deadline has passed: cancel it (orders:cancel) and earn its fee instead",
  OrderBookNotExpired: ([, deadline, blockTimestamp]) =>
    `a market order can only be cancelled after its deadline, ${big(deadline) - big(blockTimestamp)} s from now; ` +
    "until then a keeper settles it",
  OrderBookNotCancellable: () =>
    "only the account's owner or an operator may cancel this order (anyone may once the position it protects is gone)",
  OrderBookNothingToProtect: () =>
    "a stop-loss or take-profit must reduce the open position (sell a long, buy a short, no more than its size)",
  OrderBookInvalidDeadline: () =>
    "the deadline must lie between the OrderBook's minimum delay and maximum lifetime from now: pass --deadline " +
    "<seconds> within them",
};
