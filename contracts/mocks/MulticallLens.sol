// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MulticallLens
/// @notice Test-only: runs many view calls in one `eth_call` and reports, for each, whether it succeeded and what it
/// returned (or the revert data), so the property-based suite can read the whole system after every step in one round
/// trip. Reads nothing itself and holds no state.
contract MulticallLens {
    /// @notice One view call: `target.staticcall(data)`.
    struct Call {
        address target;
        bytes data;
    }

    /// @notice Runs every call with `staticcall` and never reverts itself.
    /// @return timestamp The block timestamp the calls saw.
    /// @return success Whether each call succeeded.
    /// @return returnData Each call's return data, or its revert data.
    function tryAggregate(
        Call[] calldata calls
    ) external view returns (uint256 timestamp, bool[] memory success, bytes[] memory returnData) {
        success = new bool[](calls.length);
        returnData = new bytes[](calls.length);
        for (uint256 i; i < calls.length; ++i) {
            (success[i], returnData[i]) = calls[i].target.staticcall(calls[i].data);
        }
        return (block.timestamp, success, returnData);
    }
}
