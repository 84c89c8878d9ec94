// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {Market} from "./Market.sol";
import {Position} from "./Position.sol";

/// @notice A market's price and funding index accrued to now, with its margin fractions: read once per transaction
/// (or once per batch in `liquidatable`).
struct Quote {
    uint256 price;
    int256 index;
    uint256 imf;
    uint256 mmf;
    uint256 liquidationFee;
}

/// @notice Quotes kept across the accounts of a batch (`liquidatable`): bit `i` of `loaded` set when `quotes[i]` is.
struct QuoteCache {
    uint256 loaded;
    Quote[] quotes;
}

/// @notice Σ of per-position margin terms over a set of positions (USD, WAD).
struct Totals {
    int256 unrealizedPnl;
    int256 pendingFunding;
    uint256 initialMargin;
    uint256 maintenanceMargin;
}

/// @notice Everything a trade computes before anything is written.
struct TradeCalc {
    Quote quote;
    uint256 skewScale;
    uint256 minPositionNotional;
    uint256 maxOpenInterest;
    bool immediateTrades;
    uint256 oldLongOpenInterest;
    uint256 oldShortOpenInterest;
    Market market;
    Position oldPosition;
    int256 newSize;
    int256 newOpenNotional;
    uint256 fillPrice;
    uint256 fee;
    int256 realizedPnl;
    int256 fundingOwed;
    int256 accountDelta;
    int256 poolDelta;
    int256 insuranceDelta;
    int256 balanceBefore;
    uint256 otherCollateralValue;
}

/// @notice One position in a liquidation plan: what the health pass read, then what the close pass computed.
struct Leg {
    uint256 marketId;
    Quote quote;
    Position position;
    uint256 closedAbs;
    int256 sizeClosed;
    uint256 notionalClosed;
    int256 newSize;
    int256 newOpenNotional;
    int256 realizedPnl;
    int256 fundingOwed;
}

/// @notice Everything a liquidation computes before anything is written.
struct LiquidationPlan {
    IClearinghouse.AccountState before;
    Leg[] legs;
    uint256 fraction;
    uint256 notionalClosed;
    uint256 penalty;
    uint256 keeperReward;
    int256 balance;
    bool hasOtherCollateral;
    int256 accountDelta;
    int256 poolDelta;
    int256 insuranceDelta;
}
