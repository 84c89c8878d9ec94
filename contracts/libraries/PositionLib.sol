// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {WAD, WAD_SQUARED} from "./Constants.sol";

/// @title PositionLib
/// @notice The position update of DESIGN §7 step 4 and the per-position margin terms of §9.
library PositionLib {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @notice Applies a fill of `sizeDelta` at `fillPrice` to (`size`, `openNotional`).
    /// @dev Rounding: an entry notional rounds toward +infinity (a long pays more, a short receives less); close
    /// proceeds `closed * fill` round toward -infinity; the cost basis removed on a partial close rounds toward
    /// +infinity. Because the removed cost basis is taken out of `openNotional` exactly, the lifetime PnL of a
    /// position is (proceeds rounded down) - (costs rounded up): never in the account's favour.
    /// @return newSize The size after the fill.
    /// @return newOpenNotional The open notional after the fill.
    /// @return realizedPnl The PnL realized by the part of the position that was closed (0 on increase).
    function applyFill(
        int256 size,
        int256 openNotional,
        int256 sizeDelta,
        uint256 fillPrice
    ) internal pure returns (int256 newSize, int256 newOpenNotional, int256 realizedPnl) {
        int256 fill = fillPrice.toInt256();
        newSize = size + sizeDelta;
        if (size == 0 || (size > 0) == (sizeDelta > 0)) {
            // Open or increase.
            return (newSize, openNotional + sizeDelta.wMulCeil(fill), 0);
        }
        if (newSize == 0 || (newSize > 0) == (size > 0)) {
            // Reduce or close: `closed` has the sign of `size`.
            int256 closed = -sizeDelta;
            // Cost basis leaving with the closed part: exactly `openNotional` on a full close, otherwise
            // openNotional * |closed| / |size| rounded toward +infinity (|closed| / |size| is in (0, 1)).
            int256 removed = newSize == 0 ? openNotional : openNotional.mulDivCeil(int256(closed.abs()), size.abs());
            realizedPnl = closed.wMulFloor(fill) - removed;
            return (newSize, openNotional - removed, realizedPnl);
        }
        // Flip: close everything at `fill`, then open the remainder at `fill`.
        realizedPnl = size.wMulFloor(fill) - openNotional;
        newOpenNotional = newSize.wMulCeil(fill);
    }

    /// @notice Unrealized PnL `size * price - openNotional`, rounded toward -infinity (against the account).
    function unrealizedPnl(int256 size, int256 openNotional, uint256 price) internal pure returns (int256) {
        return size.wMulFloor(price.toInt256()) - openNotional;
    }

    /// @notice Funding owed by the position `size * (index - lastIndex)`, rounded toward +infinity (the account
    /// owes more or is owed less).
    function fundingOwed(int256 size, int256 fundingIndex, int256 lastFundingIndex) internal pure returns (int256) {
        return size.wMulCeil(fundingIndex - lastFundingIndex);
    }

    /// @notice The four margin terms of one position (DESIGN §9), each rounded as its own function rounds it:
    /// `unrealizedPnl`, `fundingOwed`, and `marginRequirement` at `imf` and at `mmf`.
    function marginTerms(
        int256 size,
        int256 openNotional,
        int256 lastFundingIndex,
        uint256 price,
        int256 fundingIndex,
        uint256 imf,
        uint256 mmf
    ) internal pure returns (int256 pnl, int256 funding, uint256 initialMargin, uint256 maintenanceMargin) {
        uint256 sizeAbs = size.abs();
        // size * price toward -infinity: a long's value rounds down, a short's liability rounds up.
        pnl =
            (size > 0 ? sizeAbs.mulDivDown(price, WAD).toInt256() : -sizeAbs.mulDivUp(price, WAD).toInt256()) -
            openNotional;
        funding = size.wMulCeil(fundingIndex - lastFundingIndex);
        initialMargin = sizeAbs.mulDivUp(price * imf, WAD_SQUARED);
        maintenanceMargin = sizeAbs.mulDivUp(price * mmf, WAD_SQUARED);
    }

    /// @notice Margin requirement `|size| * price * fraction`, rounded up (in favour of the protocol).
    function marginRequirement(int256 size, uint256 price, uint256 fraction) internal pure returns (uint256) {
        return size.abs().mulDivUp(price * fraction, WAD_SQUARED);
    }
}
