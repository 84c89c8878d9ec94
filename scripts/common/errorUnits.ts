/**
 * The unit of each numeric argument of Keel's custom errors (from the NatSpec in contracts/interfaces/), so a decoded
 * revert prints `equity=-$0.502502` instead of `equity=-502502000000000000`. Arguments not listed print as integers
 * (ids, counts, addresses).
 */

/**
 * `usd`: WAD USD value; `base`: WAD base-asset size; `fraction`: WAD fraction (shown as a percentage);
 * `settlement`: settlement-token units (USDC, 6 decimals); `token`: units of the error's `token` argument;
 * `time`: a unix timestamp; `seconds`: a duration; `shares`: pool shares.
 */
export type ArgUnit = "usd" | "base" | "fraction" | "settlement" | "token" | "time" | "seconds" | "shares";

export const ERROR_ARG_UNITS: Readonly<Record<string, Readonly<Record<string, ArgUnit>>>> = {
  ClearinghouseSlippageExceeded: { sizeDelta: "base", fillPrice: "usd", acceptablePrice: "usd" },
  ClearinghouseInvalidFillPrice: { fillPrice: "usd" },
  ClearinghouseOpenInterestCapExceeded: { openInterest: "base", cap: "base" },
  ClearinghousePoolOpenInterestCapExceeded: { notional: "usd", cap: "usd" },
  ClearinghousePositionBelowMinimum: { notional: "usd", minimum: "usd" },
  ClearinghouseInsufficientMargin: { equity: "usd", initialMargin: "usd" },
  ClearinghouseAccountLiquidatable: { equity: "usd", maintenanceMargin: "usd" },
  ClearinghouseReduceOnlyBadDebt: { equityAfter: "usd" },
  ClearinghouseSkewPremiumExceedsMargin: {
    maxOpenInterest: "base",
    skewScale: "base",
    takerFee: "fraction",
    mmf: "fraction",
  },
  ClearinghouseNotLiquidatable: { equity: "usd", maintenanceMargin: "usd" },
  ClearinghouseLiquidationCapExceeded: { used: "usd", notional: "usd", cap: "usd" },
  ClearinghouseInsufficientPoolLiquidity: { needed: "settlement", available: "settlement" },
  ClearinghouseDeleverageNotNeeded: { sidePnl: "usd", cap: "usd" },
  VaultDepositCapExceeded: { total: "token", cap: "token" },
  VaultTransferAmountMismatch: { expected: "token", received: "token" },
  VaultInsufficientBalance: { balance: "token", needed: "token" },
  VaultInsufficientPoolBalance: { balance: "settlement", needed: "settlement" },
  VaultInsufficientInsuranceBalance: { balance: "settlement", needed: "settlement" },
  VaultUnbalancedTransfer: {
    accountDelta: "settlement",
    poolDelta: "settlement",
    insuranceDelta: "settlement",
  },
  VaultUnbalancedLiquidation: {
    accountDelta: "settlement",
    keeperReward: "settlement",
    poolDelta: "settlement",
    insuranceDelta: "settlement",
  },
  PoolWithdrawalExceedsRequest: { shares: "shares", requestedShares: "shares" },
  PoolWithdrawalNotReady: { unlockTime: "time", blockTimestamp: "time" },
  PoolWithdrawalExpired: { expiry: "time", blockTimestamp: "time" },
  PoolInsufficientLiquidity: { assets: "settlement", available: "settlement" },
  PoolTransferAmountMismatch: { expected: "settlement", received: "settlement" },
  PoolValueTooLow: { value: "settlement", minimum: "settlement" },
  PoolInsolvent: { value: "settlement" },
  PoolRecapitalizeRefused: { value: "settlement", minimum: "settlement", supply: "shares" },
  OracleInvalidTimestamp: { updatedAt: "time", blockTimestamp: "time" },
  OracleStalePrice: { updatedAt: "time", maxAge: "seconds", blockTimestamp: "time" },
  OraclePriceOutOfBounds: { price: "usd", minPrice: "usd", maxPrice: "usd" },
  OracleSequencerGracePeriod: { startedAt: "time", gracePeriod: "seconds", blockTimestamp: "time" },
  OrderBookPriceTooOld: { publishedAt: "time", maxPriceAge: "seconds", blockTimestamp: "time" },
  OrderBookInvalidDeadline: { deadline: "time", earliest: "time", latest: "time" },
  OrderBookTooEarly: { settleableAt: "time", blockTimestamp: "time" },
  OrderBookOrderExpired: { deadline: "time", blockTimestamp: "time" },
  OrderBookNotExpired: { deadline: "time", blockTimestamp: "time" },
  OrderBookNotReduceOnly: { size: "base", sizeDelta: "base" },
  OrderBookInvalidConditionalOrder: { triggerPrice: "usd" },
  OrderBookNotTriggered: { price: "usd", triggerPrice: "usd" },
  OrderBookNothingToProtect: { size: "base", sizeDelta: "base" },
  OrderPriceRoundTooOld: { updatedAt: "time", committedAt: "time" },
  OrderPriceRoundNotFirst: { previousUpdatedAt: "time", committedAt: "time" },
  OrderPriceNotPublishedAfter: { updatedAt: "time", committedAt: "time" },
};
