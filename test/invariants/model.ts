/**
 * The property-based suite's model of the whole local stack: the ledger model of test/shared/collateral.ts (which
 * extends test/shared/model.ts) plus everything else a command can change — the Chainlink feeds' answers and
 * timestamps, pause flags, the (unused, always zero) cascade-damping windows, the pool's ERC-4626 shares and withdrawal requests, and the
 * tokens the Vault holds. It never reads a contract.
 *
 * Every `try*` method predicts one action at block time `t`: either the exact custom errors it may revert with (each
 * with its arguments: every check the action makes that its state fails, so a reordering of independent checks in
 * the contracts does not matter), or success with a copy of the model that has the action applied.
 */
import * as math from "../shared/math";
import * as poolRef from "../shared/poolValue";
import {
  COLLATERAL_LIQUIDATION_BUFFER,
  CollateralModel,
  collateralValue,
  priceToWad,
} from "../shared/collateral";
import type { AccountStateRef, LiquidationRef, TradeRef } from "../shared/math";
import type { CollateralLiquidationRef, WaterfallRef } from "../shared/collateral";
import { DEFAULT_MARKETS, DEFAULT_RISK, LOCAL_COLLATERALS, LOCAL_FEEDS, assetKey } from "../../deploy/config";
import type { RiskConfig } from "../../deploy/config";
import { sameOwner } from "../../scripts/common/accounts";

import { WAD } from "../shared/math";
export { WAD, TO_WAD } from "../shared/math";
export { VIRTUAL_SHARES, VIRTUAL_ASSETS } from "../shared/poolValue";
export const SYMBOLS = ["ETH", "BTC"] as const;
export type Symbol = (typeof SYMBOLS)[number];

/** A custom error the chain may revert with, with its exact arguments. */
export interface ExpectedError {
  name: string;
  args: unknown[];
}

export type Outcome<T> =
  { ok: true; value: T; next: InvariantModel } | { ok: false; errors: ExpectedError[] };

export const err = (name: string, ...args: unknown[]): ExpectedError => ({ name, args });

/** A Chainlink mock feed as the model sees it: its latest answer and `updatedAt`. */
export interface FeedModel {
  symbol: Symbol;
  /** bytes32 oracle key. */
  asset: string;
  /** Lower-cased feed address. */
  address: string;
  decimals: number;
  heartbeat: bigint;
  minPrice: bigint;
  maxPrice: bigint;
  answer: bigint;
  updatedAt: bigint;
  /** The round id of the last `updateRoundData`/`updateAnswer` (MockV3Aggregator's `latestRound`). */
  round: bigint;
}

export interface WithdrawalRequestModel {
  shares: bigint;
  unlockTime: bigint;
  expiry: bigint;
}

export interface WindowModel {
  start: bigint;
  used: bigint;
}

export interface Addresses {
  usdc: string;
  weth: string;
  wbtc: string;
  feeds: Record<Symbol, string>;
  lps: string[];
}

export class InvariantModel extends CollateralModel {
  /** Timestamp of the latest block. */
  now = 0n;
  risk: RiskConfig = { ...DEFAULT_RISK };
  feeds: FeedModel[] = [];
  chPaused = false;
  poolPaused = false;
  windows: WindowModel[] = [];
  usdc = "";
  weth = "";
  wbtc = "";
  /** LP share balances (wallets), the escrowed shares and the total supply. */
  supply = 0n;
  shares = new Map<string, bigint>();
  requests = new Map<string, WithdrawalRequestModel>();
  escrow = 0n;
  withdrawalDelay = 0n;
  withdrawalWindow = 0n;
  /** What each token's balance of the Vault must be (deposits, repayments and donations in, withdrawals out). */
  vaultTokens = new Map<string, bigint>();
  /** Settlement tokens sent straight to the LiquidityPool contract (stranded donations). */
  poolDonations = 0n;
  /** Σ settlement tokens that entered the ledgers (deposits, LP deposits, insurance, repayments) minus what left. */
  settlementIn = 0n;
  /** Σ keeper rewards credited by liquidations. */
  keeperRewards = 0n;
  maxCollateralsPerAccount = 4;

  static local(a: Addresses, withdrawalDelay: bigint, withdrawalWindow: bigint): InvariantModel {
    const m = new InvariantModel(math.TO_WAD, DEFAULT_RISK.insuranceFeeShare);
    m.usdc = a.usdc.toLowerCase();
    m.weth = a.weth.toLowerCase();
    m.wbtc = a.wbtc.toLowerCase();
    for (const market of DEFAULT_MARKETS) {
      const feed = LOCAL_FEEDS.find((f) => f.symbol === market.symbol)!;
      const id = m.addMarket(market, priceToWad(feed.initialAnswer, feed.decimals), 0n);
      m.marketAssets.set(market.symbol, id);
      m.windows.push({ start: 0n, used: 0n });
      m.feeds.push({
        symbol: market.symbol as Symbol,
        asset: assetKey(market.symbol),
        address: a.feeds[market.symbol as Symbol].toLowerCase(),
        decimals: feed.decimals,
        heartbeat: BigInt(feed.heartbeat),
        minPrice: feed.minPrice,
        maxPrice: feed.maxPrice,
        answer: feed.initialAnswer,
        updatedAt: 0n,
        round: 1n,
      });
    }
    for (const [token, c] of [
      [m.weth, LOCAL_COLLATERALS[0]],
      [m.wbtc, LOCAL_COLLATERALS[1]],
    ] as const) {
      m.listCollateral(token, {
        asset: c.asset,
        decimals: c.decimals,
        weight: c.weight,
        liquidationDiscount: c.liquidationDiscount,
      });
    }
    for (const t of [m.usdc, m.weth, m.wbtc]) m.vaultTokens.set(t, 0n);
    for (const lp of a.lps) m.shares.set(lp.toLowerCase(), 0n);
    m.withdrawalDelay = withdrawalDelay;
    m.withdrawalWindow = withdrawalWindow;
    return m;
  }

  /** A deep copy: predictions apply an action to a copy and keep it only if the chain accepts the action. */
  clone(): InvariantModel {
    const copy = Object.create(InvariantModel.prototype) as InvariantModel;
    Object.assign(copy, structuredClone({ ...this }));
    return copy;
  }

  get liquidationRisk(): math.LiquidationRisk {
    return this.risk;
  }

  /* FEEDS AND THE ORACLE GATE */

  feed(symbol: string): FeedModel {
    return this.feeds.find((f) => f.symbol === symbol)!;
  }

  /**
   * A feed posted a new answer with `updatedAt`. The market's model price follows every answer the oracle could ever
   * accept (positive and inside the bounds); whether it is fresh enough is judged when it is read.
   */
  postAnswer(marketId: number, answer: bigint, updatedAt: bigint, round?: bigint) {
    const f = this.feeds[marketId];
    f.answer = answer;
    f.updatedAt = updatedAt;
    f.round = round ?? f.round + 1n;
    const p = priceToWad(answer, f.decimals);
    if (answer > 0n && p >= f.minPrice && p <= f.maxPrice) this.setPrice(marketId, p);
  }

  /** Every check of `PriceOracle.price` the asset's feed fails at `t` (DESIGN §5). Empty: the price is valid. */
  oracleErrors(symbol: string, t: bigint): ExpectedError[] {
    const f = this.feed(symbol);
    const errors: ExpectedError[] = [];
    if (f.answer <= 0n) errors.push(err("OracleNonPositivePrice", f.asset, f.address, f.answer));
    if (f.updatedAt === 0n || f.updatedAt > t) {
      errors.push(err("OracleInvalidTimestamp", f.asset, f.address, f.updatedAt, t));
    } else if (t - f.updatedAt > f.heartbeat) {
      errors.push(err("OracleStalePrice", f.asset, f.address, f.updatedAt, f.heartbeat, t));
    }
    const p = priceToWad(f.answer, f.decimals);
    if (f.answer > 0n && (p < f.minPrice || p > f.maxPrice)) {
      errors.push(err("OraclePriceOutOfBounds", f.asset, f.address, p, f.minPrice, f.maxPrice));
    }
    return errors;
  }

  /** The oracle errors of a set of assets. */
  assetErrors(symbols: Iterable<string>, t: bigint): ExpectedError[] {
    return [...new Set(symbols)].flatMap((s) => this.oracleErrors(s, t));
  }

  marketSymbol(marketId: number): string {
    return SYMBOLS[marketId];
  }

  /** Assets an account's valuation reads: its held collateral tokens and its positions' markets. */
  accountAssets(accountId: bigint, excludeMarket?: number): string[] {
    const assets = this.held(accountId).map((t) => this.collateral(t).asset);
    for (const id of this.openMarkets(accountId))
      if (id !== excludeMarket) assets.push(this.marketSymbol(id));
    return assets;
  }

  /** Assets the pool's NAV reads: the markets anyone holds a position on. */
  poolAssets(): string[] {
    return this.markets.flatMap((m, id) =>
      m.longOI !== 0n || m.shortOI !== 0n ? [this.marketSymbol(id)] : [],
    );
  }

  /* ACCOUNTS */

  openMarkets(accountId: bigint): number[] {
    return [...(this.positions.get(accountId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  positionCount(accountId: bigint): number {
    return this.positions.get(accountId)?.size ?? 0;
  }

  /** Every account the model has seen (balances, collateral or positions). */
  accounts(): bigint[] {
    const ids = new Set<bigint>(this.balances.keys());
    for (const m of this.tokenBalances.values()) for (const id of m.keys()) ids.add(id);
    for (const id of this.positions.keys()) ids.add(id);
    return [...ids];
  }

  /** DESIGN §9 at `t`, other collateral included (the caller checked the oracle gate). */
  state(accountId: bigint, t: bigint): AccountStateRef {
    return this.stateWithCollateral(accountId, t);
  }

  balanceIn(accountId: bigint, token: string): bigint {
    const t = token.toLowerCase();
    return t === this.usdc ? this.balance(accountId) : this.tokenBalance(accountId, t);
  }

  private addVaultTokens(token: string, delta: bigint) {
    const t = token.toLowerCase();
    this.vaultTokens.set(t, (this.vaultTokens.get(t) ?? 0n) + delta);
  }

  /* POOL */

  /** `LiquidityPool.totalAssets()` at `t` (DESIGN §11), floored at 0. */
  totalAssets(t: bigint): bigint {
    return this.poolValue(t);
  }

  lpShares(lp: string): bigint {
    return this.shares.get(lp.toLowerCase()) ?? 0n;
  }

  request(lp: string): WithdrawalRequestModel {
    return this.requests.get(lp.toLowerCase()) ?? { shares: 0n, unlockTime: 0n, expiry: 0n };
  }

  /* ACTIONS */

  private done<T>(value: T, next: InvariantModel, t: bigint): Outcome<T> {
    next.now = t;
    return { ok: true, value, next };
  }

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

  tryTrade(
    accountId: bigint,
    marketId: number,
    delta: bigint,
    acceptablePrice: bigint,
    t: bigint,
  ): Outcome<{ ref: TradeRef; before: AccountStateRef; after: AccountStateRef; reduceOnly: boolean }> {
    const m = this.markets[marketId];
    const p = m.params;
    const errors: ExpectedError[] = [];
    const sizeAbs = math.abs(delta);
    if (delta === 0n) errors.push(err("ClearinghouseZeroSizeDelta"));
    if (sizeAbs > 2n * p.maxOpenInterest) {
      errors.push(err("ClearinghouseOpenInterestCapExceeded", BigInt(marketId), sizeAbs, p.maxOpenInterest));
    }
    const marketOracle = this.oracleErrors(this.marketSymbol(marketId), t);
    const otherOracle = this.assetErrors(this.accountAssets(accountId, marketId), t);
    errors.push(...marketOracle, ...otherOracle);
    if (delta === 0n || sizeAbs > 2n * p.maxOpenInterest || marketOracle.length) return { ok: false, errors };

    const ref = this.previewTrade(accountId, marketId, delta, t);
    if (ref.fill <= 0n)
      return { ok: false, errors: [...errors, err("ClearinghouseInvalidFillPrice", ref.fill)] };
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

  tryPoolDeposit(lp: string, assets: bigint, t: bigint): Outcome<{ shares: bigint }> {
    const errors: ExpectedError[] = [];
    if (this.poolPaused) errors.push(err("EnforcedPause"));
    const oracle = this.assetErrors(this.poolAssets(), t);
    errors.push(...oracle);
    if (oracle.length) return { ok: false, errors };
    const value = this.signedPoolValue(t);
    const minimum = poolRef.minimumDepositValue(this.supply);
    if (value < 0n || value < minimum)
      return { ok: false, errors: [...errors, err("PoolValueTooLow", value, minimum)] };
    const shares = poolRef.sharesForAssets(assets, this.supply, value);
    if (assets === 0n || shares === 0n) errors.push(err("PoolZeroAmount"));
    if (errors.length) return { ok: false, errors };
    const next = this.clone();
    next.pool += assets;
    next.supply += shares;
    next.shares.set(lp.toLowerCase(), next.lpShares(lp) + shares);
    next.settlementIn += assets;
    next.addVaultTokens(next.usdc, assets);
    return this.done({ shares }, next, t);
  }

  /**
   * `recapitalize`: settlement tokens into the pool ledger, no shares; allowed while paused, refused while deposits are
   * open (value at least the minimum) or no share exists (§18.21).
   */
  tryPoolRecapitalize(assets: bigint, t: bigint): Outcome<null> {
    if (assets === 0n) return { ok: false, errors: [err("PoolZeroAmount")] };
    const oracle = this.assetErrors(this.poolAssets(), t);
    if (oracle.length) return { ok: false, errors: oracle };
    const value = this.signedPoolValue(t);
    const minimum = poolRef.minimumDepositValue(this.supply);
    if (this.supply === 0n || (value >= 0n && value >= minimum))
      return { ok: false, errors: [err("PoolRecapitalizeRefused", value, minimum, this.supply)] };
    const next = this.clone();
    next.pool += assets;
    next.settlementIn += assets;
    next.addVaultTokens(next.usdc, assets);
    return this.done(null, next, t);
  }

  tryRequestWithdraw(lp: string, shares: bigint, t: bigint): Outcome<WithdrawalRequestModel> {
    const errors: ExpectedError[] = [];
    if (shares === 0n) errors.push(err("PoolZeroAmount"));
    const balance = this.lpShares(lp);
    if (balance < shares) errors.push(err("ERC20InsufficientBalance", lp.toLowerCase(), balance, shares));
    if (errors.length) return { ok: false, errors };
    const next = this.clone();
    next.shares.set(lp.toLowerCase(), balance - shares);
    next.escrow += shares;
    const unlockTime = t + this.withdrawalDelay;
    const request = {
      shares: this.request(lp).shares + shares,
      unlockTime,
      expiry: unlockTime + this.withdrawalWindow,
    };
    next.requests.set(lp.toLowerCase(), request);
    return this.done(request, next, t);
  }

  tryCancelWithdraw(lp: string, t: bigint): Outcome<{ shares: bigint }> {
    const shares = this.request(lp).shares;
    if (shares === 0n) return { ok: false, errors: [err("PoolZeroAmount")] };
    const next = this.clone();
    next.requests.delete(lp.toLowerCase());
    next.escrow -= shares;
    next.shares.set(lp.toLowerCase(), this.lpShares(lp) + shares);
    return this.done({ shares }, next, t);
  }

  tryRedeem(lp: string, shares: bigint, t: bigint): Outcome<{ assets: bigint }> {
    const oracle = this.assetErrors(this.poolAssets(), t);
    if (oracle.length) return { ok: false, errors: oracle };
    const value = this.signedPoolValue(t);
    if (value <= 0n) return { ok: false, errors: [err("PoolInsolvent", value)] };
    const errors: ExpectedError[] = [];
    const assets = poolRef.assetsForShares(shares, this.supply, this.totalAssets(t));
    if (shares === 0n || assets === 0n) errors.push(err("PoolZeroAmount"));
    const r = this.request(lp);
    if (shares > r.shares)
      errors.push(err("PoolWithdrawalExceedsRequest", lp.toLowerCase(), shares, r.shares));
    if (t < r.unlockTime) errors.push(err("PoolWithdrawalNotReady", lp.toLowerCase(), r.unlockTime, t));
    if (t >= r.expiry) errors.push(err("PoolWithdrawalExpired", lp.toLowerCase(), r.expiry, t));
    const available = this.availableLiquidity(t);
    if (assets > available) errors.push(err("PoolInsufficientLiquidity", assets, available));
    if (errors.length) return { ok: false, errors };
    const next = this.clone();
    next.pool -= assets;
    next.supply -= shares;
    next.escrow -= shares;
    next.requests.set(lp.toLowerCase(), { ...r, shares: r.shares - shares });
    next.settlementIn -= assets;
    next.addVaultTokens(next.usdc, -assets);
    return this.done({ assets }, next, t);
  }

  tryPause(target: "clearinghouse" | "pool", pause: boolean, t: bigint): Outcome<null> {
    const paused = target === "clearinghouse" ? this.chPaused : this.poolPaused;
    if (pause && paused) return { ok: false, errors: [err("EnforcedPause")] };
    if (!pause && !paused) return { ok: false, errors: [err("ExpectedPause")] };
    const next = this.clone();
    if (target === "clearinghouse") next.chPaused = pause;
    else next.poolPaused = pause;
    return this.done(null, next, t);
  }

  /** `setMarketParams` with the market's own parameters: accrues its funding at `t` and changes nothing else. */
  tryAccrue(marketId: number, t: bigint): Outcome<null> {
    const oracle = this.oracleErrors(this.marketSymbol(marketId), t);
    if (oracle.length) return { ok: false, errors: oracle };
    const next = this.clone();
    next.accrue(marketId, t);
    return this.done(null, next, t);
  }

  donate(token: string, amount: bigint, toPool: boolean) {
    if (toPool) this.poolDonations += amount;
    else this.addVaultTokens(token, amount);
  }

  /** Haircut value of an account's holding of one token at the model price (WAD). */
  tokenValue(accountId: bigint, token: string): bigint {
    const c = this.collateral(token);
    return collateralValue(this.tokenBalance(accountId, token), c.decimals, this.price(c.asset), c.weight);
  }
}
