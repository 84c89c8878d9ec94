/**
 * Liquidity-provider tasks: `pool:info`, `pool:deposit`, `pool:request-withdraw`, `pool:withdraw`.
 * Withdrawals take two steps: a request escrows shares, and after the withdrawal delay they are redeemable for a window.
 */
import { types } from "hardhat/config";
import type { CommonArgs } from "./frame/context";
import { action, keelTask } from "./frame/define";

type Args<T> = CommonArgs & T;

keelTask(
  "pool:info",
  "Shows the pool (NAV, cash, available liquidity) and your shares and withdrawal request",
).setAction(action<Args<object>>(async (ctx) => (await import("./liquidity/pool")).info(ctx)));

keelTask("pool:deposit", "Deposits settlement tokens into the liquidity pool for shares")
  .addParam("amount", "Amount in settlement-token units (1000 = 1,000 USDC)", undefined, types.string)
  .setAction(
    action<Args<{ amount: string }>>(async (ctx, args) =>
      (await import("./liquidity/pool")).poolDeposit(ctx, args),
    ),
  );

keelTask(
  "pool:request-withdraw",
  "Escrows shares for withdrawal; they are redeemable after the withdrawal delay, for the withdrawal window",
)
  .addOptionalParam("shares", "Shares to escrow, or all (the default)", undefined, types.string)
  .addOptionalParam(
    "amount",
    "Or: the settlement-token amount to withdraw, converted to shares now",
    undefined,
    types.string,
  )
  .setAction(
    action<Args<{ shares?: string; amount?: string }>>(async (ctx, args) =>
      (await import("./liquidity/pool")).requestWithdraw(ctx, args),
    ),
  );

keelTask("pool:withdraw", "Redeems your matured withdrawal request for settlement tokens")
  .addOptionalParam("shares", "Shares to redeem; default the whole request", undefined, types.string)
  .setAction(
    action<Args<{ shares?: string }>>(async (ctx, args) =>
      (await import("./liquidity/pool")).poolWithdraw(ctx, args),
    ),
  );
