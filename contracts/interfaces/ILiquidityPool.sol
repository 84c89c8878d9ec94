// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

/// @title ILiquidityPool
/// @notice ERC-4626 pool over the settlement token; the counterparty to traders' net skew (DESIGN §11).
/// @dev `poolValue()` is the pool's signed net asset value: its settlement ledger in the Vault plus the funding
/// traders owe it, minus the traders' unrealized PnL, the skew premium closing their skew would pay them and the booked
/// bad debt the insurance fund cannot pay. Shares are
/// priced from it, never from a floor at zero: deposits and mints are refused below `minimumDepositValue()` (always
/// while the value is below zero) and redemptions while it is zero or below; `totalAssets()` is the same value floored
/// at zero, for ERC-4626's uint. Withdrawals are two-step: `requestWithdraw` escrows
/// shares, and after `withdrawalDelay` they can be redeemed at the NAV of that moment, for `withdrawalWindow` seconds;
/// an expired request must be renewed (`requestWithdraw` restarts the delay). So an LP can neither exit ahead of a
/// known price move or bad debt nor hold a matured request as a free option to exit instantly later. Redemptions never take the pool's cash below what open positions could claim.
interface ILiquidityPool is IERC4626 {
    /// @notice A pending withdrawal: escrowed shares, redeemable from `unlockTime` until before `expiry`.
    struct WithdrawalRequest {
        uint128 shares;
        uint64 unlockTime;
        uint64 expiry;
    }

    /// @notice Emitted when `owner` escrows `shares` for withdrawal; the whole request unlocks at `unlockTime`.
    event WithdrawalRequested(address indexed owner, uint256 shares, uint256 totalShares, uint256 unlockTime);
    /// @notice Emitted when `owner` takes back the escrowed shares.
    event WithdrawalCancelled(address indexed owner, uint256 shares);
    /// @notice Emitted when the withdrawal delay or the window to use a matured request changes.
    event WithdrawalDelaySet(uint256 delay, uint256 window);
    /// @notice Emitted when `from` adds `assets` to the pool without taking shares.
    event Recapitalized(address indexed from, uint256 assets);

    /// @notice A zero amount of shares or assets.
    error PoolZeroAmount();
    /// @notice `owner` has no matured request covering `shares`.
    error PoolWithdrawalExceedsRequest(address owner, uint256 shares, uint256 requestedShares);
    /// @notice The request of `owner` unlocks at `unlockTime`.
    error PoolWithdrawalNotReady(address owner, uint256 unlockTime, uint256 blockTimestamp);
    /// @notice The request of `owner` expired at `expiry`: renew it with `requestWithdraw`.
    error PoolWithdrawalExpired(address owner, uint256 expiry, uint256 blockTimestamp);
    /// @notice The withdrawal would take the pool's cash below what open positions could claim.
    error PoolInsufficientLiquidity(uint256 assets, uint256 available);
    /// @notice The token delivered a different amount than requested.
    error PoolTransferAmountMismatch(uint256 expected, uint256 received);
    /// @notice A deposit or mint while the pool is worth less than `minimum` (settlement units): at such a value a
    /// deposit would dilute the existing LPs (DESIGN §18.21).
    error PoolValueTooLow(int256 value, uint256 minimum);
    /// @notice A withdrawal or redemption while the pool's value (settlement units) is zero or below: its shares are
    /// worth nothing until traders' unrealized profit falls back.
    error PoolInsolvent(int256 value);
    /// @notice `recapitalize` refused: the pool's `value` is at least the deposit `minimum` (deposit instead, and get
    /// shares) or it has no shares (`supply` is zero).
    error PoolRecapitalizeRefused(int256 value, uint256 minimum, uint256 supply);
    /// @notice A parameter outside its bounds.
    error PoolInvalidParameter(bytes32 name, uint256 value);

    /// @notice Adds `assets` settlement tokens of the caller to the pool's ledger without minting shares: a gift to the
    /// LPs of the moment, pro rata. The way to recapitalise a pool that deposits cannot reach (worth less than
    /// `minimumDepositValue()`, DESIGN §18.21) so that winning traders can be paid; allowed while paused. Refused
    /// (`PoolRecapitalizeRefused`) while deposits are open, where a deposit placed just before the gift would take part
    /// of it, and while no share exists, where the gift would go to the first depositor.
    function recapitalize(uint256 assets) external;

    /// @notice Escrows `shares` of the caller for withdrawal and (re)starts the delay for the whole request.
    function requestWithdraw(uint256 shares) external;

    /// @notice Returns the caller's escrowed shares and clears the request.
    function cancelWithdraw() external;

    /// @notice The pending withdrawal of `owner`.
    function withdrawalRequest(address owner) external view returns (WithdrawalRequest memory);

    /// @notice Seconds between a request and its redemption.
    function withdrawalDelay() external view returns (uint64);

    /// @notice Seconds a matured request stays redeemable.
    function withdrawalWindow() external view returns (uint64);

    /// @notice The pool's net asset value in settlement-token units, signed, rounded toward -infinity (never above
    /// what the pool holds): `poolBalance - max(0, vault.pendingBadDebt() - insuranceBalance) + unrealizedValue` of
    /// `poolExposure()` (booked bad debt the insurance fund cannot pay is the pool's loss already). Shares are priced
    /// from it.
    function poolValue() external view returns (int256);

    /// @notice The pool value (settlement units) below which deposits and mints are refused: a share must be worth at
    /// least 1/100 of its initial price, `ceil(totalSupply / (10^6 * 100))`; zero for an empty pool (DESIGN §18.21).
    function minimumDepositValue() external view returns (uint256);

    /// @notice Settlement tokens the pool can pay out now: its cash minus what open positions could claim.
    function availableLiquidity() external view returns (uint256);

    /// @notice What the open positions are worth to the pool (USD, WAD), O(markets) from per-market aggregates:
    /// `Σ funding owed to the pool - Σ traders' unrealized PnL - Σ skew premium` (DESIGN §11). Negative when traders
    /// are winning.
    /// @return unrealizedValue The pool's unrealized value, rounded down.
    /// @return traderClaims An upper bound, rounded up, of what the winning positions could claim from the pool's
    /// cash if they closed now: per market and side a bound of Σ max(0, PnL_i - funding owed_i) that never nets a
    /// winner against a loser, plus the skew premium (DESIGN §11).
    function poolExposure() external view returns (int256 unrealizedValue, uint256 traderClaims);

    /// @notice Sets the withdrawal delay (1 hour to 30 days) and the window to use a matured request (1 hour to
    /// 30 days). Risk admin only. Applies to requests made afterwards.
    function setWithdrawalDelay(uint64 delay, uint64 window) external;

    /// @notice Stops LP deposits. Guardian only.
    function pause() external;

    /// @notice Resumes LP deposits. Guardian only.
    function unpause() external;
}
