// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title LossWaterfall
/// @notice Who pays bad debt (DESIGN §10): the insurance fund first, then the pool (socialized to LPs). What
/// neither can pay stays on the account as unrecovered debt: the waterfall itself never reverts.
library LossWaterfall {
    function split(
        uint256 badDebt,
        uint256 insuranceAvailable,
        uint256 poolAvailable
    ) internal pure returns (uint256 insuranceDraw, uint256 poolWriteOff) {
        insuranceDraw = Math.min(badDebt, insuranceAvailable);
        poolWriteOff = Math.min(badDebt - insuranceDraw, poolAvailable);
    }
}
