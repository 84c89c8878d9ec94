// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Market} from "../types/Market.sol";
import {MarketConfig, RiskConfig} from "../types/ClearinghouseStorage.sol";
import {Position} from "../types/Position.sol";
import {IPriceOracle} from "./IPriceOracle.sol";
import {IVault} from "./IVault.sol";

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
    /// @param maxLiquidationNotionalPerWindow Stored but not enforced: cascade damping was removed because deferring
    /// liquidations in a crash made bad debt worse in every simulated case (DESIGN §10.6, §18.11). At most
    /// `type(uint96).max`; kept so the struct does not change.
    /// @param liquidationWindow Stored but not enforced (see `maxLiquidationNotionalPerWindow`).
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
        uint128 maxLiquidationNotionalPerWindow;
        uint32 liquidationWindow;
    }

    /// @notice Protocol-wide risk parameters.
    /// @param maxPositionsPerAccount Bound on open positions per account (bounds every margin check's gas).
    /// @param insuranceFeeShare Share of trading fees sent to the insurance fund (WAD).
    /// @param maxOpenInterestToPool Each side's open-interest notional on a market is capped at this fraction of
    /// the pool's settlement balance (WAD).
    /// @param liquidationBuffer A liquidation restores equity to `maintenanceMargin * (1 + liquidationBuffer)` on
    /// what remains (WAD).
    /// @param keeperShare Share of the liquidation penalty paid to the keeper (WAD).
    /// @param minKeeperReward Floor of the keeper reward (settlement-token units), never above the penalty.
    /// @param maxKeeperReward Ceiling of the keeper reward (settlement-token units), at most `type(uint96).max`.
    /// @param maxPnlToPool Auto-deleveraging (DESIGN §11.1): once one market side's net unrealized PnL exceeds this
    /// fraction of the pool's settlement balance, keepers may `deleverage` that side's top-ranked winners (WAD, in
    /// (0, 1): realizing PnL pays it from the pool's cash, so at 1 a deleverage could never lower the ratio).
    struct RiskParams {
        uint8 maxPositionsPerAccount;
        uint64 insuranceFeeShare;
        uint64 maxOpenInterestToPool;
        uint64 liquidationBuffer;
        uint64 keeperShare;
        uint128 minKeeperReward;
        uint128 maxKeeperReward;
        uint64 maxPnlToPool;
    }

    /// @notice What `deleverage(accountId, marketId)` would do now (DESIGN §11.1). USD, WAD unless noted.
    /// @param sidePnl Net unrealized PnL of the position's side of the market (rounded down; 0 without a position).
    /// @param cap `maxPnlToPool × the pool's settlement balance` (rounded up).
    /// @param needed Whether `sidePnl > cap`.
    /// @param eligible Whether the position may be deleveraged now: needed, the account not liquidatable, and
    /// `score >= threshold`.
    /// @param score The position's PnL (its `size × price` rounded up) per unit of open notional times its account's
    /// leverage (gross notional over equity) floored at 1x (rounded down; 0 for a position without profit).
    /// @param threshold The side's average PnL per unit of open notional, `sidePnl / |side's open notional|` (rounded
    /// down: with the PnL rounded up, the side's best position always reaches it).
    /// @param price The oracle price the position would close at.
    /// @param sizeClosed Size the deleverage would close (signed like the position; 0 when not eligible).
    /// @param realizedPnl PnL the closed part realizes.
    /// @param accountDelta The account's settlement-balance change (settlement-token units): realized PnL net of the
    /// position's funding, paid by the pool.
    struct DeleveragePreview {
        int256 sidePnl;
        uint256 cap;
        bool needed;
        bool eligible;
        uint256 score;
        uint256 threshold;
        uint256 price;
        int256 sizeClosed;
        int256 realizedPnl;
        int256 accountDelta;
    }

    /// @notice What `liquidate` would do now (DESIGN §10). Amounts in settlement-token units unless noted.
    /// @param liquidatable Whether equity < maintenance margin.
    /// @param equity Equity before (USD, WAD).
    /// @param maintenanceMargin Maintenance margin before (USD, WAD).
    /// @param fraction Fraction of every position closed (WAD).
    /// @param marketIds The account's markets, in id order.
    /// @param sizesClosed Size closed per market (signed like the position).
    /// @param notionalsClosed Notional closed per market at the oracle price (USD, WAD).
    /// @param penalty Penalty charged to the account.
    /// @param keeperReward Reward credited to the keeper's subaccount 0.
    /// @param badDebt Negative balance left after a full close.
    /// @param insuranceDraw Part of the bad debt the insurance fund pays.
    /// @param poolWriteOff Part of the bad debt written off against the pool.
    /// @param capAllows Always true: no window refuses a liquidation (cascade damping was removed, DESIGN §10.6).
    struct LiquidationPreview {
        bool liquidatable;
        int256 equity;
        uint256 maintenanceMargin;
        uint256 fraction;
        uint256[] marketIds;
        int256[] sizesClosed;
        uint256[] notionalsClosed;
        uint256 penalty;
        uint256 keeperReward;
        uint256 badDebt;
        uint256 insuranceDraw;
        uint256 poolWriteOff;
        bool capAllows;
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

    /* EVENTS */

    /// @notice Emitted when a market is listed.
    event MarketAdded(uint256 indexed marketId, MarketParams params);
    /// @notice Emitted when a market's parameters change.
    event MarketParamsUpdated(uint256 indexed marketId, MarketParams params);
    /// @notice Emitted when the protocol-wide risk parameters change.
    event RiskParamsUpdated(RiskParams params);
    /// @notice Emitted when the guardian `account` pauses risk-increasing trades (as OpenZeppelin's `Pausable`).
    event Paused(address account);
    /// @notice Emitted when the guardian `account` resumes risk-increasing trades.
    event Unpaused(address account);
    /// @notice Emitted when a market's immediate trades are turned on or off (DESIGN §21).
    event ImmediateTradesSet(uint256 indexed marketId, bool enabled);
    /// @notice Emitted when the owner of `accountId` approves (`approved`) or revokes `operator` (DESIGN §4).
    event OperatorSet(uint256 indexed accountId, address indexed operator, bool approved);
    /// @notice Emitted when the OrderBook moves settlement-token value between two accounts (an order's fee).
    event MarginTransferred(uint256 indexed fromAccountId, uint256 indexed toAccountId, uint256 amount);
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

    /// @notice Emitted for every liquidation, with the numbers behind it.
    /// @param fraction Fraction of every position closed (WAD).
    /// @param equityBefore Equity before the liquidation (USD, WAD).
    /// @param maintenanceMarginBefore Maintenance margin before (USD, WAD).
    /// @param notionalClosed Σ notional closed at oracle prices (USD, WAD).
    /// @param penalty Penalty charged to the account (settlement-token units).
    /// @param keeperReward Credited to the keeper's subaccount 0 (settlement-token units).
    event Liquidated(
        uint256 indexed accountId,
        address indexed keeper,
        uint256 fraction,
        int256 equityBefore,
        uint256 maintenanceMarginBefore,
        uint256 notionalClosed,
        uint256 penalty,
        uint256 keeperReward
    );
    /// @notice Emitted for each position a liquidation reduces or closes, at the oracle price.
    event PositionLiquidated(
        uint256 indexed accountId,
        uint256 indexed marketId,
        int256 sizeClosed,
        uint256 price,
        int256 realizedPnl,
        int256 fundingPaid
    );
    /// @notice Emitted when a keeper deleverages a position (DESIGN §11.1), at the oracle price, with no fee.
    /// @param sizeClosed Size closed (signed like the position).
    /// @param realizedPnl PnL the closed part realized (USD, WAD), paid by the pool.
    /// @param fundingPaid Funding settled by the position (USD, WAD; negative = received).
    /// @param sidePnl The side's net unrealized PnL before (USD, WAD).
    /// @param cap The side's cap before, `maxPnlToPool × the pool's settlement balance` (USD, WAD).
    event Deleveraged(
        uint256 indexed accountId,
        uint256 indexed marketId,
        address indexed keeper,
        int256 sizeClosed,
        uint256 price,
        int256 realizedPnl,
        int256 fundingPaid,
        int256 sidePnl,
        uint256 cap
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
    /// @notice A reduce-only trade whose fill premium and fee would leave the account's equity (USD, WAD) below zero:
    /// the account is left to liquidation at the oracle price instead.
    error ClearinghouseReduceOnlyBadDebt(uint256 accountId, int256 equityAfter);
    /// @notice Market parameters whose worst skew premium (`maxOpenInterest / skewScale`, rounded up) plus taker fee
    /// exceed the maintenance margin fraction: a reduce-only close could cost more than a tradable account holds.
    error ClearinghouseSkewPremiumExceedsMargin(
        uint256 maxOpenInterest,
        uint256 skewScale,
        uint256 takerFee,
        uint256 mmf
    );
    /// @notice `liquidate` on an account whose equity is at least its maintenance margin.
    error ClearinghouseNotLiquidatable(uint256 accountId, int256 equity, uint256 maintenanceMargin);
    /// @notice The market's liquidation window is full: `used + notional > cap` (USD, WAD).
    /// @dev Warning: no longer raised (cascade damping was removed, DESIGN §10.6); kept so older keepers decode it.
    error ClearinghouseLiquidationCapExceeded(uint256 marketId, uint256 used, uint256 notional, uint256 cap);
    /// @notice The pool's settlement balance cannot pay the profit this trade or liquidation realizes (with, for a
    /// liquidation, the part of the keeper's reward the pool pays): `needed` > `available`, settlement-token units.
    error ClearinghouseInsufficientPoolLiquidity(uint256 needed, uint256 available);
    /// @notice `deleverage` while the position's side is within its cap: `sidePnl <= cap` (USD, WAD).
    error ClearinghouseDeleverageNotNeeded(uint256 marketId, int256 sidePnl, uint256 cap);
    /// @notice `deleverage` of a position that does not rank: `score < threshold` (WAD; both 0 without a position).
    error ClearinghouseDeleverageIneligible(uint256 accountId, uint256 marketId, uint256 score, uint256 threshold);
    /// @notice `trade` / `tradeFor` on a market whose immediate trades are off: trade through the OrderBook.
    error ClearinghouseImmediateTradesDisabled(uint256 marketId);
    /// @notice `caller` is neither the owner of `accountId` nor an operator it approved.
    error ClearinghouseUnauthorizedTrader(uint256 accountId, address caller);
    /// @notice The zero address cannot be an operator.
    error ClearinghouseZeroOperator();
    /// @notice A risk-increasing trade while paused, or `pause` while paused (as OpenZeppelin's `Pausable`).
    error EnforcedPause();
    /// @notice `unpause` while not paused.
    error ExpectedPause();

    /* TRADING */

    /// @notice Trades `sizeDelta` on `marketId` for the caller's `subaccount` (DESIGN §7).
    /// @dev Settles the position's funding, fills at the skew-premium price, charges maker/taker fees, then checks
    /// caps, the minimum notional, the position limit and margin. Accepted if equity >= initial margin afterwards,
    /// or if it only reduces |size| (no flip) and the account was not liquidatable before. While paused only
    /// reducing trades are accepted.
    /// @param acceptablePrice Worst fill accepted: a maximum for buys, a minimum for sells (WAD).
    /// @return fillPrice The fill price (WAD).
    function trade(
        uint96 subaccount,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice
    ) external returns (uint256 fillPrice);

    /// @notice `trade` for any account, by its owner or an operator the owner approved (DESIGN §4). Same checks,
    /// fees and events as `trade`; refused with `ClearinghouseUnauthorizedTrader(accountId, caller)` otherwise.
    function tradeFor(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice
    ) external returns (uint256 fillPrice);

    /// @notice The OrderBook's entry (ORDER role, DESIGN §21): `trade` for `accountId` at `priceWad`, the price the
    /// order's price source published after the commit, instead of the latest answer. Exactly the trade's code:
    /// funding accrued at that price, the skew premium, fees and every check of `trade`; immediate trades need not
    /// be on. `priceWad` must be non-zero.
    function tradeAt(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 priceWad
    ) external returns (uint256 fillPrice);

    /// @notice What `tradeAt` would do now at `priceWad` (`priceWad == 0`: the latest answer), with every check of the
    /// trade (slippage, pause, caps, minimum, margin): it reverts with the error the trade would revert with.
    function previewTradeAt(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 priceWad
    ) external view returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade);

    /// @notice Moves `amount` settlement-token units from one account's balance to another's (ORDER role: an
    /// order's fee into escrow, and to the keeper). The settlement balance must cover it (`VaultInsufficientBalance`)
    /// and `fromAccountId` must not be liquidatable afterwards (`ClearinghouseAccountLiquidatable`): an account below
    /// its initial margin can still pay for an order that reduces its risk.
    function transferMargin(uint256 fromAccountId, uint256 toAccountId, uint256 amount) external;

    /// @notice Approves (`approved`) or revokes `operator` on the caller's `subaccount` (DESIGN §4): an operator may
    /// trade (`tradeFor`) and commit and cancel orders for the account, never withdraw (the Vault pays only the owner).
    function setOperator(uint96 subaccount, address operator, bool approved) external;

    /// @notice Whether `operator` is approved on `accountId` (the owner itself is not listed).
    function isOperator(uint256 accountId, address operator) external view returns (bool);

    /// @notice Liquidates an account whose equity is below its maintenance margin (DESIGN §10). Anyone may call.
    /// @dev Closes the same fraction `f = min(1, (M' - E) / (M' - L))` of every position at the oracle price, with
    /// `M' = M * (1 + liquidationBuffer)` and `L` the full liquidation penalty; `f = 1` when a remainder would fall
    /// under its market's minimum notional. The penalty is `f * L`, limited to what the account has (a full close: its
    /// balance, PnL and other collateral; a partial one: the share `f` of its equity). The keeper gets
    /// `clamp(penalty * keeperShare, minKeeperReward, maxKeeperReward)` into the caller's subaccount 0: the account
    /// pays `max(penalty, reward)` up to what it has, what it cannot pay comes from the insurance fund, then the pool
    /// (never when the caller owns the account: self-liquidation is not subsidized); the rest of the penalty goes to
    /// the insurance fund. A negative balance left by a full close (with no other collateral) goes through the Vault's
    /// loss waterfall in the same transaction (`IVault.BadDebtSettled`). Reverts with
    /// `ClearinghouseInsufficientPoolLiquidity` when the pool's cash cannot pay the account's profit. Never blocked by
    /// pause. The computation runs in the linked library `LiquidationLogic`, in this contract's context.
    /// @return keeperReward Settlement-token units credited to the caller's subaccount 0.
    function liquidate(uint256 accountId) external returns (uint256 keeperReward);

    /// @notice Auto-deleveraging (DESIGN §11.1): closes part or all of `accountId`'s profitable position on
    /// `marketId` at the oracle price, with no fee, premium or penalty, while its side's net unrealized PnL exceeds
    /// `maxPnlToPool ×` the pool's settlement balance. Anyone may call; nothing is paid to the caller.
    /// @dev The position must rank (positions cannot be enumerated on chain, so the rank is a rule checked in O(1)
    /// from the position, its account and the side's aggregates): its PnL per unit of open notional times its
    /// account's leverage (gross notional over equity, floored at 1x) is at least the side's average PnL per unit of
    /// open notional, else `ClearinghouseDeleverageIneligible(accountId, marketId, score, threshold)`. While the side
    /// is over its cap such a position always exists (the side's above-average winners). Closes what brings the side
    /// back under the cap, the realized PnL paid from the pool lowering the cap too, `(sidePnl - f × cash) / (1 - f)`
    /// of PnL, rounded up, or the whole position if smaller or if the rest would fall under the minimum notional.
    /// Reverts with `ClearinghouseDeleverageNotNeeded` under the cap, `ClearinghouseAccountLiquidatable` for an
    /// account that must be liquidated instead, `ClearinghouseInsufficientPoolLiquidity` if the pool's cash cannot
    /// pay the realized profit. Never blocked by pause. Runs in the linked library `DeleverageLogic`.
    /// @return sizeClosed The size closed, signed like the position.
    function deleverage(uint256 accountId, uint256 marketId) external returns (int256 sizeClosed);

    /* VIEWS */

    /// @notice Whether `marketId` needs auto-deleveraging: each side's net unrealized PnL (rounded down) and the cap
    /// `maxPnlToPool ×` the pool's settlement balance (rounded up), USD, WAD. A side needs it when its PnL > cap.
    function deleverageNeed(uint256 marketId) external view returns (int256 longPnl, int256 shortPnl, uint256 cap);

    /// @notice What `deleverage(accountId, marketId)` would do now, computed by the same code; never reverts for a
    /// listed market with a valid price.
    function previewDeleverage(uint256 accountId, uint256 marketId) external view returns (DeleveragePreview memory);

    /// @notice What `liquidate(accountId)` would do now, for the caller as keeper (an owner's own preview shows no
    /// subsidy). Never reverts for a valid account with valid prices.
    function previewLiquidation(uint256 accountId) external view returns (LiquidationPreview memory);

    /// @notice Whether `equity < maintenanceMargin` (equality is healthy).
    function isLiquidatable(uint256 accountId) external view returns (bool);

    /// @notice `isLiquidatable` for a batch of accounts.
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory);

    /// @notice The account's margin picture at current prices, funding accrued to now.
    function accountState(uint256 accountId) external view returns (AccountState memory);

    /// @notice What `trade` would do now: fill price, fee (USD, WAD) and the account's state after it.
    /// @dev Runs the same computation as `trade` without its checks of caps and margin.
    function previewTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade);

    /// @notice Number of open positions of the account.
    function positionCount(uint256 accountId) external view returns (uint256);

    /// @notice Number of listed markets; ids are `0 .. marketCount() - 1`.
    function marketCount() external view returns (uint256);

    /// @notice The Vault holding every account's collateral.
    function vault() external view returns (IVault);

    /// @notice The price oracle.
    function oracle() external view returns (IPriceOracle);

    /// @notice What the open positions of every market are worth to the liquidity pool (USD, WAD), O(markets) from
    /// the per-market aggregates (DESIGN §11): `Σ funding owed to the pool - Σ traders' unrealized PnL`, and what
    /// they could claim from the pool's cash. Markets without open interest or owed funding read no price.
    /// @return unrealizedValue The pool's unrealized value, rounded down.
    /// @return traderClaims Σ over markets and sides of positive unrealized trader PnL, rounded up.
    function poolExposure() external view returns (int256 unrealizedValue, uint256 traderClaims);

    /// @notice Whether risk-increasing trades are paused.
    function paused() external view returns (bool);

    /// @notice Reverts with `ClearinghouseInsufficientMargin` unless the account's equity is at least its initial
    /// margin. Called by the Vault after debiting a withdrawal.
    /// @dev An account with no positions and no debt passes without reading any price, so a broken feed never
    /// traps funds that nothing is owed against.
    function checkWithdrawal(uint256 accountId) external view;

    /* RAW STATE (for the lens and integrators: the stored structs as they are) */

    /// @notice Bit `i` set when the account has an open position on market `i`.
    function openMarkets(uint256 accountId) external view returns (uint256);

    /// @notice The account's stored position on `marketId` (zero when none): funding settled up to its
    /// `lastFundingIndex`, not accrued to now.
    function position(uint256 accountId, uint256 marketId) external view returns (Position memory);

    /// @notice A market's stored parameters and cascade-damping window (zero for an unknown id).
    function marketConfig(uint256 marketId) external view returns (MarketConfig memory);

    /// @notice A market's stored state: funding as of its last accrual, each side's aggregates and the funding
    /// aggregate behind the pool's NAV (`MarketLib.poolValue`).
    function marketData(uint256 marketId) external view returns (Market memory);

    /// @notice The protocol-wide parameters and the pause flag, as stored.
    function riskConfig() external view returns (RiskConfig memory);

    /* ADMINISTRATION */

    /// @notice Lists a market. Risk admin only. Returns its id.
    function addMarket(MarketParams calldata params) external returns (uint256 marketId);

    /// @notice Updates a market's parameters (the asset cannot change). Risk admin only. Accrues funding first.
    function setMarketParams(uint256 marketId, MarketParams calldata params) external;

    /// @notice Sets the protocol-wide risk parameters. Risk admin only.
    function setRiskParams(RiskParams calldata params) external;

    /// @notice Turns `trade` / `tradeFor` on or off on `marketId` (risk admin; off when listed). Off, the market
    /// trades only through orders settled at a price published after their commit (DESIGN §21).
    function setImmediateTrades(uint256 marketId, bool enabled) external;

    /// @notice Stops risk-increasing trades. Guardian only.
    function pause() external;

    /// @notice Resumes risk-increasing trades. Guardian only.
    function unpause() external;
}
