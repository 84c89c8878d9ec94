/**
 * The production deployment of Keel on a real network, built from a static layout (deploy/networks.ts) and driven
 * entirely by Ignition parameters (deploy/parameters/<network>.json): tokens, feeds with heartbeats and bounds, the L2
 * sequencer uptime feed and grace period, collateral, markets, risk parameters and role holders.
 *
 * Roles at the end: an OpenZeppelin TimelockController (minimum delay, proposers and executors are parameters; no
 * admin, so it administers itself) holds DEFAULT_ADMIN_ROLE and RISK_ADMIN of every contract; the `guardian`
 * parameter holds GUARDIAN (pause) on the Clearinghouse and the LiquidityPool; the deployer renounces every role it
 * received and keeps none. The deployer must therefore not be the guardian.
 *
 * Per-network entry points: deploy/modules/ArbitrumOne.ts, deploy/modules/Base.ts.
 */
import { ethers } from "ethers";
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { assetKey } from "../config";
import { FEED_FIELDS, MARKET_FIELDS, collateralParam, feedParam, marketParam } from "../networks";
import type { NetworkLayout } from "../networks";
import { buildCore, handOverRoles } from "./Core";
import type { ModuleParameterRuntimeValue, ModuleParameterType } from "@nomicfoundation/ignition-core";

export function productionModule(layout: NetworkLayout) {
  return buildModule(layout.moduleId, (m) => {
    const deployer = m.getAccount(0);
    const p = (name: string): ModuleParameterRuntimeValue<ModuleParameterType> => m.getParameter(name);

    const timelock = m.contract(
      "TimelockController",
      [p("timelockMinDelay"), p("timelockProposers"), p("timelockExecutors"), ethers.ZeroAddress],
      { from: deployer },
    );

    const core = buildCore(m, {
      admin: deployer,
      from: deployer,
      settlementToken: p("settlementToken"),
      risk: p("risk"),
      withdrawalDelay: p("withdrawalDelay"),
      withdrawalWindow: p("withdrawalWindow"),
      sequencer: { feed: p("sequencerUptimeFeed"), gracePeriod: p("sequencerGracePeriod") },
      stalenessBuffer: p("stalenessBuffer"),
      maxCollateralsPerAccount: p("maxCollateralsPerAccount"),
      orders: {
        settlementFee: p("orderSettlementFee"),
        minDelay: p("orderMinDelay"),
        maxLifetime: p("orderMaxLifetime"),
      },
      feeds: layout.feeds.map((f) => {
        const [feed, heartbeat, minPrice, maxPrice] = FEED_FIELDS.map((field) =>
          p(feedParam(f.symbol, field)),
        );
        return { symbol: f.symbol, feed, heartbeat, minPrice, maxPrice };
      }),
      collaterals: layout.collaterals.map((c) => ({
        symbol: c.symbol,
        token: p(collateralParam(c.symbol, "token")),
        asset: assetKey(c.asset),
        weight: p(collateralParam(c.symbol, "weight")),
        liquidationDiscount: p(collateralParam(c.symbol, "liquidationDiscount")),
        depositCap: p(collateralParam(c.symbol, "depositCap")),
      })),
      markets: layout.markets.map((symbol) => ({
        symbol,
        params: {
          asset: assetKey(symbol),
          ...Object.fromEntries(MARKET_FIELDS.map((field) => [field, p(marketParam(symbol, field))])),
        },
      })),
    });

    handOverRoles(m, core, { timelock, guardian: p("guardian"), deployer });

    return {
      timelock,
      oracle: core.oracle,
      vault: core.vault,
      clearinghouse: core.clearinghouse,
      lens: core.lens,
      pool: core.pool,
      orderBook: core.orderBook,
    };
  });
}
