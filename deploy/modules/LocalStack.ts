import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Future, NamedArtifactContractDeploymentFuture } from "@nomicfoundation/ignition-core";
import {
  DEFAULT_MARKETS,
  DEFAULT_RISK,
  LOCAL_COLLATERALS,
  LOCAL_FEEDS,
  LOCAL_WITHDRAWAL_DELAY,
  LOCAL_WITHDRAWAL_WINDOW,
  assetKey,
  toMarketParams,
} from "../config";

/**
 * The whole protocol on a local chain: a 6-decimal mock USDC, Chainlink `MockV3Aggregator` feeds for ETH and BTC,
 * PriceOracle, Vault, Clearinghouse, LiquidityPool, wired together, with the default markets listed and WETH-like
 * (18 decimals) and WBTC-like (8 decimals) mock tokens listed as collateral.
 * The deployer (account 0) holds every role.
 */
export default buildModule("LocalStack", (m) => {
  const admin = m.getAccount(0);

  const usdc = m.contract("MockERC20", ["USD Coin (mock)", "USDC", 6], { id: "USDC" });
  const oracle = m.contract("PriceOracle", [admin]);

  const feeds: Record<string, NamedArtifactContractDeploymentFuture<"MockV3Aggregator">> = {};
  const feedSet: Future[] = [];
  for (const f of LOCAL_FEEDS) {
    const feed = m.contract("MockV3Aggregator", [f.decimals, f.initialAnswer], { id: `${f.symbol}UsdFeed` });
    feeds[f.symbol] = feed;
    feedSet.push(
      m.call(oracle, "setFeed", [assetKey(f.symbol), feed, f.heartbeat, f.minPrice, f.maxPrice], {
        id: `setFeed${f.symbol}`,
      }),
    );
  }

  const vault = m.contract("Vault", [admin, usdc, oracle]);
  const clearinghouse = m.contract("Clearinghouse", [admin, vault, oracle, { ...DEFAULT_RISK }]);
  const pool = m.contract("LiquidityPool", [admin, vault, clearinghouse, LOCAL_WITHDRAWAL_DELAY, LOCAL_WITHDRAWAL_WINDOW]);
  m.call(vault, "initialize", [clearinghouse, pool]);

  const collaterals: Record<string, NamedArtifactContractDeploymentFuture<"MockERC20">> = {};
  for (const c of LOCAL_COLLATERALS) {
    const token = m.contract("MockERC20", [`${c.symbol} (mock)`, c.symbol, c.decimals], { id: c.symbol });
    collaterals[c.symbol] = token;
    m.call(vault, "setCollateral", [token, assetKey(c.asset), c.weight, c.liquidationDiscount, c.depositCap], {
      id: `setCollateral${c.symbol}`,
      after: feedSet,
    });
  }

  let previous: Future[] = feedSet;
  for (const market of DEFAULT_MARKETS) {
    const added = m.call(clearinghouse, "addMarket", [toMarketParams(market)], {
      id: `addMarket${market.symbol}`,
      after: previous,
    });
    previous = [added];
  }

  return {
    usdc,
    weth: collaterals.WETH,
    wbtc: collaterals.WBTC,
    oracle,
    vault,
    clearinghouse,
    pool,
    ethFeed: feeds.ETH,
    btcFeed: feeds.BTC,
  };
});
