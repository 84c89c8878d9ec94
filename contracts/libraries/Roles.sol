// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Roles
/// @notice The AccessControl roles of Keel (DESIGN §13). `DEFAULT_ADMIN_ROLE` (0x00) administers them all; on real
/// networks it belongs to a TimelockController.
library Roles {
    /// @notice Lists markets and collateral and tunes parameters inside their hard bounds.
    bytes32 internal constant RISK_ADMIN = keccak256("RISK_ADMIN");
    /// @notice Pauses and unpauses risk-increasing actions.
    bytes32 internal constant GUARDIAN = keccak256("GUARDIAN");
    /// @notice The OrderBook: trades an account at a price published after its order's commit and moves order fees
    /// between ledger accounts (DESIGN §21). Never an address a person holds.
    bytes32 internal constant ORDER = keccak256("ORDER");
}
