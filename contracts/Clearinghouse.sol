// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "./interfaces/IClearinghouse.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";
import {IVault} from "./interfaces/IVault.sol";
import {AccountId} from "./libraries/AccountId.sol";
import {Bitmap} from "./libraries/Bitmap.sol";
import {FixedPointMath} from "./libraries/FixedPointMath.sol";
import {LossWaterfall} from "./libraries/LossWaterfall.sol";
import {MarketLib, MarketState} from "./libraries/MarketLib.sol";
import {Position, PositionLib} from "./libraries/PositionLib.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title Clearinghouse
/// @notice Cross-margin perpetuals: markets, positions, trades, funding and margin (DESIGN §6–§9).
contract Clearinghouse is IClearinghouse, AccessControl, Pausable, ReentrancyGuardTransient {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using MarketLib for MarketState;
    using SafeCast for int256;
    using SafeCast for uint256;

    uint256 private constant WAD = 1e18;
    uint256 private constant MAX_MARKETS = 256;
    uint256 private constant MAX_POSITIONS_BOUND = 64;
    uint256 private constant MAX_FEE = 0.01e18;
    uint256 private constant MAX_FUNDING_RATE_PER_DAY = 1e18;
    uint256 private constant MAX_OI_TO_POOL = 10e18;
    /// @dev Market id meaning "no market" in the margin pass.
    uint256 private constant NO_MARKET = type(uint256).max;

    IVault public immutable vault;
    IPriceOracle public immutable oracle;
    /// @dev 10 ** (18 - settlement decimals): settlement-token units to WAD.
    uint256 private immutable _toWad;

    MarketParams[] private _markets;
    mapping(uint256 marketId => MarketState) private _marketStates;
    mapping(uint256 accountId => mapping(uint256 marketId => Position)) private _positions;
    /// @dev Bit `i` set when the account has an open position on market `i`.
    mapping(uint256 accountId => uint256) private _openMarkets;
    RiskParams private _risk;

    /// @dev Σ of per-position margin terms over a set of positions (USD, WAD).
    struct Totals {
        int256 unrealizedPnl;
        int256 pendingFunding;
        uint256 initialMargin;
        uint256 maintenanceMargin;
    }

    /// @dev Everything a trade computes before anything is written.
    struct TradeCalc {
        MarketParams params;
        MarketState state;
        uint256 oraclePrice;
        int256 fundingIndex;
        Position oldPosition;
        int256 newSize;
        int256 newOpenNotional;
        uint256 fillPrice;
        uint256 fee;
        int256 realizedPnl;
        int256 fundingOwed;
        int256 accountDelta;
        int256 poolDelta;
        int256 insuranceDelta;
        int256 balanceBefore;
        uint256 otherCollateralValue;
    }

    /// @dev One position in a liquidation plan.
    struct Leg {
        uint256 marketId;
        MarketParams params;
        uint256 price;
        int256 index;
        Position position;
        Position next;
        int256 sizeClosed;
        uint256 notionalClosed;
        int256 realizedPnl;
        int256 fundingOwed;
    }

    /// @dev Everything a liquidation computes before anything is written.
    struct LiquidationPlan {
        AccountState before;
        Leg[] legs;
        uint256 fraction;
        uint256 notionalClosed;
        uint256 penalty;
        uint256 keeperReward;
        uint256 badDebt;
        uint256 insuranceDraw;
        uint256 poolWriteOff;
        int256 accountDelta;
        int256 poolDelta;
        int256 insuranceDelta;
        bool capAllows;
        uint256 capMarket;
        uint256 capUsed;
        uint256 capNotional;
        uint256 cap;
    }

    constructor(address admin, IVault vault_, IPriceOracle oracle_, RiskParams memory risk) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(Roles.RISK_ADMIN, admin);
        _grantRole(Roles.GUARDIAN, admin);
        vault = vault_;
        oracle = oracle_;
        uint8 decimals = vault_.settlementDecimals();
        if (decimals > 18) revert ClearinghouseInvalidParameter("settlementDecimals", decimals);
        _toWad = 10 ** (18 - decimals);
        _setRiskParams(risk);
    }

    /* TRADING */

    /// @inheritdoc IClearinghouse
    function trade(uint96 subaccount, uint256 marketId, int256 sizeDelta, uint256 acceptablePrice)
        external
        nonReentrant
        returns (uint256 fillPrice)
    {
        uint256 accountId = AccountId.from(msg.sender, subaccount);
        TradeCalc memory c = _calcTrade(accountId, marketId, sizeDelta);
        fillPrice = c.fillPrice;
        if (sizeDelta > 0 ? fillPrice > acceptablePrice : fillPrice < acceptablePrice) {
            revert ClearinghouseSlippageExceeded(sizeDelta, fillPrice, acceptablePrice);
        }

        int256 oldSize = c.oldPosition.size;
        bool reduceOnly = c.newSize.abs() < oldSize.abs() && (c.newSize == 0 || (c.newSize > 0) == (oldSize > 0));
        if (!reduceOnly) {
            _requireNotPaused();
            _checkOpenInterest(marketId, c);
            if (oldSize == 0) _checkPositionCount(accountId);
        }
        if (c.newSize != 0) {
            uint256 notional = c.newSize.abs().wMulDown(c.oraclePrice);
            if (notional < c.params.minPositionNotional) {
                revert ClearinghousePositionBelowMinimum(marketId, notional, c.params.minPositionNotional);
            }
        }
        if (c.poolDelta < 0 && vault.poolBalance() < uint256(-c.poolDelta)) {
            revert ClearinghouseInsufficientPoolLiquidity(uint256(-c.poolDelta), vault.poolBalance());
        }

        (AccountState memory before, AccountState memory afterTrade) = _tradeStates(accountId, marketId, c);
        if (before.liquidatable) {
            revert ClearinghouseAccountLiquidatable(accountId, before.equity, before.maintenanceMargin);
        }
        if (!reduceOnly && afterTrade.equity < afterTrade.initialMargin.toInt256()) {
            revert ClearinghouseInsufficientMargin(accountId, afterTrade.equity, afterTrade.initialMargin);
        }

        _marketStates[marketId] = c.state;
        if (c.newSize == 0) {
            delete _positions[accountId][marketId];
            _openMarkets[accountId] &= ~(uint256(1) << marketId);
        } else {
            _positions[accountId][marketId] =
                Position(c.newSize.toInt128(), c.newOpenNotional.toInt128(), c.fundingIndex);
            if (oldSize == 0) _openMarkets[accountId] |= uint256(1) << marketId;
        }
        vault.transferSettlement(accountId, c.accountDelta, c.poolDelta, c.insuranceDelta);

        emit TradeExecuted(
            accountId,
            marketId,
            sizeDelta,
            fillPrice,
            c.fee,
            c.realizedPnl,
            c.fundingOwed,
            c.accountDelta,
            c.newSize,
            c.newOpenNotional
        );
    }

    /* LIQUIDATION */

    /// @inheritdoc IClearinghouse
    function liquidate(uint256 accountId) external nonReentrant returns (uint256 keeperReward) {
        LiquidationPlan memory plan = _planLiquidation(accountId);
        if (!plan.before.liquidatable) {
            revert ClearinghouseNotLiquidatable(accountId, plan.before.equity, plan.before.maintenanceMargin);
        }
        if (!plan.capAllows) {
            revert ClearinghouseLiquidationCapExceeded(plan.capMarket, plan.capUsed, plan.capNotional, plan.cap);
        }
        for (uint256 i; i < plan.legs.length; ++i) {
            _applyLeg(accountId, plan.legs[i]);
        }
        keeperReward = plan.keeperReward;
        vault.settleLiquidation(
            accountId,
            plan.accountDelta,
            AccountId.from(msg.sender, 0),
            keeperReward,
            plan.poolDelta,
            plan.insuranceDelta
        );
        emit Liquidated(
            accountId,
            msg.sender,
            plan.fraction,
            plan.before.equity,
            plan.before.maintenanceMargin,
            plan.notionalClosed,
            plan.penalty,
            keeperReward
        );
        if (plan.badDebt != 0) {
            emit BadDebtSettled(
                accountId,
                plan.badDebt,
                plan.insuranceDraw,
                plan.poolWriteOff,
                plan.badDebt - plan.insuranceDraw - plan.poolWriteOff
            );
        }
    }

    /* VIEWS */

    /// @inheritdoc IClearinghouse
    function previewLiquidation(uint256 accountId) external view returns (LiquidationPreview memory p) {
        LiquidationPlan memory plan = _planLiquidation(accountId);
        uint256 n = plan.legs.length;
        p.liquidatable = plan.before.liquidatable;
        p.equity = plan.before.equity;
        p.maintenanceMargin = plan.before.maintenanceMargin;
        p.fraction = plan.fraction;
        p.marketIds = new uint256[](n);
        p.sizesClosed = new int256[](n);
        p.notionalsClosed = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            p.marketIds[i] = plan.legs[i].marketId;
            p.sizesClosed[i] = plan.legs[i].sizeClosed;
            p.notionalsClosed[i] = plan.legs[i].notionalClosed;
        }
        p.penalty = plan.penalty;
        p.keeperReward = plan.keeperReward;
        p.badDebt = plan.badDebt;
        p.insuranceDraw = plan.insuranceDraw;
        p.poolWriteOff = plan.poolWriteOff;
        p.capAllows = plan.capAllows;
    }

    /// @inheritdoc IClearinghouse
    function isLiquidatable(uint256 accountId) public view returns (bool) {
        return accountState(accountId).liquidatable;
    }

    /// @inheritdoc IClearinghouse
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory result) {
        result = new bool[](accountIds.length);
        for (uint256 i; i < accountIds.length; ++i) {
            result[i] = isLiquidatable(accountIds[i]);
        }
    }

    /// @inheritdoc IClearinghouse
    function accountState(uint256 accountId) public view returns (AccountState memory) {
        (int256 balance, uint256 otherValue,) = vault.accountCollateral(accountId);
        return _finalize(balance, otherValue, _sumPositions(accountId, NO_MARKET));
    }

    /// @inheritdoc IClearinghouse
    function positions(uint256 accountId) external view returns (PositionView[] memory views) {
        uint256 map = _openMarkets[accountId];
        views = new PositionView[](Bitmap.popCount(map));
        for (uint256 i; map != 0; ++i) {
            uint256 marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            (uint256 price, int256 index) = _priceAndIndex(marketId);
            Position memory p = _positions[accountId][marketId];
            views[i] = PositionView({
                marketId: marketId,
                size: p.size,
                openNotional: p.openNotional,
                entryPrice: int256(p.openNotional).abs().mulDivDown(WAD, int256(p.size).abs()),
                unrealizedPnl: PositionLib.unrealizedPnl(p.size, p.openNotional, price),
                pendingFunding: PositionLib.fundingOwed(p.size, index, p.lastFundingIndex)
            });
        }
    }

    /// @inheritdoc IClearinghouse
    function previewTrade(uint256 accountId, uint256 marketId, int256 sizeDelta)
        external
        view
        returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade)
    {
        TradeCalc memory c = _calcTrade(accountId, marketId, sizeDelta);
        (, afterTrade) = _tradeStates(accountId, marketId, c);
        return (c.fillPrice, c.fee, afterTrade);
    }

    /// @inheritdoc IClearinghouse
    function positionCount(uint256 accountId) external view returns (uint256) {
        return Bitmap.popCount(_openMarkets[accountId]);
    }

    /// @inheritdoc IClearinghouse
    function marketCount() external view returns (uint256) {
        return _markets.length;
    }

    /// @inheritdoc IClearinghouse
    function market(uint256 marketId) external view returns (MarketView memory view_) {
        MarketParams memory params = _marketParams(marketId);
        MarketState memory state = _marketStates[marketId];
        (uint256 price, int256 index) = _priceAndIndex(marketId);
        int256 skew = state.skew();
        uint256 proportion = skew.abs().mulDivDown(WAD, params.skewScale);
        if (proportion > WAD) proportion = WAD;
        int256 ratePerDay = proportion.wMulDown(params.maxFundingRatePerDay).toInt256();
        view_ = MarketView({
            params: params,
            oraclePrice: price,
            skew: skew,
            longOpenInterest: state.longOpenInterest,
            shortOpenInterest: state.shortOpenInterest,
            fundingIndex: index,
            fundingRatePerDay: skew < 0 ? -ratePerDay : ratePerDay
        });
    }

    /// @inheritdoc IClearinghouse
    function riskParams() external view returns (RiskParams memory) {
        return _risk;
    }

    /// @inheritdoc IClearinghouse
    function marketParams(uint256 marketId) external view returns (MarketParams memory) {
        return _marketParams(marketId);
    }

    /// @inheritdoc IClearinghouse
    function marketState(uint256 marketId) external view returns (MarketState memory) {
        _marketParams(marketId);
        return _marketStates[marketId];
    }

    /// @inheritdoc IClearinghouse
    function checkWithdrawal(uint256 accountId) external view {
        // No positions and no debt: nothing can fall short, so no price is needed (DESIGN §15.7, liveness).
        if (_openMarkets[accountId] == 0 && vault.balanceOf(accountId, vault.settlementToken()) >= 0) return;
        AccountState memory state = accountState(accountId);
        if (state.equity < state.initialMargin.toInt256()) {
            revert ClearinghouseInsufficientMargin(accountId, state.equity, state.initialMargin);
        }
    }

    /// @inheritdoc IClearinghouse
    function accountIdOf(address owner, uint96 subaccount) external pure returns (uint256) {
        return AccountId.from(owner, subaccount);
    }

    /// @inheritdoc IClearinghouse
    function ownerOf(uint256 accountId) external pure returns (address) {
        return AccountId.ownerOf(accountId);
    }

    /* ADMINISTRATION */

    /// @inheritdoc IClearinghouse
    function addMarket(MarketParams calldata params) external onlyRole(Roles.RISK_ADMIN) returns (uint256 marketId) {
        _validateMarketParams(params);
        if (!oracle.hasFeed(params.asset)) revert ClearinghouseInvalidParameter("asset", uint256(params.asset));
        marketId = _markets.length;
        if (marketId == MAX_MARKETS) revert ClearinghouseTooManyMarkets(marketId);
        _markets.push(params);
        _marketStates[marketId].lastFundingTime = uint64(block.timestamp);
        emit MarketAdded(marketId, params);
    }

    /// @inheritdoc IClearinghouse
    function setMarketParams(uint256 marketId, MarketParams calldata params) external onlyRole(Roles.RISK_ADMIN) {
        MarketParams memory current = _marketParams(marketId);
        if (params.asset != current.asset) revert ClearinghouseInvalidParameter("asset", uint256(params.asset));
        _validateMarketParams(params);
        // Funding up to now accrues under the old parameters.
        MarketState memory state = _marketStates[marketId];
        _accrue(current, state, oracle.price(current.asset));
        _marketStates[marketId] = state;
        _markets[marketId] = params;
        emit MarketParamsUpdated(marketId, params);
    }

    /// @inheritdoc IClearinghouse
    function setRiskParams(RiskParams calldata params) external onlyRole(Roles.RISK_ADMIN) {
        _setRiskParams(params);
    }

    /// @inheritdoc IClearinghouse
    function pause() external onlyRole(Roles.GUARDIAN) {
        _pause();
    }

    /// @inheritdoc IClearinghouse
    function unpause() external onlyRole(Roles.GUARDIAN) {
        _unpause();
    }

    /* TRADE COMPUTATION */

    /// @dev Load and compute (DESIGN §7 steps 1–4) without writing anything, so `trade` and `previewTrade` agree.
    function _calcTrade(uint256 accountId, uint256 marketId, int256 sizeDelta)
        private
        view
        returns (TradeCalc memory c)
    {
        if (sizeDelta == 0) revert ClearinghouseZeroSizeDelta();
        c.params = _marketParams(marketId);
        // A flip can at most take a side from -cap to +cap; larger deltas can never pass and could overflow.
        if (sizeDelta.abs() > 2 * uint256(c.params.maxOpenInterest)) {
            revert ClearinghouseOpenInterestCapExceeded(marketId, sizeDelta.abs(), c.params.maxOpenInterest);
        }
        c.state = _marketStates[marketId];
        c.oraclePrice = oracle.price(c.params.asset);
        _accrue(c.params, c.state, c.oraclePrice);
        c.fundingIndex = c.state.fundingIndex;

        c.oldPosition = _positions[accountId][marketId];
        int256 oldSize = c.oldPosition.size;
        c.fundingOwed = PositionLib.fundingOwed(oldSize, c.fundingIndex, c.oldPosition.lastFundingIndex);

        int256 skew = c.state.skew();
        int256 fill = MarketLib.fillPrice(c.oraclePrice, skew, sizeDelta, c.params.skewScale);
        if (fill <= 0) revert ClearinghouseInvalidFillPrice(fill);
        c.fillPrice = uint256(fill);
        c.fee = MarketLib.tradeFee(skew, sizeDelta, c.fillPrice, c.params.makerFee, c.params.takerFee);
        (c.newSize, c.newOpenNotional, c.realizedPnl) =
            PositionLib.applyFill(oldSize, c.oldPosition.openNotional, sizeDelta, c.fillPrice);
        c.state.replacePosition(
            oldSize, c.oldPosition.openNotional, c.oldPosition.lastFundingIndex, c.newSize, c.newOpenNotional, c.fundingIndex
        );

        // WAD -> settlement-token units, against the account: PnL net of funding rounds toward -infinity and the
        // fee rounds up. The pool takes exactly what the account and the insurance fund do not.
        uint256 feeUnits = c.fee.mulDivUp(1, _toWad);
        int256 insuranceUnits = feeUnits.wMulDown(_risk.insuranceFeeShare).toInt256();
        c.accountDelta = (c.realizedPnl - c.fundingOwed).divFloor(_toWad) - feeUnits.toInt256();
        c.insuranceDelta = insuranceUnits;
        c.poolDelta = -c.accountDelta - insuranceUnits;
        (c.balanceBefore, c.otherCollateralValue,) = vault.accountCollateral(accountId);
    }

    /// @dev The account before and after the trade, from one pass over its other positions.
    function _tradeStates(uint256 accountId, uint256 marketId, TradeCalc memory c)
        private
        view
        returns (AccountState memory before, AccountState memory afterTrade)
    {
        Totals memory others = _sumPositions(accountId, marketId);
        Totals memory t = _copy(others);
        _addPosition(t, c.oldPosition, c.oraclePrice, c.fundingIndex, c.params);
        before = _finalize(c.balanceBefore, c.otherCollateralValue, t);
        _addPosition(
            others, Position(c.newSize.toInt128(), c.newOpenNotional.toInt128(), c.fundingIndex), c.oraclePrice, c.fundingIndex, c.params
        );
        afterTrade = _finalize(c.balanceBefore + c.accountDelta, c.otherCollateralValue, others);
    }

    function _checkOpenInterest(uint256 marketId, TradeCalc memory c) private view {
        MarketState memory old = _marketStates[marketId];
        uint256 increased;
        if (c.state.longOpenInterest > old.longOpenInterest) increased = c.state.longOpenInterest;
        else if (c.state.shortOpenInterest > old.shortOpenInterest) increased = c.state.shortOpenInterest;
        else return;
        if (increased > c.params.maxOpenInterest) {
            revert ClearinghouseOpenInterestCapExceeded(marketId, increased, c.params.maxOpenInterest);
        }
        // Rounds the notional up and the cap down: the cap binds strictly.
        uint256 notional = increased.wMulUp(c.oraclePrice);
        uint256 cap = (vault.poolBalance() * _toWad).wMulDown(_risk.maxOpenInterestToPool);
        if (notional > cap) revert ClearinghousePoolOpenInterestCapExceeded(marketId, notional, cap);
    }

    function _checkPositionCount(uint256 accountId) private view {
        uint256 count = Bitmap.popCount(_openMarkets[accountId]);
        if (count >= _risk.maxPositionsPerAccount) {
            revert ClearinghouseTooManyPositions(accountId, count, _risk.maxPositionsPerAccount);
        }
    }

    /* LIQUIDATION COMPUTATION */

    /// @dev DESIGN §10 computed in memory, so `liquidate` and `previewLiquidation` agree. Returns early (with
    /// `before.liquidatable == false`) for a healthy account.
    function _planLiquidation(uint256 accountId) private view returns (LiquidationPlan memory plan) {
        uint256 map = _openMarkets[accountId];
        plan.legs = new Leg[](Bitmap.popCount(map));
        Totals memory t;
        uint256 fullPenalty;
        for (uint256 i; map != 0; ++i) {
            Leg memory leg = plan.legs[i];
            leg.marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            leg.params = _markets[leg.marketId];
            (leg.price, leg.index) = _priceAndIndex(leg.marketId);
            leg.position = _positions[accountId][leg.marketId];
            _addPosition(t, leg.position, leg.price, leg.index, leg.params);
            fullPenalty += PositionLib.marginRequirement(leg.position.size, leg.price, leg.params.liquidationFee);
        }
        (int256 balance, uint256 otherValue, bool hasOther) = vault.accountCollateral(accountId);
        plan.before = _finalize(balance, otherValue, t);
        plan.capAllows = true;
        if (!plan.before.liquidatable) return plan;

        plan.fraction = _liquidationFraction(plan.before, fullPenalty);
        if (plan.fraction < WAD && _leavesDust(plan)) plan.fraction = WAD;

        int256 pnl;
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            int256 size = leg.position.size;
            // Rounds the closed size away from zero (closes more), never past the whole position.
            uint256 closedAbs = plan.fraction == WAD ? size.abs() : size.abs().mulDivUp(plan.fraction, WAD);
            leg.sizeClosed = size > 0 ? closedAbs.toInt256() : -closedAbs.toInt256();
            leg.notionalClosed = closedAbs.wMulDown(leg.price);
            plan.notionalClosed += leg.notionalClosed;
            (int256 newSize, int256 newOpenNotional, int256 realized) =
                PositionLib.applyFill(size, leg.position.openNotional, -leg.sizeClosed, leg.price);
            leg.next = Position(newSize.toInt128(), newOpenNotional.toInt128(), leg.index);
            leg.realizedPnl = realized;
            leg.fundingOwed = PositionLib.fundingOwed(size, leg.index, leg.position.lastFundingIndex);
            pnl += realized - leg.fundingOwed;
            if (plan.capAllows && plan.before.equity > 0) _checkLiquidationCap(plan, leg);
        }
        uint256 penaltyWad = plan.fraction == WAD ? fullPenalty : fullPenalty.wMulUp(plan.fraction);
        _settleAmounts(plan, balance, otherValue, hasOther, pnl, penaltyWad);
    }

    /// @dev `f = min(1, (M' - E) / (M' - L))`, rounded up (closes more).
    function _liquidationFraction(AccountState memory s, uint256 fullPenalty) private view returns (uint256) {
        int256 penalty = fullPenalty.toInt256();
        if (s.equity <= penalty) return WAD;
        // E < M <= M' and E > L, so M' - L > M' - E > 0.
        uint256 target = s.maintenanceMargin.wMulUp(WAD + _risk.liquidationBuffer);
        uint256 f = uint256(target.toInt256() - s.equity).mulDivUp(WAD, uint256(target.toInt256() - penalty));
        return f > WAD ? WAD : f;
    }

    /// @dev Whether closing `plan.fraction` would leave any position under its market's minimum notional.
    function _leavesDust(LiquidationPlan memory plan) private pure returns (bool) {
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            uint256 sizeAbs = int256(leg.position.size).abs();
            uint256 remaining = sizeAbs - sizeAbs.mulDivUp(plan.fraction, WAD);
            if (remaining.wMulDown(leg.price) < leg.params.minPositionNotional) return true;
        }
        return false;
    }

    function _checkLiquidationCap(LiquidationPlan memory plan, Leg memory leg) private view {
        MarketState storage state = _marketStates[leg.marketId];
        bool windowOpen = block.timestamp < uint256(state.liquidationWindowStart) + leg.params.liquidationWindow;
        uint256 used = windowOpen ? state.liquidatedInWindow : 0;
        if (used + leg.notionalClosed > leg.params.maxLiquidationNotionalPerWindow) {
            plan.capAllows = false;
            plan.capMarket = leg.marketId;
            plan.capUsed = used;
            plan.capNotional = leg.notionalClosed;
            plan.cap = leg.params.maxLiquidationNotionalPerWindow;
        }
    }

    /// @dev Penalty, keeper reward and the loss waterfall, in settlement-token units.
    function _settleAmounts(
        LiquidationPlan memory plan,
        int256 balance,
        uint256 otherValue,
        bool hasOther,
        int256 pnl,
        uint256 penaltyWad
    ) private view {
        // Against the account: PnL net of funding rounds toward -infinity, the penalty rounds up.
        int256 pnlUnits = pnl.divFloor(_toWad);
        uint256 penalty = penaltyWad.mulDivUp(1, _toWad);
        bool fullClose = plan.fraction == WAD;
        if (fullClose) {
            // A closed-out account pays the penalty only from what it still has (its other collateral at its
            // haircut value included): penalties never create bad debt.
            int256 left = balance + pnlUnits + (otherValue / _toWad).toInt256();
            if (left <= 0) penalty = 0;
            else if (uint256(left) < penalty) penalty = uint256(left);
        }
        // The reward never exceeds the penalty, so liquidating one's own account never pays.
        uint256 reward = penalty.wMulDown(_risk.keeperShare);
        if (reward < _risk.minKeeperReward) reward = _risk.minKeeperReward;
        if (reward > _risk.maxKeeperReward) reward = _risk.maxKeeperReward;
        if (reward > penalty) reward = penalty;

        plan.penalty = penalty;
        plan.keeperReward = reward;
        plan.accountDelta = pnlUnits - penalty.toInt256();
        plan.poolDelta = -pnlUnits;
        plan.insuranceDelta = (penalty - reward).toInt256();

        int256 finalBalance = balance + plan.accountDelta;
        // Other collateral left is first offered to keepers (`Vault.liquidateCollateral`); `Vault.settleBadDebt`
        // runs the waterfall once it is gone.
        if (!fullClose || finalBalance >= 0 || hasOther) return;
        // Loss waterfall: the insurance fund, then the pool (its NAV drops); what neither can pay stays as debt.
        plan.badDebt = uint256(-finalBalance);
        int256 poolAvailable = vault.poolBalance().toInt256() + plan.poolDelta;
        (plan.insuranceDraw, plan.poolWriteOff) = LossWaterfall.split(
            plan.badDebt,
            uint256(vault.insuranceBalance().toInt256() + plan.insuranceDelta),
            poolAvailable <= 0 ? 0 : uint256(poolAvailable)
        );
        plan.accountDelta += (plan.insuranceDraw + plan.poolWriteOff).toInt256();
        plan.insuranceDelta -= plan.insuranceDraw.toInt256();
        plan.poolDelta -= plan.poolWriteOff.toInt256();
    }

    /// @dev Writes one liquidated position: accrues its market, updates aggregates and the cascade window.
    function _applyLeg(uint256 accountId, Leg memory leg) private {
        MarketState memory state = _marketStates[leg.marketId];
        state.fundingIndex = leg.index.toInt128();
        state.lastFundingTime = uint64(block.timestamp);
        state.replacePosition(
            leg.position.size,
            leg.position.openNotional,
            leg.position.lastFundingIndex,
            leg.next.size,
            leg.next.openNotional,
            leg.index
        );
        if (block.timestamp >= uint256(state.liquidationWindowStart) + leg.params.liquidationWindow) {
            state.liquidationWindowStart = uint64(block.timestamp);
            state.liquidatedInWindow = 0;
        }
        state.liquidatedInWindow += leg.notionalClosed.toUint128();
        _marketStates[leg.marketId] = state;
        if (leg.next.size == 0) {
            delete _positions[accountId][leg.marketId];
            _openMarkets[accountId] &= ~(uint256(1) << leg.marketId);
        } else {
            _positions[accountId][leg.marketId] = leg.next;
        }
        emit PositionLiquidated(
            accountId, leg.marketId, leg.sizeClosed, leg.price, leg.realizedPnl, leg.fundingOwed
        );
    }

    /* MARGIN */

    /// @dev Σ of the margin terms of the account's positions, skipping `excludedMarket`; each market's price is read
    /// once and its funding accrued to now in memory.
    function _sumPositions(uint256 accountId, uint256 excludedMarket) private view returns (Totals memory t) {
        uint256 map = _openMarkets[accountId];
        if (excludedMarket < MAX_MARKETS) map &= ~(uint256(1) << excludedMarket);
        while (map != 0) {
            uint256 marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            MarketParams memory params = _markets[marketId];
            (uint256 price, int256 index) = _priceAndIndex(marketId);
            _addPosition(t, _positions[accountId][marketId], price, index, params);
        }
    }

    function _addPosition(Totals memory t, Position memory p, uint256 price, int256 index, MarketParams memory params)
        private
        pure
    {
        if (p.size == 0) return;
        t.unrealizedPnl += PositionLib.unrealizedPnl(p.size, p.openNotional, price);
        t.pendingFunding += PositionLib.fundingOwed(p.size, index, p.lastFundingIndex);
        t.initialMargin += PositionLib.marginRequirement(p.size, price, params.imf);
        t.maintenanceMargin += PositionLib.marginRequirement(p.size, price, params.mmf);
    }

    /// @dev DESIGN §9 from a settlement balance and position totals.
    function _finalize(int256 settlementBalance, uint256 otherCollateralValue, Totals memory t)
        private
        view
        returns (AccountState memory s)
    {
        s.collateralValue = settlementBalance * int256(_toWad) + otherCollateralValue.toInt256();
        s.unrealizedPnl = t.unrealizedPnl;
        s.pendingFunding = t.pendingFunding;
        s.equity = s.collateralValue + t.unrealizedPnl - t.pendingFunding;
        s.initialMargin = t.initialMargin;
        s.maintenanceMargin = t.maintenanceMargin;
        s.freeCollateral = s.equity - t.initialMargin.toInt256();
        // Equality is healthy.
        s.liquidatable = s.equity < t.maintenanceMargin.toInt256();
    }

    function _copy(Totals memory t) private pure returns (Totals memory) {
        return Totals(t.unrealizedPnl, t.pendingFunding, t.initialMargin, t.maintenanceMargin);
    }

    /* FUNDING */

    /// @dev The market's oracle price and its funding index accrued to now (memory only).
    function _priceAndIndex(uint256 marketId) private view returns (uint256 price, int256 index) {
        MarketParams storage params = _markets[marketId];
        price = oracle.price(params.asset);
        index = MarketLib.fundingIndexAt(_marketStates[marketId], params.skewScale, params.maxFundingRatePerDay, price);
    }

    function _accrue(MarketParams memory params, MarketState memory state, uint256 price) private view {
        int256 delta = MarketLib.fundingIndexDelta(
            state.skew(), params.skewScale, params.maxFundingRatePerDay, block.timestamp - state.lastFundingTime, price
        );
        state.fundingIndex = (state.fundingIndex + delta).toInt128();
        state.lastFundingTime = uint64(block.timestamp);
    }

    /* HELPERS */

    function _marketParams(uint256 marketId) private view returns (MarketParams memory) {
        if (marketId >= _markets.length) revert ClearinghouseUnknownMarket(marketId);
        return _markets[marketId];
    }

    function _validateMarketParams(MarketParams calldata p) private pure {
        if (p.liquidationFee == 0) revert ClearinghouseInvalidParameter("liquidationFee", p.liquidationFee);
        if (p.mmf <= p.liquidationFee) revert ClearinghouseInvalidParameter("mmf", p.mmf);
        if (p.imf <= p.mmf || p.imf > WAD) revert ClearinghouseInvalidParameter("imf", p.imf);
        if (p.takerFee > MAX_FEE) revert ClearinghouseInvalidParameter("takerFee", p.takerFee);
        if (p.makerFee > MAX_FEE) revert ClearinghouseInvalidParameter("makerFee", p.makerFee);
        if (p.maxFundingRatePerDay > MAX_FUNDING_RATE_PER_DAY) {
            revert ClearinghouseInvalidParameter("maxFundingRatePerDay", p.maxFundingRatePerDay);
        }
        if (p.skewScale == 0) revert ClearinghouseInvalidParameter("skewScale", 0);
        if (p.maxOpenInterest == 0) revert ClearinghouseInvalidParameter("maxOpenInterest", 0);
        if (p.maxLiquidationNotionalPerWindow == 0) {
            revert ClearinghouseInvalidParameter("maxLiquidationNotionalPerWindow", 0);
        }
        if (p.liquidationWindow == 0) revert ClearinghouseInvalidParameter("liquidationWindow", 0);
    }

    function _setRiskParams(RiskParams memory p) private {
        if (p.maxPositionsPerAccount == 0 || p.maxPositionsPerAccount > MAX_POSITIONS_BOUND) {
            revert ClearinghouseInvalidParameter("maxPositionsPerAccount", p.maxPositionsPerAccount);
        }
        if (p.insuranceFeeShare > WAD) revert ClearinghouseInvalidParameter("insuranceFeeShare", p.insuranceFeeShare);
        if (p.maxOpenInterestToPool == 0 || p.maxOpenInterestToPool > MAX_OI_TO_POOL) {
            revert ClearinghouseInvalidParameter("maxOpenInterestToPool", p.maxOpenInterestToPool);
        }
        if (p.liquidationBuffer > WAD) revert ClearinghouseInvalidParameter("liquidationBuffer", p.liquidationBuffer);
        if (p.keeperShare > WAD) revert ClearinghouseInvalidParameter("keeperShare", p.keeperShare);
        if (p.minKeeperReward > p.maxKeeperReward) {
            revert ClearinghouseInvalidParameter("minKeeperReward", p.minKeeperReward);
        }
        _risk = p;
        emit RiskParamsUpdated(p);
    }
}
