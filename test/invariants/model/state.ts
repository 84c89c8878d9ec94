/**
 * The invariant model's state beyond the ledger model: feeds and the oracle gate, pause flags, LP shares and withdrawal
 * requests, the tokens the Vault holds; and the queries over it. The actions are in ./accounts.ts and ./index.ts.
 */
import * as math from "../../shared/math";
import type { AccountStateRef } from "../../shared/math";
import { CollateralModel, priceToWad } from "../../shared/collateral";
import { DEFAULT_RISK } from "../../../deploy/config";
import type { RiskConfig } from "../../../deploy/config";
import { SYMBOLS, err } from "./types";
import type { ExpectedError, FeedModel, Outcome, WindowModel, WithdrawalRequestModel } from "./types";
import type { InvariantModel } from "./index";

export abstract class InvariantState extends CollateralModel {
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
  /** Per market: whether `trade` (an immediate trade at the latest answer) is on (`setImmediateTrades`). */
  immediateTrades: boolean[] = [];
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
    // Every round of the run (a run is at most a few hundred actions): any of them may be named by an order's proof.
    f.rounds.push({ round: f.round, answer, updatedAt });
    const p = priceToWad(answer, f.decimals);
    if (answer > 0n && p >= f.minPrice && p <= f.maxPrice) this.setPrice(marketId, p);
  }

  /** Every check of `PriceOracle.price` the asset's feed fails at `t` (DESIGN §5). Empty: the price is valid. */
  oracleErrors(symbol: string, t: bigint): ExpectedError[] {
    const f = this.feed(symbol);
    return this.answerErrors(f, f.answer, f.updatedAt, t);
  }

  /** Every check of `PriceOracle._checkedPrice` an answer of feed `f` published at `updatedAt` fails at `t`. */
  answerErrors(f: FeedModel, answer: bigint, updatedAt: bigint, t: bigint): ExpectedError[] {
    f = { ...f, answer, updatedAt };
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

  protected addVaultTokens(token: string, delta: bigint) {
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

  protected done<T>(value: T, next: InvariantModel, t: bigint): Outcome<T> {
    next.now = t;
    return { ok: true, value, next };
  }

  /** A deep copy (the concrete model's). */
  abstract clone(): InvariantModel;
}
