/**
 * The bad-debt hider (scenario `adversaries`, issue 17): an LP that exits at a NAV which does not yet count a loss it
 * made itself as a trader.
 *
 * The attack of issue 13 (`test/attacks/hiddenBadDebt.test.ts`) closed an account out while it still held WETH: the
 * Vault skipped the loss waterfall and the whole debt stayed off the pool's value until keepers had taken the
 * collateral, so an LP with a matured request could exit at a NAV that counted the loss as the pool's asset. The fix
 * (DESIGN §10.5, §18.18) books, in the close-out's own transaction, the debt the collateral does not cover at haircut
 * value (`pendingBadDebt`), and the pool's value subtracts what of it the insurance fund cannot pay.
 *
 * What is left, and what this agent does:
 *
 *   - **Before the close-out.** The pool's value counts every trader's unrealized loss at the oracle price as its own
 *     gain (DESIGN §11), uncapped by the trader's collateral: the part of an underwater account's loss its margin
 *     cannot pay is in the NAV until a keeper liquidates the account. Nothing is booked before that (booking is per
 *     account, at the close-out; the pool's value is O(markets)). The agent holds a withdrawal request (it renews an
 *     expired one) and a hedged pair: a long ETH at 9.5× the haircut value of its WETH collateral (wrong-way: it falls
 *     with the long), levered up again whenever it is 5% short of that (so gains are pyramided and the long is as
 *     levered as it can be when a gap comes: without it, the haircut had the long partially liquidated at the crash's
 *     first update and never under water), and a short of the same size in a USDC subaccount at 3×. When a price
 *     update puts the long's account under water (equity < 0) and the request has matured, it redeems right after
 *     the update, before the keeper's round (a back-run of the oracle update), then closes the short.
 *   - **After the close-out.** If the keeper cannot take the WETH at once and the price keeps falling, the booking
 *     (made at the close-out price) understates the loss; it redeems then if it has not already.
 *
 * Its trading loss is capped at its margin (the long's collateral) while the short keeps the whole move: the gap's
 * residual of DESIGN §19.2, paid by the insurance fund, then the pool. The redemption adds its own share of the pool's
 * write-off, which falls on the LPs who stay. It stops after one redemption.
 *
 * Measured (test/integration/simulation/badDebtHider.test.ts, seed 1, 3 accounts, 75 hours): the exit beat the
 * same shares' value after the close-out by $13,899.96 and the agent made +$19,244.00. With 40 accounts (seed 1, 168
 * hours) the insurance fund covered the booked loss: the exit was worth $205.83 less than staying.
 */
import type { MarketRef, TraderSpec } from "../../population";
import { usdc } from "../../population";
import type { Rng } from "../../rng";
import type { Actor } from "../../world";
import { TraderAgent } from "../trader";
import type { TraderAccount } from "../trader";
import { MAX_UINT, TO_WAD, WAD, marketInfo, readState } from "../env";
import type { AgentEnv, TokenInfo } from "../env";
import type { AdversaryAgent, AdversaryDescription, BaseOutcome, TickView } from "./adversary";
import { LpStake } from "./lpStake";

/** Its pool stake, the long's WETH margin (USD at the opening price) and the long's leverage on its haircut value. */
export const HIDER_LP_USD = 400_000;
export const HIDER_MARGIN_USD = 20_000;
export const HIDER_LEVERAGE = 9.5;
/** The hedge's leverage (USDC margin): low enough that no move of the run liquidates it. */
export const HIDER_HEDGE_LEVERAGE = 3;
/** The long is levered up again once it is this far (percent) below its target size. */
const RELEVER_SLACK_PERCENT = 5n;

export function badDebtHiderSpec(markets: MarketRef[]): TraderSpec {
  return {
    label: "bad-debt-hider",
    kind: "adversary",
    style: "bad-debt-hider",
    collateral: usdc(HIDER_MARGIN_USD),
    collateralToken: "WETH",
    tokenShare: 1,
    leverage: HIDER_LEVERAGE,
    legs: [{ ...markets[0], side: 1, weight: 1 }],
    activity: 0,
  };
}

/** Its exit, as it saw it. */
export interface HiderRecord {
  /** Why it redeemed: its long under water before the keeper, or a stale booking after the close-out. */
  trigger?: "under-water" | "stale-booking";
  step?: number;
  /** The long's equity (haircut collateral) when it redeemed (USD, WAD). */
  equity?: bigint;
  /** Shares redeemed, the pool's supply just before, and the settlement units received. */
  shares: bigint;
  supply: bigint;
  received: bigint;
  /** The pool's value and the insurance fund right after the redemption (settlement units). */
  valueAfterExit?: bigint;
  insuranceAtExit?: bigint;
  /**
   * After the keeper's round of the same update, once the long was closed out (its loss on the books: booked bad debt,
   * DESIGN §10.5): the pool's value and supply, and the redeemed shares' value then (settlement units).
   */
  valueBooked?: bigint;
  supplyBooked?: bigint;
  settledValue?: bigint;
  settledStep?: number;
  /** The first update that found its long under water (whether or not its request had matured). */
  underWaterStep?: number;
  /** The pair opened again after a liquidation that left no debt. */
  reopened: number;
}

export class BadDebtHiderAgent extends TraderAgent implements AdversaryAgent {
  readonly record: HiderRecord = { shares: 0n, supply: 0n, received: 0n, reopened: 0 };
  readonly stake: LpStake;
  heldValue?: bigint;
  private readonly long: TraderAccount;
  private readonly hedge: TraderAccount;

  constructor(
    spec: TraderSpec,
    actor: Actor,
    rng: Rng,
    accountIdOf: (owner: string, subaccount: bigint) => bigint,
  ) {
    super(spec, actor, rng, "cross", accountIdOf);
    const account = (sub: bigint, collateral: bigint): TraderAccount => ({
      subaccount: sub,
      accountId: accountIdOf(actor.address, sub),
      legs: [0],
      collateral,
    });
    this.long = account(1n, spec.collateral);
    this.hedge = account(2n, 0n);
    this.accounts.splice(0, this.accounts.length, this.long, this.hedge);
    this.stake = new LpStake(actor, spec.label);
  }

  /** Its pool stake (escrowed at once: the request matures after the delay) and the approvals. */
  override async setup(env: AgentEnv): Promise<void> {
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} approve`, () =>
      env.sys.usdc.connect(signer).approve(env.sys.addresses.vault, MAX_UINT),
    );
    await env.sender.must(`${this.label} approve WETH`, () =>
      this.weth(env).contract.connect(signer).approve(env.sys.addresses.vault, MAX_UINT),
    );
    await this.stake.approve(env);
    await this.stake.deposit(env, usdc(HIDER_LP_USD));
    await this.stake.requestAll(env);
  }

  override async openBook(env: AgentEnv): Promise<void> {
    await this.openPair(env);
  }

  override act(): Promise<void> {
    return Promise.resolve();
  }

  /** Right after the update, before the keeper: is the long under water? */
  async afterPrices(env: AgentEnv, tick: TickView): Promise<void> {
    if (tick.first || this.record.trigger) return;
    const state = await readState(env, this.long.accountId);
    if (state.maintenanceMargin === 0n || state.equity >= 0n) return;
    this.record.underWaterStep ??= tick.step;
    if (await this.exit(env, tick, "under-water", state.equity)) await this.closeHedge(env);
  }

  /** After the keeper: a stale booking, the settled value after an exit, the pair re-opened, the request renewed. */
  async afterKeeper(env: AgentEnv, tick: TickView): Promise<void> {
    if (this.record.trigger) {
      const closedOut = (await env.sys.clearinghouse.positionCount(this.long.accountId)) === 0n;
      if (this.record.settledValue === undefined && closedOut) {
        const { pool } = env.sys;
        this.record.valueBooked = await pool.poolValue();
        this.record.supplyBooked = await pool.totalSupply();
        this.record.settledValue = await pool.convertToAssets(this.record.shares);
        this.record.settledStep = tick.step;
      }
      return;
    }
    if (await this.bookingStale(env)) {
      if (await this.exit(env, tick, "stale-booking")) await this.closeHedge(env);
      return;
    }
    await this.stake.renewIfExpired(env);
    const long = await env.sys.clearinghouse.position(this.long.accountId, this.marketId(env));
    if (long.size !== 0n) await this.relever(env);
    else if (!tick.first && (await this.longCleared(env))) {
      await this.closeHedge(env);
      await this.openPair(env);
      this.record.reopened++;
    }
  }

  async finish(env: AgentEnv): Promise<void> {
    this.heldValue = await this.stake.netValue(env);
  }

  describe(base: BaseOutcome): AdversaryDescription {
    const r = this.record;
    const usd = (units: bigint) => `$${(Number(units) / 1e6).toFixed(2)}`;
    if (!r.trigger) {
      const under = r.underWaterStep !== undefined;
      return {
        record: r,
        strategy: under
          ? `its WETH-margined long went under at step ${r.underWaterStep}, before its pool request had matured: no exit`
          : "a hedged pair (the long on WETH at ~10x) and a pool request; its long never went under water",
        paidBy: !(base.profit > 0n)
          ? "nobody"
          : under
            ? "the insurance fund, then the pool: its long's debt past its margin, which its hedge kept (the gap of " +
              "DESIGN §19.2); its stake took its share of the LPs' result"
            : "the traders who lost to the pool (its stake's share) and its pair's hedge",
      };
    }
    const beat = r.settledValue === undefined ? undefined : r.received - r.settledValue;
    const when =
      r.trigger === "under-water" ? "before the keeper's close-out" : "while the booking was stale";
    return {
      record: r,
      strategy:
        `its WETH-margined long went under at step ${r.step}; it redeemed ${usd(r.received)} ${when}` +
        (beat === undefined
          ? " (its long was not closed out by the end)"
          : `, ${usd(beat)} more than the same shares were worth once the keeper had closed it out`),
      paidBy:
        beat !== undefined && beat > 0n
          ? "the LPs who stayed (the loss its exit skipped: an underwater account's loss counts as the pool's gain " +
            "until it is liquidated, DESIGN §11), and the insurance fund, then the pool, for its pair's gap (DESIGN " +
            "§19.2)"
          : (base.profit > 0n
              ? "the insurance fund, then the pool, for its pair's gap past the long's margin (DESIGN §19.2); not the " +
                "LPs through its exit: "
              : "nobody through its exit: ") +
            "the close-out booked the loss at once (DESIGN §18.18), within what its WETH and the insurance fund " +
            "(which pays first) covered",
    };
  }

  /** Redeems its whole matured request (as much as the withdrawal reserve lets out). */
  private async exit(
    env: AgentEnv,
    tick: TickView,
    trigger: NonNullable<HiderRecord["trigger"]>,
    equity?: bigint,
  ): Promise<boolean> {
    const matured = await this.stake.maturedShares(env);
    if (matured === 0n) return false;
    const supply = await env.sys.pool.totalSupply();
    const { shares, received } = await this.stake.redeem(env, matured);
    if (shares === 0n) return false;
    Object.assign(this.record, { trigger, step: tick.step, equity, shares, supply, received });
    this.record.valueAfterExit = await env.sys.pool.poolValue();
    this.record.insuranceAtExit = await env.sys.vault.insuranceBalance();
    return true;
  }

  /** Closed out with WETH left and the booking below what keepers can still recover at today's price. */
  private async bookingStale(env: AgentEnv): Promise<boolean> {
    const { sys } = env;
    const id = this.long.accountId;
    const weth = this.weth(env);
    const debt = -(await sys.vault.balanceOf(id, sys.addresses.usdc));
    const held = await sys.vault.balanceOf(id, weth.address);
    if (debt <= 0n || held <= 0n || (await sys.clearinghouse.positionCount(id)) > 0n) return false;
    const config = await sys.vault.collateralConfig(weth.address);
    const value = (held * env.price(weth.marketId)) / 10n ** BigInt(weth.decimals);
    const recoverable = (value * WAD) / (WAD + config.liquidationDiscount) / TO_WAD;
    return debt - recoverable > (await sys.vault.badDebtBooked(id));
  }

  /**
   * The long's loss is settled: no position, nothing booked, and either no debt (keepers repaid it for its WETH) or no
   * WETH left (the waterfall ran).
   */
  private async longCleared(env: AgentEnv): Promise<boolean> {
    const { sys } = env;
    const id = this.long.accountId;
    if ((await sys.clearinghouse.positionCount(id)) > 0n || (await sys.vault.badDebtBooked(id)) > 0n)
      return false;
    if ((await sys.vault.balanceOf(id, sys.addresses.usdc)) >= 0n) return true;
    return (await sys.vault.balanceOf(id, this.weth(env).address)) === 0n;
  }

  private async closeHedge(env: AgentEnv): Promise<void> {
    const marketId = this.marketId(env);
    const size = (await env.sys.clearinghouse.position(this.hedge.accountId, marketId)).size;
    if (size !== 0n) await this.trade(env, this.hedge, marketId, -size);
  }

  /** Tops the long's WETH up to `HIDER_MARGIN_USD` at today's price, then opens the pair. */
  private async openPair(env: AgentEnv): Promise<void> {
    const weth = this.weth(env);
    const unit = 10n ** BigInt(weth.decimals);
    const target = (usdc(HIDER_MARGIN_USD) * TO_WAD * unit) / env.price(weth.marketId);
    const held = await env.sys.vault.balanceOf(this.long.accountId, weth.address);
    if (held < target) await this.depositWeth(env, weth, target - held);
    await this.relever(env);
  }

  /**
   * Keeps the long at `HIDER_LEVERAGE` × its haircut equity (within the initial margin after the fee) whenever it has
   * fallen more than `RELEVER_SLACK_PERCENT` below (a rise, a partial liquidation), and the short at the same size
   * with a third of its notional in USDC: at the update that gaps, the long is as levered as it can be.
   */
  private async relever(env: AgentEnv): Promise<void> {
    const { sys } = env;
    const marketId = this.marketId(env);
    const state = await readState(env, this.long.accountId);
    if (state.liquidatable || state.equity <= 0n) return;
    const m = marketInfo(env, marketId);
    const price = env.price(marketId);
    const wanted = (state.equity * BigInt(Math.round(HIDER_LEVERAGE * 100))) / 100n;
    const cap = (state.equity * WAD * 99n) / (m.imf + m.takerFee) / 100n;
    const target = ((wanted < cap ? wanted : cap) * WAD) / price;
    const long = (await sys.clearinghouse.position(this.long.accountId, marketId)).size;
    if (target * 100n <= long * (100n + RELEVER_SLACK_PERCENT)) return;
    const hedge = (await sys.clearinghouse.position(this.hedge.accountId, marketId)).size;
    const hedgeMargin = (target * price) / WAD / BigInt(HIDER_HEDGE_LEVERAGE) / TO_WAD;
    const balance = await sys.vault.balanceOf(this.hedge.accountId, sys.addresses.usdc);
    if (balance < hedgeMargin) await this.depositUsdc(env, this.hedge, hedgeMargin - balance);
    if (await this.trade(env, this.long, marketId, target - long))
      await this.trade(env, this.hedge, marketId, -target - hedge);
  }

  private async depositWeth(env: AgentEnv, weth: TokenInfo, amount: bigint): Promise<void> {
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint WETH`, () =>
      weth.contract.connect(signer).mint(this.actor.address, amount),
    );
    await env.sender.must(`${this.label} deposit WETH`, () =>
      env.sys.vault.connect(signer).deposit(this.long.subaccount, weth.address, amount),
    );
    this.depositedValue += (amount * env.price(weth.marketId)) / 10n ** BigInt(weth.decimals);
    const flows = env.tokenFlows.get(weth.symbol);
    if (flows) flows.deposited += amount;
  }

  private async depositUsdc(env: AgentEnv, a: TraderAccount, amount: bigint): Promise<void> {
    const { sys } = env;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint`, () =>
      sys.usdc.connect(signer).mint(this.actor.address, amount),
    );
    await env.sender.must(`${this.label} deposit`, () =>
      sys.vault.connect(signer).deposit(a.subaccount, sys.addresses.usdc, amount),
    );
    this.deposited += amount;
    this.depositedValue += amount * TO_WAD;
    env.flows.traderDeposits += amount;
  }

  private weth(env: AgentEnv): TokenInfo {
    const token = env.tokens.get("WETH");
    if (!token) throw new Error("WETH is not listed");
    return token;
  }

  private marketId(env: AgentEnv): bigint {
    return env.markets[0].marketId;
  }
}
