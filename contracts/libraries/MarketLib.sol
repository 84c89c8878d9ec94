// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {FixedPointMath} from "./FixedPointMath.sol";

/// @notice The mutable state of one market. Five storage slots.
/// @param longOpenInterest Σ size of long positions (base units, WAD).
/// @param shortOpenInterest Σ |size| of short positions (base units, WAD).
/// @param fundingIndex Cumulative funding per unit of size (USD, WAD), signed; grows while the skew is long.
/// @param lastFundingTime When `fundingIndex` was last accrued.
/// @param longOpenNotional Σ openNotional of long positions (USD, WAD).
/// @param shortOpenNotional Σ openNotional of short positions (USD, WAD, <= 0).
/// @param liquidationWindowStart Start of the current cascade-damping window.
/// @param sizeTimesLastIndexSum Σ size_i * lastFundingIndex_i, unscaled (WAD²), so the pool's funding claim is
/// O(1) per market (DESIGN §11).
/// @param liquidatedInWindow Notional liquidated since `liquidationWindowStart` (USD, WAD).
struct MarketState {
    uint128 longOpenInterest;
    uint128 shortOpenInterest;
    int128 fundingIndex;
    uint64 lastFundingTime;
    uint64 liquidationWindowStart;
    int128 longOpenNotional;
    int128 shortOpenNotional;
    int256 sizeTimesLastIndexSum;
    uint128 liquidatedInWindow;
}

/// @title MarketLib
/// @notice Skew-premium fill price, maker/taker fee split and continuous skew funding (DESIGN §7, §8), and the
/// per-market aggregates behind the pool's NAV (§11).
library MarketLib {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using SafeCast for int256;
    using SafeCast for uint256;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant SECONDS_PER_DAY = 86_400;

    function skew(MarketState memory state) internal pure returns (int256) {
        return int256(uint256(state.longOpenInterest)) - int256(uint256(state.shortOpenInterest));
    }

    /// @notice `fill = oracle * (1 + (skew + (skew + sizeDelta)) / 2 / skewScale)`.
    /// @dev The premium rounds toward +infinity for buys and toward -infinity for sells (against the trader).
    /// Returns a non-positive value unchanged so the caller can reject it with its own error.
    function fillPrice(uint256 oraclePrice, int256 currentSkew, int256 sizeDelta, uint256 skewScale)
        internal
        pure
        returns (int256)
    {
        int256 numerator = 2 * currentSkew + sizeDelta;
        int256 price = oraclePrice.toInt256();
        int256 premium = sizeDelta > 0
            ? price.mulDivCeil(numerator, 2 * skewScale)
            : price.mulDivFloor(numerator, 2 * skewScale);
        return price + premium;
    }

    /// @notice Fee on `|sizeDelta| * fill`: `makerFee` on the part that reduces `|skew|`, `takerFee` on the rest.
    /// @dev Each part rounds up (in favour of the protocol).
    function tradeFee(int256 currentSkew, int256 sizeDelta, uint256 fill, uint256 makerFee, uint256 takerFee)
        internal
        pure
        returns (uint256 fee)
    {
        uint256 total = sizeDelta.abs();
        uint256 makerSize;
        if (currentSkew != 0 && (currentSkew > 0) != (sizeDelta > 0)) {
            uint256 skewAbs = currentSkew.abs();
            makerSize = total < skewAbs ? total : skewAbs;
        }
        uint256 takerSize = total - makerSize;
        if (makerSize != 0) fee = (makerSize * fill).mulDivUp(makerFee, 1e36);
        if (takerSize != 0) fee += (takerSize * fill).mulDivUp(takerFee, 1e36);
    }

    /// @notice Funding index growth over `elapsed` seconds:
    /// `clamp(skew / skewScale, -1, 1) * maxFundingRatePerDay / 86400 * elapsed * price`.
    /// @dev The magnitude rounds up: the paying (majority) side pays at least as much as the receiving side is
    /// credited per unit, so the pool, which receives `skew * Δindex`, never loses to rounding.
    function fundingIndexDelta(
        int256 currentSkew,
        uint256 skewScale,
        uint256 maxFundingRatePerDay,
        uint256 elapsed,
        uint256 price
    ) internal pure returns (int256) {
        if (currentSkew == 0 || elapsed == 0) return 0;
        uint256 proportion = currentSkew.abs().mulDivUp(WAD, skewScale);
        if (proportion > WAD) proportion = WAD;
        uint256 magnitude = (proportion * maxFundingRatePerDay).mulDivUp(elapsed * price, SECONDS_PER_DAY * 1e36);
        return currentSkew > 0 ? magnitude.toInt256() : -magnitude.toInt256();
    }

    /// @notice Replaces one position's contribution to the market aggregates.
    function replacePosition(
        MarketState memory state,
        int256 oldSize,
        int256 oldOpenNotional,
        int256 oldLastIndex,
        int256 newSize,
        int256 newOpenNotional,
        int256 newLastIndex
    ) internal pure {
        _addSide(state, oldSize, oldOpenNotional, false);
        _addSide(state, newSize, newOpenNotional, true);
        state.sizeTimesLastIndexSum += newSize * newLastIndex - oldSize * oldLastIndex;
    }

    function _addSide(MarketState memory state, int256 size, int256 openNotional, bool add) private pure {
        if (size == 0) return;
        if (size > 0) {
            uint128 s = size.toUint256().toUint128();
            int128 n = openNotional.toInt128();
            state.longOpenInterest = add ? state.longOpenInterest + s : state.longOpenInterest - s;
            state.longOpenNotional = add ? state.longOpenNotional + n : state.longOpenNotional - n;
        } else {
            uint128 s = size.abs().toUint128();
            int128 n = openNotional.toInt128();
            state.shortOpenInterest = add ? state.shortOpenInterest + s : state.shortOpenInterest - s;
            state.shortOpenNotional = add ? state.shortOpenNotional + n : state.shortOpenNotional - n;
        }
    }

    /// @notice The funding index accrued to the current block, in memory.
    function fundingIndexAt(MarketState memory state, uint256 skewScale, uint256 maxFundingRatePerDay, uint256 price)
        internal
        view
        returns (int256)
    {
        return state.fundingIndex
            + fundingIndexDelta(skew(state), skewScale, maxFundingRatePerDay, block.timestamp - state.lastFundingTime, price);
    }

    /// @notice What the market's open positions are worth to the pool (DESIGN §11) and what they could claim from it.
    /// @dev Traders' PnL rounds up here, so the pool's value and free liquidity are never overstated.
    /// @return value Funding owed to the pool minus traders' unrealized PnL (USD, WAD).
    /// @return claims Σ over both sides of positive unrealized trader PnL (USD, WAD).
    function poolValue(MarketState memory state, int256 fundingIndex, uint256 price)
        internal
        pure
        returns (int256 value, uint256 claims)
    {
        int256 signedPrice = price.toInt256();
        int256 longPnl = int256(uint256(state.longOpenInterest)).wMulCeil(signedPrice) - state.longOpenNotional;
        int256 shortPnl = -int256(uint256(state.shortOpenInterest)).wMulFloor(signedPrice) - state.shortOpenNotional;
        value = poolFundingClaim(state, fundingIndex) - longPnl - shortPnl;
        if (longPnl > 0) claims += uint256(longPnl);
        if (shortPnl > 0) claims += uint256(shortPnl);
    }

    /// @notice Funding the pool is owed by the market's traders, `(skew * index - Σ size_i * lastIndex_i) / WAD`,
    /// rounded toward -infinity (the pool's value is never overstated).
    function poolFundingClaim(MarketState memory state, int256 fundingIndex) internal pure returns (int256) {
        return (skew(state) * fundingIndex - state.sizeTimesLastIndexSum).divFloor(WAD);
    }
}
