/**
 * The shape of a production deployment per real network: which feeds, collateral tokens and markets it lists. Ignition
 * modules must have a static structure, so this layout is TypeScript; every value (addresses, heartbeats, bounds, risk
 * parameters, role holders) is an Ignition parameter read from `deploy/parameters/<network>.json`, under the parameter
 * names built by the helpers below.
 *
 * The decimals recorded here are documentation and test input only: the contracts read every token's and feed's
 * decimals on chain when they are listed. The deployment test plants mocks with exactly these decimals at the real
 * addresses and checks that the deployed configuration reports them.
 */

/** A Chainlink `ASSET / USD` price feed the oracle uses under the key `symbol`. */
export interface FeedLayout {
  /** Oracle key (`"ETH"` → bytes32). */
  symbol: string;
  /** The Chainlink pair, for messages. */
  pair: string;
  /** Published decimals of the feed. */
  decimals: number;
}

/** A non-settlement collateral token, valued with the feed of `asset`. */
export interface CollateralLayout {
  symbol: string;
  asset: string;
  decimals: number;
}

export interface NetworkLayout {
  /** Ignition module id: the key of the parameter file's top-level object and of `deployed_addresses.json` entries. */
  moduleId: string;
  /** Network name in hardhat.config.ts. */
  network: string;
  chainId: number;
  /** Parameter file, relative to the repository root. */
  parameterFile: string;
  settlement: { symbol: string; decimals: number };
  feeds: FeedLayout[];
  collaterals: CollateralLayout[];
  /** Markets by base asset, in listing order: market id 0 is the first. */
  markets: string[];
}

/** Parameter names of a feed: `ETH_feed`, `ETH_heartbeat`, `ETH_minPrice`, `ETH_maxPrice`. */
export const FEED_FIELDS = ["feed", "heartbeat", "minPrice", "maxPrice"] as const;
/** Parameter names of a collateral token: `WETH_token`, `WETH_weight`, … */
export const COLLATERAL_FIELDS = ["token", "weight", "liquidationDiscount", "depositCap"] as const;
/** `IClearinghouse.MarketParams` without `asset` (fixed by the layout): `ETH-PERP_imf`, … */
export const MARKET_FIELDS = [
  "imf",
  "mmf",
  "liquidationFee",
  "takerFee",
  "makerFee",
  "maxFundingRatePerDay",
  "skewScale",
  "maxOpenInterest",
  "minPositionNotional",
  "maxLiquidationNotionalPerWindow",
  "liquidationWindow",
] as const;
/** Scalar parameters every production deployment needs. */
export const GLOBAL_PARAMETERS = [
  "timelockMinDelay",
  "timelockProposers",
  "timelockExecutors",
  "guardian",
  "settlementToken",
  "sequencerUptimeFeed",
  "sequencerGracePeriod",
  "stalenessBuffer",
  "withdrawalDelay",
  "withdrawalWindow",
  "maxCollateralsPerAccount",
  "orderSettlementFee",
  "orderMinDelay",
  "orderMaxLifetime",
  "risk",
] as const;

export type FeedField = (typeof FEED_FIELDS)[number];
export type CollateralField = (typeof COLLATERAL_FIELDS)[number];
export type MarketField = (typeof MARKET_FIELDS)[number];

export const feedParam = (symbol: string, field: FeedField): string => `${symbol}_${field}`;
export const collateralParam = (symbol: string, field: CollateralField): string => `${symbol}_${field}`;
export const marketParam = (symbol: string, field: MarketField): string => `${symbol}-PERP_${field}`;

/** Arbitrum One: native USDC settles; WETH and WBTC are collateral; ETH and BTC perpetuals. */
export const ARBITRUM_ONE: NetworkLayout = {
  moduleId: "KeelArbitrumOne",
  network: "arbitrumOne",
  chainId: 42161,
  parameterFile: "deploy/parameters/arbitrum-one.json",
  settlement: { symbol: "USDC", decimals: 6 },
  feeds: [
    { symbol: "ETH", pair: "ETH / USD", decimals: 8 },
    { symbol: "BTC", pair: "BTC / USD", decimals: 8 },
    { symbol: "WBTC", pair: "WBTC / USD", decimals: 8 },
  ],
  collaterals: [
    { symbol: "WETH", asset: "ETH", decimals: 18 },
    { symbol: "WBTC", asset: "WBTC", decimals: 8 },
  ],
  markets: ["ETH", "BTC"],
};

/** Base: native USDC settles; WETH and cbBTC are collateral; ETH and BTC perpetuals. */
export const BASE: NetworkLayout = {
  moduleId: "KeelBase",
  network: "base",
  chainId: 8453,
  parameterFile: "deploy/parameters/base.json",
  settlement: { symbol: "USDC", decimals: 6 },
  feeds: [
    { symbol: "ETH", pair: "ETH / USD", decimals: 8 },
    { symbol: "BTC", pair: "BTC / USD", decimals: 8 },
    { symbol: "cbBTC", pair: "cbBTC / USD", decimals: 8 },
  ],
  collaterals: [
    { symbol: "WETH", asset: "ETH", decimals: 18 },
    { symbol: "cbBTC", asset: "cbBTC", decimals: 8 },
  ],
  markets: ["ETH", "BTC"],
};

export const NETWORK_LAYOUTS: NetworkLayout[] = [ARBITRUM_ONE, BASE];

/** Every parameter name a layout's module reads. */
export function parameterNames(layout: NetworkLayout): string[] {
  return [
    ...GLOBAL_PARAMETERS,
    ...layout.feeds.flatMap((f) => FEED_FIELDS.map((field) => feedParam(f.symbol, field))),
    ...layout.collaterals.flatMap((c) => COLLATERAL_FIELDS.map((field) => collateralParam(c.symbol, field))),
    ...layout.markets.flatMap((s) => MARKET_FIELDS.map((field) => marketParam(s, field))),
  ];
}
