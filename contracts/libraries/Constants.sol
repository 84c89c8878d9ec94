// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev One: the 18-decimal fixed point of every price, USD value and fraction in Keel (DESIGN §3). Defined once.
uint256 constant WAD = 1e18;

/// @dev WAD squared: the scale of a product of two WAD numbers.
uint256 constant WAD_SQUARED = 1e36;
