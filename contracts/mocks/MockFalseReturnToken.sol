// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @notice Test token that, once switched, answers `false` to `transfer` and `transferFrom` without moving anything
/// and without reverting, like the non-reverting ERC-20s `SafeERC20` exists for.
contract MockFalseReturnToken is MockERC20 {
    bool public failing;

    constructor() MockERC20("False USD", "FALSE", 18) {}

    /// @notice Makes transfers return false (`true`) or behave (`false`).
    function setFailing(bool failing_) external {
        failing = failing_;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}
