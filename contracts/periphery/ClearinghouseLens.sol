// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {IClearinghouseLens} from "../interfaces/IClearinghouseLens.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IVault} from "../interfaces/IVault.sol";
import {AccountId} from "../libraries/AccountId.sol";
import {Bitmap} from "../libraries/Bitmap.sol";
import {WAD} from "../libraries/Constants.sol";
import {FixedPointMath} from "../libraries/FixedPointMath.sol";
import {MarginLib} from "../libraries/MarginLib.sol";
import {MarketLib} from "../libraries/MarketLib.sol";
import {PositionLib} from "../libraries/PositionLib.sol";
import {MarketConfig, RiskConfig} from "../types/ClearinghouseStorage.sol";
import {Quote, Totals} from "../types/Computations.sol";
import {Market, MarketFunding, MarketState} from "../types/Market.sol";
import {Position} from "../types/Position.sol";

/// @title ClearinghouseLens
/// @notice Read-only periphery over one Clearinghouse (see `IClearinghouseLens`).
contract ClearinghouseLens is IClearinghouseLens {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using MarketLib for Market;
    using MarketLib for MarketFunding;
    using SafeCast for uint256;

    /// @inheritdoc IClearinghouseLens
    IClearinghouse public immutable clearinghouse;
    IPriceOracle private immutable _oracle;
    IVault private immutable _vault;
    /// @dev 10 ** (18 - settlement decimals), as the core's.
    uint256 private immutable _toWad;

    constructor(IClearinghouse clearinghouse_) {
        clearinghouse = clearinghouse_;
        _oracle = clearinghouse_.oracle();
        _vault = clearinghouse_.vault();
        _toWad = 10 ** (18 - _vault.settlementDecimals());
    }

    /* COMPUTED HERE */

    /// @inheritdoc IClearinghouseLens
    function positions(uint256 accountId) external view returns (PositionView[] memory views) {
        uint256 map = clearinghouse.openMarkets(accountId);
        views = new PositionView[](Bitmap.popCount(map));
        for (uint256 i; map != 0; ++i) {
            uint256 marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            (uint256 price, int256 index) = _priceAndIndex(marketId, clearinghouse.marketConfig(marketId));
            Position memory p = clearinghouse.position(accountId, marketId);
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

    /// @inheritdoc IClearinghouseLens
    /// @dev The core's `accountState` term by term: the Vault's collateral, then `MarginLib.addPosition` per open
    /// position with a quote filled by `MarginLib.fillQuote` (once per market: bit `i` of `quoted`), then
    /// `MarginLib.finalize`.
    function accountStates(
        uint256[] calldata accountIds
    ) external view returns (IClearinghouse.AccountState[] memory states) {
        states = new IClearinghouse.AccountState[](accountIds.length);
        Quote[] memory quotes = new Quote[](clearinghouse.marketCount());
        uint256 quoted;
        for (uint256 i; i < accountIds.length; ++i) {
            uint256 accountId = accountIds[i];
            (int256 balance, uint256 otherValue, ) = _vault.accountCollateral(accountId);
            Totals memory t;
            for (uint256 map = clearinghouse.openMarkets(accountId); map != 0; map &= map - 1) {
                uint256 marketId = Bitmap.lowestBit(map);
                if (quoted & (uint256(1) << marketId) == 0) {
                    MarketConfig memory cfg = clearinghouse.marketConfig(marketId);
                    MarginLib.fillQuote(
                        quotes[marketId],
                        cfg.margin,
                        clearinghouse.marketData(marketId).funding,
                        _oracle.price(cfg.asset)
                    );
                    quoted |= uint256(1) << marketId;
                }
                Position memory p = clearinghouse.position(accountId, marketId);
                MarginLib.addPosition(t, p.size, p.openNotional, p.lastFundingIndex, quotes[marketId]);
            }
            states[i] = MarginLib.finalize(balance, otherValue, t, _toWad);
        }
    }

    /// @inheritdoc IClearinghouseLens
    function market(uint256 marketId) external view returns (MarketView memory view_) {
        MarketConfig memory cfg = _config(marketId);
        Market memory m = clearinghouse.marketData(marketId);
        (uint256 price, int256 index) = _priceAndIndex(marketId, cfg);
        int256 skew = m.skew();
        uint256 proportion = skew.abs().mulDivDown(WAD, cfg.skew.skewScale);
        if (proportion > WAD) proportion = WAD;
        int256 ratePerDay = proportion.wMulDown(cfg.margin.maxFundingRatePerDay).toInt256();
        view_ = MarketView({
            params: _params(cfg),
            oraclePrice: price,
            skew: skew,
            longOpenInterest: m.long.openInterest,
            shortOpenInterest: m.short.openInterest,
            fundingIndex: index,
            fundingRatePerDay: skew < 0 ? -ratePerDay : ratePerDay
        });
    }

    /// @inheritdoc IClearinghouseLens
    function marketParams(uint256 marketId) external view returns (IClearinghouse.MarketParams memory) {
        return _params(_config(marketId));
    }

    /// @inheritdoc IClearinghouseLens
    function marketState(uint256 marketId) external view returns (MarketState memory) {
        MarketConfig memory cfg = _config(marketId);
        Market memory m = clearinghouse.marketData(marketId);
        return
            MarketState({
                longOpenInterest: m.long.openInterest,
                shortOpenInterest: m.short.openInterest,
                fundingIndex: m.funding.index,
                lastFundingTime: m.funding.lastTime,
                liquidationWindowStart: cfg.window.start,
                longOpenNotional: m.long.openNotional,
                shortOpenNotional: m.short.openNotional,
                sizeTimesLastIndexSum: m.sizeTimesLastIndexSum(),
                liquidatedInWindow: cfg.window.used
            });
    }

    /// @inheritdoc IClearinghouseLens
    function riskParams() external view returns (IClearinghouse.RiskParams memory) {
        RiskConfig memory r = clearinghouse.riskConfig();
        return
            IClearinghouse.RiskParams({
                maxPositionsPerAccount: r.maxPositionsPerAccount,
                insuranceFeeShare: r.insuranceFeeShare,
                maxOpenInterestToPool: r.maxOpenInterestToPool,
                liquidationBuffer: r.liquidationBuffer,
                keeperShare: r.keeperShare,
                minKeeperReward: r.minKeeperReward,
                maxKeeperReward: r.maxKeeperReward,
                maxPnlToPool: r.maxPnlToPool
            });
    }

    /// @inheritdoc IClearinghouseLens
    function accountIdOf(address owner, uint96 subaccount) external pure returns (uint256) {
        return AccountId.from(owner, subaccount);
    }

    /// @inheritdoc IClearinghouseLens
    function ownerOf(uint256 accountId) external pure returns (address) {
        return AccountId.ownerOf(accountId);
    }

    /* FORWARDED TO THE CLEARINGHOUSE */

    /// @inheritdoc IClearinghouseLens
    function accountState(uint256 accountId) external view returns (IClearinghouse.AccountState memory) {
        return clearinghouse.accountState(accountId);
    }

    /// @inheritdoc IClearinghouseLens
    function isLiquidatable(uint256 accountId) external view returns (bool) {
        return clearinghouse.isLiquidatable(accountId);
    }

    /// @inheritdoc IClearinghouseLens
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory) {
        return clearinghouse.liquidatable(accountIds);
    }

    /// @inheritdoc IClearinghouseLens
    function previewTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fillPrice, uint256 fee, IClearinghouse.AccountState memory afterTrade) {
        return clearinghouse.previewTrade(accountId, marketId, sizeDelta);
    }

    /// @inheritdoc IClearinghouseLens
    function previewLiquidation(uint256 accountId) external view returns (IClearinghouse.LiquidationPreview memory) {
        return clearinghouse.previewLiquidation(accountId);
    }

    /// @inheritdoc IClearinghouseLens
    function positionCount(uint256 accountId) external view returns (uint256) {
        return clearinghouse.positionCount(accountId);
    }

    /// @inheritdoc IClearinghouseLens
    function marketCount() external view returns (uint256) {
        return clearinghouse.marketCount();
    }

    /* INTERNAL */

    function _config(uint256 marketId) private view returns (MarketConfig memory cfg) {
        cfg = clearinghouse.marketConfig(marketId);
        if (cfg.asset == bytes32(0)) revert ClearinghouseUnknownMarket(marketId);
    }

    /// @dev The market's oracle price and its funding index accrued to now, as the core's quotes compute them.
    function _priceAndIndex(
        uint256 marketId,
        MarketConfig memory cfg
    ) private view returns (uint256 price, int256 index) {
        price = _oracle.price(cfg.asset);
        index = clearinghouse.marketData(marketId).funding.fundingIndexAt(cfg.margin.maxFundingRatePerDay, price);
    }

    function _params(MarketConfig memory cfg) private pure returns (IClearinghouse.MarketParams memory) {
        return
            IClearinghouse.MarketParams({
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
}
