// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {ClearinghouseStorage, Env, MarginConfig, MarketConfig} from "../types/ClearinghouseStorage.sol";
import {Quote, QuoteCache, Totals} from "../types/Computations.sol";
import {MarketFunding} from "../types/Market.sol";
import {Position} from "../types/Position.sol";
import {Bitmap} from "./Bitmap.sol";
import {MarketLib} from "./MarketLib.sol";
import {PositionLib} from "./PositionLib.sol";

/// @title MarginLib
/// @notice Cross margin (DESIGN §9) over the Clearinghouse's storage: quotes (price and funding accrued to now), the
/// per-position margin terms summed over an account, and the account state they give. Shared by the trade path in the
/// core and the liquidation path in `LiquidationLogic`, so both judge an account by one code.
library MarginLib {
    using MarketLib for MarketFunding;
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @dev Market id meaning "no market" in `sumPositions`.
    uint256 internal constant NO_MARKET = type(uint256).max;
    /// @dev Market ids are bit positions of one word.
    uint256 internal constant MAX_MARKETS = 256;

    /// @notice The account's state at current prices and funding (DESIGN §9).
    function accountState(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        QuoteCache memory cache
    ) internal view returns (IClearinghouse.AccountState memory) {
        (int256 balance, uint256 otherValue, ) = env.vault.accountCollateral(accountId);
        return finalize(balance, otherValue, sumPositions(s, env, accountId, NO_MARKET, cache), env.toWad);
    }

    /// @notice Σ of the margin terms of the account's positions, skipping `excludedMarket`; each market's price is read
    /// once (once per batch with a `cache`) and its funding accrued to now in memory.
    function sumPositions(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        uint256 excludedMarket,
        QuoteCache memory cache
    ) internal view returns (Totals memory t) {
        uint256 map = s.openMarkets[accountId];
        if (excludedMarket < MAX_MARKETS) map &= ~(uint256(1) << excludedMarket);
        bool cached = cache.quotes.length != 0;
        mapping(uint256 => Position) storage accountPositions = s.positions[accountId];
        Quote memory q;
        while (map != 0) {
            uint256 marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            if (cached) q = _cachedQuote(s, env, cache, marketId);
            else quoteInto(q, s, env, marketId);
            Position storage p = accountPositions[marketId];
            addPosition(t, p.size, p.openNotional, p.lastFundingIndex, q);
        }
    }

    /// @notice Adds one position's margin terms to `t`; returns the funding it owes.
    function addPosition(
        Totals memory t,
        int256 size,
        int256 openNotional,
        int256 lastIndex,
        Quote memory q
    ) internal pure returns (int256 funding) {
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

    /// @notice DESIGN §9 from a settlement balance (settlement-token units), other collateral (WAD) and position
    /// totals.
    function finalize(
        int256 settlementBalance,
        uint256 otherCollateralValue,
        Totals memory t,
        uint256 toWad
    ) internal pure returns (IClearinghouse.AccountState memory s) {
        s.collateralValue = settlementBalance * int256(toWad) + otherCollateralValue.toInt256();
        s.unrealizedPnl = t.unrealizedPnl;
        s.pendingFunding = t.pendingFunding;
        s.equity = s.collateralValue + t.unrealizedPnl - t.pendingFunding;
        s.initialMargin = t.initialMargin;
        s.maintenanceMargin = t.maintenanceMargin;
        s.freeCollateral = s.equity - t.initialMargin.toInt256();
        // Equality is healthy.
        s.liquidatable = s.equity < t.maintenanceMargin.toInt256();
    }

    function copy(Totals memory t) internal pure returns (Totals memory) {
        return Totals(t.unrealizedPnl, t.pendingFunding, t.initialMargin, t.maintenanceMargin);
    }

    /// @notice The market's oracle price, its funding index accrued to now (memory only) and its margin fractions.
    function quote(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 marketId
    ) internal view returns (Quote memory q) {
        quoteInto(q, s, env, marketId);
    }

    function quoteInto(Quote memory q, ClearinghouseStorage storage s, Env memory env, uint256 marketId) internal view {
        MarketConfig storage cfg = s.configs[marketId];
        fillQuote(q, cfg.margin, s.markets[marketId].funding, env.oracle.price(cfg.asset));
    }

    /// @notice Fills `q` from a market's margin parameters, its funding state and its oracle price.
    function fillQuote(
        Quote memory q,
        MarginConfig memory mc,
        MarketFunding memory funding,
        uint256 price
    ) internal view {
        q.price = price;
        q.imf = mc.imf;
        q.mmf = mc.mmf;
        q.liquidationFee = mc.liquidationFee;
        q.index = funding.fundingIndexAt(mc.maxFundingRatePerDay, price);
    }

    function _cachedQuote(
        ClearinghouseStorage storage s,
        Env memory env,
        QuoteCache memory cache,
        uint256 marketId
    ) private view returns (Quote memory q) {
        q = cache.quotes[marketId];
        uint256 bit = uint256(1) << marketId;
        if (cache.loaded & bit != 0) return q;
        quoteInto(q, s, env, marketId);
        cache.loaded |= bit;
    }
}
