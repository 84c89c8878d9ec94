// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {ClearinghouseStorage, MarginConfig, MarketConfig} from "../types/ClearinghouseStorage.sol";
import {RiskConfig, SkewConfig, TradeConfig} from "../types/ClearinghouseStorage.sol";
import {Market, MarketFunding} from "../types/Market.sol";
import {WAD} from "./Constants.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {MarginLib} from "./MarginLib.sol";
import {MarketLib} from "./MarketLib.sol";

/// @title ConfigLogic
/// @notice Listing markets and setting parameters inside their hard bounds (DESIGN §6, §13).
/// @dev An external library linked into the Clearinghouse: it runs by DELEGATECALL in the Clearinghouse's storage, only
/// from its role-gated setters and its constructor. Admin paths are rare, so they pay the library call and leave the
/// core's bytecode to the paths that move value. Errors and events are the Clearinghouse's (`IClearinghouse`).
library ConfigLogic {
    using MarketLib for Market;
    using MarketLib for MarketFunding;

    uint256 internal constant MAX_POSITIONS_BOUND = 64;
    uint256 internal constant MAX_FEE = 0.01e18;
    uint256 internal constant MAX_FUNDING_RATE_PER_DAY = 1e18;
    uint256 internal constant MAX_OI_TO_POOL = 10e18;

    /// @notice Lists a market with the next id (see `IClearinghouse.addMarket`).
    function addMarket(
        ClearinghouseStorage storage s,
        IPriceOracle oracle,
        IClearinghouse.MarketParams calldata params
    ) external returns (uint256 marketId) {
        marketId = s.marketCount;
        _writeMarket(s, oracle, marketId, params, true);
    }

    /// @notice Updates a listed market's parameters (see `IClearinghouse.setMarketParams`).
    function setMarketParams(
        ClearinghouseStorage storage s,
        IPriceOracle oracle,
        uint256 marketId,
        IClearinghouse.MarketParams calldata params
    ) external {
        _writeMarket(s, oracle, marketId, params, false);
    }

    /// @notice Turns immediate trades on or off on a listed market (see `IClearinghouse.setImmediateTrades`).
    function setImmediateTrades(ClearinghouseStorage storage s, uint256 marketId, bool enabled) external {
        MarketConfig storage cfg = s.configs[marketId];
        if (cfg.asset == bytes32(0)) revert IClearinghouse.ClearinghouseUnknownMarket(marketId);
        cfg.trade.immediateTrades = enabled;
        emit IClearinghouse.ImmediateTradesSet(marketId, enabled);
    }

    /// @notice Sets the protocol-wide risk parameters, keeping the pause flag (see `IClearinghouse.setRiskParams`).
    /// @dev `p` is memory: the Clearinghouse's constructor passes its own argument.
    // solhint-disable-next-line gas-calldata-parameters
    function setRiskParams(ClearinghouseStorage storage s, IClearinghouse.RiskParams memory p) external {
        if (p.maxPositionsPerAccount == 0 || p.maxPositionsPerAccount > MAX_POSITIONS_BOUND) {
            revert IClearinghouse.ClearinghouseInvalidParameter("maxPositionsPerAccount", p.maxPositionsPerAccount);
        }
        if (p.insuranceFeeShare > WAD) {
            revert IClearinghouse.ClearinghouseInvalidParameter("insuranceFeeShare", p.insuranceFeeShare);
        }
        if (p.maxOpenInterestToPool == 0 || p.maxOpenInterestToPool > MAX_OI_TO_POOL) {
            revert IClearinghouse.ClearinghouseInvalidParameter("maxOpenInterestToPool", p.maxOpenInterestToPool);
        }
        if (p.liquidationBuffer > WAD) {
            revert IClearinghouse.ClearinghouseInvalidParameter("liquidationBuffer", p.liquidationBuffer);
        }
        if (p.keeperShare > WAD) revert IClearinghouse.ClearinghouseInvalidParameter("keeperShare", p.keeperShare);
        if (p.minKeeperReward > p.maxKeeperReward) {
            revert IClearinghouse.ClearinghouseInvalidParameter("minKeeperReward", p.minKeeperReward);
        }
        if (p.maxKeeperReward > type(uint96).max) {
            revert IClearinghouse.ClearinghouseInvalidParameter("maxKeeperReward", p.maxKeeperReward);
        }
        // At 1 a deleverage pays as much from the cash as it removes from the side's PnL: the ratio could not fall.
        if (p.maxPnlToPool == 0 || p.maxPnlToPool >= WAD) {
            revert IClearinghouse.ClearinghouseInvalidParameter("maxPnlToPool", p.maxPnlToPool);
        }
        s.risk = RiskConfig({
            maxPositionsPerAccount: p.maxPositionsPerAccount,
            insuranceFeeShare: p.insuranceFeeShare,
            maxOpenInterestToPool: p.maxOpenInterestToPool,
            paused: s.risk.paused,
            maxPnlToPool: p.maxPnlToPool,
            liquidationBuffer: p.liquidationBuffer,
            keeperShare: p.keeperShare,
            // Both fit: min <= max <= type(uint96).max.
            minKeeperReward: uint96(p.minKeeperReward),
            maxKeeperReward: uint96(p.maxKeeperReward)
        });
        emit IClearinghouse.RiskParamsUpdated(p);
    }

    /// @dev Lists market `marketId` (`listing`) or updates its parameters: one body for both, so the validation, the
    /// storage layout and the event encoding are compiled once.
    function _writeMarket(
        ClearinghouseStorage storage s,
        IPriceOracle oracle,
        uint256 marketId,
        IClearinghouse.MarketParams memory params,
        bool listing
    ) private {
        MarketConfig storage cfg = s.configs[marketId];
        bytes32 asset = cfg.asset;
        if (!listing) {
            if (asset == bytes32(0)) revert IClearinghouse.ClearinghouseUnknownMarket(marketId);
            if (params.asset != asset)
                revert IClearinghouse.ClearinghouseInvalidParameter("asset", uint256(params.asset));
        }
        _validateMarketParams(params);
        if (listing) {
            // A listed market's asset is never zero: a zero asset marks an unknown market id.
            if (params.asset == bytes32(0) || !oracle.hasFeed(params.asset)) {
                revert IClearinghouse.ClearinghouseInvalidParameter("asset", uint256(params.asset));
            }
            if (marketId == MarginLib.MAX_MARKETS) revert IClearinghouse.ClearinghouseTooManyMarkets(marketId);
            s.marketCount = marketId + 1;
            s.markets[marketId].funding.lastTime = uint40(block.timestamp);
        } else {
            // Funding up to now accrues under the old parameters; the new skew scale sets the rate from now on.
            Market memory m = s.markets[marketId];
            m.funding.accrue(cfg.margin.maxFundingRatePerDay, oracle.price(asset));
            m.funding.proportion = MarketLib.fundingProportion(m.skew(), params.skewScale);
            s.markets[marketId].funding = m.funding;
        }
        _storeParams(cfg, params);
        if (listing) emit IClearinghouse.MarketAdded(marketId, params);
        else emit IClearinghouse.MarketParamsUpdated(marketId, params);
    }

    /// @dev Writes the parameters, keeping the usage of the current liquidation window.
    function _storeParams(MarketConfig storage cfg, IClearinghouse.MarketParams memory p) private {
        cfg.asset = p.asset;
        cfg.margin = MarginConfig(p.imf, p.mmf, p.maxFundingRatePerDay, p.liquidationFee);
        cfg.skew = SkewConfig(p.skewScale, p.minPositionNotional);
        // Validated to fit.
        cfg.window.cap = uint96(p.maxLiquidationNotionalPerWindow);
        cfg.window.length = p.liquidationWindow;
        // Validated to fit; the immediate-trades flag is set apart (`setImmediateTrades`) and kept.
        cfg.trade = TradeConfig(p.takerFee, p.makerFee, uint120(p.maxOpenInterest), cfg.trade.immediateTrades);
    }

    function _validateMarketParams(IClearinghouse.MarketParams memory p) private pure {
        if (p.liquidationFee == 0)
            revert IClearinghouse.ClearinghouseInvalidParameter("liquidationFee", p.liquidationFee);
        if (p.mmf <= p.liquidationFee) revert IClearinghouse.ClearinghouseInvalidParameter("mmf", p.mmf);
        if (p.imf <= p.mmf || p.imf > WAD) revert IClearinghouse.ClearinghouseInvalidParameter("imf", p.imf);
        if (p.takerFee > MAX_FEE) revert IClearinghouse.ClearinghouseInvalidParameter("takerFee", p.takerFee);
        if (p.makerFee > MAX_FEE) revert IClearinghouse.ClearinghouseInvalidParameter("makerFee", p.makerFee);
        if (p.maxFundingRatePerDay > MAX_FUNDING_RATE_PER_DAY) {
            revert IClearinghouse.ClearinghouseInvalidParameter("maxFundingRatePerDay", p.maxFundingRatePerDay);
        }
        if (p.skewScale == 0) revert IClearinghouse.ClearinghouseInvalidParameter("skewScale", 0);
        if (p.maxOpenInterest == 0 || p.maxOpenInterest > type(uint120).max) {
            revert IClearinghouse.ClearinghouseInvalidParameter("maxOpenInterest", p.maxOpenInterest);
        }
        // A tradable account holds at least mmf of each position's notional; closing one pays at most |skew| /
        // skewScale <= maxOpenInterest / skewScale of premium plus the taker fee. Rounded up: the bound never
        // admits a set that could leave bad debt (DESIGN §18.17).
        if (FixedPointMath.mulDivUp(p.maxOpenInterest, WAD, p.skewScale) + p.takerFee > p.mmf) {
            revert IClearinghouse.ClearinghouseSkewPremiumExceedsMargin(
                p.maxOpenInterest,
                p.skewScale,
                p.takerFee,
                p.mmf
            );
        }
        if (p.maxLiquidationNotionalPerWindow == 0 || p.maxLiquidationNotionalPerWindow > type(uint96).max) {
            revert IClearinghouse.ClearinghouseInvalidParameter(
                "maxLiquidationNotionalPerWindow",
                p.maxLiquidationNotionalPerWindow
            );
        }
        if (p.liquidationWindow == 0) revert IClearinghouse.ClearinghouseInvalidParameter("liquidationWindow", 0);
    }
}
