// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITransferHook} from "./MockHookToken.sol";

/// @notice An attacker contract for re-entrancy tests: it holds Keel accounts through `execute`, and when armed, its
/// token hook makes one call (`reentryTarget`, `reentryPayload`) from inside whatever transfer triggered it, bubbling up a revert.
contract ReentrancyAttacker is ITransferHook {
    address public reentryTarget;
    bytes public reentryPayload;
    bool public armed;
    /// @notice How many times the hook ran armed.
    uint256 public reentries;

    /// @notice Makes the next hook call `target_` with `payload_`.
    function arm(address target_, bytes calldata payload_) external {
        reentryTarget = target_;
        reentryPayload = payload_;
        armed = true;
    }

    /// @notice Calls `target_` with `data` as this contract, bubbling up a revert.
    function execute(address target_, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target_.call(data);
        if (!ok) _bubble(result);
    }

    /// @inheritdoc ITransferHook
    function onTokenTransfer(address, address, uint256) external {
        if (!armed) return;
        armed = false;
        reentries += 1;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = reentryTarget.call(reentryPayload);
        if (!ok) _bubble(result);
    }

    function _bubble(bytes memory result) private pure {
        assembly ("memory-safe") {
            revert(add(result, 32), mload(result))
        }
    }
}
