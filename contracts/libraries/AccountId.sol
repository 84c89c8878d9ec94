// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title AccountId
/// @notice `accountId = (uint256(uint160(owner)) << 96) | subaccount` (DESIGN §4): the owner is recoverable from
/// the id, so no registry is needed, and each subaccount is a margin account isolated from its siblings.
library AccountId {
    function from(address owner, uint96 subaccount) internal pure returns (uint256) {
        return (uint256(uint160(owner)) << 96) | uint256(subaccount);
    }

    function ownerOf(uint256 accountId) internal pure returns (address) {
        return address(uint160(accountId >> 96));
    }
}
