// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {WAD} from "./Constants.sol";

/// @title FixedPointMath
/// @notice 18-decimal fixed point with the rounding direction in every name.
/// @dev Unsigned: `Down` truncates, `Up` rounds up. Signed: `Floor` rounds toward -infinity, `Ceil` toward
/// +infinity. Callers pick the direction that goes against the account (DESIGN §3) and say why at the call.
library FixedPointMath {
    function wMulDown(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivDown(x, y, WAD);
    }

    function wMulUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return mulDivUp(x, y, WAD);
    }

    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        return Math.mulDiv(x, y, d);
    }

    /// @dev The floor plus one when the division leaves a remainder (checked: reverts past 2^256 - 1, like
    /// `Math.mulDiv` with `Rounding.Ceil`).
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 z) {
        z = Math.mulDiv(x, y, d);
        if (mulmod(x, y, d) != 0) ++z;
    }

    /// @dev `x * y / d` rounded toward -infinity; `d > 0`.
    function mulDivFloor(int256 x, int256 y, uint256 d) internal pure returns (int256) {
        // A negative quotient rounds its magnitude up.
        return
            (x < 0) != (y < 0)
                ? -SafeCast.toInt256(mulDivUp(abs(x), abs(y), d))
                : SafeCast.toInt256(mulDivDown(abs(x), abs(y), d));
    }

    /// @dev `x * y / d` rounded toward +infinity; `d > 0`.
    function mulDivCeil(int256 x, int256 y, uint256 d) internal pure returns (int256) {
        // A negative quotient rounds its magnitude down.
        return
            (x < 0) != (y < 0)
                ? -SafeCast.toInt256(mulDivDown(abs(x), abs(y), d))
                : SafeCast.toInt256(mulDivUp(abs(x), abs(y), d));
    }

    function wMulFloor(int256 x, int256 y) internal pure returns (int256) {
        return mulDivFloor(x, y, WAD);
    }

    function wMulCeil(int256 x, int256 y) internal pure returns (int256) {
        return mulDivCeil(x, y, WAD);
    }

    /// @dev `x / d` rounded toward -infinity; `d > 0`.
    function divFloor(int256 x, uint256 d) internal pure returns (int256 q) {
        int256 sd = SafeCast.toInt256(d);
        q = x / sd;
        if (x % sd < 0) q -= 1;
    }

    function abs(int256 x) internal pure returns (uint256) {
        // Two's complement negation in uint space is exact, including for type(int256).min.
        unchecked {
            return x >= 0 ? uint256(x) : uint256(-(x + 1)) + 1;
        }
    }

    /// @dev max(0, x - y) (Morpho `UtilsLib.zeroFloorSub`).
    function zeroFloorSub(uint256 x, uint256 y) internal pure returns (uint256) {
        return x > y ? x - y : 0;
    }
}
