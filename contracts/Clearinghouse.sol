// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "./interfaces/IClearinghouse.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";
import {IVault} from "./interfaces/IVault.sol";
import {AccountId} from "./libraries/AccountId.sol";
import {Bitmap} from "./libraries/Bitmap.sol";
import {FixedPointMath} from "./libraries/FixedPointMath.sol";
import {LossWaterfall} from "./libraries/LossWaterfall.sol";
import {Market, MarketFunding, MarketLib, MarketState} from "./libraries/MarketLib.sol";
import {Position, PositionLib} from "./libraries/PositionLib.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title Clearinghouse
/// @notice Cross-margin perpetuals: markets, positions, trades, funding and margin (DESIGN §6–§9).
/// @dev Storage is packed by the path that reads it: a valuation of one position reads five slots here (the market's
/// asset, its margin fractions, its funding state, the position's two slots) and one price; see README "Gas".
contract Clearinghouse is IClearinghouse, AccessControl, ReentrancyGuardTransient {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using MarketLib for Market;
    using MarketLib for MarketFunding;
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

    /// @notice A market's parameters as stored (`MarketParams` is the interface's view of them): one slot per path
    /// that reads them, each read whole.
    struct MarketConfig {
        /// @dev Every valuation: the oracle key (never zero for a listed market).
        bytes32 asset;
        MarginConfig margin;
        SkewConfig skew;
        LiquidationWindow window;
        TradeConfig trade;
    }

    /// @notice Every valuation (margin fractions, funding rate) and liquidation (fee).
    struct MarginConfig {
        uint64 imf;
        uint64 mmf;
        uint64 maxFundingRatePerDay;
        uint64 liquidationFee;
    }

    /// @notice Trades and liquidations.
    struct SkewConfig {
        uint128 skewScale;
        uint128 minPositionNotional;
    }

    /// @notice Liquidations: the cascade-damping window's cap and length (parameters) with its usage (state), read
    /// and written together.
    /// @param start `uint32(block.timestamp)` at the window's start; elapsed time is taken modulo 2^32 (wrap-safe).
    struct LiquidationWindow {
        uint96 cap;
        uint96 used;
        uint32 length;
        uint32 start;
    }

    /// @notice Trades only.
    struct TradeConfig {
        uint64 takerFee;
        uint64 makerFee;
        uint128 maxOpenInterest;
    }

    /// @notice The protocol-wide parameters as stored: slot 0 for trades (and the pause flag), slot 1 for liquidations.
    struct RiskConfig {
        uint8 maxPositionsPerAccount;
        uint64 insuranceFeeShare;
        uint64 maxOpenInterestToPool;
        bool paused;
        uint64 liquidationBuffer;
        uint64 keeperShare;
        uint96 minKeeperReward;
        uint96 maxKeeperReward;
    }

    IVault public immutable vault;
    IPriceOracle public immutable oracle;
    /// @dev 10 ** (18 - settlement decimals): settlement-token units to WAD.
    uint256 private immutable _toWad;
    address private immutable _settlementToken;

    uint256 private _marketCount;
    mapping(uint256 marketId => MarketConfig) private _configs;
    mapping(uint256 marketId => Market) private _marketStates;
    mapping(uint256 accountId => mapping(uint256 marketId => Position)) private _positions;
    /// @dev Bit `i` set when the account has an open position on market `i`.
    mapping(uint256 accountId => uint256) private _openMarkets;
    RiskConfig private _risk;

    /// @dev Σ of per-position margin terms over a set of positions (USD, WAD).
    struct Totals {
        int256 unrealizedPnl;
        int256 pendingFunding;
        uint256 initialMargin;
        uint256 maintenanceMargin;
    }

    /// @dev A market's price and funding index accrued to now, with its margin fractions: read once per transaction
    /// (or once per batch in `liquidatable`).
    struct Quote {
        uint256 price;
        int256 index;
        uint256 imf;
        uint256 mmf;
        uint256 liquidationFee;
    }

    /// @dev Quotes kept across the accounts of a batch (`liquidatable`): bit `i` of `loaded` set when `quotes[i]` is.
    struct QuoteCache {
        uint256 loaded;
        Quote[] quotes;
    }

    /// @dev Everything a trade computes before anything is written.
    struct TradeCalc {
        Quote quote;
        uint256 skewScale;
        uint256 minPositionNotional;
        uint256 maxOpenInterest;
        uint256 oldLongOpenInterest;
        uint256 oldShortOpenInterest;
        Market market;
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

    /// @dev One position in a liquidation plan: what the health pass read, then what the close pass computed.
    struct Leg {
        uint256 marketId;
        Quote quote;
        Position position;
        uint256 closedAbs;
        int256 sizeClosed;
        uint256 notionalClosed;
        int256 newSize;
        int256 newOpenNotional;
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
        _settlementToken = vault_.settlementToken();
        _setRiskParams(risk);
    }

    /* TRADING */

    /// @inheritdoc IClearinghouse
    function trade(
        uint96 subaccount,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice
    ) external nonReentrant returns (uint256 fillPrice) {
        uint256 accountId = AccountId.from(msg.sender, subaccount);
        TradeCalc memory c = _calcTrade(accountId, marketId, sizeDelta);
        fillPrice = c.fillPrice;
        if (sizeDelta > 0 ? fillPrice > acceptablePrice : fillPrice < acceptablePrice) {
            revert ClearinghouseSlippageExceeded(sizeDelta, fillPrice, acceptablePrice);
        }

        int256 oldSize = c.oldPosition.size;
        bool reduceOnly = c.newSize.abs() < oldSize.abs() && (c.newSize == 0 || (c.newSize > 0) == (oldSize > 0));
        if (!reduceOnly) {
            RiskConfig storage risk = _risk;
            if (risk.paused) revert EnforcedPause();
            _checkOpenInterest(marketId, c, risk.maxOpenInterestToPool);
            if (oldSize == 0) _checkPositionCount(accountId, risk.maxPositionsPerAccount);
        }
        if (c.newSize != 0) {
            uint256 notional = c.newSize.abs().wMulDown(c.quote.price);
            if (notional < c.minPositionNotional) {
                revert ClearinghousePositionBelowMinimum(marketId, notional, c.minPositionNotional);
            }
        }
        if (c.poolDelta < 0) {
            uint256 poolBalance = vault.poolBalance();
            if (poolBalance < uint256(-c.poolDelta)) {
                revert ClearinghouseInsufficientPoolLiquidity(uint256(-c.poolDelta), poolBalance);
            }
        }

        (AccountState memory before, AccountState memory afterTrade) = _tradeStates(accountId, marketId, c);
        if (before.liquidatable) {
            revert ClearinghouseAccountLiquidatable(accountId, before.equity, before.maintenanceMargin);
        }
        if (!reduceOnly && afterTrade.equity < afterTrade.initialMargin.toInt256()) {
            revert ClearinghouseInsufficientMargin(accountId, afterTrade.equity, afterTrade.initialMargin);
        }

        _marketStates[marketId] = c.market;
        if (c.newSize == 0) {
            delete _positions[accountId][marketId];
            _openMarkets[accountId] &= ~(uint256(1) << marketId);
        } else {
            _positions[accountId][marketId] = Position(
                c.newSize.toInt128(),
                c.market.funding.index,
                c.newOpenNotional.toInt128()
            );
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
        uint256 closedMarkets;
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            _applyLeg(accountId, leg);
            if (leg.newSize == 0) closedMarkets |= uint256(1) << leg.marketId;
        }
        if (closedMarkets != 0) _openMarkets[accountId] &= ~closedMarkets;
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
    function isLiquidatable(uint256 accountId) external view returns (bool) {
        return accountState(accountId).liquidatable;
    }

    /// @inheritdoc IClearinghouse
    /// @dev Each market's price is read once for the whole batch.
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory result) {
        result = new bool[](accountIds.length);
        QuoteCache memory cache;
        if (accountIds.length > 1) cache.quotes = new Quote[](_marketCount);
        for (uint256 i; i < accountIds.length; ++i) {
            result[i] = _accountState(accountIds[i], cache).liquidatable;
        }
    }

    /// @inheritdoc IClearinghouse
    function accountState(uint256 accountId) public view returns (AccountState memory) {
        QuoteCache memory none;
        return _accountState(accountId, none);
    }

    /// @inheritdoc IClearinghouse
    function positions(uint256 accountId) external view returns (PositionView[] memory views) {
        uint256 map = _openMarkets[accountId];
        views = new PositionView[](Bitmap.popCount(map));
        for (uint256 i; map != 0; ++i) {
            uint256 marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            Quote memory q = _quote(marketId);
            Position memory p = _positions[accountId][marketId];
            views[i] = PositionView({
                marketId: marketId,
                size: p.size,
                openNotional: p.openNotional,
                entryPrice: int256(p.openNotional).abs().mulDivDown(WAD, int256(p.size).abs()),
                unrealizedPnl: PositionLib.unrealizedPnl(p.size, p.openNotional, q.price),
                pendingFunding: PositionLib.fundingOwed(p.size, q.index, p.lastFundingIndex)
            });
        }
    }

    /// @inheritdoc IClearinghouse
    function previewTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade) {
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
        return _marketCount;
    }

    /// @inheritdoc IClearinghouse
    function market(uint256 marketId) external view returns (MarketView memory view_) {
        MarketParams memory params = _marketParams(marketId);
        Market memory m = _marketStates[marketId];
        Quote memory q = _quote(marketId);
        int256 skew = m.skew();
        uint256 proportion = skew.abs().mulDivDown(WAD, params.skewScale);
        if (proportion > WAD) proportion = WAD;
        int256 ratePerDay = proportion.wMulDown(params.maxFundingRatePerDay).toInt256();
        view_ = MarketView({
            params: params,
            oraclePrice: q.price,
            skew: skew,
            longOpenInterest: m.long.openInterest,
            shortOpenInterest: m.short.openInterest,
            fundingIndex: q.index,
            fundingRatePerDay: skew < 0 ? -ratePerDay : ratePerDay
        });
    }

    /// @inheritdoc IClearinghouse
    function riskParams() external view returns (RiskParams memory) {
        RiskConfig memory r = _risk;
        return
            RiskParams({
                maxPositionsPerAccount: r.maxPositionsPerAccount,
                insuranceFeeShare: r.insuranceFeeShare,
                maxOpenInterestToPool: r.maxOpenInterestToPool,
                liquidationBuffer: r.liquidationBuffer,
                keeperShare: r.keeperShare,
                minKeeperReward: r.minKeeperReward,
                maxKeeperReward: r.maxKeeperReward
            });
    }

    /// @inheritdoc IClearinghouse
    function marketParams(uint256 marketId) external view returns (MarketParams memory) {
        return _marketParams(marketId);
    }

    /// @inheritdoc IClearinghouse
    function marketState(uint256 marketId) external view returns (MarketState memory) {
        _marketParams(marketId);
        Market memory m = _marketStates[marketId];
        LiquidationWindow memory w = _configs[marketId].window;
        return
            MarketState({
                longOpenInterest: m.long.openInterest,
                shortOpenInterest: m.short.openInterest,
                fundingIndex: m.funding.index,
                lastFundingTime: m.funding.lastTime,
                liquidationWindowStart: w.start,
                longOpenNotional: m.long.openNotional,
                shortOpenNotional: m.short.openNotional,
                sizeTimesLastIndexSum: m.sizeTimesLastIndexSum(),
                liquidatedInWindow: w.used
            });
    }

    /// @inheritdoc IClearinghouse
    function poolExposure() external view returns (int256 unrealizedValue, uint256 traderClaims) {
        uint256 count = _marketCount;
        for (uint256 marketId; marketId < count; ++marketId) {
            Market memory m = _marketStates[marketId];
            // A market nobody holds (and that owes no funding) needs no price.
            // (With no open interest the skew is zero, so the shifted sum is the plain one.)
            if (m.long.openInterest == 0 && m.short.openInterest == 0 && m.sizeTimesShiftedIndexSum == 0) continue;
            Quote memory q = _quote(marketId);
            (int256 value, uint256 claims) = m.poolValue(q.index, q.price);
            unrealizedValue += value;
            traderClaims += claims;
        }
    }

    /// @inheritdoc IClearinghouse
    function checkWithdrawal(uint256 accountId) external view {
        // No positions and no debt: nothing can fall short, so no price is needed (DESIGN §15.7, liveness).
        if (_openMarkets[accountId] == 0 && vault.balanceOf(accountId, _settlementToken) >= 0) return;
        AccountState memory state = accountState(accountId);
        if (state.equity < state.initialMargin.toInt256()) {
            revert ClearinghouseInsufficientMargin(accountId, state.equity, state.initialMargin);
        }
    }

    /// @inheritdoc IClearinghouse
    function paused() external view returns (bool) {
        return _risk.paused;
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
        marketId = _marketCount;
        _writeMarket(marketId, params, true);
    }

    /// @inheritdoc IClearinghouse
    function setMarketParams(uint256 marketId, MarketParams calldata params) external onlyRole(Roles.RISK_ADMIN) {
        _writeMarket(marketId, params, false);
    }

    /// @inheritdoc IClearinghouse
    function setRiskParams(RiskParams calldata params) external onlyRole(Roles.RISK_ADMIN) {
        _setRiskParams(params);
    }

    /// @inheritdoc IClearinghouse
    function pause() external onlyRole(Roles.GUARDIAN) {
        if (_risk.paused) revert EnforcedPause();
        _risk.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IClearinghouse
    function unpause() external onlyRole(Roles.GUARDIAN) {
        if (!_risk.paused) revert ExpectedPause();
        _risk.paused = false;
        emit Unpaused(msg.sender);
    }

    /* TRADE COMPUTATION */

    /// @dev Load and compute (DESIGN §7 steps 1–4) without writing anything, so `trade` and `previewTrade` agree.
    function _calcTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta
    ) private view returns (TradeCalc memory c) {
        if (sizeDelta == 0) revert ClearinghouseZeroSizeDelta();
        MarketConfig storage cfg = _configs[marketId];
        if (cfg.asset == bytes32(0)) revert ClearinghouseUnknownMarket(marketId);
        TradeConfig memory tc = cfg.trade;
        c.maxOpenInterest = tc.maxOpenInterest;
        // A flip can at most take a side from -cap to +cap; larger deltas can never pass and could overflow.
        if (sizeDelta.abs() > 2 * c.maxOpenInterest) {
            revert ClearinghouseOpenInterestCapExceeded(marketId, sizeDelta.abs(), c.maxOpenInterest);
        }
        c.market = _marketStates[marketId];
        c.oldLongOpenInterest = c.market.long.openInterest;
        c.oldShortOpenInterest = c.market.short.openInterest;
        c.quote = _quote(marketId);
        c.market.funding.index = c.quote.index.toInt128();
        c.market.funding.lastTime = uint40(block.timestamp);
        SkewConfig memory sc = cfg.skew;
        c.skewScale = sc.skewScale;
        c.minPositionNotional = sc.minPositionNotional;

        c.oldPosition = _positions[accountId][marketId];
        int256 oldSize = c.oldPosition.size;
        c.fundingOwed = PositionLib.fundingOwed(oldSize, c.quote.index, c.oldPosition.lastFundingIndex);

        int256 skew = c.market.skew();
        int256 fill = MarketLib.fillPrice(c.quote.price, skew, sizeDelta, c.skewScale);
        if (fill <= 0) revert ClearinghouseInvalidFillPrice(fill);
        c.fillPrice = uint256(fill);
        c.fee = MarketLib.tradeFee(skew, sizeDelta, c.fillPrice, tc.makerFee, tc.takerFee);
        (c.newSize, c.newOpenNotional, c.realizedPnl) = PositionLib.applyFill(
            oldSize,
            c.oldPosition.openNotional,
            sizeDelta,
            c.fillPrice
        );
        c.market.replacePosition(
            oldSize,
            c.oldPosition.openNotional,
            c.oldPosition.lastFundingIndex,
            c.newSize,
            c.newOpenNotional,
            c.quote.index,
            c.skewScale
        );

        // WAD -> settlement-token units, against the account: PnL net of funding rounds toward -infinity and the
        // fee rounds up. The pool takes exactly what the account and the insurance fund do not.
        uint256 feeUnits = c.fee.mulDivUp(1, _toWad);
        int256 insuranceUnits = feeUnits.wMulDown(_risk.insuranceFeeShare).toInt256();
        c.accountDelta = (c.realizedPnl - c.fundingOwed).divFloor(_toWad) - feeUnits.toInt256();
        c.insuranceDelta = insuranceUnits;
        c.poolDelta = -c.accountDelta - insuranceUnits;
        (c.balanceBefore, c.otherCollateralValue, ) = vault.accountCollateral(accountId);
    }

    /// @dev The account before and after the trade, from one pass over its other positions.
    function _tradeStates(
        uint256 accountId,
        uint256 marketId,
        TradeCalc memory c
    ) private view returns (AccountState memory before, AccountState memory afterTrade) {
        QuoteCache memory none;
        Totals memory others = _sumPositions(accountId, marketId, none);
        Totals memory t = _copy(others);
        _addPosition(t, c.oldPosition.size, c.oldPosition.openNotional, c.oldPosition.lastFundingIndex, c.quote);
        before = _finalize(c.balanceBefore, c.otherCollateralValue, t);
        _addPosition(others, c.newSize, c.newOpenNotional, c.quote.index, c.quote);
        afterTrade = _finalize(c.balanceBefore + c.accountDelta, c.otherCollateralValue, others);
    }

    function _checkOpenInterest(uint256 marketId, TradeCalc memory c, uint256 maxOpenInterestToPool) private view {
        uint256 increased;
        if (c.market.long.openInterest > c.oldLongOpenInterest) increased = c.market.long.openInterest;
        else if (c.market.short.openInterest > c.oldShortOpenInterest) increased = c.market.short.openInterest;
        else return;
        if (increased > c.maxOpenInterest) {
            revert ClearinghouseOpenInterestCapExceeded(marketId, increased, c.maxOpenInterest);
        }
        // Rounds the notional up and the cap down: the cap binds strictly.
        uint256 notional = increased.wMulUp(c.quote.price);
        uint256 cap = (vault.poolBalance() * _toWad).wMulDown(maxOpenInterestToPool);
        if (notional > cap) revert ClearinghousePoolOpenInterestCapExceeded(marketId, notional, cap);
    }

    function _checkPositionCount(uint256 accountId, uint256 maxPositions) private view {
        uint256 count = Bitmap.popCount(_openMarkets[accountId]);
        if (count >= maxPositions) revert ClearinghouseTooManyPositions(accountId, count, maxPositions);
    }

    /* LIQUIDATION COMPUTATION */

    /// @dev DESIGN §10 computed in memory, so `liquidate` and `previewLiquidation` agree. The health pass reads each
    /// market's price once and the close pass reuses it. Returns early (with `before.liquidatable == false`) for a
    /// healthy account.
    function _planLiquidation(uint256 accountId) private view returns (LiquidationPlan memory plan) {
        uint256 map = _openMarkets[accountId];
        plan.legs = new Leg[](Bitmap.popCount(map));
        Totals memory t;
        uint256 fullPenalty;
        for (uint256 i; map != 0; ++i) {
            Leg memory leg = plan.legs[i];
            leg.marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            _quoteInto(leg.quote, leg.marketId);
            leg.position = _positions[accountId][leg.marketId];
            leg.fundingOwed = _addPosition(
                t,
                leg.position.size,
                leg.position.openNotional,
                leg.position.lastFundingIndex,
                leg.quote
            );
            fullPenalty += PositionLib.marginRequirement(leg.position.size, leg.quote.price, leg.quote.liquidationFee);
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
            // Rounds the closed size away from zero (closes more), never past the whole position (`_leavesDust` computed
            // it for a partial close).
            uint256 closedAbs = plan.fraction == WAD ? size.abs() : leg.closedAbs;
            leg.sizeClosed = size > 0 ? closedAbs.toInt256() : -closedAbs.toInt256();
            leg.notionalClosed = closedAbs.wMulDown(leg.quote.price);
            plan.notionalClosed += leg.notionalClosed;
            (leg.newSize, leg.newOpenNotional, leg.realizedPnl) = PositionLib.applyFill(
                size,
                leg.position.openNotional,
                -leg.sizeClosed,
                leg.quote.price
            );
            pnl += leg.realizedPnl - leg.fundingOwed;
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

    /// @dev Whether closing `plan.fraction` would leave any position under its market's minimum notional; keeps each
    /// leg's closed size (rounded up: closes more) for the close pass.
    function _leavesDust(LiquidationPlan memory plan) private view returns (bool) {
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            uint256 sizeAbs = int256(leg.position.size).abs();
            leg.closedAbs = sizeAbs.mulDivUp(plan.fraction, WAD);
            uint256 remaining = sizeAbs - leg.closedAbs;
            if (remaining.wMulDown(leg.quote.price) < _configs[leg.marketId].skew.minPositionNotional) return true;
        }
        return false;
    }

    function _checkLiquidationCap(LiquidationPlan memory plan, Leg memory leg) private view {
        LiquidationWindow memory w = _configs[leg.marketId].window;
        uint256 cap = w.cap;
        uint256 used = _windowOpen(w) ? w.used : 0;
        if (used + leg.notionalClosed > cap) {
            plan.capAllows = false;
            plan.capMarket = leg.marketId;
            plan.capUsed = used;
            plan.capNotional = leg.notionalClosed;
            plan.cap = cap;
        }
    }

    /// @dev Whether the market's current cascade-damping window is still open.
    function _windowOpen(LiquidationWindow memory w) private view returns (bool) {
        // Modulo 2^32: a window starts at most 2^32 - 1 seconds (136 years) before it is read.
        unchecked {
            return uint32(block.timestamp) - w.start < w.length;
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
        RiskConfig storage risk = _risk;
        uint256 reward = penalty.wMulDown(risk.keeperShare);
        if (reward < risk.minKeeperReward) reward = risk.minKeeperReward;
        if (reward > risk.maxKeeperReward) reward = risk.maxKeeperReward;
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
        uint256 marketId = leg.marketId;
        MarketConfig storage cfg = _configs[marketId];
        _marketStates[marketId].reducePosition(
            leg.position,
            leg.quote.index,
            leg.newSize,
            leg.newOpenNotional,
            cfg.skew.skewScale
        );

        LiquidationWindow memory w = cfg.window;
        uint256 used = w.used;
        if (!_windowOpen(w)) {
            w.start = uint32(block.timestamp);
            used = 0;
        }
        // Saturates: past the cap (accounts at or below zero equity are exempt) the window is full either way.
        used += leg.notionalClosed;
        w.used = used > type(uint96).max ? type(uint96).max : uint96(used);
        cfg.window = w;

        if (leg.newSize == 0) {
            delete _positions[accountId][marketId];
        } else {
            _positions[accountId][marketId] = Position(
                leg.newSize.toInt128(),
                int128(leg.quote.index),
                leg.newOpenNotional.toInt128()
            );
        }
        emit PositionLiquidated(accountId, marketId, leg.sizeClosed, leg.quote.price, leg.realizedPnl, leg.fundingOwed);
    }

    /* MARGIN */

    function _accountState(uint256 accountId, QuoteCache memory cache) private view returns (AccountState memory) {
        (int256 balance, uint256 otherValue, ) = vault.accountCollateral(accountId);
        return _finalize(balance, otherValue, _sumPositions(accountId, NO_MARKET, cache));
    }

    /// @dev Σ of the margin terms of the account's positions, skipping `excludedMarket`; each market's price is read
    /// once (once per batch with a `cache`) and its funding accrued to now in memory.
    function _sumPositions(
        uint256 accountId,
        uint256 excludedMarket,
        QuoteCache memory cache
    ) private view returns (Totals memory t) {
        uint256 map = _openMarkets[accountId];
        if (excludedMarket < MAX_MARKETS) map &= ~(uint256(1) << excludedMarket);
        bool cached = cache.quotes.length != 0;
        mapping(uint256 => Position) storage accountPositions = _positions[accountId];
        Quote memory q;
        while (map != 0) {
            uint256 marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            if (cached) q = _cachedQuote(cache, marketId);
            else _quoteInto(q, marketId);
            _addStoredPosition(t, accountPositions[marketId], q);
        }
    }

    function _cachedQuote(QuoteCache memory cache, uint256 marketId) private view returns (Quote memory q) {
        q = cache.quotes[marketId];
        uint256 bit = uint256(1) << marketId;
        if (cache.loaded & bit != 0) return q;
        _quoteInto(q, marketId);
        cache.loaded |= bit;
    }

    function _addStoredPosition(Totals memory t, Position storage p, Quote memory q) private view {
        _addPosition(t, p.size, p.openNotional, p.lastFundingIndex, q);
    }

    /// @dev Adds one position's margin terms to `t`; returns the funding it owes.
    function _addPosition(
        Totals memory t,
        int256 size,
        int256 openNotional,
        int256 lastIndex,
        Quote memory q
    ) private pure returns (int256 funding) {
        if (size == 0) return 0;
        int256 pnl;
        uint256 im;
        uint256 mm;
        (pnl, funding, im, mm) = PositionLib.marginTerms(size, openNotional, lastIndex, q.price, q.index, q.imf, q.mmf);
        t.unrealizedPnl += pnl;
        t.pendingFunding += funding;
        t.initialMargin += im;
        t.maintenanceMargin += mm;
    }

    /// @dev DESIGN §9 from a settlement balance and position totals.
    function _finalize(
        int256 settlementBalance,
        uint256 otherCollateralValue,
        Totals memory t
    ) private view returns (AccountState memory s) {
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

    /* PRICES AND FUNDING */

    /// @dev The market's oracle price, its funding index accrued to now (memory only) and its margin fractions.
    function _quote(uint256 marketId) private view returns (Quote memory q) {
        _quoteInto(q, marketId);
    }

    function _quoteInto(Quote memory q, uint256 marketId) private view {
        MarketConfig storage cfg = _configs[marketId];
        _fillQuote(q, cfg, _marketStates[marketId].funding, oracle.price(cfg.asset));
    }

    function _fillQuote(
        Quote memory q,
        MarketConfig storage cfg,
        MarketFunding memory funding,
        uint256 price
    ) private view {
        MarginConfig memory mc = cfg.margin;
        q.price = price;
        q.imf = mc.imf;
        q.mmf = mc.mmf;
        q.liquidationFee = mc.liquidationFee;
        q.index = funding.fundingIndexAt(mc.maxFundingRatePerDay, price);
    }

    /* HELPERS */

    function _marketParams(uint256 marketId) private view returns (MarketParams memory) {
        MarketConfig memory cfg = _configs[marketId];
        if (cfg.asset == bytes32(0)) revert ClearinghouseUnknownMarket(marketId);
        return
            MarketParams({
                asset: cfg.asset,
                imf: cfg.margin.imf,
                mmf: cfg.margin.mmf,
                liquidationFee: cfg.margin.liquidationFee,
                takerFee: cfg.trade.takerFee,
                makerFee: cfg.trade.makerFee,
                maxFundingRatePerDay: cfg.margin.maxFundingRatePerDay,
                skewScale: cfg.skew.skewScale,
                maxOpenInterest: cfg.trade.maxOpenInterest,
                minPositionNotional: cfg.skew.minPositionNotional,
                maxLiquidationNotionalPerWindow: cfg.window.cap,
                liquidationWindow: cfg.window.length
            });
    }

    /// @dev Lists market `marketId` (`listing`) or updates its parameters: one body for both, so the validation, the
    /// storage layout and the event encoding are compiled once.
    function _writeMarket(uint256 marketId, MarketParams memory params, bool listing) private {
        MarketConfig storage cfg = _configs[marketId];
        bytes32 asset = cfg.asset;
        if (!listing) {
            if (asset == bytes32(0)) revert ClearinghouseUnknownMarket(marketId);
            if (params.asset != asset) revert ClearinghouseInvalidParameter("asset", uint256(params.asset));
        }
        _validateMarketParams(params);
        if (listing) {
            // A listed market's asset is never zero: a zero asset marks an unknown market id.
            if (params.asset == bytes32(0) || !oracle.hasFeed(params.asset)) {
                revert ClearinghouseInvalidParameter("asset", uint256(params.asset));
            }
            if (marketId == MAX_MARKETS) revert ClearinghouseTooManyMarkets(marketId);
            _marketCount = marketId + 1;
            _marketStates[marketId].funding.lastTime = uint40(block.timestamp);
        } else {
            // Funding up to now accrues under the old parameters; the new skew scale sets the rate from now on.
            Market memory m = _marketStates[marketId];
            m.funding.accrue(cfg.margin.maxFundingRatePerDay, oracle.price(asset));
            m.funding.proportion = MarketLib.fundingProportion(m.skew(), params.skewScale);
            _marketStates[marketId].funding = m.funding;
        }
        _storeParams(cfg, params);
        if (listing) emit MarketAdded(marketId, params);
        else emit MarketParamsUpdated(marketId, params);
    }

    /// @dev Writes the parameters, keeping the usage of the current liquidation window.
    function _storeParams(MarketConfig storage cfg, MarketParams memory p) private {
        cfg.asset = p.asset;
        cfg.margin = MarginConfig(p.imf, p.mmf, p.maxFundingRatePerDay, p.liquidationFee);
        cfg.skew = SkewConfig(p.skewScale, p.minPositionNotional);
        // Validated to fit.
        cfg.window.cap = uint96(p.maxLiquidationNotionalPerWindow);
        cfg.window.length = p.liquidationWindow;
        cfg.trade = TradeConfig(p.takerFee, p.makerFee, p.maxOpenInterest);
    }

    function _validateMarketParams(MarketParams memory p) private pure {
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
        if (p.maxLiquidationNotionalPerWindow == 0 || p.maxLiquidationNotionalPerWindow > type(uint96).max) {
            revert ClearinghouseInvalidParameter("maxLiquidationNotionalPerWindow", p.maxLiquidationNotionalPerWindow);
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
        if (p.maxKeeperReward > type(uint96).max) {
            revert ClearinghouseInvalidParameter("maxKeeperReward", p.maxKeeperReward);
        }
        _risk = RiskConfig({
            maxPositionsPerAccount: p.maxPositionsPerAccount,
            insuranceFeeShare: p.insuranceFeeShare,
            maxOpenInterestToPool: p.maxOpenInterestToPool,
            paused: _risk.paused,
            liquidationBuffer: p.liquidationBuffer,
            keeperShare: p.keeperShare,
            // Both fit: min <= max <= type(uint96).max.
            minKeeperReward: uint96(p.minKeeperReward),
            maxKeeperReward: uint96(p.maxKeeperReward)
        });
        emit RiskParamsUpdated(p);
    }
}
