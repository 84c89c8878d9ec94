// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVault
/// @notice The only Keel contract that holds tokens (DESIGN §2). It keeps ledgers: each account's balance per
/// collateral token, the liquidity pool's settlement balance and the insurance fund's. Moving value between ledgers
/// is a storage write; only the Clearinghouse and the LiquidityPool may do it.
/// @dev Amounts are in the token's own decimals. Only the settlement-token balance of an account can be negative
/// (that is debt).
interface IVault {
    /// @notice Emitted when `amount` of `token` arrived from `from` and was credited to `accountId`.
    event Deposited(uint256 indexed accountId, address indexed token, address indexed from, uint256 amount);
    /// @notice Emitted when `amount` of `token` left `accountId` for `to`.
    event Withdrawn(uint256 indexed accountId, address indexed token, address indexed to, uint256 amount);
    /// @notice Emitted when the pool ledger is credited with settlement tokens deposited by LPs.
    event PoolFunded(address indexed from, uint256 amount);
    /// @notice Emitted when settlement tokens leave the pool ledger for an LP.
    event PoolDefunded(address indexed to, uint256 amount);
    /// @notice Emitted when `from` adds settlement tokens to the insurance fund.
    event InsuranceFunded(address indexed from, uint256 amount);
    /// @notice Emitted once, when the Clearinghouse and the LiquidityPool are wired in.
    event Initialized(address clearinghouse, address liquidityPool);

    /// @notice A zero amount was passed.
    error VaultZeroAmount();
    /// @notice The token is not accepted as collateral.
    error VaultUnsupportedToken(address token);
    /// @notice The token delivered a different amount than requested (fee-on-transfer or rebasing tokens).
    error VaultTransferAmountMismatch(address token, uint256 expected, uint256 received);
    /// @notice The account's balance of `token` is smaller than the amount to take out (no withdrawing into debt).
    error VaultInsufficientBalance(uint256 accountId, address token, int256 balance, uint256 needed);
    /// @notice The pool ledger cannot pay `needed`.
    error VaultInsufficientPoolBalance(uint256 balance, uint256 needed);
    /// @notice The insurance fund ledger cannot pay `needed`.
    error VaultInsufficientInsuranceBalance(uint256 balance, uint256 needed);
    /// @notice A ledger transfer whose deltas do not sum to zero.
    error VaultUnbalancedTransfer(int256 accountDelta, int256 poolDelta, int256 insuranceDelta);
    /// @notice A liquidation settlement whose deltas do not sum to zero.
    error VaultUnbalancedLiquidation(int256 accountDelta, uint256 keeperReward, int256 poolDelta, int256 insuranceDelta);
    /// @notice Only the Clearinghouse or the LiquidityPool may call this.
    error VaultUnauthorizedCaller(address caller);
    /// @notice The Clearinghouse and pool are already wired, or a zero address was given.
    error VaultInvalidInitialization();
    /// @notice The account id's owner is the zero address.
    error VaultInvalidAccount(uint256 accountId);

    /// @notice Deposits `amount` of `token` from the caller into the caller's `subaccount`.
    function deposit(uint96 subaccount, address token, uint256 amount) external;

    /// @notice Deposits `amount` of `token` from the caller into any account.
    function depositFor(uint256 accountId, address token, uint256 amount) external;

    /// @notice Withdraws `amount` of `token` from the caller's `subaccount` to the caller.
    /// @dev Accepted only if the balance covers it (no withdrawing into debt) and, afterwards, the account's equity
    /// is at least its initial margin (DESIGN §9). Works while paused.
    function withdraw(uint96 subaccount, address token, uint256 amount) external;

    /// @notice Adds `amount` settlement tokens from the caller to the insurance fund (a donation: it cannot be
    /// withdrawn; it only ever pays bad debt).
    function fundInsurance(uint256 amount) external;

    /// @notice The ledger balance of `accountId` in `token` (own decimals; negative settlement balance is debt).
    function balanceOf(uint256 accountId, address token) external view returns (int256);

    /// @notice The settlement token: the unit of account, taken at par with USD.
    function settlementToken() external view returns (address);

    /// @notice Decimals of the settlement token, read once at construction.
    function settlementDecimals() external view returns (uint8);

    /// @notice The liquidity pool's settlement-token ledger.
    function poolBalance() external view returns (uint256);

    /// @notice The insurance fund's settlement-token ledger.
    function insuranceBalance() external view returns (uint256);

    /// @notice Σ of every account's balance of `token` (signed), kept on-chain for the conservation invariant.
    function totalAccountBalance(address token) external view returns (int256);

    /// @notice The Clearinghouse allowed to move ledger value.
    function clearinghouse() external view returns (address);

    /// @notice The LiquidityPool allowed to fund and defund the pool ledger.
    function liquidityPool() external view returns (address);

    /// @notice Moves settlement-token value between an account, the pool and the insurance fund. Clearinghouse only.
    /// @dev The three deltas must sum to zero; the pool and the insurance fund can never go negative.
    function transferSettlement(uint256 accountId, int256 accountDelta, int256 poolDelta, int256 insuranceDelta)
        external;

    /// @notice Settles a liquidation: the account, the keeper's account, the pool and the insurance fund.
    /// Clearinghouse only. The deltas must sum to zero.
    function settleLiquidation(
        uint256 accountId,
        int256 accountDelta,
        uint256 keeperAccountId,
        uint256 keeperReward,
        int256 poolDelta,
        int256 insuranceDelta
    ) external;

    /// @notice Credits the pool ledger with `amount` settlement tokens the pool has just sent here. Pool only.
    function fundPool(address from, uint256 amount) external;

    /// @notice Sends `amount` settlement tokens from the pool ledger to `to`. Pool only.
    function defundPool(address to, uint256 amount) external;
}
