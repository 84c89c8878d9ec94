// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {WAD, WAD_SQUARED} from "./Constants.sol";
import {Market, MarketFunding, MarketSide, SideEntries} from "../types/Market.sol";
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

    /// @notice Σ size_i * lastFundingIndex_i over both sides, unscaled (WAD²).
    function sizeTimesLastIndexSum(Market memory m) internal pure returns (int256) {
        return m.longEntries.sizeTimesShiftedIndexSum + m.shortEntries.sizeTimesShiftedIndexSum - skew(m);
    }

    /// @notice `m = openNotional * WAD - size * lastIndex` (WAD², exact): the entry notional net of the funding the
    /// position has settled, so that its PnL net of funding owed is `size * (price - index) - m` (unscaled).
    function adjustedNotional(int256 size, int256 openNotional, int256 lastIndex) internal pure returns (int256) {
        return openNotional * int256(WAD) - size * lastIndex;
    }

    /// @notice The position's term of its side's `entrySpreadSum`: `ceil(m² / (|size| * WAD))`, 0 without a
    /// position. The same function computes it when the position is added and when it is removed, so the sum is
    /// exactly the sum of its current positions' terms.
    function entrySpreadTerm(int256 size, int256 openNotional, int256 lastIndex) internal pure returns (uint256) {
        if (size == 0) return 0;
        uint256 m = adjustedNotional(size, openNotional, lastIndex).abs();
        return Math.mulDiv(m, m, size.abs() * WAD, Math.Rounding.Ceil);
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
        _addSide(m, oldSize, oldOpenNotional, oldLastIndex, false);
        _addSide(m, newSize, newOpenNotional, newLastIndex, true);
        m.funding.proportion = fundingProportion(skew(m), skewScale);
    }

    /// @notice `replacePosition` in storage for a reduction that keeps the position's side (a liquidation never
    /// flips), with the market accrued to `index` now: touches the position's side, its entry aggregates and the
    /// funding state, and reads the other side only for the new skew.
    function reducePosition(
        Market storage m,
        Position memory old,
        int256 index,
        int256 newSize,
        int256 newOpenNotional,
        uint256 skewScale
    ) internal {
        if (old.size > 0) _reduceEntries(m.longEntries, old, index, newSize, newOpenNotional);
        else _reduceEntries(m.shortEntries, old, index, newSize, newOpenNotional);
        int256 newSkew = _reduceSide(m, old, newSize, newOpenNotional);
        m.funding = MarketFunding(index.toInt128(), uint40(block.timestamp), fundingProportion(newSkew, skewScale));
    }

    /// @dev The position's side without what was closed; returns the new skew.
    function _reduceSide(
        Market storage m,
        Position memory old,
        int256 newSize,
        int256 newOpenNotional
    ) private returns (int256) {
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
        return int256(uint256(long_.openInterest)) - int256(uint256(short_.openInterest));
    }

    /// @dev The side's entry aggregates: the new position's terms in place of the old one's.
    function _reduceEntries(
        SideEntries storage entries,
        Position memory old,
        int256 index,
        int256 newSize,
        int256 newOpenNotional
    ) private {
        // Σ size_i * (lastIndex_i + 1): the new term minus the old one. The stored int128 fields are widened before
        // they are multiplied: their product needs up to 255 bits.
        int256 oldSize = old.size;
        entries.sizeTimesShiftedIndexSum += newSize * index - oldSize * old.lastFundingIndex + (newSize - oldSize);
        // The sum holds the old term, so removing it first cannot underflow.
        entries.entrySpreadSum =
            entries.entrySpreadSum -
            entrySpreadTerm(oldSize, old.openNotional, old.lastFundingIndex) +
            entrySpreadTerm(newSize, newOpenNotional, index);
    }

    /// @dev Adds (or removes) one position to its side's aggregates: open interest, open notional, Σ size * (last
    /// index + 1) and the entry spread.
    function _addSide(Market memory m, int256 size, int256 openNotional, int256 lastIndex, bool add) private pure {
        if (size == 0) return;
        MarketSide memory side = m.short;
        SideEntries memory entries = m.shortEntries;
        if (size > 0) (side, entries) = (m.long, m.longEntries);
        uint128 s = size.abs().toUint128();
        int128 n = openNotional.toInt128();
        int256 shiftedTerm = size * lastIndex + size;
        uint256 spreadTerm = entrySpreadTerm(size, openNotional, lastIndex);
        if (add) {
            side.openInterest += s;
            side.openNotional += n;
            entries.sizeTimesShiftedIndexSum += shiftedTerm;
            entries.entrySpreadSum += spreadTerm;
        } else {
            side.openInterest -= s;
            side.openNotional -= n;
            entries.sizeTimesShiftedIndexSum -= shiftedTerm;
            entries.entrySpreadSum -= spreadTerm;
        }
    }

    /// @notice What the market's open positions are worth to the pool (DESIGN §11) and what they could claim from it.
    /// @dev Traders' PnL and the skew premium round up here, so the pool's value and free liquidity are never
    /// overstated.
    /// @return value Funding owed to the pool minus traders' unrealized PnL minus the skew premium closing the skew
    /// would pay them (USD, WAD).
    /// @return claims An upper bound of what the winning positions could claim if they closed now (USD, WAD): per
    /// side `sideClaims`, plus the skew premium.
    function poolValue(
        Market memory m,
        int256 fundingIndex,
        uint256 price,
        uint256 skewScale
    ) internal pure returns (int256 value, uint256 claims) {
        int256 signedPrice = price.toInt256();
        int256 longPnl = int256(uint256(m.long.openInterest)).wMulCeil(signedPrice) - m.long.openNotional;
        int256 shortPnl = -int256(uint256(m.short.openInterest)).wMulFloor(signedPrice) - m.short.openNotional;
        uint256 premium = skewPremium(skew(m), price, skewScale);
        value = poolFundingClaim(m, fundingIndex) - longPnl - shortPnl - premium.toInt256();
        claims =
            sideClaims(m.long, m.longEntries, true, fundingIndex, price) +
            sideClaims(m.short, m.shortEntries, false, fundingIndex, price) +
            premium;
    }

    /// @notice What closing the whole skew at `price` pays the traders who close it: `P * skew² / (2 * skewScale)`
    /// (USD, WAD), the integral of the fill premium (§7) from the skew to zero; rounded up (against the pool).
    function skewPremium(int256 currentSkew, uint256 price, uint256 skewScale) internal pure returns (uint256) {
        uint256 s = currentSkew.abs();
        return s.mulDivUp(s, 2 * skewScale).mulDivUp(price, WAD);
    }

    /// @notice An upper bound of Σ_i max(0, c_i) over one side's positions, `c_i = size_i * (x - e_i)` their PnL net
    /// of the funding they owe, with `x = price - index` and `e_i = m_i / size_i` the funding-adjusted entry
    /// (`adjustedNotional`). Writing `max(0, y) = (y + |y|) / 2` and bounding `Σ |c_i|` by Cauchy-Schwarz,
    /// `Σ max(0, c_i) <= (A + sqrt(W * Q)) / 2` with `A = Σ c_i`, `W = Σ |size_i|` and
    /// `Q = Σ |size_i| (x - e_i)² = W x² - 2 x Σ |size_i| e_i + Σ m_i² / |size_i|`. Exact when every entry is the
    /// same; never below the netted `max(0, A)`.
    /// @dev Every term rounds up (`A` and `Q` up, the cross term down, the spread sum holds ceilings), so the bound
    /// is never understated. `W * Q / WAD` must stay below 2^256: true for any side whose notional spread
    /// `sqrt(W Q)` is below 10^29 USD.
    function sideClaims(
        MarketSide memory side,
        SideEntries memory entries,
        bool isLong,
        int256 fundingIndex,
        uint256 price
    ) internal pure returns (uint256) {
        uint256 w = side.openInterest;
        if (w == 0) return 0;
        int256 signedW = isLong ? int256(w) : -int256(w);
        int256 x = price.toInt256() - fundingIndex;
        // Σ m_i = Σ openNotional_i * WAD - Σ size_i * lastIndex_i (WAD²).
        int256 adjusted = int256(side.openNotional) * int256(WAD) - (entries.sizeTimesShiftedIndexSum - signedW);
        // A = (Σ size_i * x - Σ m_i) / WAD, up.
        int256 total = -((adjusted - signedW * x).divFloor(WAD));
        // Q in WAD²: W x² / WAD (up) - 2 x Σ |size_i| e_i / WAD (down) + Σ ceil(m_i² / (|size_i| WAD)).
        uint256 xAbs = x.abs();
        int256 q =
            Math.mulDiv(w, xAbs * xAbs, WAD, Math.Rounding.Ceil).toInt256() -
                (2 * x).mulDivFloor(isLong ? adjusted : -adjusted, WAD) +
                entries.entrySpreadSum.toInt256();
        // Q >= the exact Σ |size_i| (x - e_i)² / WAD >= 0; the guard only keeps the cast safe.
        uint256 spread =
            q <= 0 ? 0 : Math.sqrt(Math.mulDiv(w, uint256(q), WAD, Math.Rounding.Ceil), Math.Rounding.Ceil);
        int256 twice = total + spread.toInt256();
        uint256 bound = twice <= 0 ? 0 : (uint256(twice) + 1) / 2;
        return total > 0 && uint256(total) > bound ? uint256(total) : bound;
    }

    /// @notice Funding the pool is owed by the market's traders, `(skew * index - Σ size_i * lastIndex_i) / WAD`,
    /// rounded toward -infinity (the pool's value is never overstated).
    function poolFundingClaim(Market memory m, int256 fundingIndex) internal pure returns (int256) {
        return (skew(m) * fundingIndex - sizeTimesLastIndexSum(m)).divFloor(WAD);
    }
}
