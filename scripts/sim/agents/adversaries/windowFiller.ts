/**
 * The liquidation-window filler (scenario `adversaries`, issue 17): an account that fills the liquidation window to
 * shield another. Under cascade damping (a cap on the notional liquidated per market per window) an attacker holding a
 * big under-margined account could get small accounts of its own liquidated first whenever the big one becomes
 * liquidatable: they use up the window's room, the keeper's liquidation of the big account is refused until the window
 * rolls over, and the attacker keeps its position through the move — it recovers, or it goes under water and the
 * insurance fund and the pool pay the gap. `test/attacks/liquidationCapStall.test.ts` is the stall it relied on.
 *
 * The defence is that there is no window any more: cascade damping was removed (DESIGN §10.6, §18.11),
 * `maxLiquidationNotionalPerWindow` is stored but nothing reads it, so the keeper liquidates the big account in the
 * tick it becomes liquidatable whatever was liquidated before it.
 *
 * What it does: a `WINDOW_FILLER_LEVERAGE`× long of `WINDOW_FILLER_COLLATERAL_USD` (subaccount 0, the shielded
 * account) on the market with the most open-interest room (less than that if the cap leaves less) and `WINDOW_FILLERS` filler longs of `FILLER_COLLATERAL_USD` at the same leverage (subaccounts 1…), opened
 * after the big one so the skew premium leaves them a little weaker: they cross the maintenance margin with it. After
 * every update, before the traders and the keeper, if the big account is liquidatable it liquidates every
 * liquidatable filler from a second wallet (which collects their keeper rewards). At the last update it closes what is
 * left, so every funding payment is in the run's record.
 */
import { formatUsd as usd } from "../../../common/format";
import { usdc } from "../../population";
import type { MarketRef, TraderSpec } from "../../population";
import type { Rng } from "../../rng";
import type { Actor } from "../../world";
import { TraderAgent } from "../trader";
import type { TraderAccount } from "../trader";
import { MAX_UINT, TO_WAD, WAD, notionalOf } from "../env";
import type { AgentEnv, MarketInfo } from "../env";
import type { AdversaryAgent, AdversaryDescription, BaseOutcome, TickView } from "./adversary";

/** The shielded account: its deposit (USD) and the leverage of its long. */
export const WINDOW_FILLER_COLLATERAL_USD = 20_000;
export const WINDOW_FILLER_LEVERAGE = 5;
/** The fillers: how many, and each one's deposit (USD), at the same leverage. */
export const WINDOW_FILLERS = 4;
export const FILLER_COLLATERAL_USD = 500;

export function windowFillerSpec(markets: MarketRef[]): TraderSpec {
  return {
    label: "window-filler",
    kind: "adversary",
    style: "window-filler",
    collateral: usdc(WINDOW_FILLER_COLLATERAL_USD + WINDOW_FILLERS * FILLER_COLLATERAL_USD),
    tokenShare: 0,
    leverage: WINDOW_FILLER_LEVERAGE,
    legs: [{ ...markets[0], side: 1, weight: 1 }],
    activity: 0,
  };
}

/** What the filler did. */
export interface WindowFillerRecord {
  /** Ticks at which the shielded account was liquidatable and it liquidated fillers first. */
  shields: number;
  /** Its fillers' liquidations it sent, the notional they closed (USD, WAD) and the rewards its wallet got (units). */
  fillerLiquidations: number;
  fillerNotional: bigint;
  rewards: bigint;
  /** Shield ticks after which the keeper had liquidated the shielded account anyway (its position shrank). */
  liquidatedSameTick: number;
}

export class WindowFillerAgent extends TraderAgent implements AdversaryAgent {
  readonly record: WindowFillerRecord = {
    shields: 0,
    fillerLiquidations: 0,
    fillerNotional: 0n,
    rewards: 0n,
    liquidatedSameTick: 0,
  };
  private readonly big: TraderAccount;
  private readonly fillers: TraderAccount[];
  private readonly rewardAccount: TraderAccount;
  /** The shielded account's size when a shield fired this tick (undefined: none fired). */
  private shieldedSize?: bigint;
  /** The market of its longs, chosen when it opens them. */
  private market?: MarketInfo;

  constructor(
    spec: TraderSpec,
    actor: Actor,
    rng: Rng,
    accountIdOf: (owner: string, subaccount: bigint) => bigint,
    /** The second wallet it liquidates its fillers from (rewards land in its subaccount 0). */
    readonly liquidator: Actor,
  ) {
    super(spec, actor, rng, "cross", accountIdOf);
    const account = (owner: string, sub: number, usd: number): TraderAccount => ({
      subaccount: BigInt(sub),
      accountId: accountIdOf(owner, BigInt(sub)),
      legs: owner === actor.address ? [0] : [],
      collateral: usdc(usd),
    });
    this.big = account(actor.address, 0, WINDOW_FILLER_COLLATERAL_USD);
    this.fillers = Array.from({ length: WINDOW_FILLERS }, (_, i) =>
      account(actor.address, i + 1, FILLER_COLLATERAL_USD),
    );
    this.rewardAccount = account(liquidator.address, 0, 0);
    this.accounts.splice(0, this.accounts.length, this.big, ...this.fillers, this.rewardAccount);
  }

  /** Approves the Vault; the deposits come with the book (`openBook`). */
  override async setup(env: AgentEnv): Promise<void> {
    await env.sender.must(`${this.label} approve`, () =>
      env.sys.usdc.connect(this.actor.signer).approve(env.sys.addresses.vault, MAX_UINT),
    );
  }

  /**
   * The shielded long first, then the fillers, each deposited for its position at `WINDOW_FILLER_LEVERAGE`. The
   * shielded long is cut to 90% of the open-interest room the fillers leave (the cap against the pool's cash, DESIGN
   * §18.1) when the crowd's longs leave less than its target.
   */
  override async openBook(env: AgentEnv): Promise<void> {
    const rooms = await Promise.all(env.markets.map((m) => this.openInterestRoom(env, m.marketId)));
    const best = rooms.indexOf(rooms.reduce((a, b) => (b > a ? b : a)));
    this.market = env.markets[best];
    const marketId = this.marketId();
    const price = env.price(marketId);
    const leverage = BigInt(WINDOW_FILLER_LEVERAGE);
    const fillers = BigInt(WINDOW_FILLERS * FILLER_COLLATERAL_USD) * WAD * leverage;
    const room = rooms[best] - fillers;
    const target = BigInt(WINDOW_FILLER_COLLATERAL_USD) * WAD * leverage;
    const notional = target < (room * 9n) / 10n ? target : (room * 9n) / 10n;
    this.big.collateral = notional > 0n ? notional / leverage / TO_WAD : 0n;
    if (this.big.collateral === 0n) return;
    for (const a of [this.big, ...this.fillers]) {
      await this.deposit(env, a);
      await this.trade(env, a, marketId, (a.collateral * TO_WAD * leverage * WAD) / price);
    }
  }

  /** The notional (USD, WAD) the open-interest cap against the pool's cash leaves the longs of a market. */
  private async openInterestRoom(env: AgentEnv, marketId: bigint): Promise<bigint> {
    const { lens, vault } = env.sys;
    const cash = (await vault.poolBalance()) * TO_WAD;
    const cap = (cash * (await lens.riskParams()).maxOpenInterestToPool) / WAD;
    const longs = (await lens.market(marketId)).longOpenInterest;
    return cap - notionalOf(longs, env.price(marketId));
  }

  private async deposit(env: AgentEnv, a: TraderAccount): Promise<void> {
    const { sys } = env;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint`, () =>
      sys.usdc.connect(signer).mint(this.actor.address, a.collateral),
    );
    await env.sender.must(`${this.label} deposit`, () =>
      sys.vault.connect(signer).deposit(a.subaccount, sys.addresses.usdc, a.collateral),
    );
    this.deposited += a.collateral;
    this.depositedValue += a.collateral * TO_WAD;
    env.flows.traderDeposits += a.collateral;
  }

  override act(): Promise<void> {
    return Promise.resolve();
  }

  /** Before the traders and the keeper: if the shielded account is liquidatable, its fillers go first. */
  async afterPrices(env: AgentEnv, tick: TickView): Promise<void> {
    this.shieldedSize = undefined;
    if (tick.first) return;
    const ch = env.sys.clearinghouse;
    const flags = await ch.liquidatable([this.big, ...this.fillers].map((a) => a.accountId));
    if (!flags[0]) return;
    this.record.shields++;
    this.shieldedSize = await this.size(env, this.big);
    const usdcAddress = env.sys.addresses.usdc;
    for (const [i, filler] of this.fillers.entries()) {
      if (!flags[i + 1]) continue;
      const sizeBefore = await this.size(env, filler);
      const rewardsBefore = await env.sys.vault.balanceOf(this.rewardAccount.accountId, usdcAddress);
      const result = await env.sender.send(() =>
        ch.connect(this.liquidator.signer).liquidate(filler.accountId),
      );
      if (!result.ok) continue;
      this.record.fillerLiquidations++;
      const closed = sizeBefore - (await this.size(env, filler));
      this.record.fillerNotional += notionalOf(closed, env.price(this.marketId()));
      this.record.rewards +=
        (await env.sys.vault.balanceOf(this.rewardAccount.accountId, usdcAddress)) - rewardsBefore;
    }
  }

  /** After the keeper: was the shielded account liquidated anyway? At the last update, it takes everything off. */
  async afterKeeper(env: AgentEnv, tick: TickView): Promise<void> {
    if (this.shieldedSize !== undefined && (await this.size(env, this.big)) !== this.shieldedSize)
      this.record.liquidatedSameTick++;
    if (tick.next !== undefined) return;
    for (const a of [this.big, ...this.fillers]) {
      const size = await this.size(env, a);
      if (size !== 0n) await this.trade(env, a, this.marketId(), -size);
    }
  }

  describe(base: BaseOutcome): AdversaryDescription {
    const r = this.record;
    const notional = this.big.collateral * TO_WAD * BigInt(WINDOW_FILLER_LEVERAGE);
    const strategy =
      `a ${usd(notional, { dp: 0 })} ${this.market?.symbol ?? ""} long at ${WINDOW_FILLER_LEVERAGE}x shielded ` +
      `by ${WINDOW_FILLERS} filler longs; in the ${r.shields} update(s) it was liquidatable it liquidated its ` +
      `fillers first from a second wallet (${r.fillerLiquidations} liquidations, ${usd(r.fillerNotional)} of ` +
      `notional, ${usd(r.rewards * TO_WAD)} of rewards back) to use up the liquidation window`;
    return { strategy, paidBy: this.outcome(base.profit) };
  }

  /** Who paid, or what stopped it: the defence is the missing window (the keeper is never refused). */
  private outcome(profit: bigint): string {
    const r = this.record;
    const window = "cascade damping removed, DESIGN §10.6, §18.11";
    if (r.shields === 0)
      return profit > 0n
        ? "the pool's LPs, as the counterparty of its long's price move: its shielded account never became liquidatable"
        : "nobody: its shielded account never became liquidatable, so it never played the shield";
    if (r.liquidatedSameTick < r.shields)
      return (
        `the shield held in ${r.shields - r.liquidatedSameTick} of ${r.shields} update(s): the keeper did not ` +
        `liquidate the shielded account after its fillers (${window}: no window should refuse it)`
      );
    const defence =
      `no liquidation window exists (${window}): the keeper liquidated the shielded account in the same update ` +
      `it became liquidatable (${r.liquidatedSameTick} of ${r.shields})`;
    return profit > 0n
      ? `the pool's LPs, as the counterparty of its long's price move — not the window: ${defence}`
      : `stopped by the defence: ${defence}; it lost its fillers' penalties and its fees`;
  }

  private marketId(): bigint {
    return this.market?.marketId ?? this.spec.legs[0].marketId;
  }

  private async size(env: AgentEnv, a: TraderAccount): Promise<bigint> {
    return (await env.sys.clearinghouse.position(a.accountId, this.marketId())).size;
  }
}
