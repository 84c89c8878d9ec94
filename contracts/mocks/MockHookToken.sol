// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @notice Receives the transfer hook of `MockHookToken`.
interface ITransferHook {
    function onTokenTransfer(address from, address to, uint256 value) external;
}

/// @notice Test token with an ERC-777-style hook: after every transfer (not mints or burns) it calls
/// `hook.onTokenTransfer`, handing control to an arbitrary contract in the middle of the caller's operation.
contract MockHookToken is MockERC20 {
    ITransferHook public hook;

    constructor(uint8 decimals_) MockERC20("Hook USD", "HOOK", decimals_) {}

    /// @notice Sets the contract called after every transfer (zero: none).
    function setHook(ITransferHook hook_) external {
        hook = hook_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (address(hook) != address(0) && from != address(0) && to != address(0)) {
            hook.onTokenTransfer(from, to, value);
        }
    }
}
