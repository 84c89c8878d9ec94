// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {Position} from "./PositionLib.sol";

/// @notice A market's state as the `marketState` view reports it.
/// @param longOpenInterest Σ size of long positions (base units, WAD).
/// @param shortOpenInterest Σ |size| of short positions (base units, WAD).
/// @param fundingIndex Cumulative funding per unit of size (USD, WAD), signed; grows while the skew is long.
/// @param lastFundingTime When `fundingIndex` was last accrued.
/// @param liquidationWindowStart Start of the current cascade-damping window.
/// @param longOpenNotional Σ openNotional of long positions (USD, WAD).
/// @param shortOpenNotional Σ openNotional of short positions (USD, WAD, <= 0).
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

/// @notice A market's funding state: one storage slot, read by every valuation of a position on the market.
/// @param index Cumulative funding per unit of size (USD, WAD), signed.
/// @param lastTime When `index` was last accrued.
/// @param proportion `clamp(skew / skewScale, -1, 1)` with its magnitude rounded up (WAD, signed like the skew),
/// kept up to date with every change of skew or skewScale so that accruing needs neither.
struct MarketFunding {
    int128 index;
    uint40 lastTime;
    int64 proportion;
}

/// @notice One side's aggregates: one storage slot.
/// @param openInterest Σ |size| of the side's positions (base units, WAD).
/// @param openNotional Σ openNotional of the side's positions (USD, WAD; <= 0 for shorts).
struct MarketSide {
    uint128 openInterest;
    int128 openNotional;
}

/// @notice The mutable state of one market: four storage slots, so a trade or a liquidation on one side writes
/// three of them (funding, its side, the funding aggregate) and a valuation reads one (funding).
/// @param sizeTimesShiftedIndexSum Σ size_i * (lastFundingIndex_i + 1), unscaled (WAD²): the aggregate behind the
/// pool's funding claim (DESIGN §11), `Σ size_i * lastFundingIndex_i = sizeTimesShiftedIndexSum - skew` exactly since
/// Σ size_i = skew. Shifting the index by one makes every change of a position change this slot, so what a trade
/// costs does not depend on whether the market's index has ever moved (a gas estimate made in a new market's first
/// block still holds once funding accrues).
struct Market {
    MarketFunding funding;
    MarketSide long;
    MarketSide short;
    int256 sizeTimesShiftedIndexSum;
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
        if (makerSize != 0) fee = (makerSize * fill).mulDivUp(makerFee, 1e36);
        if (takerSize != 0) fee += (takerSize * fill).mulDivUp(takerFee, 1e36);
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
        uint256 magnitude = (proportion.abs() * maxFundingRatePerDay).mulDivUp(elapsed * price, SECONDS_PER_DAY * 1e36);
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
