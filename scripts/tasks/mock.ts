/**
 * Local development tasks: `mock:set-price`, `mock:mint`, `mock:advance-time`. They refuse to run on any chain but a
 * local development chain (chain id 31337 or 1337).
 */
import { types } from "hardhat/config";
import type { CommonArgs } from "./frame/context";
import { action, keelTask } from "./frame/define";

type Args<T> = CommonArgs & T;

keelTask(
  "mock:set-price",
  "Sets a mock Chainlink feed's answer (local chains only): --market ETH --price 3100",
)
  .addOptionalParam("market", "Market whose asset to price (ETH, ETH-PERP or an id)", undefined, types.string)
  .addOptionalParam("asset", "Or: the oracle asset key (ETH, BTC, WBTC…)", undefined, types.string)
  .addParam("price", "New price in USD", undefined, types.string)
  .setAction(
    action<Args<{ market?: string; asset?: string; price: string }>>(async (ctx, args) =>
      (await import("./devchain/mock")).setPrice(ctx, args),
    ),
  );

keelTask("mock:mint", "Mints mock tokens (local chains only): --amount 10000 [--token USDC] [--to 0x…]")
  .addParam("amount", "Amount in token units", undefined, types.string)
  .addOptionalParam("token", "Token symbol or address; default the settlement token", undefined, types.string)
  .addOptionalParam("to", "Recipient; default the signer", undefined, types.string)
  .setAction(
    action<Args<{ amount: string; token?: string; to?: string }>>(async (ctx, args) =>
      (await import("./devchain/mock")).mint(ctx, args),
    ),
  );

keelTask(
  "mock:advance-time",
  "Moves the chain's clock and re-posts the mock feeds so prices stay fresh (local chains only)",
)
  .addParam("seconds", "Seconds to move forward", undefined, types.string)
  .addFlag("noRefresh", "Leave the mock feeds alone (prices may go stale)")
  .setAction(
    action<Args<{ seconds: string; noRefresh: boolean }>>(async (ctx, args) =>
      (await import("./devchain/mock")).advanceTime(ctx, {
        seconds: args.seconds,
        refreshFeeds: !args.noRefresh,
      }),
    ),
  );
