// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {IVault} from "../interfaces/IVault.sol";
import {ClearinghouseStorage, Env, RiskConfig} from "../types/ClearinghouseStorage.sol";
import {Leg, LiquidationPlan, Totals} from "../types/Computations.sol";
import {Position} from "../types/Position.sol";
import {AccountId} from "./AccountId.sol";
import {Bitmap} from "./Bitmap.sol";
import {WAD} from "./Constants.sol";
import {FixedPointMath} from "./FixedPointMath.sol";
import {MarginLib} from "./MarginLib.sol";
import {MarketLib} from "./MarketLib.sol";
import {PositionLib} from "./PositionLib.sol";

/// @title LiquidationLogic
/// @notice DESIGN §10: which fraction of every position a liquidation closes, the penalty and the keeper's reward,
/// computed in memory (`plan`) and then written (`liquidate`). There is no cascade-damping cap (removed, DESIGN §10.6).
/// @dev An external library linked into the Clearinghouse: its functions run by DELEGATECALL in the Clearinghouse's
/// own storage and address, so the trust boundary is the Clearinghouse's. `previewLiquidation` runs the same `plan`, so
/// the view and the action agree by construction. Errors and events are the Clearinghouse's (`IClearinghouse`).
library LiquidationLogic {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @notice Liquidates `accountId` for `keeper` (see `IClearinghouse.liquidate`).
    /// @dev `env` is memory: it is handed on to `MarginLib`, whose functions the core also calls with its immutables.
    // solhint-disable-next-line gas-calldata-parameters
    function liquidate(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        address keeper
    ) external returns (uint256 keeperReward) {
        LiquidationPlan memory plan = _plan(s, env, accountId, keeper);
        if (!plan.before.liquidatable) {
            revert IClearinghouse.ClearinghouseNotLiquidatable(
                accountId,
                plan.before.equity,
                plan.before.maintenanceMargin
            );
        }
        // The pool pays the account's profit (and any subsidy) from its cash: refuse here, with the shortfall, rather
        // than from inside the Vault's ledger (auto-deleveraging brings the profit back under the cash).
        if (plan.poolDelta < 0) {
            uint256 needed = uint256(-plan.poolDelta);
            uint256 available = env.vault.poolBalance();
            if (available < needed) revert IClearinghouse.ClearinghouseInsufficientPoolLiquidity(needed, available);
        }
        uint256 closedMarkets;
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            _applyLeg(s, accountId, leg);
            if (leg.newSize == 0) closedMarkets |= uint256(1) << leg.marketId;
        }
        if (closedMarkets != 0) s.openMarkets[accountId] &= ~closedMarkets;
        keeperReward = plan.keeperReward;
        // The Vault moves the ledgers and, for a closed-out account left owing, runs the loss waterfall.
        env.vault.settleLiquidation(
            accountId,
            plan.accountDelta,
            AccountId.from(keeper, 0),
            keeperReward,
            plan.poolDelta,
            plan.insuranceDelta,
            plan.fraction == WAD
        );
        emit IClearinghouse.Liquidated(
            accountId,
            keeper,
            plan.fraction,
            plan.before.equity,
            plan.before.maintenanceMargin,
            plan.notionalClosed,
            plan.penalty,
            keeperReward
        );
    }

    /// @notice What `liquidate(accountId)` would do now (see `IClearinghouse.previewLiquidation`).
    /// @dev The keeper is the caller (`msg.sender` is kept through the DELEGATECALL): the owner's own preview shows no
    /// subsidy, anyone else's shows the subsidy `liquidate` would pay them.
    // solhint-disable-next-line gas-calldata-parameters
    function preview(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId
    ) external view returns (IClearinghouse.LiquidationPreview memory p) {
        LiquidationPlan memory plan = _plan(s, env, accountId, msg.sender);
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
        // No window ever refuses a liquidation (DESIGN §10.6): kept for the interface's stability.
        p.capAllows = true;
        int256 finalBalance = plan.balance + plan.accountDelta;
        if (plan.fraction == WAD && finalBalance < 0 && !plan.hasOtherCollateral) {
            p.badDebt = uint256(-finalBalance);
            (p.insuranceDraw, p.poolWriteOff) = env.vault.previewBadDebtCover(
                p.badDebt,
                plan.poolDelta,
                plan.insuranceDelta
            );
        }
    }

    /// @dev DESIGN §10 computed in memory. The health pass reads each market's price once and the close pass reuses
    /// it. Returns early (with `before.liquidatable == false`) for a healthy account.
    function _plan(
        ClearinghouseStorage storage s,
        Env memory env,
        uint256 accountId,
        address keeper
    ) private view returns (LiquidationPlan memory plan) {
        uint256 map = s.openMarkets[accountId];
        plan.legs = new Leg[](Bitmap.popCount(map));
        Totals memory t;
        uint256 fullPenalty;
        for (uint256 i; map != 0; ++i) {
            Leg memory leg = plan.legs[i];
            leg.marketId = Bitmap.lowestBit(map);
            map &= map - 1;
            MarginLib.quoteInto(leg.quote, s, env, leg.marketId);
            leg.position = s.positions[accountId][leg.marketId];
            leg.fundingOwed = MarginLib.addPosition(
                t,
                leg.position.size,
                leg.position.openNotional,
                leg.position.lastFundingIndex,
                leg.quote
            );
            fullPenalty += PositionLib.marginRequirement(leg.position.size, leg.quote.price, leg.quote.liquidationFee);
        }
        uint256 otherValue;
        (plan.balance, otherValue, plan.hasOtherCollateral) = env.vault.accountCollateral(accountId);
        plan.before = MarginLib.finalize(plan.balance, otherValue, t, env.toWad);
        if (plan.before.liquidatable) _close(s, env, plan, fullPenalty, otherValue, _isOwner(accountId, keeper));
    }

    /// @dev The close pass of a liquidatable account's plan: the fraction, each leg's fill, then the amounts.
    function _close(
        ClearinghouseStorage storage s,
        Env memory env,
        LiquidationPlan memory plan,
        uint256 fullPenalty,
        uint256 otherValue,
        bool selfLiquidation
    ) private view {
        plan.fraction = _fraction(plan.before, fullPenalty, s.risk.liquidationBuffer);
        if (plan.fraction < WAD && _leavesDust(s, plan)) plan.fraction = WAD;

        int256 pnl;
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            int256 size = leg.position.size;
            // Rounds the closed size away from zero (closes more), never past the whole position (`_leavesDust`
            // computed it for a partial close).
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
        }
        uint256 penaltyWad = plan.fraction == WAD ? fullPenalty : fullPenalty.wMulUp(plan.fraction);
        _settleAmounts(s.risk, env, plan, otherValue, pnl, penaltyWad, selfLiquidation);
    }

    /// @dev Whether `keeper` owns `accountId` (a self-liquidation: never subsidized).
    function _isOwner(uint256 accountId, address keeper) private pure returns (bool) {
        return AccountId.ownerOf(accountId) == keeper;
    }

    /// @dev `f = min(1, (M' - E) / (M' - L))`, rounded up (closes more).
    function _fraction(
        IClearinghouse.AccountState memory state,
        uint256 fullPenalty,
        uint256 liquidationBuffer
    ) private pure returns (uint256) {
        int256 penalty = fullPenalty.toInt256();
        if (state.equity <= penalty) return WAD;
        // E < M <= M' and E > L, so M' - L > M' - E > 0.
        uint256 target = state.maintenanceMargin.wMulUp(WAD + liquidationBuffer);
        uint256 f = uint256(target.toInt256() - state.equity).mulDivUp(WAD, uint256(target.toInt256() - penalty));
        return f > WAD ? WAD : f;
    }

    /// @dev Whether closing `plan.fraction` would leave any position under its market's minimum notional; keeps each
    /// leg's closed size (rounded up: closes more) for the close pass.
    function _leavesDust(ClearinghouseStorage storage s, LiquidationPlan memory plan) private view returns (bool) {
        for (uint256 i; i < plan.legs.length; ++i) {
            Leg memory leg = plan.legs[i];
            uint256 sizeAbs = int256(leg.position.size).abs();
            leg.closedAbs = sizeAbs.mulDivUp(plan.fraction, WAD);
            uint256 remaining = sizeAbs - leg.closedAbs;
            if (remaining.wMulDown(leg.quote.price) < s.configs[leg.marketId].skew.minPositionNotional) return true;
        }
        return false;
    }

    /// @dev Penalty, keeper reward and the ledger deltas, in settlement-token units (DESIGN §10.4). What a closed-out
    /// account is left owing is the Vault's to cover (its loss waterfall, DESIGN §10).
    function _settleAmounts(
        RiskConfig storage risk,
        Env memory env,
        LiquidationPlan memory plan,
        uint256 otherValue,
        int256 pnl,
        uint256 penaltyWad,
        bool selfLiquidation
    ) private view {
        // Against the account: PnL net of funding rounds toward -infinity, the penalty rounds up.
        int256 pnlUnits = pnl.divFloor(env.toWad);
        // What the account has to pay with: on a full close its balance, PnL and other collateral at its haircut
        // value (penalties never create bad debt); on a partial one the share `f` of its equity that the closed part
        // carried, rounded down (so a partial liquidation never lowers the margin ratio of what remains, §15.4).
        uint256 available;
        if (plan.fraction == WAD) {
            int256 left = plan.balance + pnlUnits + (otherValue / env.toWad).toInt256();
            available = left <= 0 ? 0 : uint256(left);
        } else if (plan.before.equity > 0) {
            available = uint256(plan.before.equity).mulDivDown(plan.fraction, WAD * env.toWad);
        }
        uint256 penalty = penaltyWad.mulDivUp(1, env.toWad);
        if (penalty > available) penalty = available;
        uint256 reward = penalty.wMulDown(risk.keeperShare);
        if (reward < risk.minKeeperReward) reward = risk.minKeeperReward;
        if (reward > risk.maxKeeperReward) reward = risk.maxKeeperReward;
        // The account pays the reward floor itself when it can; only what it cannot pay is subsidized (at most
        // `minKeeperReward`, since `reward > penalty` only at the floor), and never to the account's own owner.
        uint256 charge = penalty > reward ? penalty : reward;
        if (charge > available) charge = available;
        uint256 fromPool;
        if (reward > charge) {
            if (selfLiquidation) {
                reward = charge;
            } else {
                (uint256 fromInsurance, uint256 poolPart) = _subsidy(env.vault, reward - charge, pnlUnits);
                fromPool = poolPart;
                reward = charge + fromInsurance + fromPool;
            }
        }
        plan.penalty = charge;
        plan.keeperReward = reward;
        plan.accountDelta = pnlUnits - charge.toInt256();
        plan.poolDelta = -pnlUnits - fromPool.toInt256();
        // charge + fromPool - reward = -fromInsurance when subsidized, the penalty minus the reward otherwise.
        plan.insuranceDelta = charge.toInt256() + fromPool.toInt256() - reward.toInt256();
    }

    /// @dev Who pays `shortfall` of a keeper's reward: the insurance fund, then the pool's cash net of the PnL it pays
    /// this liquidation (`pnlUnits`); both ledgers stay non-negative. Read only when there is a shortfall.
    function _subsidy(
        IVault vault,
        uint256 shortfall,
        int256 pnlUnits
    ) private view returns (uint256 fromInsurance, uint256 fromPool) {
        fromInsurance = Math.min(vault.insuranceBalance(), shortfall);
        if (fromInsurance == shortfall) return (fromInsurance, 0);
        int256 poolLeft = vault.poolBalance().toInt256() - pnlUnits;
        if (poolLeft > 0) fromPool = Math.min(uint256(poolLeft), shortfall - fromInsurance);
    }

    /// @dev Writes one liquidated position: accrues its market and updates its aggregates.
    function _applyLeg(ClearinghouseStorage storage s, uint256 accountId, Leg memory leg) private {
        uint256 marketId = leg.marketId;
        MarketLib.reducePosition(
            s.markets[marketId],
            leg.position,
            leg.quote.index,
            leg.newSize,
            leg.newOpenNotional,
            s.configs[marketId].skew.skewScale
        );

        if (leg.newSize == 0) {
            delete s.positions[accountId][marketId];
        } else {
            s.positions[accountId][marketId] = Position(
                leg.newSize.toInt128(),
                int128(leg.quote.index),
                leg.newOpenNotional.toInt128()
            );
        }
        emit IClearinghouse.PositionLiquidated(
            accountId,
            marketId,
            leg.sizeClosed,
            leg.quote.price,
            leg.realizedPnl,
            leg.fundingOwed
        );
    }
}
