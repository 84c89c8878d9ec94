// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVault
/// @notice The only Keel contract that holds tokens (DESIGN §2). It keeps ledgers: each account's balance per
/// collateral token, the liquidity pool's settlement balance and the insurance fund's. Moving value between ledgers
/// is a storage write; only the Clearinghouse and the LiquidityPool may do it.
/// @dev Amounts are in the token's own decimals. Only the settlement-token balance of an account can be negative
/// (that is debt).
interface IVault {
    /// @notice A non-settlement collateral token (DESIGN §12).
    /// @param asset Oracle key of the token's price.
    /// @param weight Haircut: the token counts at `price * weight` (WAD, 0 < weight <= 1).
    /// @param liquidationDiscount A keeper repaying debt receives collateral worth `repay * (1 + discount)` (WAD).
    /// @param depositCap Cap on Σ account balances of the token (token units); 0 closes deposits.
    /// @param decimals The token's decimals, read when it is listed.
    /// @param index Bit of the token in each account's collateral set.
    struct CollateralConfig {
        bytes32 asset;
        uint64 weight;
        uint64 liquidationDiscount;
        uint128 depositCap;
        uint8 decimals;
        uint8 index;
    }

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
    /// @notice Emitted when a collateral token is listed or its parameters change.
    event CollateralSet(address indexed token, CollateralConfig config);
    /// @notice Emitted when the bound on collateral tokens per account changes.
    event MaxCollateralsPerAccountSet(uint256 max);
    /// @notice Emitted when a keeper repays `repaid` settlement tokens of an account's debt and receives `seized` of
    /// its `token` collateral at `price` (WAD).
    event CollateralLiquidated(
        uint256 indexed accountId,
        address indexed keeper,
        address indexed token,
        uint256 repaid,
        uint256 seized,
        uint256 price
    );
    /// @notice Emitted when an account's remaining debt goes through the loss waterfall (settlement-token units).
    event BadDebtSettled(
        uint256 indexed accountId,
        uint256 badDebt,
        uint256 insuranceDraw,
        uint256 poolWriteOff,
        uint256 unrecovered
    );
    /// @notice Emitted when the bad debt booked for an account changes (settlement-token units): `booked` is the part
    /// of its debt its other collateral does not cover at haircut value, `pendingBadDebt` the sum over all accounts.
    event BadDebtBooked(uint256 indexed accountId, uint256 booked, uint256 pendingBadDebt);
    /// @notice Emitted when the collateral liquidation buffer of accounts without positions changes (WAD).
    event CollateralLiquidationBufferSet(uint256 buffer);
    /// @notice Emitted once, when the Clearinghouse and the LiquidityPool are wired in.
    event Initialized(address clearinghouse, address liquidityPool);

    /// @notice Depositing would take Σ balances of `token` above its cap.
    error VaultDepositCapExceeded(address token, uint256 total, uint256 cap);
    /// @notice The account already holds the maximum number of collateral tokens.
    error VaultTooManyCollaterals(uint256 accountId, uint256 max);
    /// @notice A collateral parameter is out of bounds; `name` is the parameter.
    error VaultInvalidCollateralParameter(address token, bytes32 name, uint256 value);
    /// @notice The account holds none of the collateral token a keeper asked for.
    error VaultCollateralNotHeld(uint256 accountId, address token);
    /// @notice The account has no settlement-token debt.
    error VaultNoDebt(uint256 accountId);
    /// @notice Collateral can be liquidated only while the account is liquidatable or, without positions, while it has
    /// booked bad debt or its haircut collateral value is below its debt × (1 + collateralLiquidationBuffer).
    error VaultCollateralNotLiquidatable(uint256 accountId);
    /// @notice `settleBadDebt` on an account with positions and nothing booked.
    error VaultBadDebtNotSettleable(uint256 accountId, uint256 positions, uint256 collaterals);
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
    error VaultUnbalancedLiquidation(
        int256 accountDelta,
        uint256 keeperReward,
        int256 poolDelta,
        int256 insuranceDelta
    );
    /// @notice Only the Clearinghouse or the LiquidityPool may call this.
    error VaultUnauthorizedCaller(address caller);
    /// @notice The Clearinghouse and pool are already wired, or a zero address was given.
    error VaultInvalidInitialization();
    /// @notice The account id's owner is the zero address.
    error VaultInvalidAccount(uint256 accountId);
    /// @notice `depositFor` takes only the settlement token: nobody adds a token to someone else's account.
    error VaultDepositForNotSettlement(uint256 accountId, address token);

    /// @notice Deposits `amount` of `token` from the caller into the caller's `subaccount`.
    function deposit(uint96 subaccount, address token, uint256 amount) external;

    /// @notice Deposits `amount` settlement tokens from the caller into any account (repaying its debt, if any).
    /// @dev Other tokens revert `VaultDepositForNotSettlement`: a third party could otherwise make an account hold a
    /// token (keeping a closed-out account's debt from `settleBadDebt`, or exposing it to a broken feed). A settlement
    /// deposit can only raise the account's balance and lower its booked bad debt, so it blocks nothing.
    function depositFor(uint256 accountId, address token, uint256 amount) external;

    /// @notice Withdraws `amount` of `token` from the caller's `subaccount` to the caller.
    /// @dev Accepted only if the balance covers it (no withdrawing into debt) and, afterwards, the account's equity
    /// is at least its initial margin (DESIGN §9), the collateral's haircut value removed. Works while paused.
    function withdraw(uint96 subaccount, address token, uint256 amount) external;

    /// @notice Repays up to `repayAmount` of an account's settlement-token debt with the caller's settlement tokens
    /// and sends the caller collateral worth `repay * (1 + liquidationDiscount)` at the oracle price, clamped to
    /// what the account holds (the repayment then shrinks to match). Anyone may call while the account has debt and
    /// either has positions and is liquidatable, or has none and has booked bad debt or a haircut collateral value below
    /// its debt × (1 + `collateralLiquidationBuffer`) (the threshold rounds down; equal is not liquidatable).
    /// @dev The seized amount rounds down and a clamped repayment rounds up: the account never gives more than the
    /// discount. The account's booked bad debt becomes at most its remaining debt. Never blocked by pause.
    /// @return repaid Settlement tokens taken from the caller.
    /// @return seized Collateral tokens sent to the caller.
    function liquidateCollateral(
        uint256 accountId,
        address token,
        uint256 repayAmount
    ) external returns (uint256 repaid, uint256 seized);

    /// @notice For an account with debt and no positions: with no other collateral, runs the loss waterfall (the
    /// insurance fund pays first, then the pool; its booked bad debt is cleared); with other collateral, re-marks its
    /// booked bad debt at today's prices (the debt its collateral does not cover at haircut value). For an account
    /// with positions or without debt, clears a booked amount left from before. Anyone may call.
    /// @dev Reverts `VaultNoDebt` (no debt, nothing booked) or `VaultBadDebtNotSettleable` (positions, nothing booked).
    function settleBadDebt(uint256 accountId) external;

    /// @notice Σ over accounts of booked bad debt (settlement-token units): debt of closed-out accounts that their
    /// other collateral does not cover at haircut value, not yet through the waterfall. The pool's value subtracts the
    /// part of it the insurance fund cannot pay (DESIGN §11).
    function pendingBadDebt() external view returns (uint256);

    /// @notice The bad debt booked for one account (settlement-token units); see `pendingBadDebt`.
    function badDebtBooked(uint256 accountId) external view returns (uint256);

    /// @notice Margin an account without positions keeps before its collateral may be liquidated: liquidatable once
    /// its haircut collateral value is below debt × (1 + buffer) (WAD; 10% at deployment).
    function collateralLiquidationBuffer() external view returns (uint64);

    /// @notice Sets `collateralLiquidationBuffer` (at most 1 = 100%). Risk admin only.
    function setCollateralLiquidationBuffer(uint64 buffer) external;

    /// @notice Lists or updates a collateral token. Risk admin only.
    /// @dev Bounds: 0 < weight <= 1, liquidationDiscount <= 50% and weight * (1 + liquidationDiscount) <= 1 (so a
    /// collateral liquidation never lowers the account's equity), the asset has a feed, at most 64 tokens.
    function setCollateral(
        address token,
        bytes32 asset,
        uint64 weight,
        uint64 liquidationDiscount,
        uint128 depositCap
    ) external;

    /// @notice Sets the bound on collateral tokens one account may hold (1 to 16). Risk admin only.
    function setMaxCollateralsPerAccount(uint8 max) external;

    /// @notice The configuration of a listed collateral token (reverts for others).
    function collateralConfig(address token) external view returns (CollateralConfig memory);

    /// @notice Every listed non-settlement collateral token, by index.
    function collateralTokens() external view returns (address[] memory);

    /// @notice The non-settlement collateral tokens the account holds.
    function accountCollaterals(uint256 accountId) external view returns (address[] memory);

    /// @notice The account's settlement balance, the haircut value of its other collateral (USD, WAD, rounded
    /// down) and whether it holds any. Prices only the tokens the account holds.
    function accountCollateral(
        uint256 accountId
    ) external view returns (int256 settlementBalance, uint256 otherCollateralValue, bool hasOtherCollateral);

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
    function transferSettlement(
        uint256 accountId,
        int256 accountDelta,
        int256 poolDelta,
        int256 insuranceDelta
    ) external;

    /// @notice Moves `amount` of settlement balance from one account to another (Clearinghouse only: an order's fee,
    /// DESIGN §21). The sender's balance must cover it (`VaultInsufficientBalance`); Σ account balances is unchanged.
    function transferBetween(uint256 fromAccountId, uint256 toAccountId, uint256 amount) external;

    /// @notice Settles a liquidation: the account, the keeper's account, the pool and the insurance fund.
    /// Clearinghouse only. The deltas must sum to zero.
    /// @dev With `closedOut` (the liquidation closed every position), an account left with a negative settlement
    /// balance and no other collateral has its debt covered by the loss waterfall at once (`BadDebtSettled`); one that
    /// still holds other collateral keeps the debt until keepers take that collateral (`liquidateCollateral`), then
    /// `settleBadDebt`, and has the part of its debt that collateral does not cover at haircut value booked at once
    /// (`BadDebtBooked`, `pendingBadDebt`).
    function settleLiquidation(
        uint256 accountId,
        int256 accountDelta,
        uint256 keeperAccountId,
        uint256 keeperReward,
        int256 poolDelta,
        int256 insuranceDelta,
        bool closedOut
    ) external;

    /// @notice Who would pay `badDebt` after the pool and insurance ledgers moved by `poolDelta` and
    /// `insuranceDelta`: the loss waterfall's split, as `settleLiquidation` would run it (for previews).
    /// @return insuranceDraw Paid by the insurance fund (settlement-token units).
    /// @return poolWriteOff Written off against the pool (settlement-token units).
    function previewBadDebtCover(
        uint256 badDebt,
        int256 poolDelta,
        int256 insuranceDelta
    ) external view returns (uint256 insuranceDraw, uint256 poolWriteOff);

    /// @notice Credits the pool ledger with `amount` settlement tokens the pool has just sent here. Pool only.
    function fundPool(address from, uint256 amount) external;

    /// @notice Sends `amount` settlement tokens from the pool ledger to `to`. Pool only.
    function defundPool(address to, uint256 amount) external;
}
