// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One account's position on one market. Two storage slots: size and funding index, then open notional (the
/// market's index is an `int128`, so is every copy of it). Both slots of an open position are non-zero whatever the
/// index, so what writing them costs does not depend on the market's funding history (a gas estimate made before a
/// market's first accrual still holds after it).
/// @param size Signed base units (WAD), long > 0.
/// @param lastFundingIndex The market's funding index when this position last settled funding.
/// @param openNotional Signed sum of entry notionals (USD, WAD); entry price = openNotional / size.
struct Position {
    int128 size;
    int128 lastFundingIndex;
    int128 openNotional;
}
