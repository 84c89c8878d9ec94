/**
 * The property-based suite's model of the whole local stack: the ledger model of test/shared/collateral.ts (which
 * extends test/shared/model.ts) plus everything else a command can change — the Chainlink feeds' answers and
 * timestamps, pause flags, the (unused, always zero) cascade-damping windows, the pool's ERC-4626 shares and withdrawal requests, and the
 * tokens the Vault holds. It never reads a contract.
 *
 * Every `try*` method predicts one action at block time `t`: either the exact custom errors it may revert with (each
 * with its arguments: every check the action makes that its state fails, so a reordering of independent checks in
 * the contracts does not matter), or success with a copy of the model that has the action applied.
 *
 * By concern: ./types.ts (symbols, errors, outcomes, feeds), ./state.ts (`InvariantState`: the state and its queries),
 * ./accounts.ts (`AccountActions`: the account actions) and this file (`InvariantModel`: construction, the copy, the
 * pool and administration actions).
 */
import * as math from "../../shared/math";
import * as poolRef from "../../shared/poolValue";
import { collateralValue, priceToWad } from "../../shared/collateral";
import {
  DEFAULT_MARKETS,
  DEFAULT_RISK,
  LOCAL_COLLATERALS,
  LOCAL_FEEDS,
  assetKey,
} from "../../../deploy/config";
import { err } from "./types";
import type { Addresses, ExpectedError, Outcome, Symbol, WithdrawalRequestModel } from "./types";
import { OrderActions } from "./orders";

export { WAD, TO_WAD } from "../../shared/math";
export { VIRTUAL_SHARES, VIRTUAL_ASSETS } from "../../shared/poolValue";
export * from "./types";
export * from "./state";
export * from "./accounts";
export * from "./orders";

export class InvariantModel extends OrderActions {
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
        rounds: [],
      });
      m.immediateTrades.push(true);
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

  /** `setImmediateTrades(marketId, enabled)` (risk admin): no check, no other effect. */
  trySetImmediateTrades(marketId: number, enabled: boolean, t: bigint): Outcome<null> {
    const next = this.clone();
    next.immediateTrades[marketId] = enabled;
    return this.done(null, next, t);
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
