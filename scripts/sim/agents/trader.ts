/**
 * A trader agent, using the real contracts through ethers with its own signer: a directional trader (one position at a
 * time, leverage by temperament, some cut losses or take profit, some top up or withdraw) or a hedger (a long/short
 * pair of equal notional, rebalanced now and then). In cross margin a trader's positions share subaccount 0; isolated,
 * each position of the first book has its own subaccount (1, 2, ...) with its share of the collateral.
 *
 * Every decision is drawn from the agent's own seeded stream and the chain's state, so a seed replays exactly. A
 * refused transaction (margin, open-interest cap, pool liquidity) is counted by the `Sender`, not fatal.
 */
import type { AccountStateData, PositionData } from "../../lib/system";
import type { Rng } from "../rng";
import type { TraderSpec } from "../population";
import type { Actor } from "../world";
import {
  MAX_UINT,
  TO_WAD,
  WAD,
  halfOf,
  marketInfo,
  notionalOf,
  readPositions,
  readState,
  toWad,
  usd,
} from "./env";
import type { AgentEnv } from "./env";
import { STOP_LOSS_SHARE, placeStopLoss } from "./stops";

/** A position to open or add to: its market, side and USD notional (WAD). */
interface OpenLeg {
  marketId: bigint;
  side: 1 | -1;
  notional: bigint;
}

/** One account (subaccount) of a trader. */
export interface TraderAccount {
  subaccount: bigint;
  accountId: bigint;
  /** Indices into the spec's legs held here (isolated: one each; cross: all). */
  legs: number[];
  /** Initial deposit into this subaccount (settlement units). */
  collateral: bigint;
}

export class TraderAgent {
  readonly accounts: TraderAccount[];
  /** Settlement units deposited and withdrawn by this trader. */
  deposited = 0n;
  withdrawn = 0n;
  /** USD value (WAD) of everything it deposited, collateral tokens at the oracle price of the day: its PnL's basis. */
  depositedValue = 0n;
  private topUps = 0;
  /** Trades executed (a position changed). */
  private trades = 0;
  /** The position size each market's stop-loss was placed for (agents/stops.ts). */
  private readonly stops = new Map<bigint, bigint>();

  constructor(
    readonly spec: TraderSpec,
    readonly actor: Actor,
    protected readonly rng: Rng,
    readonly margin: "cross" | "isolated",
    accountIdOf: (owner: string, subaccount: bigint) => bigint,
  ) {
    if (margin === "cross") {
      this.accounts = [
        {
          subaccount: 0n,
          accountId: accountIdOf(actor.address, 0n),
          legs: spec.legs.map((_, i) => i),
          collateral: spec.collateral,
        },
      ];
    } else {
      // One subaccount per position, the collateral split by the legs' share of the initial margin (their weight:
      // every market has the same imf on the local stack); the last one takes the rounding remainder.
      let left = spec.collateral;
      this.accounts = spec.legs.map((leg, i) => {
        const share =
          i === spec.legs.length - 1
            ? left
            : (spec.collateral * BigInt(Math.round(leg.weight * 1e6))) / 1_000_000n;
        left -= share;
        return {
          subaccount: BigInt(i + 1),
          accountId: accountIdOf(actor.address, BigInt(i + 1)),
          legs: [i],
          collateral: share,
        };
      });
    }
  }

  get label(): string {
    return this.spec.label;
  }

  /**
   * Mints its collateral, approves the Vault once and deposits into its subaccount(s): USDC, and for a trader with a
   * collateral token its share of each subaccount's deposit in that token at the current oracle price.
   */
  async setup(env: AgentEnv): Promise<void> {
    const { sys } = env;
    const signer = this.actor.signer;
    const token = this.spec.collateralToken ? env.tokens.get(this.spec.collateralToken) : undefined;
    if (this.spec.collateralToken && !token)
      throw new Error(`collateral ${this.spec.collateralToken} is not listed`);
    const shareMillionths = BigInt(Math.round(this.spec.tokenShare * 1e6));
    await env.sender.must(`${this.label} approve`, () =>
      sys.usdc.connect(signer).approve(sys.addresses.vault, MAX_UINT),
    );
    if (token) {
      await env.sender.must(`${this.label} approve ${token.symbol}`, () =>
        token.contract.connect(signer).approve(sys.addresses.vault, MAX_UINT),
      );
    }
    for (const a of this.accounts) {
      const tokenPart = token ? (a.collateral * shareMillionths) / 1_000_000n : 0n;
      const usdcPart = a.collateral - tokenPart;
      await env.sender.must(`${this.label} mint`, () =>
        sys.usdc.connect(signer).mint(this.actor.address, usdcPart),
      );
      await env.sender.must(`${this.label} deposit`, () =>
        sys.vault.connect(signer).deposit(a.subaccount, sys.addresses.usdc, usdcPart),
      );
      this.deposited += usdcPart;
      this.depositedValue += usdcPart * TO_WAD;
      env.flows.traderDeposits += usdcPart;
      if (token && tokenPart > 0n) {
        const price = env.price(token.marketId);
        const amount = (tokenPart * TO_WAD * 10n ** BigInt(token.decimals)) / price;
        await env.sender.must(`${this.label} mint ${token.symbol}`, () =>
          token.contract.connect(signer).mint(this.actor.address, amount),
        );
        await env.sender.must(`${this.label} deposit ${token.symbol}`, () =>
          sys.vault.connect(signer).deposit(a.subaccount, token.address, amount),
        );
        this.depositedValue += (amount * price) / 10n ** BigInt(token.decimals);
        const f = env.tokenFlows.get(token.symbol);
        if (f) f.deposited += amount;
      }
    }
  }

  /** Opens the first book: each leg at `collateral * leverage * weight` of notional, within the initial margin. */
  async openBook(env: AgentEnv): Promise<void> {
    for (const a of this.accounts) {
      const state = await readState(env, a.accountId);
      const perAccountLeverage =
        this.spec.leverage / a.legs.reduce((acc, i) => acc + this.spec.legs[i].weight, 0);
      const legs = a.legs.map((i) => {
        const leg = this.spec.legs[i];
        const notional = toWad(usd(state.equity) * perAccountLeverage * leg.weight);
        return { marketId: leg.marketId, side: leg.side, notional };
      });
      await this.open(env, a, state, legs);
    }
  }

  /**
   * One step of discretion (dynamic scenarios only). `cached` is the account's state at the end of the previous step:
   * an agent looks closer (reads the chain) only when its dice say so or its rules might fire.
   */
  async act(env: AgentEnv, cached: AccountStateData | undefined): Promise<void> {
    const a = this.accounts[0];
    const roll = this.rng.next();
    const ratio =
      cached && cached.maintenanceMargin > 0n ? usd(cached.equity) / usd(cached.maintenanceMargin) : Infinity;
    const watching =
      (this.spec.style === "swing" && ratio < 1.8) || (this.spec.style === "conservative" && ratio < 2.5);
    const flat = cached !== undefined && cached.maintenanceMargin === 0n;
    if (!(roll < this.spec.activity || watching || (flat && roll < this.spec.activity * 3))) return;

    const [state, positions] = await Promise.all([
      readState(env, a.accountId),
      readPositions(env, a.accountId),
    ]);
    if (state.liquidatable || state.equity <= 0n) return; // the keeper's business, or a write-off
    const traded = this.trades;
    if (this.spec.kind === "hedger") await this.actHedger(env, a, state, positions);
    else await this.actDirectional(env, a, state, positions);
    // Without an executed trade its positions' sizes are those just read.
    await this.protect(env, this.trades === traded ? positions : undefined);
  }

  /**
   * Conservative and swing traders (dynamic scenarios): a stop-loss order for every position opened or resized since
   * its stop was placed; a closed position's stop is left for a keeper to cancel. `current`: the positions, when the
   * caller has just read them and traded nothing since.
   */
  async protect(env: AgentEnv, current?: PositionData[]): Promise<void> {
    if (this.spec.kind !== "directional" || STOP_LOSS_SHARE[this.spec.style] === undefined) return;
    const a = this.accounts[0];
    for (const p of current ?? (await readPositions(env, a.accountId))) {
      if (this.stops.get(p.marketId) === p.size) continue;
      await placeStopLoss(env, this.actor, a.accountId, p.marketId, this.spec.style);
      this.stops.set(p.marketId, p.size);
    }
  }

  private async actDirectional(
    env: AgentEnv,
    a: TraderAccount,
    state: AccountStateData,
    positions: PositionData[],
  ) {
    const rng = this.rng;
    if (positions.length === 0) {
      const net = this.depositedValue - this.withdrawn * TO_WAD;
      if (state.equity < 100n * WAD) {
        if (this.topUps < 2 && rng.chance(0.3)) await this.topUp(env, a, this.spec.collateral / 2n);
        return;
      }
      if (net > 0n && state.equity > (net * 3n) / 2n && rng.chance(0.4)) {
        // Take the profit home: withdraw (in USDC, what the balance holds) what is above the net deposit.
        const balance = await env.sys.vault.balanceOf(a.accountId, env.sys.addresses.usdc);
        const excess = (state.equity - net) / TO_WAD;
        await this.withdraw(env, a, excess < balance ? excess : balance);
        return;
      }
      // Open a new position: the market and the side are drawn again each time.
      const leg = this.spec.legs[0];
      const market = rng.chance(0.6) ? env.markets[0] : env.markets[1];
      const side: 1 | -1 = rng.chance(0.65) ? 1 : -1;
      const notional = toWad(usd(state.equity) * this.spec.leverage);
      await this.open(env, a, state, [{ marketId: market?.marketId ?? leg.marketId, side, notional }]);
      return;
    }
    const p = positions[0];
    const price = env.price(p.marketId);
    const ratio = usd(state.equity) / Math.max(1e-9, usd(state.maintenanceMargin));
    if (this.spec.style === "swing" && ratio < 1.6) {
      await this.trade(env, a, p.marketId, -halfOf(p.size)); // cut the loss by half
      return;
    }
    if (this.spec.style === "conservative" && ratio < 2.2) {
      await this.trade(env, a, p.marketId, -p.size); // stop out
      return;
    }
    if (this.spec.style !== "degen" && p.unrealizedPnl > state.collateralValue / 2n && rng.chance(0.5)) {
      await this.trade(env, a, p.marketId, -p.size); // take the profit
      return;
    }
    if (!rng.chance(0.7)) return;
    const action = rng.weighted<"close" | "add" | "reduce" | "flip">([
      ["close", 0.35],
      ["add", 0.3],
      ["reduce", 0.15],
      ["flip", 0.2],
    ]);
    if (action === "close") await this.trade(env, a, p.marketId, -p.size);
    else if (action === "reduce") await this.trade(env, a, p.marketId, -halfOf(p.size));
    else if (action === "add") {
      const target = toWad(usd(state.equity) * this.spec.leverage);
      const current = notionalOf(p.size, price);
      if (target > current) {
        await this.open(env, a, state, [
          { marketId: p.marketId, side: p.size > 0n ? 1 : -1, notional: target - current },
        ]);
      }
    } else {
      if (!(await this.trade(env, a, p.marketId, -p.size))) return;
      const fresh = await readState(env, a.accountId);
      const notional = toWad(usd(fresh.equity) * this.spec.leverage);
      await this.open(env, a, fresh, [{ marketId: p.marketId, side: p.size > 0n ? -1 : 1, notional }]);
    }
  }

  private async actHedger(
    env: AgentEnv,
    a: TraderAccount,
    state: AccountStateData,
    positions: PositionData[],
  ) {
    const rng = this.rng;
    if (positions.length === 0) {
      if (state.equity < 200n * WAD || !rng.chance(0.5)) return;
      const legs = this.spec.legs.map((leg) => ({
        marketId: leg.marketId,
        side: leg.side,
        notional: toWad(usd(state.equity) * this.spec.leverage * leg.weight),
      }));
      await this.open(env, a, state, legs);
      return;
    }
    const legs = positions.map((p) => ({ p, notional: notionalOf(p.size, env.price(p.marketId)) }));
    if (legs.length === 1) {
      // One leg left (the other closed): close it too, the hedge is gone.
      await this.trade(env, a, legs[0].p.marketId, -legs[0].p.size);
      return;
    }
    const [x, y] = legs[0].notional >= legs[1].notional ? [legs[0], legs[1]] : [legs[1], legs[0]];
    const gross = x.notional + y.notional;
    const action = rng.weighted<"rebalance" | "relever" | "close" | "none">([
      ["rebalance", 0.5],
      ["relever", 0.25],
      ["close", 0.05],
      ["none", 0.2],
    ]);
    if (action === "close") {
      for (const { p } of legs) await this.trade(env, a, p.marketId, -p.size);
    } else if (action === "rebalance" && x.notional > 0n && (x.notional - y.notional) * 10n > x.notional) {
      // Trim the larger leg back to the smaller one's notional.
      const excess = ((x.notional - y.notional) * WAD) / env.price(x.p.marketId);
      await this.trade(env, a, x.p.marketId, x.p.size > 0n ? -excess : excess);
    } else if (action === "relever" && usd(gross) < 0.75 * usd(state.equity) * this.spec.leverage) {
      const target = toWad(usd(state.equity) * this.spec.leverage * 0.5);
      const adds = legs
        .filter(({ notional }) => notional < target)
        .map(({ p, notional }): OpenLeg => ({
          marketId: p.marketId,
          side: p.size > 0n ? 1 : -1,
          notional: target - notional,
        }));
      if (adds.length) await this.open(env, a, state, adds);
    }
  }

  /**
   * Opens (or adds to) positions of the given notionals, scaled down together so that the account stays above its
   * initial margin after fees; legs under the market's minimum notional are skipped.
   */
  private async open(
    env: AgentEnv,
    a: TraderAccount,
    state: AccountStateData,
    legs: OpenLeg[],
  ): Promise<void> {
    const free = state.equity - BigInt(state.initialMargin);
    if (free <= 0n || legs.length === 0) return;
    const info = legs.map((l) => marketInfo(env, l.marketId));
    const costPerNotional = info.reduce((m, i) => (i.imf + i.takerFee > m ? i.imf + i.takerFee : m), 0n);
    const maxNew = (((free * WAD) / costPerNotional) * 97n) / 100n;
    const total = legs.reduce((acc, l) => acc + l.notional, 0n);
    for (let i = 0; i < legs.length; i++) {
      const leg = legs[i];
      const notional = total > maxNew ? (leg.notional * maxNew) / total : leg.notional;
      if (notional < (info[i].minPositionNotional * 12n) / 10n) continue;
      const size = (notional * WAD) / env.price(leg.marketId);
      if (size === 0n) continue;
      await this.trade(env, a, leg.marketId, leg.side > 0 ? size : -size);
    }
  }

  /** Sends one trade with a 3% slippage limit around the oracle price; returns whether it was executed. */
  protected async trade(
    env: AgentEnv,
    a: TraderAccount,
    marketId: bigint,
    sizeDelta: bigint,
  ): Promise<boolean> {
    if (sizeDelta === 0n) return false;
    const price = env.price(marketId);
    const limit = sizeDelta > 0n ? (price * 103n) / 100n : (price * 97n) / 100n;
    const signer = this.actor.signer;
    const result = await env.sender.send(() =>
      env.sys.clearinghouse.connect(signer).trade(a.subaccount, marketId, sizeDelta, limit),
    );
    if (result.ok) this.trades++;
    return result.ok;
  }

  private async topUp(env: AgentEnv, a: TraderAccount, amount: bigint): Promise<void> {
    if (amount <= 0n) return;
    const { sys } = env;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint`, () =>
      sys.usdc.connect(signer).mint(this.actor.address, amount),
    );
    const result = await env.sender.send(() =>
      sys.vault.connect(signer).deposit(a.subaccount, sys.addresses.usdc, amount),
    );
    if (result.ok) {
      this.topUps++;
      this.deposited += amount;
      this.depositedValue += amount * TO_WAD;
      env.flows.traderDeposits += amount;
    }
  }

  private async withdraw(env: AgentEnv, a: TraderAccount, amount: bigint): Promise<void> {
    if (amount <= 0n) return;
    const { sys } = env;
    const signer = this.actor.signer;
    const result = await env.sender.send(() =>
      sys.vault.connect(signer).withdraw(a.subaccount, sys.addresses.usdc, amount),
    );
    if (result.ok) {
      this.withdrawn += amount;
      env.flows.traderWithdrawals += amount;
    }
  }
}
