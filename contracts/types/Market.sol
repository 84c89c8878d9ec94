// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

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

/// @notice One side's entry aggregates: two storage slots, written with the side by a trade or liquidation on it.
/// @param sizeTimesShiftedIndexSum Σ size_i * (lastFundingIndex_i + 1) over the side's positions, sizes signed,
/// unscaled (WAD²): the side's part of the pool's funding claim, and the funding each side owes or is owed (DESIGN
/// §11). Shifting the index by one makes every change of a position change this slot, so what a trade costs does not
/// depend on whether the market's index has ever moved (a gas estimate made in a new market's first block still holds
/// once funding accrues).
/// @param entrySpreadSum Σ ceil(m_i² / (|size_i| * WAD)) with `m_i = openNotional_i * WAD - size_i * lastFundingIndex_i`
/// (WAD², exact), the position's entry notional net of the funding it settled: with the side's Σ |size| and Σ m_i it
/// bounds what the side's winners could claim without netting them against its losers (`MarketLib.sideClaims`).
struct SideEntries {
    int256 sizeTimesShiftedIndexSum;
    uint256 entrySpreadSum;
}

/// @notice The mutable state of one market: seven storage slots; a trade or a liquidation on one side writes four of
/// them (funding, its side and the side's two entry aggregates) and a valuation reads one (funding).
/// @dev `Σ size_i * lastFundingIndex_i = longEntries.sizeTimesShiftedIndexSum + shortEntries.sizeTimesShiftedIndexSum
/// - skew` exactly, since Σ size_i = skew.
struct Market {
    MarketFunding funding;
    MarketSide long;
    MarketSide short;
    SideEntries longEntries;
    SideEntries shortEntries;
}
