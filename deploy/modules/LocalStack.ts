import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";
import {
  DEFAULT_MARKETS,
  DEFAULT_RISK,
  LOCAL_COLLATERALS,
  LOCAL_FEEDS,
  LOCAL_ORDER_MAX_PRICE_AGE,
  LOCAL_ORDER_PARAMS,
  LOCAL_WITHDRAWAL_DELAY,
  LOCAL_WITHDRAWAL_WINDOW,
  assetKey,
  toMarketParams,
} from "../config";
import { buildCore } from "./Core";

/**
 * The whole protocol on a local chain: a 6-decimal mock USDC, Chainlink `MockV3Aggregator` feeds for ETH and BTC,
 * PriceOracle, Vault, Clearinghouse, LiquidityPool, wired together by the Core builder, with the default markets listed
 * and WETH-like (18 decimals) and WBTC-like (8 decimals) mock tokens listed as collateral.
 * The deployer (account 0) holds every role. The OrderBook accepts settlement prices up to
 * `LOCAL_ORDER_MAX_PRICE_AGE` (120 s) old, for people typing commands.
 */
export default buildModule("LocalStack", (m) => {
  const admin = m.getAccount(0);

  const usdc = m.contract("MockERC20", ["USD Coin (mock)", "USDC", 6], { id: "USDC" });

  const feeds: Record<string, NamedArtifactContractDeploymentFuture<"MockV3Aggregator">> = {};
  for (const f of LOCAL_FEEDS) {
    feeds[f.symbol] = m.contract("MockV3Aggregator", [f.decimals, f.initialAnswer], {
      id: `${f.symbol}UsdFeed`,
    });
  }
  const collaterals: Record<string, NamedArtifactContractDeploymentFuture<"MockERC20">> = {};
  for (const c of LOCAL_COLLATERALS) {
    collaterals[c.symbol] = m.contract("MockERC20", [`${c.symbol} (mock)`, c.symbol, c.decimals], {
      id: c.symbol,
    });
  }

  const core = buildCore(m, {
    admin,
    settlementToken: usdc,
    risk: { ...DEFAULT_RISK },
    withdrawalDelay: LOCAL_WITHDRAWAL_DELAY,
    withdrawalWindow: LOCAL_WITHDRAWAL_WINDOW,
    feeds: LOCAL_FEEDS.map((f) => ({
      symbol: f.symbol,
      feed: feeds[f.symbol],
      heartbeat: f.heartbeat,
      minPrice: f.minPrice,
      maxPrice: f.maxPrice,
    })),
    collaterals: LOCAL_COLLATERALS.map((c) => ({
      symbol: c.symbol,
      token: collaterals[c.symbol],
      asset: assetKey(c.asset),
      weight: c.weight,
      liquidationDiscount: c.liquidationDiscount,
      depositCap: c.depositCap,
    })),
    orders: LOCAL_ORDER_PARAMS,
    // Immediate trades on for the quick start; real networks keep them off (orders only, DESIGN §21).
    markets: DEFAULT_MARKETS.map((market) => ({
      symbol: market.symbol,
      params: toMarketParams(market),
      immediateTrades: true,
    })),
  });

  // The deployer holds RISK_ADMIN on the OrderBook (its constructor grants it to `admin`, account 0 here).
  m.call(core.orderBook, "setMaxPriceAge", [LOCAL_ORDER_MAX_PRICE_AGE], {
    id: "setOrderMaxPriceAge",
    from: admin,
  });

  return {
    usdc,
    weth: collaterals.WETH,
    wbtc: collaterals.WBTC,
    oracle: core.oracle,
    vault: core.vault,
    clearinghouse: core.clearinghouse,
    lens: core.lens,
    pool: core.pool,
    orderBook: core.orderBook,
    ethFeed: feeds.ETH,
    btcFeed: feeds.BTC,
  };
});
