import { ethers } from "ethers";

/** An oracle key: the asset's symbol as bytes32 (`"ETH"` → 0x455448…). */
export const assetKey = (symbol: string): string => ethers.encodeBytes32String(symbol);

/** Fixed-point helpers for configuration literals. */
export const wad = (value: string | number): bigint => ethers.parseUnits(String(value), 18);

export interface MarketConfig {
  symbol: string;
  imf: bigint;
  mmf: bigint;
  liquidationFee: bigint;
  takerFee: bigint;
  makerFee: bigint;
  maxFundingRatePerDay: bigint;
  skewScale: bigint;
  maxOpenInterest: bigint;
  minPositionNotional: bigint;
  maxLiquidationNotionalPerWindow: bigint;
  liquidationWindow: number;
}

export interface RiskConfig {
  maxPositionsPerAccount: number;
  insuranceFeeShare: bigint;
  maxOpenInterestToPool: bigint;
  liquidationBuffer: bigint;
  keeperShare: bigint;
  /** Settlement-token units (6 decimals for USDC). */
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
  /** Auto-deleveraging: a market side's net PnL above this share of the pool's cash may be deleveraged (WAD, < 1). */
  maxPnlToPool: bigint;
}

/** Default markets of the local stack: 10x initial leverage, 20x maintenance, 1% liquidation penalty. */
export const DEFAULT_MARKETS: MarketConfig[] = [
  {
    symbol: "ETH",
    imf: wad("0.1"),
    mmf: wad("0.05"),
    liquidationFee: wad("0.01"),
    takerFee: wad("0.0005"),
    makerFee: wad("0.0002"),
    maxFundingRatePerDay: wad("0.1"),
    skewScale: wad(100_000),
    // maxOpenInterest / skewScale + takerFee <= mmf (0.04 + 0.0005 <= 0.05): a reduce-only close never costs more
    // premium and fee than a tradable account holds (DESIGN §18.17). Was 10,000 (a 10% worst premium).
    maxOpenInterest: wad(4_000),
    minPositionNotional: wad(10),
    maxLiquidationNotionalPerWindow: wad(5_000_000),
    liquidationWindow: 300,
  },
  {
    symbol: "BTC",
    imf: wad("0.1"),
    mmf: wad("0.05"),
    liquidationFee: wad("0.01"),
    takerFee: wad("0.0005"),
    makerFee: wad("0.0002"),
    maxFundingRatePerDay: wad("0.1"),
    skewScale: wad(5_000),
    // 200 / 5,000 + 0.0005 <= 0.05 (DESIGN §18.17). Was 500.
    maxOpenInterest: wad(200),
    minPositionNotional: wad(10),
    maxLiquidationNotionalPerWindow: wad(5_000_000),
    liquidationWindow: 300,
  },
];

export const DEFAULT_RISK: RiskConfig = {
  maxPositionsPerAccount: 32,
  insuranceFeeShare: wad("0.2"),
  maxOpenInterestToPool: wad(1),
  liquidationBuffer: wad("0.25"),
  keeperShare: wad("0.3"),
  minKeeperReward: 1_000_000n, // 1 USDC
  maxKeeperReward: 1_000_000_000n, // 1,000 USDC
  // Two markets' winning sides together stay under 90% of the pool's cash before keepers deleverage them.
  maxPnlToPool: wad("0.45"),
};

/** Local mock feeds: 8 decimals like Chainlink's USD feeds, a 24 h heartbeat, wide sanity bounds. */
export const LOCAL_FEEDS = [
  {
    symbol: "ETH",
    decimals: 8,
    initialAnswer: 3_000n * 10n ** 8n,
    heartbeat: 86_400,
    minPrice: wad(1),
    maxPrice: wad(1_000_000),
  },
  {
    symbol: "BTC",
    decimals: 8,
    initialAnswer: 60_000n * 10n ** 8n,
    heartbeat: 86_400,
    minPrice: wad(1),
    maxPrice: wad(10_000_000),
  },
];

/**
 * Seconds added to every feed's heartbeat before an answer is stale (`PriceOracle.setStalenessBuffer`, DESIGN §5), per
 * network: local stack 0 (the mock feeds post when the tests say, so no round is ever late); Arbitrum One and Base
 * 600 (`stalenessBuffer` in deploy/parameters/*.json: a heartbeat round lands some seconds after it is due).
 */
export const LOCAL_STALENESS_BUFFER = 0;

/**
 * Orders (DESIGN §21) on the local stack: a 1 USDC settlement fee paid to the keeper, settleable from 1 s after the
 * commit, an order living at most 1 h. Real networks set theirs in deploy/parameters/*.json (`order*`).
 */
export const LOCAL_ORDER_PARAMS = {
  settlementFee: 1_000_000n,
  minDelay: 1,
  maxLifetime: 3_600,
};

/**
 * The oldest settlement price the local stack's OrderBook accepts, in seconds after its publication
 * (`OrderBook.setMaxPriceAge`): 120 s, because a person typing `orders:place`, `mock:set-price` and `orders:settle` one
 * after the other takes longer than the contract's default of 15 s. Real networks keep 15 s: there a keeper settles
 * within seconds, and an older price would give whoever settles an option on what happened since (DESIGN §21).
 */
export const LOCAL_ORDER_MAX_PRICE_AGE = 120;

/** LP withdrawal delay of the local stack, and how long a matured request stays usable (seconds). */
export const LOCAL_WITHDRAWAL_DELAY = 86_400;
export const LOCAL_WITHDRAWAL_WINDOW = 2 * 86_400;

export const toMarketParams = (m: MarketConfig) => ({
  asset: assetKey(m.symbol),
  imf: m.imf,
  mmf: m.mmf,
  liquidationFee: m.liquidationFee,
  takerFee: m.takerFee,
  makerFee: m.makerFee,
  maxFundingRatePerDay: m.maxFundingRatePerDay,
  skewScale: m.skewScale,
  maxOpenInterest: m.maxOpenInterest,
  minPositionNotional: m.minPositionNotional,
  maxLiquidationNotionalPerWindow: m.maxLiquidationNotionalPerWindow,
  liquidationWindow: m.liquidationWindow,
});

export interface CollateralConfig {
  symbol: string;
  /** Oracle key of the token's price. */
  asset: string;
  decimals: number;
  weight: bigint;
  liquidationDiscount: bigint;
  /** Token units. */
  depositCap: bigint;
}

/** Non-settlement collateral of the local stack: a WETH-like and a WBTC-like mock token. */
export const LOCAL_COLLATERALS: CollateralConfig[] = [
  {
    symbol: "WETH",
    asset: "ETH",
    decimals: 18,
    weight: wad("0.8"),
    liquidationDiscount: wad("0.05"),
    depositCap: 10_000n * 10n ** 18n,
  },
  {
    symbol: "WBTC",
    asset: "BTC",
    decimals: 8,
    weight: wad("0.75"),
    liquidationDiscount: wad("0.05"),
    depositCap: 500n * 10n ** 8n,
  },
];
