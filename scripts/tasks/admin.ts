/**
 * Admin tasks: `admin:markets`, `admin:set-market`, `admin:collaterals`, `admin:set-collateral`, `admin:pause`,
 * `admin:unpause`. A change is sent directly when the signer holds the role; on a production deployment it goes
 * through the TimelockController (run the same command once to schedule, again after the delay to execute), or the
 * call is printed for the multisig that holds the role.
 */
import { types } from "hardhat/config";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import type { CommonArgs } from "./frame/context";
import { HELP, action, keelTask } from "./frame/define";

type Args<T> = CommonArgs & T & { viaTimelock: boolean; salt?: string; dryRun: boolean };

const withAdminOptions = (t: ConfigurableTaskDefinition) =>
  t
    .addFlag("viaTimelock", HELP.viaTimelock)
    .addOptionalParam("salt", HELP.salt, undefined, types.string)
    .addFlag("dryRun", HELP.dryRun);

keelTask(
  "admin:markets",
  "Lists every market's parameters, the risk parameters, pause state and roles",
).setAction(action<CommonArgs>(async (ctx) => (await import("./governance/markets")).adminMarkets(ctx)));

/** The market parameters `admin:set-market` takes, with their units. */
const MARKET_OPTIONS: [string, string][] = [
  ["imf", "Initial margin fraction (0.1 = 10%, 10x)"],
  ["mmf", "Maintenance margin fraction"],
  ["liquidationFee", "Liquidation penalty, fraction of notional"],
  ["takerFee", "Fee on the part of a trade that increases |skew| (fraction, at most 0.01)"],
  ["makerFee", "Fee on the part of a trade that reduces |skew| (fraction, at most 0.01)"],
  ["maxFundingRatePerDay", "Funding rate per day at |skew| >= skewScale (fraction)"],
  ["skewScale", "Skew in base units at which the premium is 100%"],
  ["maxOpenInterest", "Open-interest cap per side, base units"],
  ["minPositionNotional", "Minimum position notional, USD"],
  ["maxLiquidationNotionalPerWindow", "Notional (USD) that may be liquidated per window"],
  ["liquidationWindow", "Liquidation window, seconds"],
];

let setMarket = keelTask(
  "admin:set-market",
  "Updates a market's parameters (only those given change): --market ETH --imf 0.08 --taker-fee 0.0006",
).addParam("market", "Market: ETH, ETH-PERP or an id", undefined, types.string);
for (const [name, help] of MARKET_OPTIONS)
  setMarket = setMarket.addOptionalParam(name, help, undefined, types.string);
withAdminOptions(setMarket).setAction(
  action<Args<{ market: string }>>(async (ctx, args) =>
    (await import("./governance/markets")).setMarket(ctx, args),
  ),
);

keelTask("admin:collaterals", "Lists the collateral tokens and their parameters").setAction(
  action<CommonArgs>(async (ctx) => (await import("./governance/collaterals")).adminCollaterals(ctx)),
);

withAdminOptions(
  keelTask(
    "admin:set-collateral",
    "Lists a collateral token or updates it (only the parameters given change)",
  )
    .addParam("token", "Token symbol (of a listed token) or address", undefined, types.string)
    .addOptionalParam("asset", "Oracle key pricing the token (ETH, BTC, WBTC…)", undefined, types.string)
    .addOptionalParam("weight", "Haircut weight (0.8 = counts at 80%)", undefined, types.string)
    .addOptionalParam(
      "liquidationDiscount",
      "Discount keepers get when buying it (0.05 = 5%, at most 0.5)",
      undefined,
      types.string,
    )
    .addOptionalParam(
      "depositCap",
      "Cap on total deposits, token units (0 closes deposits)",
      undefined,
      types.string,
    ),
).setAction(
  action<
    Args<{
      token: string;
      asset?: string;
      weight?: string;
      liquidationDiscount?: string;
      depositCap?: string;
    }>
  >(async (ctx, args) => (await import("./governance/collaterals")).setCollateral(ctx, args)),
);

for (const [name, pause] of [
  ["admin:pause", true],
  ["admin:unpause", false],
] as const) {
  withAdminOptions(
    keelTask(
      name,
      pause
        ? "Pauses risk-increasing actions (increasing trades, LP deposits); closing, withdrawing and liquidating go on"
        : "Resumes risk-increasing actions",
    ).addOptionalParam("target", "all, clearinghouse or pool", "all", types.string),
  ).setAction(
    action<Args<{ target: string }>>(async (ctx, args) =>
      (await import("./governance/pause")).setPaused(ctx, args, pause),
    ),
  );
}
