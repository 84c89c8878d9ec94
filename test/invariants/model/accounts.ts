/** The invariant model's account actions: deposits, withdrawals, trades, liquidations, bad debt, insurance. */
import * as math from "../../shared/math";
import { WAD } from "../../shared/math";
import type { AccountStateRef, LiquidationRef, TradeRef } from "../../shared/math";
import { COLLATERAL_LIQUIDATION_BUFFER } from "../../shared/collateral";
import type { CollateralLiquidationRef, WaterfallRef } from "../../shared/collateral";
import { LOCAL_COLLATERALS } from "../../../deploy/config";
import { sameOwner } from "../../../scripts/common/accounts";
import { err } from "./types";
import type { ExpectedError, Outcome } from "./types";
import { InvariantState } from "./state";

/** What an accepted trade did: its reference result, the account before and after, and whether it only reduced. */
export interface TradeOutcome {
  ref: TradeRef;
  before: AccountStateRef;
  after: AccountStateRef;
  reduceOnly: boolean;
}

export abstract class AccountActions extends InvariantState {
  tryDeposit(accountId: bigint, token: string, amount: bigint, t: bigint): Outcome<null> {
    const tk = token.toLowerCase();
    const errors: ExpectedError[] = [];
    if (tk !== this.usdc) {
      const cap = LOCAL_COLLATERALS[tk === this.weth ? 0 : 1].depositCap;
      const total = this.tokenTotal(tk) + amount;
      if (total > cap) errors.push(err("VaultDepositCapExceeded", tk, total, cap));
      if (
        this.tokenBalance(accountId, tk) === 0n &&
        this.held(accountId).length >= this.maxCollateralsPerAccount
      ) {
        errors.push(err("VaultTooManyCollaterals", accountId, BigInt(this.maxCollateralsPerAccount)));
      }
    }
    if (amount === 0n) errors.push(err("VaultZeroAmount"));
    // A token deposit into an account with booked bad debt prices the token (DESIGN §10.5).
    if (tk !== this.usdc && this.bookedOf(accountId) !== 0n)
      errors.push(...this.oracleErrors(this.collateral(tk).asset, t));
    if (errors.length) return { ok: false, errors };
    const next = this.clone();
    if (tk === this.usdc) {
      next.deposit(accountId, amount);
      next.settlementIn += amount;
    } else next.depositToken(accountId, tk, amount);
    next.addVaultTokens(tk, amount);
    return this.done(null, next, t);
  }

  tryWithdraw(accountId: bigint, token: string, amount: bigint, t: bigint): Outcome<{ priced: boolean }> {
    const tk = token.toLowerCase();
    const errors: ExpectedError[] = [];
    if (amount === 0n) errors.push(err("VaultZeroAmount"));
    const balance = this.balanceIn(accountId, tk);
    if (balance < amount) errors.push(err("VaultInsufficientBalance", accountId, tk, balance, amount));
    if (errors.length) return { ok: false, errors };
    const next = this.clone();
    if (tk === this.usdc) {
      next.withdraw(accountId, amount);
      next.settlementIn -= amount;
    } else next.withdrawToken(accountId, tk, amount);
    next.addVaultTokens(tk, -amount);
    // No positions and no debt: nothing can fall short and no price is read (DESIGN §15.7).
    if (next.positionCount(accountId) === 0 && next.balance(accountId) >= 0n)
      return this.done({ priced: false }, next, t);
    const oracle = next.assetErrors(next.accountAssets(accountId), t);
    if (oracle.length) return { ok: false, errors: oracle };
    const s = next.state(accountId, t);
    if (s.equity < s.initialMargin) {
      return {
        ok: false,
        errors: [err("ClearinghouseInsufficientMargin", accountId, s.equity, s.initialMargin)],
      };
    }
    return this.done({ priced: true }, next, t);
  }

  /**
   * `trade` (no `priceWad`: at the latest answer, refused on a market whose immediate trades are off), or the
   * OrderBook's `tradeAt` at `priceWad` (an order's settlement price: the fill, the fee, the funding accrued since the
   * market's last update and this market's margin are all computed at it; the market's price is the latest answer
   * again afterwards).
   */
  tryTrade(
    accountId: bigint,
    marketId: number,
    delta: bigint,
    acceptablePrice: bigint,
    t: bigint,
    priceWad?: bigint,
  ): Outcome<TradeOutcome> {
    if (priceWad === undefined)
      return this.tradeChecks(accountId, marketId, delta, acceptablePrice, t, false);
    const at = this.clone();
    const latest = at.markets[marketId].price;
    // Collateral of the market's asset is still valued at the latest answer (the Vault reads the oracle).
    const symbol = this.marketSymbol(marketId);
    at.marketAssets.delete(symbol);
    at.setAssetPrice(symbol, latest);
    at.setPrice(marketId, priceWad);
    const o = at.tradeChecks(accountId, marketId, delta, acceptablePrice, t, true);
    if (o.ok) {
      o.next.setPrice(marketId, latest);
      o.next.assetPrices.delete(symbol);
      o.next.marketAssets.set(symbol, marketId);
    }
    return o;
  }

  private tradeChecks(
    accountId: bigint,
    marketId: number,
    delta: bigint,
    acceptablePrice: bigint,
    t: bigint,
    atPrice: boolean,
  ): Outcome<TradeOutcome> {
    const m = this.markets[marketId];
    const p = m.params;
    const errors: ExpectedError[] = [];
    const sizeAbs = math.abs(delta);
    if (delta === 0n) errors.push(err("ClearinghouseZeroSizeDelta"));
    if (sizeAbs > 2n * p.maxOpenInterest) {
      errors.push(err("ClearinghouseOpenInterestCapExceeded", BigInt(marketId), sizeAbs, p.maxOpenInterest));
    }
    const marketOracle = atPrice ? [] : this.oracleErrors(this.marketSymbol(marketId), t);
    const otherOracle = this.assetErrors(this.accountAssets(accountId, marketId), t);
    errors.push(...marketOracle, ...otherOracle);
    if (delta === 0n || sizeAbs > 2n * p.maxOpenInterest || marketOracle.length) return { ok: false, errors };

    const ref = this.previewTrade(accountId, marketId, delta, t);
    if (ref.fill <= 0n)
      return { ok: false, errors: [...errors, err("ClearinghouseInvalidFillPrice", ref.fill)] };
    // Checked after the trade's computation (whose collateral valuation may revert first on a price).
    if (!atPrice && !this.immediateTrades[marketId])
      return {
        ok: false,
        errors: [err("ClearinghouseImmediateTradesDisabled", BigInt(marketId)), ...otherOracle],
      };
    if (delta > 0n ? ref.fill > acceptablePrice : ref.fill < acceptablePrice) {
      errors.push(err("ClearinghouseSlippageExceeded", delta, ref.fill, acceptablePrice));
    }
    const oldSize = this.position(accountId, marketId).size;
    const reduceOnly =
      math.abs(ref.newSize) < math.abs(oldSize) && (ref.newSize === 0n || ref.newSize > 0n === oldSize > 0n);
    if (!reduceOnly) {
      if (this.chPaused) errors.push(err("EnforcedPause"));
      let long = m.longOI;
      let short = m.shortOI;
      if (oldSize > 0n) long -= oldSize;
      else short += oldSize;
      if (ref.newSize > 0n) long += ref.newSize;
      else short -= ref.newSize;
      const increased = long > m.longOI ? long : short > m.shortOI ? short : 0n;
      if (increased > 0n) {
        if (increased > p.maxOpenInterest) {
          errors.push(
            err("ClearinghouseOpenInterestCapExceeded", BigInt(marketId), increased, p.maxOpenInterest),
          );
        }
        const notional = math.divCeil(increased * m.price, math.WAD);
        const cap = (this.pool * math.TO_WAD * this.risk.maxOpenInterestToPool) / math.WAD;
        if (notional > cap)
          errors.push(err("ClearinghousePoolOpenInterestCapExceeded", BigInt(marketId), notional, cap));
      }
      const count = BigInt(this.positionCount(accountId));
      if (oldSize === 0n && count >= BigInt(this.risk.maxPositionsPerAccount)) {
        errors.push(
          err("ClearinghouseTooManyPositions", accountId, count, BigInt(this.risk.maxPositionsPerAccount)),
        );
      }
    }
    if (ref.newSize !== 0n) {
      const notional = (math.abs(ref.newSize) * m.price) / WAD;
      if (notional < p.minPositionNotional) {
        errors.push(
          err("ClearinghousePositionBelowMinimum", BigInt(marketId), notional, p.minPositionNotional),
        );
      }
    }
    if (ref.poolDelta < 0n && this.pool < -ref.poolDelta) {
      errors.push(err("ClearinghouseInsufficientPoolLiquidity", -ref.poolDelta, this.pool));
    }
    if (otherOracle.length) return { ok: false, errors };
    const before = this.state(accountId, t);
    if (before.liquidatable) {
      errors.push(
        err("ClearinghouseAccountLiquidatable", accountId, before.equity, before.maintenanceMargin),
      );
    }
    const next = this.clone();
    next.trade(accountId, marketId, delta, t);
    const after = next.state(accountId, t);
    if (!reduceOnly && after.equity < after.initialMargin) {
      errors.push(err("ClearinghouseInsufficientMargin", accountId, after.equity, after.initialMargin));
    }
    // Reducing risk must not create bad debt: such a close is left to liquidation.
    if (reduceOnly && after.equity < 0n)
      errors.push(err("ClearinghouseReduceOnlyBadDebt", accountId, after.equity));
    if (errors.length) return { ok: false, errors };
    return this.done({ ref, before, after, reduceOnly }, next, t);
  }

  tryLiquidate(accountId: bigint, keeperAccountId: bigint, t: bigint): Outcome<LiquidationRef> {
    const oracle = this.assetErrors(this.accountAssets(accountId), t);
    if (oracle.length) return { ok: false, errors: oracle };
    // The reference computes the whole plan; the contract stops at a healthy account (and so does the model).
    const before = this.state(accountId, t);
    if (!before.liquidatable) {
      return {
        ok: false,
        errors: [err("ClearinghouseNotLiquidatable", accountId, before.equity, before.maintenanceMargin)],
      };
    }
    // Whether the keeper is the account's owner (no subsidy then). No window caps a liquidation (DESIGN §10.6):
    // the windows stay at zero, which the market-state check confirms.
    const ctx = { selfLiquidation: sameOwner(accountId, keeperAccountId) };
    const r = this.previewLiquidation(accountId, t, this.liquidationRisk, ctx);
    // The pool pays the account's profit (and any subsidy) before the waterfall: refused when its cash cannot.
    const needed = -(r.poolDelta + r.poolWriteOff);
    if (needed > this.pool) {
      return { ok: false, errors: [err("ClearinghouseInsufficientPoolLiquidity", needed, this.pool)] };
    }
    const next = this.clone();
    const applied = next.liquidate(accountId, keeperAccountId, t, this.liquidationRisk, ctx);
    next.keeperRewards += applied.keeperReward;
    return this.done(applied, next, t);
  }

  tryLiquidateCollateral(
    accountId: bigint,
    token: string,
    repayAmount: bigint,
    t: bigint,
  ): Outcome<CollateralLiquidationRef & { price: bigint }> {
    const tk = token.toLowerCase();
    const errors: ExpectedError[] = [];
    if (repayAmount === 0n) errors.push(err("VaultZeroAmount"));
    if (this.balance(accountId) >= 0n) errors.push(err("VaultNoDebt", accountId));
    if (this.positionCount(accountId) !== 0) {
      const oracle = this.assetErrors(this.accountAssets(accountId), t);
      if (oracle.length) errors.push(...oracle);
      else if (!this.state(accountId, t).liquidatable)
        errors.push(err("VaultCollateralNotLiquidatable", accountId));
    } else if (this.balance(accountId) < 0n && this.bookedOf(accountId) === 0n) {
      // Without positions: below debt × (1 + buffer) at haircut value, or booked bad debt (DESIGN §12).
      const oracle = this.assetErrors(this.accountAssets(accountId), t);
      const required = (-this.balance(accountId) * this.toWad * (WAD + COLLATERAL_LIQUIDATION_BUFFER)) / WAD;
      if (oracle.length) errors.push(...oracle);
      else if (this.otherValue(accountId) >= required)
        errors.push(err("VaultCollateralNotLiquidatable", accountId));
    }
    if (this.tokenBalance(accountId, tk) === 0n) errors.push(err("VaultCollateralNotHeld", accountId, tk));
    errors.push(...this.oracleErrors(this.collateral(tk).asset, t));
    if (errors.length) return { ok: false, errors };
    const next = this.clone();
    const price = this.price(this.collateral(tk).asset);
    const r = next.liquidateCollateral(accountId, tk, repayAmount);
    next.addVaultTokens(next.usdc, r.repaid);
    next.addVaultTokens(tk, -r.seized);
    next.settlementIn += r.repaid;
    return this.done({ ...r, price }, next, t);
  }

  /**
   * `settleBadDebt`: the waterfall for an account with only debt left; a re-mark of the booked bad debt for one with
   * debt, no positions and other collateral; clearing a stale booking otherwise (DESIGN §10.5). `settled` says
   * whether the waterfall ran.
   */
  trySettleBadDebt(
    accountId: bigint,
    t: bigint,
  ): Outcome<WaterfallRef & { badDebt: bigint; settled: boolean }> {
    const balance = this.balance(accountId);
    const positions = BigInt(this.positionCount(accountId));
    const held = BigInt(this.held(accountId).length);
    const next = this.clone();
    if (balance < 0n && positions === 0n && held === 0n) {
      return this.done({ ...next.settleBadDebt(accountId), settled: true }, next, t);
    }
    const none = { badDebt: 0n, insuranceDraw: 0n, poolWriteOff: 0n, unrecovered: 0n, settled: false };
    if (balance < 0n && positions === 0n) {
      const oracle = this.assetErrors(this.accountAssets(accountId), t);
      if (oracle.length) return { ok: false, errors: oracle };
      next.book(accountId, next.uncovered(accountId));
      return this.done(none, next, t);
    }
    if (this.bookedOf(accountId) !== 0n) {
      next.book(accountId, 0n);
      return this.done(none, next, t);
    }
    const error =
      balance >= 0n
        ? err("VaultNoDebt", accountId)
        : err("VaultBadDebtNotSettleable", accountId, positions, held);
    return { ok: false, errors: [error] };
  }

  tryFundInsurance(amount: bigint, t: bigint): Outcome<null> {
    if (amount === 0n) return { ok: false, errors: [err("VaultZeroAmount")] };
    const next = this.clone();
    next.insurance += amount;
    next.settlementIn += amount;
    next.addVaultTokens(next.usdc, amount);
    return this.done(null, next, t);
  }
}
