// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockERC20} from "./MockERC20.sol";

/// @notice Test token with an issuer blocklist, like USDC's: a blocked address can neither send nor receive.
contract MockBlocklistToken is MockERC20 {
    mapping(address account => bool) public blocked;

    /// @notice A transfer from or to a blocked address.
    error MockBlocklisted(address account);

    constructor() MockERC20("Blocklist USD", "BUSD", 6) {}

    /// @notice Blocks or unblocks `account`. Open to anyone: test-only.
    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert MockBlocklisted(from);
        if (blocked[to]) revert MockBlocklisted(to);
        super._update(from, to, value);
    }
}
