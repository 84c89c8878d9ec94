// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {ClearinghouseStorage, Env} from "../types/ClearinghouseStorage.sol";
import {Quote, Totals} from "../types/Computations.sol";
import {Market, MarketSide} from "../types/Market.sol";
import {Position} from "../types/Position.sol";
import {Bitmap} from "./Bitmap.sol";
import {WAD} from "./Constants.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {MarginLib} from "./MarginLib.sol";
import {MarketLib} from "./MarketLib.sol";
import {PositionLib} from "./PositionLib.sol";

/// @notice Everything a deleverage computes before anything is written (the public part is the preview).
struct DeleveragePlan {
    IClearinghouse.DeleveragePreview p;
    Quote quote;
    Position position;
    IClearinghouse.AccountState state;
    int256 newSize;
    int256 newOpenNotional;
    int256 fundingOwed;
    uint256 poolBalance;
}

/// @title DeleverageLogic
/// @notice DESIGN §11.1, auto-deleveraging: when one market side's net unrealized PnL exceeds `maxPnlToPool` of the
/// pool's cash, any keeper may close part of a top-ranked winner at the oracle price, just enough to bring the side
/// back under its cap. The rank is a rule checked in O(1) from the position, its account and the side's aggregates.
/// @dev An external library linked into the Clearinghouse, like `LiquidationLogic`: it runs by DELEGATECALL in the
/// Clearinghouse's storage and address. `previewDeleverage` runs the same `_plan`, so the view and the action agree.
/// Roundings: the need favours the holders (side PnL down, cap up: a side is never found over its cap on a rounding);
/// the rank makes its liveness exact (the position's PnL rounds up and the threshold down, each by less than one
/// wei, so the best position of an over-cap side always passes, see `_plan`); the size closed rounds up (one call
/// restores the cap, for the LPs), by at most one wei of size.
library DeleverageLogic {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @dev PnL (WAD) realized on top of the exact excess, to cover the few wei by which the closed part's realized
    /// PnL (proceeds down, cost basis up) can fall short of its share of the side's PnL.
    uint256 internal constant ROUNDING_SLACK = 4;

    /// @notice Deleverages `accountId` on `marketId` for `keeper` (see `IClearinghouse.deleverage`).
    // solhint-disable-next-line gas-calldata-parameters
    function deleverage(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        uint256 marketId,
        address keeper
    ) external returns (int256 sizeClosed) {
        DeleveragePlan memory plan = _plan(s, env, accountId, marketId);
        IClearinghouse.DeleveragePreview memory p = plan.p;
        if (plan.position.size == 0) revert IClearinghouse.ClearinghouseDeleverageIneligible(accountId, marketId, 0, 0);
        if (!p.needed) revert IClearinghouse.ClearinghouseDeleverageNotNeeded(marketId, p.sidePnl, p.cap);
        if (plan.state.liquidatable) {
            revert IClearinghouse.ClearinghouseAccountLiquidatable(
                accountId,
                plan.state.equity,
                plan.state.maintenanceMargin
            );
        }
        if (!p.eligible) {
            revert IClearinghouse.ClearinghouseDeleverageIneligible(accountId, marketId, p.score, p.threshold);
        }
        if (p.accountDelta > 0 && plan.poolBalance < uint256(p.accountDelta)) {
            revert IClearinghouse.ClearinghouseInsufficientPoolLiquidity(uint256(p.accountDelta), plan.poolBalance);
        }

        MarketLib.reducePosition(
            s.markets[marketId],
            plan.position,
            plan.quote.index,
            plan.newSize,
            plan.newOpenNotional,
            s.configs[marketId].skew.skewScale
        );
        if (plan.newSize == 0) {
            delete s.positions[accountId][marketId];
            s.openMarkets[accountId] &= ~(uint256(1) << marketId);
        } else {
            s.positions[accountId][marketId] = Position(
                plan.newSize.toInt128(),
                plan.quote.index.toInt128(),
                plan.newOpenNotional.toInt128()
            );
        }
        env.vault.transferSettlement(accountId, p.accountDelta, -p.accountDelta, 0);
        sizeClosed = p.sizeClosed;
        emit IClearinghouse.Deleveraged(
            accountId,
            marketId,
            keeper,
            sizeClosed,
            p.price,
            p.realizedPnl,
            plan.fundingOwed,
            p.sidePnl,
            p.cap
        );
    }

    /// @notice What `deleverage(accountId, marketId)` would do now (see `IClearinghouse.previewDeleverage`).
    // solhint-disable-next-line gas-calldata-parameters
    function preview(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        uint256 marketId
    ) external view returns (IClearinghouse.DeleveragePreview memory) {
        return _plan(s, env, accountId, marketId).p;
    }

    /// @notice The positions' value to the pool and what their winners could claim (see
    /// `IClearinghouse.poolExposure`): the pool's side of every market, the same values the deleverage need reads.
    // solhint-disable-next-line gas-calldata-parameters
    function poolExposure(
        ClearinghouseStorage storage s,
        Env memory env
    ) external view returns (int256 unrealizedValue, uint256 traderClaims) {
        uint256 count = s.marketCount;
        for (uint256 marketId; marketId < count; ++marketId) {
            Market memory m = s.markets[marketId];
            // A market nobody holds needs no price: with no position every aggregate is exactly zero (funding is
            // settled when a position closes).
            if (m.long.openInterest == 0 && m.short.openInterest == 0) continue;
            Quote memory q = MarginLib.quote(s, env, marketId);
            (int256 value, uint256 claims) = MarketLib.poolValue(
                m,
                q.index,
                q.price,
                s.configs[marketId].skew.skewScale
            );
            unrealizedValue += value;
            traderClaims += claims;
        }
    }

    /// @notice Each side's net unrealized PnL and the cap (see `IClearinghouse.deleverageNeed`).
    // solhint-disable-next-line gas-calldata-parameters
    function need(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 marketId
    ) external view returns (int256 longPnl, int256 shortPnl, uint256 cap) {
        uint256 price = _quote(s, env, marketId).price;
        longPnl = _sidePnl(s.markets[marketId].long, price, true);
        shortPnl = _sidePnl(s.markets[marketId].short, price, false);
        cap = _cap(s, env.vault.poolBalance() * env.toWad);
    }

    /// @dev The deleverage computed in memory. Returns early (not needed, not eligible) without reverting, so the
    /// preview can report why.
    function _plan(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        uint256 marketId
    ) private view returns (DeleveragePlan memory plan) {
        IClearinghouse.DeleveragePreview memory p = plan.p;
        plan.quote = _quote(s, env, marketId);
        p.price = plan.quote.price;
        plan.position = s.positions[accountId][marketId];
        int256 size = plan.position.size;
        if (size == 0) return plan;

        MarketSide memory side = size > 0 ? s.markets[marketId].long : s.markets[marketId].short;
        p.sidePnl = _sidePnl(side, p.price, size > 0);
        plan.poolBalance = env.vault.poolBalance();
        uint256 cash = plan.poolBalance * env.toWad;
        p.cap = _cap(s, cash);
        p.needed = p.sidePnl > p.cap.toInt256();
        if (!p.needed) return plan;

        uint256 gross;
        (plan.state, gross) = _account(s, env, accountId, marketId, plan.quote);
        if (plan.state.liquidatable) return plan;
        // The rank's roundings make its liveness exact: with each position's `size × price` rounded up, Σ pnl over the
        // side is at least `sidePnl` (whose `OI × price` rounds down), so some position's PnL per unit of open
        // notional is at least the side's average; rounded down, so is its score (leverage >= 1x) against the
        // threshold rounded down. sidePnl > cap >= 0 and the side holds this position: its open notional is not zero.
        int256 pnl = int256(size).wMulCeil(p.price.toInt256()) - plan.position.openNotional;
        p.threshold = uint256(p.sidePnl).mulDivDown(WAD, int256(side.openNotional).abs());
        p.score = _score(pnl, plan.position.openNotional, gross, plan.state.equity);
        p.eligible = pnl > 0 && p.score >= p.threshold;
        if (!p.eligible) return plan;

        _close(s, plan, marketId, pnl, cash, env.toWad);
    }

    /// @dev The size that realizes `(sidePnl - f × (cash + funding)) / (1 - f)` of PnL: the pool pays the realized PnL
    /// net of the position's funding from its cash, which lowers the cap by `f` of it. Rounded up, never past the
    /// position, and the whole position when the rest would fall under the market's minimum notional.
    function _close(
        ClearinghouseStorage storage s,
        DeleveragePlan memory plan,
        uint256 marketId,
        int256 pnl,
        uint256 cash,
        uint256 toWad
    ) private view {
        IClearinghouse.DeleveragePreview memory p = plan.p;
        Position memory pos = plan.position;
        uint256 f = s.risk.maxPnlToPool;
        plan.fundingOwed = PositionLib.fundingOwed(pos.size, plan.quote.index, pos.lastFundingIndex);
        int256 excess = p.sidePnl - (cash.toInt256() + plan.fundingOwed).mulDivFloor(f.toInt256(), WAD);
        // f < 1 (ConfigLogic), so 1 - f > 0.
        uint256 target = excess <= 0 ? 1 : uint256(excess).mulDivUp(WAD, WAD - f) + ROUNDING_SLACK;
        uint256 sizeAbs = int256(pos.size).abs();
        // An eligible position has pnl > 0.
        uint256 closedAbs = sizeAbs.mulDivUp(target, uint256(pnl));
        if (closedAbs > sizeAbs) closedAbs = sizeAbs;
        if ((sizeAbs - closedAbs).wMulDown(p.price) < s.configs[marketId].skew.minPositionNotional) closedAbs = sizeAbs;
        p.sizeClosed = pos.size > 0 ? closedAbs.toInt256() : -closedAbs.toInt256();
        (plan.newSize, plan.newOpenNotional, p.realizedPnl) = PositionLib.applyFill(
            pos.size,
            pos.openNotional,
            -p.sizeClosed,
            p.price
        );
        // Against the account, as a trade: PnL net of funding rounds toward -infinity.
        p.accountDelta = (p.realizedPnl - plan.fundingOwed).divFloor(toWad);
    }

    /// @dev The account's state (DESIGN §9) and gross notional `Σ |size| × price` (each rounded down), reusing the
    /// deleveraged market's quote.
    function _account(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        uint256 marketId,
        Quote memory q
    ) private view returns (IClearinghouse.AccountState memory state, uint256 gross) {
        Totals memory t;
        uint256 map = s.openMarkets[accountId];
        while (map != 0) {
            uint256 id = Bitmap.lowestBit(map);
            map &= map - 1;
            Quote memory qi = id == marketId ? q : _quote(s, env, id);
            Position memory pos = s.positions[accountId][id];
            MarginLib.addPosition(t, pos.size, pos.openNotional, pos.lastFundingIndex, qi);
            gross += int256(pos.size).abs().wMulDown(qi.price);
        }
        (int256 balance, uint256 otherValue, ) = env.vault.accountCollateral(accountId);
        state = MarginLib.finalize(balance, otherValue, t, env.toWad);
    }

    /// @dev `pnl / |openNotional| × max(1, gross / equity)`, each step rounded down; 0 without profit. `equity > 0`: the
    /// account is not liquidatable and holds a position, so its maintenance margin is above zero.
    function _score(int256 pnl, int256 openNotional, uint256 gross, int256 equity) private pure returns (uint256) {
        if (pnl <= 0) return 0;
        uint256 basis = openNotional.abs();
        if (basis == 0 || equity <= 0) return type(uint256).max;
        uint256 perNotional = uint256(pnl).mulDivDown(WAD, basis);
        uint256 leverage = gross.mulDivDown(WAD, uint256(equity));
        if (leverage < WAD) leverage = WAD;
        return perNotional.mulDivDown(leverage, WAD);
    }

    /// @dev One side's net unrealized PnL, `size × price` rounded toward -infinity (the holder's side: never
    /// overstated, so a side is never found over its cap on a rounding).
    function _sidePnl(MarketSide memory side, uint256 price, bool long) private pure returns (int256) {
        uint256 oi = side.openInterest;
        return (long ? oi.wMulDown(price).toInt256() : -oi.wMulUp(price).toInt256()) - int256(side.openNotional);
    }

    /// @dev `maxPnlToPool × cash` (USD, WAD), rounded up.
    function _cap(ClearinghouseStorage storage s, uint256 cash) private view returns (uint256) {
        return cash.wMulUp(s.risk.maxPnlToPool);
    }

    function _quote(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 marketId
    ) private view returns (Quote memory q) {
        if (s.configs[marketId].asset == bytes32(0)) revert IClearinghouse.ClearinghouseUnknownMarket(marketId);
        MarginLib.quoteInto(q, s, env, marketId);
    }
}
