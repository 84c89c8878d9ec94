// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IClearinghouse
/// @notice Markets, positions, trade execution, funding and cross-margin math (DESIGN §6–§9).
/// @dev All prices and USD values are 18-decimal fixed point (WAD); sizes are signed WAD base units, long > 0.
/// Every margin view includes funding accrued up to the current block, exactly as an action would see it.
interface IClearinghouse {
    /* TYPES */

    /// @notice Risk parameters of a market. Fractions are WAD (`0.05e18` = 5%).
    /// @param asset Oracle key of the base asset.
    /// @param imf Initial margin fraction.
    /// @param mmf Maintenance margin fraction.
    /// @param liquidationFee Liquidation penalty as a fraction of notional.
    /// @param takerFee Fee on the part of a trade that increases |skew|.
    /// @param makerFee Fee on the part of a trade that reduces |skew|.
    /// @param maxFundingRatePerDay Funding rate per day at |skew| >= skewScale.
    /// @param skewScale Skew (base units) at which the premium is 100% and funding is at its maximum.
    /// @param maxOpenInterest Cap on each side's open interest (base units).
    /// @param minPositionNotional A position is either 0 or at least this notional (USD).
    struct MarketParams {
        bytes32 asset;
        uint64 imf;
        uint64 mmf;
        uint64 liquidationFee;
        uint64 takerFee;
        uint64 makerFee;
        uint64 maxFundingRatePerDay;
        uint128 skewScale;
        uint128 maxOpenInterest;
        uint128 minPositionNotional;
    }

    /// @notice Protocol-wide risk parameters.
    /// @param maxPositionsPerAccount Bound on open positions per account (bounds every margin check's gas).
    /// @param insuranceFeeShare Share of trading fees sent to the insurance fund (WAD).
    /// @param maxOpenInterestToPool Each side's open-interest notional on a market is capped at this fraction of
    /// the pool's settlement balance (WAD).
    struct RiskParams {
        uint8 maxPositionsPerAccount;
        uint64 insuranceFeeShare;
        uint64 maxOpenInterestToPool;
    }

    /// @notice An account's margin picture at current prices and funding (DESIGN §9). USD, WAD.
    struct AccountState {
        int256 equity;
        int256 collateralValue;
        int256 unrealizedPnl;
        int256 pendingFunding;
        uint256 initialMargin;
        uint256 maintenanceMargin;
        int256 freeCollateral;
        bool liquidatable;
    }

    /// @notice One open position with its PnL and funding at current prices.
    struct PositionView {
        uint256 marketId;
        int256 size;
        int256 openNotional;
        uint256 entryPrice;
        int256 unrealizedPnl;
        int256 pendingFunding;
    }

    /// @notice A market's parameters and live state, funding accrued to now.
    struct MarketView {
        MarketParams params;
        uint256 oraclePrice;
        int256 skew;
        uint256 longOpenInterest;
        uint256 shortOpenInterest;
        int256 fundingIndex;
        int256 fundingRatePerDay;
    }

    /* EVENTS */

    /// @notice Emitted when a market is listed.
    event MarketAdded(uint256 indexed marketId, MarketParams params);
    /// @notice Emitted when a market's parameters change.
    event MarketParamsUpdated(uint256 indexed marketId, MarketParams params);
    /// @notice Emitted when the protocol-wide risk parameters change.
    event RiskParamsUpdated(RiskParams params);
    /// @notice Emitted for every executed trade, with the numbers behind it.
    /// @param fee Total fee charged (USD, WAD, before conversion to settlement-token units).
    /// @param realizedPnl PnL realized by the closed part (USD, WAD).
    /// @param fundingPaid Funding settled by the position before the trade (USD, WAD; negative = received).
    /// @param accountDelta Net change of the account's settlement balance (settlement-token units).
    event TradeExecuted(
        uint256 indexed accountId,
        uint256 indexed marketId,
        int256 sizeDelta,
        uint256 fillPrice,
        uint256 fee,
        int256 realizedPnl,
        int256 fundingPaid,
        int256 accountDelta,
        int256 newSize,
        int256 newOpenNotional
    );

    /* ERRORS */

    /// @notice A parameter is outside its hard bounds; `name` is the parameter.
    error ClearinghouseInvalidParameter(bytes32 name, uint256 value);
    /// @notice No market with this id.
    error ClearinghouseUnknownMarket(uint256 marketId);
    /// @notice The market limit (256, the width of the open-market bitmap) is reached.
    error ClearinghouseTooManyMarkets(uint256 count);
    /// @notice A trade of size zero.
    error ClearinghouseZeroSizeDelta();
    /// @notice The fill price is worse than the trader's limit (above it for buys, below it for sells).
    error ClearinghouseSlippageExceeded(int256 sizeDelta, uint256 fillPrice, uint256 acceptablePrice);
    /// @notice The skew premium would make the fill price non-positive.
    error ClearinghouseInvalidFillPrice(int256 fillPrice);
    /// @notice A side's open interest would exceed the market's cap (base units).
    error ClearinghouseOpenInterestCapExceeded(uint256 marketId, uint256 openInterest, uint256 cap);
    /// @notice A side's open-interest notional would exceed the fraction of the pool allowed (USD, WAD).
    error ClearinghousePoolOpenInterestCapExceeded(uint256 marketId, uint256 notional, uint256 cap);
    /// @notice A non-zero position below the market's minimum notional (USD, WAD).
    error ClearinghousePositionBelowMinimum(uint256 marketId, uint256 notional, uint256 minimum);
    /// @notice The account already holds the maximum number of positions.
    error ClearinghouseTooManyPositions(uint256 accountId, uint256 count, uint256 max);
    /// @notice Equity would be below the initial margin after the action.
    error ClearinghouseInsufficientMargin(uint256 accountId, int256 equity, uint256 initialMargin);
    /// @notice The account is liquidatable: it can only be liquidated.
    error ClearinghouseAccountLiquidatable(uint256 accountId, int256 equity, uint256 maintenanceMargin);
    /// @notice The pool's settlement balance cannot pay the profit this trade realizes.
    error ClearinghouseInsufficientPoolLiquidity(uint256 needed, uint256 available);

    /* TRADING */

    /// @notice Trades `sizeDelta` on `marketId` for the caller's `subaccount` (DESIGN §7).
    /// @dev Settles the position's funding, fills at the skew-premium price, charges maker/taker fees, then checks
    /// caps, the minimum notional, the position limit and margin. Accepted if equity >= initial margin afterwards,
    /// or if it only reduces |size| (no flip) and the account was not liquidatable before. While paused only
    /// reducing trades are accepted.
    /// @param acceptablePrice Worst fill accepted: a maximum for buys, a minimum for sells (WAD).
    /// @return fillPrice The fill price (WAD).
    function trade(uint96 subaccount, uint256 marketId, int256 sizeDelta, uint256 acceptablePrice)
        external
        returns (uint256 fillPrice);

    /* VIEWS */

    /// @notice Whether `equity < maintenanceMargin` (equality is healthy).
    function isLiquidatable(uint256 accountId) external view returns (bool);

    /// @notice `isLiquidatable` for a batch of accounts.
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory);

    /// @notice The account's margin picture at current prices, funding accrued to now.
    function accountState(uint256 accountId) external view returns (AccountState memory);

    /// @notice The account's open positions, in market-id order.
    function positions(uint256 accountId) external view returns (PositionView[] memory);

    /// @notice What `trade` would do now: fill price, fee (USD, WAD) and the account's state after it.
    /// @dev Runs the same computation as `trade` without its checks of caps and margin.
    function previewTrade(uint256 accountId, uint256 marketId, int256 sizeDelta)
        external
        view
        returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade);

    /// @notice Number of listed markets; ids are `0 .. marketCount() - 1`.
    function marketCount() external view returns (uint256);

    /// @notice A market's parameters and state, funding accrued to now.
    function market(uint256 marketId) external view returns (MarketView memory);

    /// @notice The protocol-wide risk parameters.
    function riskParams() external view returns (RiskParams memory);

    /// @notice What the pool's open positions are worth to it (USD, WAD), O(markets):
    /// `Σ funding owed to the pool - Σ traders' unrealized PnL` (DESIGN §11). Negative when traders are winning.
    /// @return unrealizedValue The pool's unrealized value, rounded down.
    /// @return traderClaims Σ over markets and sides of positive unrealized trader PnL, rounded up: what open
    /// positions could claim from the pool's cash.
    function poolExposure() external view returns (int256 unrealizedValue, uint256 traderClaims);

    /// @notice Reverts with `ClearinghouseInsufficientMargin` unless the account has no positions or its equity is
    /// at least its initial margin. Called by the Vault after debiting a withdrawal.
    function checkWithdrawal(uint256 accountId) external view;

    /// @notice Builds an account id from its owner and subaccount (DESIGN §4).
    function accountIdOf(address owner, uint96 subaccount) external pure returns (uint256);

    /// @notice Recovers the owner from an account id.
    function ownerOf(uint256 accountId) external pure returns (address);

    /* ADMINISTRATION */

    /// @notice Lists a market. Risk admin only. Returns its id.
    function addMarket(MarketParams calldata params) external returns (uint256 marketId);

    /// @notice Updates a market's parameters (the asset cannot change). Risk admin only. Accrues funding first.
    function setMarketParams(uint256 marketId, MarketParams calldata params) external;

    /// @notice Sets the protocol-wide risk parameters. Risk admin only.
    function setRiskParams(RiskParams calldata params) external;

    /// @notice Stops risk-increasing trades. Guardian only.
    function pause() external;

    /// @notice Resumes risk-increasing trades. Guardian only.
    function unpause() external;
}
