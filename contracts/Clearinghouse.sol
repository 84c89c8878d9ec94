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
import {ConfigLogic} from "./libraries/ConfigLogic.sol";
import {DeleverageLogic} from "./libraries/DeleverageLogic.sol";
import {FixedPointMath} from "./libraries/FixedPointMath.sol";
import {LiquidationLogic} from "./libraries/LiquidationLogic.sol";
import {MarginLib} from "./libraries/MarginLib.sol";
import {MarketLib} from "./libraries/MarketLib.sol";
import {PositionLib} from "./libraries/PositionLib.sol";
import {Roles} from "./libraries/Roles.sol";
import {ClearinghouseStorage, Env, MarketConfig} from "./types/ClearinghouseStorage.sol";
import {RiskConfig, SkewConfig, TradeConfig} from "./types/ClearinghouseStorage.sol";
import {Quote, QuoteCache, Totals, TradeCalc} from "./types/Computations.sol";
import {Market, MarketFunding} from "./types/Market.sol";
import {Position} from "./types/Position.sol";

/// @title Clearinghouse
/// @notice The core of Keel: markets, positions, trades, funding and cross margin (DESIGN §6–§9), and the entry point
/// of liquidations (DESIGN §10) and auto-deleveraging (§11.1), whose computations run in the linked libraries
/// `LiquidationLogic` and `DeleverageLogic` in this contract's context. Read-only formatting views live in the periphery `ClearinghouseLens` (DESIGN §2).
/// @dev Storage is one `ClearinghouseStorage`, packed by the path that reads it: a valuation of one position reads five
/// slots here (the market's asset, its margin fractions, its funding state, the position's two slots) and one price;
/// see docs/GAS.md.
contract Clearinghouse is IClearinghouse, AccessControl, ReentrancyGuardTransient {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using MarketLib for Market;
    using MarketLib for MarketFunding;
    using SafeCast for int256;
    using SafeCast for uint256;

    IVault public immutable vault;
    IPriceOracle public immutable oracle;
    /// @dev 10 ** (18 - settlement decimals): settlement-token units to WAD.
    uint256 private immutable _toWad;
    address private immutable _settlementToken;

    ClearinghouseStorage private _s;

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
        ConfigLogic.setRiskParams(_s, risk);
    }

    /* TRADING */

    /// @inheritdoc IClearinghouse
    function trade(
        uint96 subaccount,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice
    ) external nonReentrant returns (uint256 fillPrice) {
        return _trade(AccountId.from(msg.sender, subaccount), marketId, sizeDelta, acceptablePrice, 0);
    }

    /// @inheritdoc IClearinghouse
    function tradeFor(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice
    ) external nonReentrant returns (uint256 fillPrice) {
        if (msg.sender != AccountId.ownerOf(accountId) && !_s.operators[accountId][msg.sender]) {
            revert ClearinghouseUnauthorizedTrader(accountId, msg.sender);
        }
        return _trade(accountId, marketId, sizeDelta, acceptablePrice, 0);
    }

    /// @inheritdoc IClearinghouse
    function tradeAt(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 priceWad
    ) external nonReentrant onlyRole(Roles.ORDER) returns (uint256 fillPrice) {
        if (priceWad == 0) revert ClearinghouseInvalidParameter("priceWad", 0);
        return _trade(accountId, marketId, sizeDelta, acceptablePrice, priceWad);
    }

    /// @inheritdoc IClearinghouse
    function previewTradeAt(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 priceWad
    ) external view returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade) {
        TradeCalc memory c = _calcTrade(accountId, marketId, sizeDelta, priceWad);
        (, afterTrade) = _checkTrade(accountId, marketId, sizeDelta, acceptablePrice, c);
        return (c.fillPrice, c.fee, afterTrade);
    }

    /// @inheritdoc IClearinghouse
    function transferMargin(
        uint256 fromAccountId,
        uint256 toAccountId,
        uint256 amount
    ) external nonReentrant onlyRole(Roles.ORDER) {
        vault.transferBetween(fromAccountId, toAccountId, amount);
        // The account must stay healthy (not liquidatable); an account without positions needs no price.
        if (_s.openMarkets[fromAccountId] != 0) {
            AccountState memory state = accountState(fromAccountId);
            if (state.liquidatable) {
                revert ClearinghouseAccountLiquidatable(fromAccountId, state.equity, state.maintenanceMargin);
            }
        }
        emit MarginTransferred(fromAccountId, toAccountId, amount);
    }

    /* OPERATORS */

    /// @inheritdoc IClearinghouse
    function setOperator(uint96 subaccount, address operator, bool approved) external {
        if (operator == address(0)) revert ClearinghouseZeroOperator();
        uint256 accountId = AccountId.from(msg.sender, subaccount);
        _s.operators[accountId][operator] = approved;
        emit OperatorSet(accountId, operator, approved);
    }

    /// @inheritdoc IClearinghouse
    function isOperator(uint256 accountId, address operator) external view returns (bool) {
        return _s.operators[accountId][operator];
    }

    /// @dev Load, compute, check, store (DESIGN §7). `priceWad == 0`: an immediate trade at the latest answer, only on
    /// markets whose immediate trades are on; otherwise an order's settlement at that price (DESIGN §21).
    function _trade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 priceWad
    ) private returns (uint256 fillPrice) {
        TradeCalc memory c = _calcTrade(accountId, marketId, sizeDelta, priceWad);
        if (priceWad == 0 && !c.immediateTrades) revert ClearinghouseImmediateTradesDisabled(marketId);
        _checkTrade(accountId, marketId, sizeDelta, acceptablePrice, c);
        fillPrice = c.fillPrice;

        _s.markets[marketId] = c.market;
        if (c.newSize == 0) {
            delete _s.positions[accountId][marketId];
            _s.openMarkets[accountId] &= ~(uint256(1) << marketId);
        } else {
            _s.positions[accountId][marketId] = Position(
                c.newSize.toInt128(),
                c.market.funding.index,
                c.newOpenNotional.toInt128()
            );
            if (c.oldPosition.size == 0) _s.openMarkets[accountId] |= uint256(1) << marketId;
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

    /// @dev The checks of DESIGN §7 step 5, without writing anything, so `tradeAt` and `previewTradeAt` agree.
    function _checkTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        TradeCalc memory c
    ) private view returns (AccountState memory before, AccountState memory afterTrade) {
        uint256 fillPrice = c.fillPrice;
        if (sizeDelta > 0 ? fillPrice > acceptablePrice : fillPrice < acceptablePrice) {
            revert ClearinghouseSlippageExceeded(sizeDelta, fillPrice, acceptablePrice);
        }

        int256 oldSize = c.oldPosition.size;
        bool reduceOnly = c.newSize.abs() < oldSize.abs() && (c.newSize == 0 || (c.newSize > 0) == (oldSize > 0));
        if (!reduceOnly) {
            RiskConfig storage risk = _s.risk;
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

        (before, afterTrade) = _tradeStates(accountId, marketId, c);
        if (before.liquidatable) {
            revert ClearinghouseAccountLiquidatable(accountId, before.equity, before.maintenanceMargin);
        }
        if (!reduceOnly) {
            if (afterTrade.equity < afterTrade.initialMargin.toInt256()) {
                revert ClearinghouseInsufficientMargin(accountId, afterTrade.equity, afterTrade.initialMargin);
            }
        } else if (afterTrade.equity < 0) {
            // Reducing risk must not create bad debt: a close costing more than the equity is left to liquidation.
            revert ClearinghouseReduceOnlyBadDebt(accountId, afterTrade.equity);
        }
    }

    /* LIQUIDATION */

    /// @inheritdoc IClearinghouse
    function liquidate(uint256 accountId) external nonReentrant returns (uint256 keeperReward) {
        return LiquidationLogic.liquidate(_s, _env(), accountId, msg.sender);
    }

    /// @inheritdoc IClearinghouse
    function previewLiquidation(uint256 accountId) external view returns (LiquidationPreview memory) {
        return LiquidationLogic.preview(_s, _env(), accountId);
    }

    /* AUTO-DELEVERAGING */

    /// @inheritdoc IClearinghouse
    function deleverage(uint256 accountId, uint256 marketId) external nonReentrant returns (int256 sizeClosed) {
        return DeleverageLogic.deleverage(_s, _env(), accountId, marketId, msg.sender);
    }

    /// @inheritdoc IClearinghouse
    function deleverageNeed(uint256 marketId) external view returns (int256 longPnl, int256 shortPnl, uint256 cap) {
        return DeleverageLogic.need(_s, _env(), marketId);
    }

    /// @inheritdoc IClearinghouse
    function previewDeleverage(uint256 accountId, uint256 marketId) external view returns (DeleveragePreview memory) {
        return DeleverageLogic.preview(_s, _env(), accountId, marketId);
    }

    /* MARGIN VIEWS */

    /// @inheritdoc IClearinghouse
    function isLiquidatable(uint256 accountId) external view returns (bool) {
        return accountState(accountId).liquidatable;
    }

    /// @inheritdoc IClearinghouse
    /// @dev Each market's price is read once for the whole batch.
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory result) {
        result = new bool[](accountIds.length);
        QuoteCache memory cache;
        if (accountIds.length > 1) cache.quotes = new Quote[](_s.marketCount);
        Env memory env = _env();
        for (uint256 i; i < accountIds.length; ++i) {
            result[i] = MarginLib.accountState(_s, env, accountIds[i], cache).liquidatable;
        }
    }

    /// @inheritdoc IClearinghouse
    function accountState(uint256 accountId) public view returns (AccountState memory) {
        QuoteCache memory none;
        return MarginLib.accountState(_s, _env(), accountId, none);
    }

    /// @inheritdoc IClearinghouse
    function previewTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fillPrice, uint256 fee, AccountState memory afterTrade) {
        TradeCalc memory c = _calcTrade(accountId, marketId, sizeDelta, 0);
        (, afterTrade) = _tradeStates(accountId, marketId, c);
        return (c.fillPrice, c.fee, afterTrade);
    }

    /// @inheritdoc IClearinghouse
    function checkWithdrawal(uint256 accountId) external view {
        // No positions and no debt: nothing can fall short, so no price is needed (DESIGN §15.7, liveness).
        if (_s.openMarkets[accountId] == 0 && vault.balanceOf(accountId, _settlementToken) >= 0) return;
        AccountState memory state = accountState(accountId);
        if (state.equity < state.initialMargin.toInt256()) {
            revert ClearinghouseInsufficientMargin(accountId, state.equity, state.initialMargin);
        }
    }

    /// @inheritdoc IClearinghouse
    /// @dev Computed in the linked `DeleverageLogic`, with the pool's other views (bytecode room for the core).
    function poolExposure() external view returns (int256 unrealizedValue, uint256 traderClaims) {
        return DeleverageLogic.poolExposure(_s, _env());
    }

    /* STATE VIEWS */

    /// @inheritdoc IClearinghouse
    function positionCount(uint256 accountId) external view returns (uint256) {
        return Bitmap.popCount(_s.openMarkets[accountId]);
    }

    /// @inheritdoc IClearinghouse
    function marketCount() external view returns (uint256) {
        return _s.marketCount;
    }

    /// @inheritdoc IClearinghouse
    function paused() external view returns (bool) {
        return _s.risk.paused;
    }

    /// @inheritdoc IClearinghouse
    function openMarkets(uint256 accountId) external view returns (uint256) {
        return _s.openMarkets[accountId];
    }

    /// @inheritdoc IClearinghouse
    function position(uint256 accountId, uint256 marketId) external view returns (Position memory) {
        return _s.positions[accountId][marketId];
    }

    /// @inheritdoc IClearinghouse
    function marketConfig(uint256 marketId) external view returns (MarketConfig memory) {
        return _s.configs[marketId];
    }

    /// @inheritdoc IClearinghouse
    function marketData(uint256 marketId) external view returns (Market memory) {
        return _s.markets[marketId];
    }

    /// @inheritdoc IClearinghouse
    function riskConfig() external view returns (RiskConfig memory) {
        return _s.risk;
    }

    /* ADMINISTRATION */

    /// @inheritdoc IClearinghouse
    function addMarket(MarketParams calldata params) external onlyRole(Roles.RISK_ADMIN) returns (uint256 marketId) {
        return ConfigLogic.addMarket(_s, oracle, params);
    }

    /// @inheritdoc IClearinghouse
    function setMarketParams(uint256 marketId, MarketParams calldata params) external onlyRole(Roles.RISK_ADMIN) {
        ConfigLogic.setMarketParams(_s, oracle, marketId, params);
    }

    /// @inheritdoc IClearinghouse
    function setRiskParams(RiskParams calldata params) external onlyRole(Roles.RISK_ADMIN) {
        ConfigLogic.setRiskParams(_s, params);
    }

    /// @inheritdoc IClearinghouse
    function setImmediateTrades(uint256 marketId, bool enabled) external onlyRole(Roles.RISK_ADMIN) {
        ConfigLogic.setImmediateTrades(_s, marketId, enabled);
    }

    /// @inheritdoc IClearinghouse
    function pause() external onlyRole(Roles.GUARDIAN) {
        if (_s.risk.paused) revert EnforcedPause();
        _s.risk.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IClearinghouse
    function unpause() external onlyRole(Roles.GUARDIAN) {
        if (!_s.risk.paused) revert ExpectedPause();
        _s.risk.paused = false;
        emit Unpaused(msg.sender);
    }

    /* TRADE COMPUTATION */

    /// @dev Load and compute (DESIGN §7 steps 1–4) without writing anything, so `trade` and `previewTrade` agree.
    /// `priceWad == 0`: the oracle's latest answer; otherwise an order's settlement price (DESIGN §21).
    function _calcTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 priceWad
    ) private view returns (TradeCalc memory c) {
        if (sizeDelta == 0) revert ClearinghouseZeroSizeDelta();
        MarketConfig storage cfg = _s.configs[marketId];
        if (cfg.asset == bytes32(0)) revert ClearinghouseUnknownMarket(marketId);
        TradeConfig memory tc = cfg.trade;
        c.maxOpenInterest = tc.maxOpenInterest;
        c.immediateTrades = tc.immediateTrades;
        // A flip can at most take a side from -cap to +cap; larger deltas can never pass and could overflow.
        if (sizeDelta.abs() > 2 * c.maxOpenInterest) {
            revert ClearinghouseOpenInterestCapExceeded(marketId, sizeDelta.abs(), c.maxOpenInterest);
        }
        c.market = _s.markets[marketId];
        c.oldLongOpenInterest = c.market.long.openInterest;
        c.oldShortOpenInterest = c.market.short.openInterest;
        MarginLib.fillQuote(c.quote, cfg.margin, c.market.funding, priceWad == 0 ? oracle.price(cfg.asset) : priceWad);
        c.market.funding.index = c.quote.index.toInt128();
        c.market.funding.lastTime = uint40(block.timestamp);
        SkewConfig memory sc = cfg.skew;
        c.skewScale = sc.skewScale;
        c.minPositionNotional = sc.minPositionNotional;

        c.oldPosition = _s.positions[accountId][marketId];
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
        int256 insuranceUnits = feeUnits.wMulDown(_s.risk.insuranceFeeShare).toInt256();
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
        Totals memory others = MarginLib.sumPositions(_s, _env(), accountId, marketId, none);
        Totals memory t = MarginLib.copy(others);
        Position memory old = c.oldPosition;
        MarginLib.addPosition(t, old.size, old.openNotional, old.lastFundingIndex, c.quote);
        before = MarginLib.finalize(c.balanceBefore, c.otherCollateralValue, t, _toWad);
        MarginLib.addPosition(others, c.newSize, c.newOpenNotional, c.quote.index, c.quote);
        afterTrade = MarginLib.finalize(c.balanceBefore + c.accountDelta, c.otherCollateralValue, others, _toWad);
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
        uint256 count = Bitmap.popCount(_s.openMarkets[accountId]);
        if (count >= maxPositions) revert ClearinghouseTooManyPositions(accountId, count, maxPositions);
    }

    /* CONTEXT */

    /// @dev The immutables, for the code that runs in this contract's context (libraries cannot read them).
    function _env() private view returns (Env memory) {
        return Env(vault, oracle, _toWad);
    }
}
