// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Bitmap
/// @notice Sets of up to 256 small ids in one word: an account's open markets, its collateral tokens.
library Bitmap {
    /// @notice Index of the lowest set bit of a non-zero bitmap.
    function lowestBit(uint256 map) internal pure returns (uint256) {
        // map != 0, so ~map + 1 == 2**256 - map cannot overflow; the AND isolates the lowest set bit.
        unchecked {
            return Math.log2(map & (~map + 1));
        }
    }

    /// @notice Number of set bits.
    function popCount(uint256 map) internal pure returns (uint256 count) {
        for (; map != 0; ++count) {
            map &= map - 1;
        }
    }
}
