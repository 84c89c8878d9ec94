// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A hostile Chainlink-style feed for re-entrancy tests: when armed, `latestRoundData` first calls
/// `reentryTarget` with `reentryPayload` (a static call, as the oracle reads it from a view) and bubbles up a revert;
/// otherwise it answers `answer`, updated now.
contract MockReentrantFeed {
    uint8 private constant DECIMALS = 8;
    int256 public answer;
    address public reentryTarget;
    bytes public reentryPayload;

    constructor(int256 answer_) {
        answer = answer_;
    }

    function decimals() external pure returns (uint8) {
        return DECIMALS;
    }

    function setAnswer(int256 answer_) external {
        answer = answer_;
    }

    /// @notice Makes every later read call `target_` with `payload_` first (zero target: none).
    function arm(address target_, bytes calldata payload_) external {
        reentryTarget = target_;
        reentryPayload = payload_;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        if (reentryTarget != address(0)) {
            (bool ok, bytes memory result) = reentryTarget.staticcall(reentryPayload);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(result, 32), mload(result))
                }
            }
        }
        return (1, answer, block.timestamp, block.timestamp, 1);
    }
}
