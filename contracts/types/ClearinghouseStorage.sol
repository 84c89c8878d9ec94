// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IVault} from "../interfaces/IVault.sol";
import {Market} from "./Market.sol";
import {Position} from "./Position.sol";

/// @notice A market's parameters as stored (`IClearinghouse.MarketParams` is the interface's view of them): one slot
/// per path that reads them, each read whole.
/// @param asset Every valuation: the oracle key (never zero for a listed market).
struct MarketConfig {
    bytes32 asset;
    MarginConfig margin;
    SkewConfig skew;
    LiquidationWindow window;
    TradeConfig trade;
}

/// @notice Every valuation (margin fractions, funding rate) and liquidation (fee).
struct MarginConfig {
    uint64 imf;
    uint64 mmf;
    uint64 maxFundingRatePerDay;
    uint64 liquidationFee;
}

/// @notice Trades and liquidations.
struct SkewConfig {
    uint128 skewScale;
    uint128 minPositionNotional;
}

/// @notice Liquidations: the cascade-damping window's cap and length (parameters) with its usage (state), read and
/// written together.
/// @param start `uint32(block.timestamp)` at the window's start; elapsed time is taken modulo 2^32 (wrap-safe).
struct LiquidationWindow {
    uint96 cap;
    uint96 used;
    uint32 length;
    uint32 start;
}

/// @notice Trades only.
/// @param maxOpenInterest At most `type(uint120).max` (checked by the setter): it shares the slot with the flag.
/// @param immediateTrades Whether `trade` / `tradeFor` may fill at once at the latest answer; off, the market trades
/// only through orders settled at a price published after their commit (DESIGN §21). Off when listed.
struct TradeConfig {
    uint64 takerFee;
    uint64 makerFee;
    uint120 maxOpenInterest;
    bool immediateTrades;
}

/// @notice The protocol-wide parameters as stored: slot 0 for trades (and the pause flag, and auto-deleveraging's
/// `maxPnlToPool` in the room left), slot 1 for liquidations.
struct RiskConfig {
    uint8 maxPositionsPerAccount;
    uint64 insuranceFeeShare;
    uint64 maxOpenInterestToPool;
    bool paused;
    uint64 maxPnlToPool;
    uint64 liquidationBuffer;
    uint64 keeperShare;
    uint96 minKeeperReward;
    uint96 maxKeeperReward;
}

/// @notice Everything the Clearinghouse stores, in one layout: the core and its linked logic libraries
/// (`LiquidationLogic`) take it as one storage reference.
/// @param openMarkets Bit `i` set when the account has an open position on market `i`.
/// @param operators Addresses the account's owner approved to trade and manage orders for it (DESIGN §4, §21).
struct ClearinghouseStorage {
    uint256 marketCount;
    mapping(uint256 marketId => MarketConfig) configs;
    mapping(uint256 marketId => Market) markets;
    mapping(uint256 accountId => mapping(uint256 marketId => Position)) positions;
    mapping(uint256 accountId => uint256) openMarkets;
    RiskConfig risk;
    mapping(uint256 accountId => mapping(address operator => bool)) operators;
}

/// @notice The Clearinghouse's immutables, handed to the code that runs in its context (libraries cannot read them).
/// @param toWad 10 ** (18 - settlement decimals): settlement-token units to WAD.
struct Env {
    IVault vault;
    IPriceOracle oracle;
    uint256 toWad;
}
