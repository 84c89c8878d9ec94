// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @notice Burns 1% of every transfer: a fee-on-transfer token the Vault must refuse.
contract MockFeeOnTransferToken is MockERC20 {
    constructor() MockERC20("Fee USD", "FUSD", 6) {}

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
