// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

/// @title ILiquidityPool
/// @notice ERC-4626 pool over the settlement token; the counterparty to traders' net skew (DESIGN §11).
/// @dev `totalAssets()` is the pool's net asset value: its settlement ledger in the Vault plus the funding traders
/// owe it minus the traders' unrealized PnL, floored at zero. Withdrawals are two-step: `requestWithdraw` escrows
/// shares, and after `withdrawalDelay` they can be redeemed at the NAV of that moment, so an LP cannot exit ahead
/// of a known price move or bad debt. Redemptions never take the pool's cash below what open positions could claim.
interface ILiquidityPool is IERC4626 {
    /// @notice A pending withdrawal: escrowed shares and when they can be redeemed.
    struct WithdrawalRequest {
        uint128 shares;
        uint64 unlockTime;
    }

    /// @notice Emitted when `owner` escrows `shares` for withdrawal; the whole request unlocks at `unlockTime`.
    event WithdrawalRequested(address indexed owner, uint256 shares, uint256 totalShares, uint256 unlockTime);
    /// @notice Emitted when `owner` takes back the escrowed shares.
    event WithdrawalCancelled(address indexed owner, uint256 shares);
    /// @notice Emitted when the withdrawal delay changes.
    event WithdrawalDelaySet(uint256 delay);

    /// @notice A zero amount of shares or assets.
    error PoolZeroAmount();
    /// @notice `owner` has no matured request covering `shares`.
    error PoolWithdrawalExceedsRequest(address owner, uint256 shares, uint256 requestedShares);
    /// @notice The request of `owner` unlocks at `unlockTime`.
    error PoolWithdrawalNotReady(address owner, uint256 unlockTime, uint256 blockTimestamp);
    /// @notice The withdrawal would take the pool's cash below what open positions could claim.
    error PoolInsufficientLiquidity(uint256 assets, uint256 available);
    /// @notice The token delivered a different amount than requested.
    error PoolTransferAmountMismatch(uint256 expected, uint256 received);
    /// @notice A parameter outside its bounds.
    error PoolInvalidParameter(bytes32 name, uint256 value);

    /// @notice Escrows `shares` of the caller for withdrawal and (re)starts the delay for the whole request.
    function requestWithdraw(uint256 shares) external;

    /// @notice Returns the caller's escrowed shares and clears the request.
    function cancelWithdraw() external;

    /// @notice The pending withdrawal of `owner`.
    function withdrawalRequest(address owner) external view returns (WithdrawalRequest memory);

    /// @notice Seconds between a request and its redemption.
    function withdrawalDelay() external view returns (uint64);

    /// @notice Settlement tokens the pool can pay out now: its cash minus what open positions could claim.
    function availableLiquidity() external view returns (uint256);

    /// @notice Sets the withdrawal delay (at most 30 days). Risk admin only.
    function setWithdrawalDelay(uint64 delay) external;

    /// @notice Stops LP deposits. Guardian only.
    function pause() external;

    /// @notice Resumes LP deposits. Guardian only.
    function unpause() external;
}
