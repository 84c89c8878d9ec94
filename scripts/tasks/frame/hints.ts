/**
 * What to do about the reverts a newcomer meets most: one sentence after the decoded error, with the command that
 * fixes it where there is one (`npx hardhat pool:deposit …` against an empty pool, the USDC missing for the initial
 * margin, a stale price, slippage).
 */
import { ethers } from "ethers";
import type { DecodedRevert } from "../../common/errors";
import { formatTokenExact, formatUsdExact, formatWadExact } from "../../common/format";
import { exact, fromWadUp } from "../../common/units";
import { ORDER_HINTS } from "./orderHints";

export interface HintContext {
  /** The network the task ran on; commands in hints carry `--network <it>` unless it is the in-process one. */
  network: string;
  settlement: { symbol: string; decimals: number };
}

type Hint = (args: readonly unknown[], ctx: HintContext, net: string) => string | undefined;

const big = (v: unknown): bigint => BigInt(v as bigint);

const isoTime = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

const asset = (key: unknown): string => {
  try {
    return ethers.decodeBytes32String(String(key));
  } catch {
    return String(key);
  }
};

const HINTS: Record<string, Hint> = {
  ClearinghousePoolOpenInterestCapExceeded: ([, notional, cap], _ctx, net) =>
    big(cap) === 0n
      ? "the liquidity pool is empty, so no position can open: add liquidity first, e.g. " +
        `npx hardhat pool:deposit --amount 100000${net} (on a local chain, mock:mint the USDC before)`
      : `open interest is capped by the pool's value: this side would reach ${formatUsdExact(big(notional))} ` +
        `against a cap of ${formatUsdExact(big(cap))}; trade smaller or add liquidity (npx hardhat pool:deposit ` +
        `--amount <USDC>${net})`,
  ClearinghouseInsufficientMargin: ([, equity, initialMargin], ctx, net) => {
    const missing = big(initialMargin) - big(equity);
    const units = fromWadUp(missing, ctx.settlement.decimals);
    const amount = exact(units, ctx.settlement.decimals);
    return (
      `the account would be ${formatUsdExact(missing)} short of its initial margin: deposit at least ` +
      `${formatTokenExact(units, ctx.settlement)} more (npx hardhat deposit --amount ${amount}${net}) or trade smaller`
    );
  },
  ClearinghouseAccountLiquidatable: () =>
    "the account is below its maintenance margin: it may only reduce positions (or add collateral) until it is not",
  OracleStalePrice: ([key, , updatedAt, maxAge, blockTimestamp], _ctx, net) =>
    `the ${asset(key)} price is ${big(blockTimestamp) - big(updatedAt)} s old and the oracle accepts at most ` +
    `${big(maxAge)} s: on a local chain re-post the mock feeds (npx hardhat mock:advance-time --seconds 1${net}, or ` +
    `mock:set-price --asset ${asset(key)} --price <USD>); on a real network the feed has stopped, wait for it`,
  OracleInvalidTimestamp: ([key], _ctx, net) =>
    `the ${asset(key)} feed's timestamp is unusable: on a local chain re-post it (npx hardhat mock:set-price ` +
    `--asset ${asset(key)} --price <USD>${net})`,
  ClearinghouseSlippageExceeded: ([sizeDelta, fillPrice, acceptablePrice]) =>
    `the fill price ${formatUsdExact(big(fillPrice))} is ${big(sizeDelta) > 0n ? "above" : "below"} your limit ` +
    `${formatUsdExact(big(acceptablePrice))}: the price or the skew moved since the preview; try again, or allow ` +
    "more with --slippage (percent) or --acceptable-price",
  ClearinghouseOpenInterestCapExceeded: ([, openInterest, cap]) =>
    `this side's open interest would be ${formatWadExact(big(openInterest))}, above the market's cap of ` +
    `${formatWadExact(big(cap))} (base units): trade smaller`,
  ClearinghousePositionBelowMinimum: ([, notional, minimum]) =>
    `a position must be worth at least ${formatUsdExact(big(minimum))} (this one: ${formatUsdExact(big(notional))}): ` +
    "trade more, or close the whole position",
  ClearinghouseNotLiquidatable: () =>
    "the account's equity is at least its maintenance margin: nothing to liquidate",
  ClearinghouseInsufficientPoolLiquidity: (_args, _ctx, net) =>
    `the pool's cash cannot pay this profit now: add liquidity (npx hardhat pool:deposit --amount <USDC>${net}) or wait`,
  PoolInsufficientLiquidity: ([, available], ctx) =>
    `the pool can pay out at most ${formatTokenExact(big(available), ctx.settlement)} now (the rest backs open ` +
    "positions): withdraw less",
  PoolWithdrawalNotReady: ([, unlockTime, blockTimestamp], _ctx, net) =>
    `the request is redeemable from ${isoTime(big(unlockTime))}, ${big(unlockTime) - big(blockTimestamp)} s from now` +
    ` (on a local chain: npx hardhat mock:advance-time --seconds ${big(unlockTime) - big(blockTimestamp)}${net})`,
  PoolWithdrawalExpired: () => "the request's window has passed: renew it with pool:request-withdraw",
  EnforcedPause: () =>
    "the contract is paused: risk-increasing actions wait for admin:unpause; closing, withdrawing and liquidating work",
  ERC20InsufficientBalance: (_args, _ctx, net) =>
    `the wallet holds too little of the token (on a local chain: npx hardhat mock:mint --amount <n>${net})`,
  AccessControlUnauthorizedAccount: () => "the signer lacks the role: pass --from an account that holds it",
};

/** The hint for a decoded revert, if there is one. */
export function revertHint(revert: DecodedRevert, ctx: HintContext): string | undefined {
  const net = ctx.network === "hardhat" ? "" : ` --network ${ctx.network}`;
  const args = Array.from(revert.args as ArrayLike<unknown>);
  const orderHint = ORDER_HINTS[revert.name];
  if (orderHint) return orderHint(args, net);
  const hint = HINTS[revert.name];
  return hint ? hint(args, ctx, net) : undefined;
}
