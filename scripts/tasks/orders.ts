/**
 * Order and operator tasks (DESIGN §4, §21): `orders:place` (a two-step market order), `orders:limit`,
 * `orders:stop-loss`, `orders:take-profit`, `orders:list`, `orders:cancel`, `orders:settle`, `operator:set`,
 * `operator:check`. Sizes and prices are human units (`--size -1.5` ETH, `--trigger 2900` USD); an operator acts for
 * someone else's account with `--account-id` (or `--owner` and `--subaccount`).
 */
import { types } from "hardhat/config";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { CommonArgs } from "./frame/context";
import { HELP, action, keelTask } from "./frame/define";

type Args<T> = CommonArgs & T;

/** `--account-id`, `--owner`, `--subaccount`: the account a command acts on. */
const withAccount = (t: ConfigurableTaskDefinition) =>
  t
    .addOptionalParam("accountId", HELP.operatedAccountId, undefined, types.string)
    .addOptionalParam("owner", HELP.operatedOwner, undefined, types.string)
    .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string);

/** What every placing task takes. */
const placing = (t: ConfigurableTaskDefinition) =>
  withAccount(t)
    .addParam("market", "Market: ETH, ETH-PERP or an id", undefined, types.string)
    .addOptionalParam("slippage", HELP.slippage, "1", types.string)
    .addOptionalParam("acceptablePrice", HELP.acceptablePrice, undefined, types.string)
    .addFlag("dryRun", "Check the commit with a static call and print the order instead of placing it")
    .addFlag("wait", "After placing, wait until a keeper (or anyone) settles or cancels the order")
    .addOptionalParam("timeout", "Seconds --wait waits at most", "120", types.string);

type PlaceArgs = import("./trading/orders").MarketOrderArgs;
type ConditionalArgs = import("./trading/orders").ConditionalArgs;

placing(
  keelTask(
    "orders:place",
    "Places a two-step market order, settled by a keeper at the first price published after it: --market ETH --size 1.5",
  ),
)
  .addParam("size", "Size delta in base units, signed: 1.5 buys, -0.5 sells", undefined, types.string)
  .addOptionalParam("deadline", "Seconds from now until the order expires", "120", types.string)
  .addFlag("reduceOnly", "Refuse the order at settlement unless it reduces the position")
  .setAction(
    action<Args<PlaceArgs>>(async (ctx, args) => (await import("./trading/orders")).place(ctx, args)),
  );

for (const [kind, description, sizeHelp] of [
  [
    "limit",
    "Places a limit order: buys at or below --trigger, sells at or above it (--market ETH --size 1 --trigger 2900)",
    "Size delta in base units, signed: 1 buys, -1 sells",
  ],
  [
    "stop-loss",
    "Places a stop-loss closing the position when the price crosses --trigger against it (a long's at or below)",
    "Part of the position to close, signed against it (-0.5 for a long); default all of it",
  ],
  [
    "take-profit",
    "Places a take-profit closing the position when the price crosses --trigger in its favour (a long's at or above)",
    "Part of the position to close, signed against it (-0.5 for a long); default all of it",
  ],
] as const) {
  const t = placing(keelTask(`orders:${kind}`, description)).addParam(
    "trigger",
    "Trigger price in USD",
    undefined,
    types.string,
  );
  (kind === "limit"
    ? t.addParam("size", sizeHelp, undefined, types.string)
    : t.addOptionalParam("size", sizeHelp, undefined, types.string)
  ).setAction(
    action<Args<ConditionalArgs>>(async (ctx, args) =>
      (await import("./trading/orders")).conditional(ctx, kind, args),
    ),
  );
}

withAccount(
  keelTask(
    "orders:list",
    "Lists an account's pending orders: kind, size, trigger, limit, deadline and state",
  ),
)
  .addFlag(
    "all",
    "Every pending order of every account (from the OrderBook's events since the deployment's first block)",
  )
  .setAction(
    action<Args<{ accountId?: string; owner?: string; subaccount?: string; all: boolean }>>(
      async (ctx, args) => (await import("./trading/orderList")).list(ctx, args),
    ),
  );

type OrderRef = import("./trading/orderSettle").OrderRefArgs & { dryRun: boolean };

/** `--order`, or `--market` + `--kind` of the account. */
const orderRef = (t: ConfigurableTaskDefinition) =>
  withAccount(t)
    .addOptionalParam("order", "Order id (as orders:place prints it)", undefined, types.string)
    .addOptionalParam(
      "market",
      "Or: the market of the account's order (with --kind)",
      undefined,
      types.string,
    )
    .addOptionalParam(
      "kind",
      "With --market: market, limit, stop-loss or take-profit",
      "market",
      types.string,
    )
    .addFlag("dryRun", HELP.dryRun);

orderRef(
  keelTask(
    "orders:cancel",
    "Cancels an order: your conditional order any time (fee refunded), anyone's market order after its deadline",
  ),
).setAction(
  action<Args<OrderRef>>(async (ctx, args) => (await import("./trading/orderList")).cancel(ctx, args)),
);

orderRef(
  keelTask(
    "orders:settle",
    "Settles a pending order (anyone; the fee goes to your subaccount 0): a market order at the first price " +
      "published after its commit, a conditional one once the price crosses its trigger",
  ),
).setAction(
  action<Args<OrderRef>>(async (ctx, args) => (await import("./trading/orderSettle")).settle(ctx, args)),
);

keelTask(
  "operator:set",
  "Approves an address to trade and manage orders for one of your subaccounts (never to withdraw); --revoke undoes it",
)
  .addParam("operator", "The operator's address", undefined, types.string)
  .addOptionalParam("subaccount", HELP.subaccount, undefined, types.string)
  .addFlag("revoke", "Revoke the operator instead")
  .addFlag("dryRun", HELP.dryRun)
  .setAction(
    action<Args<{ operator: string; subaccount?: string; revoke: boolean; dryRun: boolean }>>(
      async (ctx, args) => (await import("./trading/operators")).setOperator(ctx, args),
    ),
  );

withAccount(keelTask("operator:check", "Whether an address is an operator of an account (default: yours)"))
  .addParam("operator", "The address to check", undefined, types.string)
  .setAction(
    action<Args<{ operator: string; accountId?: string; owner?: string; subaccount?: string }>>(
      async (ctx, args) => (await import("./trading/operators")).checkOperator(ctx, args),
    ),
  );
