/**
 * The simulation's agents, each using the real contracts through ethers with its own signer:
 *
 *   - `TraderAgent`: a directional trader (one position at a time, leverage by temperament, some cut losses or take
 *     profit, some top up or withdraw) or a hedger (a long/short pair of equal notional, rebalanced now and then). In
 *     cross margin a trader's positions share subaccount 0; isolated, each position of the first book has its own
 *     subaccount (1, 2, ...) with its share of the collateral.
 *   - `LpAgent`: deposits into the LiquidityPool, asks to withdraw (`requestWithdraw`), redeems once the delay has
 *     passed and within the window, cancels an expired request, and sometimes adds liquidity.
 *
 * Every decision is drawn from the agent's own seeded stream and the chain's state, so a seed replays exactly. A
 * refused transaction (margin, open-interest cap, pool liquidity) is counted by the `Sender`, not fatal.
 */
import type { MockERC20 } from "../../typechain-types";
import type { AccountStateData, PositionData, System } from "../lib/system";
import { toAccountStateData, toPositionData } from "../lib/system";
import type { Rng } from "./rng";
import type { LpSpec, TraderSpec } from "./population";
import type { Actor, Flows, Sender, TokenFlows } from "./world";

const WAD = 10n ** 18n;
/** Settlement-token units (6 decimals) to WAD. */
const TO_WAD = 10n ** 12n;
const MAX_UINT = 2n ** 256n - 1n;

export interface MarketInfo {
  marketId: bigint;
  symbol: string;
  imf: bigint;
  mmf: bigint;
  takerFee: bigint;
  minPositionNotional: bigint;
}

/** A listed non-settlement collateral token. */
export interface TokenInfo {
  symbol: string;
  address: string;
  contract: MockERC20;
  decimals: number;
  /** The market whose oracle price values it (same asset). */
  marketId: bigint;
  /** `weight` (haircut, WAD). */
  weight: bigint;
}

/** What an agent sees of the world when it acts. */
export interface AgentEnv {
  sys: System;
  sender: Sender;
  markets: MarketInfo[];
  /** The listed collateral tokens by symbol (`WETH`, `WBTC`). */
  tokens: Map<string, TokenInfo>;
  /** The oracle price just pushed to a market's feed (WAD). */
  price(marketId: bigint): bigint;
  flows: Flows;
  tokenFlows: Map<string, TokenFlows>;
  /** Timestamp of the next block. */
  now(): number;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
/** `|size| * price` (WAD). */
export const notionalOf = (size: bigint, price: bigint): bigint => (abs(size) * price) / WAD;
/** USD (WAD) as a float, for decisions that need a ratio. */
const usd = (wad: bigint): number => Number(wad / 10n ** 12n) / 1e6;
const toWad = (x: number): bigint => BigInt(Math.round(x * 1e6)) * 10n ** 12n;

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

  constructor(
    readonly spec: TraderSpec,
    readonly actor: Actor,
    private readonly rng: Rng,
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

    const state = await readState(env, a.accountId);
    if (state.liquidatable || state.equity <= 0n) return; // the keeper's business, or a write-off
    const positions = await readPositions(env, a.accountId);
    if (this.spec.kind === "hedger") await this.actHedger(env, a, state, positions);
    else await this.actDirectional(env, a, state, positions);
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
        .map(({ p, notional }) => ({
          marketId: p.marketId,
          side: (p.size > 0n ? 1 : -1) as 1 | -1,
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
    legs: { marketId: bigint; side: 1 | -1; notional: bigint }[],
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
  private async trade(
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

export class LpAgent {
  /** Settlement units deposited into and redeemed from the pool. */
  deposited = 0n;
  redeemed = 0n;
  requests = 0;
  redemptions = 0;
  cancellations = 0;

  constructor(
    readonly spec: LpSpec,
    readonly actor: Actor,
    private readonly rng: Rng,
  ) {}

  get label(): string {
    return this.spec.label;
  }

  async setup(env: AgentEnv): Promise<void> {
    const { sys } = env;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} approve`, () =>
      sys.usdc.connect(signer).approve(sys.addresses.pool, MAX_UINT),
    );
    await this.deposit(env, this.spec.deposit, true);
  }

  private async deposit(env: AgentEnv, amount: bigint, must = false): Promise<void> {
    const { sys } = env;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint`, () =>
      sys.usdc.connect(signer).mint(this.actor.address, amount),
    );
    const tx = () => sys.pool.connect(signer).deposit(amount, this.actor.address);
    if (must) await env.sender.must(`${this.label} pool deposit`, tx);
    else if (!(await env.sender.send(tx)).ok) return;
    this.deposited += amount;
    env.flows.lpDeposits += amount;
  }

  async act(env: AgentEnv): Promise<void> {
    const { sys } = env;
    const signer = this.actor.signer;
    const pool = sys.pool.connect(signer);
    const request = await sys.pool.withdrawalRequest(this.actor.address);
    const now = BigInt(env.now());
    if (request.shares > 0n) {
      if (now >= request.unlockTime && now < request.expiry) {
        const max = await sys.pool.maxRedeem(this.actor.address);
        const shares = request.shares < max ? request.shares : max;
        if (shares === 0n) return;
        const before = await sys.usdc.balanceOf(this.actor.address);
        const result = await env.sender.send(() =>
          pool.redeem(shares, this.actor.address, this.actor.address),
        );
        if (result.ok) {
          const received = (await sys.usdc.balanceOf(this.actor.address)) - before;
          this.redeemed += received;
          this.redemptions++;
          env.flows.lpRedemptions += received;
        }
      } else if (now >= request.expiry) {
        if ((await env.sender.send(() => pool.cancelWithdraw())).ok) this.cancellations++;
      }
      return;
    }
    if (this.rng.chance(this.spec.activity)) {
      const balance = await sys.pool.balanceOf(this.actor.address);
      const shares = (balance * BigInt(Math.round(this.rng.uniform(0.1, 0.4) * 1000))) / 1000n;
      if (shares > 0n && (await env.sender.send(() => pool.requestWithdraw(shares))).ok) this.requests++;
    } else if (this.rng.chance(this.spec.activity * 0.7)) {
      const amount = (this.spec.deposit * BigInt(Math.round(this.rng.uniform(0.1, 0.3) * 1000))) / 1000n;
      if (amount > 0n) await this.deposit(env, amount);
    }
  }
}

const halfOf = (size: bigint): bigint => size / 2n;

function marketInfo(env: AgentEnv, marketId: bigint): MarketInfo {
  const m = env.markets.find((x) => x.marketId === marketId);
  if (!m) throw new Error(`unknown market ${marketId}`);
  return m;
}

const readState = async (env: AgentEnv, accountId: bigint): Promise<AccountStateData> =>
  toAccountStateData(await env.sys.clearinghouse.accountState(accountId));

const readPositions = async (env: AgentEnv, accountId: bigint): Promise<PositionData[]> =>
  (await env.sys.lens.positions(accountId)).map(toPositionData);
