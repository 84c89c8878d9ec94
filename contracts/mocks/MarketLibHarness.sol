// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketLib} from "../libraries/MarketLib.sol";
import {Market} from "../types/Market.sol";
import {Position} from "../types/Position.sol";

/// @notice Exposes MarketLib's two aggregate updates for property tests: `reducePosition` (storage, the liquidation
/// path) and `replacePosition` (memory, the trade path), each applied to a market given as input.
contract MarketLibHarness {
    Market private _market;

    /// @notice Stores `market`, applies `reducePosition` to it in storage and returns the result.
    function reduce(
        Market calldata market,
        Position calldata old,
        int256 index,
        int256 newSize,
        int256 newOpenNotional,
        uint256 skewScale
    ) external returns (Market memory) {
        _market = market;
        MarketLib.reducePosition(_market, old, index, newSize, newOpenNotional, skewScale);
        return _market;
    }

    /// @notice Applies `replacePosition` to `market` in memory and returns the result.
    // solhint-disable-next-line gas-calldata-parameters
    function replace(
        Market memory market,
        Position calldata old,
        int256 newSize,
        int256 newOpenNotional,
        int256 newLastIndex,
        uint256 skewScale
    ) external pure returns (Market memory) {
        MarketLib.replacePosition(
            market,
            old.size,
            old.openNotional,
            old.lastFundingIndex,
            newSize,
            newOpenNotional,
            newLastIndex,
            skewScale
        );
        return market;
    }
}
