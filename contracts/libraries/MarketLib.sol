// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {WAD, WAD_SQUARED} from "./Constants.sol";
import {Market, MarketFunding, MarketSide} from "../types/Market.sol";
import {Position} from "../types/Position.sol";

/// @title MarketLib
/// @notice Skew-premium fill price, maker/taker fee split and continuous skew funding (DESIGN §7, §8), and the
/// per-market aggregates behind the pool's NAV (§11).
library MarketLib {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using SafeCast for int256;
    using SafeCast for uint256;

    uint256 internal constant SECONDS_PER_DAY = 86_400;

    function skew(Market memory m) internal pure returns (int256) {
        return int256(uint256(m.long.openInterest)) - int256(uint256(m.short.openInterest));
    }

    /// @notice Σ size_i * lastFundingIndex_i, unscaled (WAD²).
    function sizeTimesLastIndexSum(Market memory m) internal pure returns (int256) {
        return m.sizeTimesShiftedIndexSum - skew(m);
    }

    /// @notice `fill = oracle * (1 + (skew + (skew + sizeDelta)) / 2 / skewScale)`.
    /// @dev The premium rounds toward +infinity for buys and toward -infinity for sells (against the trader).
    /// Returns a non-positive value unchanged so the caller can reject it with its own error.
    function fillPrice(
        uint256 oraclePrice,
        int256 currentSkew,
        int256 sizeDelta,
        uint256 skewScale
    ) internal pure returns (int256) {
        int256 numerator = 2 * currentSkew + sizeDelta;
        int256 price = oraclePrice.toInt256();
        int256 premium =
            sizeDelta > 0 ? price.mulDivCeil(numerator, 2 * skewScale) : price.mulDivFloor(numerator, 2 * skewScale);
        return price + premium;
    }

    /// @notice Fee on `|sizeDelta| * fill`: `makerFee` on the part that reduces `|skew|`, `takerFee` on the rest.
    /// @dev Each part rounds up (in favour of the protocol).
    function tradeFee(
        int256 currentSkew,
        int256 sizeDelta,
        uint256 fill,
        uint256 makerFee,
        uint256 takerFee
    ) internal pure returns (uint256 fee) {
        uint256 total = sizeDelta.abs();
        uint256 makerSize;
        if (currentSkew != 0 && (currentSkew > 0) != (sizeDelta > 0)) {
            uint256 skewAbs = currentSkew.abs();
            makerSize = total < skewAbs ? total : skewAbs;
        }
        uint256 takerSize = total - makerSize;
        if (makerSize != 0) fee = (makerSize * fill).mulDivUp(makerFee, WAD_SQUARED);
        if (takerSize != 0) fee += (takerSize * fill).mulDivUp(takerFee, WAD_SQUARED);
    }

    /// @notice `clamp(skew / skewScale, -1, 1)`, the magnitude rounded up: the paying (majority) side pays at least
    /// as much as the receiving side is credited per unit, so the pool, which receives `skew * Δindex`, never
    /// loses to rounding.
    function fundingProportion(int256 currentSkew, uint256 skewScale) internal pure returns (int64) {
        if (currentSkew == 0) return 0;
        uint256 proportion = currentSkew.abs().mulDivUp(WAD, skewScale);
        if (proportion > WAD) proportion = WAD;
        // proportion <= 1e18 < 2^63.
        return currentSkew > 0 ? int64(uint64(proportion)) : -int64(uint64(proportion));
    }

    /// @notice Funding index growth over `elapsed` seconds:
    /// `proportion * maxFundingRatePerDay / 86400 * elapsed * price`, the magnitude rounded up (see
    /// `fundingProportion`).
    function fundingIndexDelta(
        int256 proportion,
        uint256 maxFundingRatePerDay,
        uint256 elapsed,
        uint256 price
    ) internal pure returns (int256) {
        if (proportion == 0 || elapsed == 0) return 0;
        uint256 magnitude = (proportion.abs() * maxFundingRatePerDay).mulDivUp(
            elapsed * price,
            SECONDS_PER_DAY * WAD_SQUARED
        );
        return proportion > 0 ? magnitude.toInt256() : -magnitude.toInt256();
    }

    /// @notice The funding index accrued to the current block (memory only).
    function fundingIndexAt(
        MarketFunding memory funding,
        uint256 maxFundingRatePerDay,
        uint256 price
    ) internal view returns (int256) {
        return
            funding.index +
            fundingIndexDelta(funding.proportion, maxFundingRatePerDay, block.timestamp - funding.lastTime, price);
    }

    /// @notice Accrues the funding index to the current block in memory.
    function accrue(MarketFunding memory funding, uint256 maxFundingRatePerDay, uint256 price) internal view {
        funding.index = fundingIndexAt(funding, maxFundingRatePerDay, price).toInt128();
        funding.lastTime = uint40(block.timestamp);
    }

    /// @notice Replaces one position's contribution to the market aggregates, then refreshes the funding proportion
    /// for the new skew.
    function replacePosition(
        Market memory m,
        int256 oldSize,
        int256 oldOpenNotional,
        int256 oldLastIndex,
        int256 newSize,
        int256 newOpenNotional,
        int256 newLastIndex,
        uint256 skewScale
    ) internal pure {
        _addSide(m, oldSize, oldOpenNotional, false);
        _addSide(m, newSize, newOpenNotional, true);
        // Σ size_i * (lastIndex_i + 1): the new term minus the old one.
        m.sizeTimesShiftedIndexSum += newSize * newLastIndex - oldSize * oldLastIndex + (newSize - oldSize);
        m.funding.proportion = fundingProportion(skew(m), skewScale);
    }

    /// @notice `replacePosition` in storage for a reduction that keeps the position's side (a liquidation never
    /// flips), with the market accrued to `index` now: touches the position's side, the funding aggregate and the
    /// funding state, and reads the other side only for the new skew.
    function reducePosition(
        Market storage m,
        Position memory old,
        int256 index,
        int256 newSize,
        int256 newOpenNotional,
        uint256 skewScale
    ) internal {
        uint128 closed = (int256(old.size).abs() - newSize.abs()).toUint128();
        int128 notionalOut = (old.openNotional - newOpenNotional).toInt128();
        MarketSide memory long_ = m.long;
        MarketSide memory short_ = m.short;
        if (old.size > 0) {
            long_.openInterest -= closed;
            long_.openNotional -= notionalOut;
            m.long = long_;
        } else {
            short_.openInterest -= closed;
            short_.openNotional -= notionalOut;
            m.short = short_;
        }
        // Σ size_i * (lastIndex_i + 1): the new term minus the old one. The stored int128 fields are widened before
        // they are multiplied: their product needs up to 255 bits.
        int256 oldSize = old.size;
        m.sizeTimesShiftedIndexSum += newSize * index - oldSize * old.lastFundingIndex + (newSize - oldSize);
        int256 newSkew = int256(uint256(long_.openInterest)) - int256(uint256(short_.openInterest));
        m.funding = MarketFunding(index.toInt128(), uint40(block.timestamp), fundingProportion(newSkew, skewScale));
    }

    function _addSide(Market memory m, int256 size, int256 openNotional, bool add) private pure {
        if (size == 0) return;
        MarketSide memory side = size > 0 ? m.long : m.short;
        uint128 s = size.abs().toUint128();
        int128 n = openNotional.toInt128();
        side.openInterest = add ? side.openInterest + s : side.openInterest - s;
        side.openNotional = add ? side.openNotional + n : side.openNotional - n;
    }

    /// @notice What the market's open positions are worth to the pool (DESIGN §11) and what they could claim from it.
    /// @dev Traders' PnL rounds up here, so the pool's value and free liquidity are never overstated.
    /// @return value Funding owed to the pool minus traders' unrealized PnL (USD, WAD).
    /// @return claims Σ over both sides of positive unrealized trader PnL (USD, WAD).
    function poolValue(
        Market memory m,
        int256 fundingIndex,
        uint256 price
    ) internal pure returns (int256 value, uint256 claims) {
        int256 signedPrice = price.toInt256();
        int256 longPnl = int256(uint256(m.long.openInterest)).wMulCeil(signedPrice) - m.long.openNotional;
        int256 shortPnl = -int256(uint256(m.short.openInterest)).wMulFloor(signedPrice) - m.short.openNotional;
        value = poolFundingClaim(m, fundingIndex) - longPnl - shortPnl;
        if (longPnl > 0) claims += uint256(longPnl);
        if (shortPnl > 0) claims += uint256(shortPnl);
    }

    /// @notice Funding the pool is owed by the market's traders, `(skew * index - Σ size_i * lastIndex_i) / WAD`,
    /// rounded toward -infinity (the pool's value is never overstated).
    function poolFundingClaim(Market memory m, int256 fundingIndex) internal pure returns (int256) {
        return (skew(m) * fundingIndex - sizeTimesLastIndexSum(m)).divFloor(WAD);
    }
}
