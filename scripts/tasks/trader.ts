/**
 * Trader tasks: `markets`, `account`, `deposit`, `withdraw`, `trade`, `close`, `liquidate` (`trade` and `close` also
 * for an account the signer operates: `--account-id`, or `--owner` with `--subaccount`).
 * Amounts are human units (`--amount 1000` USDC, `--size -1.5` ETH); `npx hardhat <task> --help` lists the options.
 */
import { types } from "hardhat/config";
import type { CommonArgs } from "./frame/context";
import { HELP, action, keelTask } from "./frame/define";

type Args<T> = CommonArgs & T;

keelTask("markets", "Lists the markets: oracle price, skew, open interest, funding rate, leverage and fees")
  .addOptionalParam("market", "Only this market (ETH, ETH-PERP or an id)", undefined, types.string)
  .setAction(
    action<Args<{ market?: string }>>(async (ctx, args) =>
      (await import("./trading/markets")).markets(ctx, args),
    ),
  );

keelTask(
  "account",
  "Shows an account: collateral, positions (entry price, PnL, funding, liquidation price and distance), equity, IM, " +
    "MM, free collateral and margin ratio",
)
  .addOptionalParam("address", "Owner of the account; default the signer", undefined, types.string)
  .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string)
  .addOptionalParam(
    "accountId",
    "Account id (instead of --address and --subaccount)",
    undefined,
    types.string,
  )
  .setAction(
    action<Args<{ address?: string; subaccount?: string; accountId?: string }>>(async (ctx, args) =>
      (await import("./trading/account")).account(ctx, args),
    ),
  );

for (const [name, description] of [
  ["deposit", "Deposits collateral into one of your subaccounts (approves the Vault first if needed)"],
  [
    "withdraw",
    "Withdraws collateral from one of your subaccounts, if the account stays above its initial margin",
  ],
] as const) {
  keelTask(name, description)
    .addParam("amount", "Amount in token units (1000 = 1,000 USDC), or max", undefined, types.string)
    .addOptionalParam(
      "token",
      "Token symbol or address; default the settlement token (USDC)",
      undefined,
      types.string,
    )
    .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string)
    .setAction(
      action<Args<{ amount: string; token?: string; subaccount?: string }>>(async (ctx, args) =>
        (await import("./trading/transfer"))[name](ctx, args),
      ),
    );
}

keelTask("trade", "Opens, increases, reduces or flips a position: --market ETH --size 1.5 (negative to sell)")
  .addParam("market", "Market: ETH, ETH-PERP or an id", undefined, types.string)
  .addParam(
    "size",
    "Size delta in base units, signed: 1.5 buys 1.5 ETH, -0.5 sells 0.5",
    undefined,
    types.string,
  )
  .addOptionalParam("slippage", HELP.slippage, "1", types.string)
  .addOptionalParam("acceptablePrice", HELP.acceptablePrice, undefined, types.string)
  .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string)
  .addOptionalParam("accountId", HELP.operatedAccountId, undefined, types.string)
  .addOptionalParam("owner", HELP.operatedOwner, undefined, types.string)
  .setAction(
    action<Args<import("./trading/trade").TradeArgs & { size: string }>>(async (ctx, args) =>
      (await import("./trading/trade")).trade(ctx, args),
    ),
  );

keelTask("close", "Closes your whole position on a market")
  .addParam("market", "Market: ETH, ETH-PERP or an id", undefined, types.string)
  .addOptionalParam("slippage", HELP.slippage, "1", types.string)
  .addOptionalParam("acceptablePrice", HELP.acceptablePrice, undefined, types.string)
  .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string)
  .addOptionalParam("accountId", HELP.operatedAccountId, undefined, types.string)
  .addOptionalParam("owner", HELP.operatedOwner, undefined, types.string)
  .setAction(
    action<Args<import("./trading/trade").TradeArgs>>(async (ctx, args) =>
      (await import("./trading/trade")).close(ctx, args),
    ),
  );

keelTask(
  "liquidate",
  "Liquidates an account whose equity is below its maintenance margin; the reward goes to your subaccount 0",
)
  .addOptionalParam("accountId", "Account id to liquidate", undefined, types.string)
  .addOptionalParam(
    "address",
    "Owner of the account to liquidate (with --subaccount)",
    undefined,
    types.string,
  )
  .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string)
  .setAction(
    action<Args<{ accountId?: string; address?: string; subaccount?: string }>>(async (ctx, args) =>
      (await import("./trading/liquidate")).liquidate(ctx, args),
    ),
  );
