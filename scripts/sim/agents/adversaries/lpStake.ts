/**
 * An adversary's stake in the LiquidityPool (DESIGN §11, §18.2), kept apart from its trading accounts: it deposits,
 * escrows its shares with `requestWithdraw`, redeems once the delay has passed and before the window closes, and
 * renews an expired request. Every pool flow goes into the simulation's ledger (`env.flows.lpDeposits`,
 * `lpRedemptions`), as the honest LPs' do (agents/lp.ts), so the conservation check and the LPs' result count it.
 *
 * Its result for the adversary's profit is `netValue()`: the shares it still holds (in its wallet or escrowed) at the
 * final NAV, plus what it redeemed, minus what it deposited (USD, WAD). Trading accounts keep their own basis
 * (`TraderAgent.depositedValue`), so the traders' PnL of the headline stays the trading accounts' alone.
 */
import type { Actor } from "../../world";
import { MAX_UINT, TO_WAD } from "../env";
import type { AgentEnv } from "../env";

export interface PoolRequest {
  shares: bigint;
  unlockTime: bigint;
  expiry: bigint;
}

export class LpStake {
  /** Settlement units put into and taken out of the pool. */
  deposited = 0n;
  redeemed = 0n;

  constructor(
    private readonly actor: Actor,
    private readonly label: string,
  ) {}

  /** Approves the pool once. */
  async approve(env: AgentEnv): Promise<void> {
    await env.sender.must(`${this.label} approve pool`, () =>
      env.sys.usdc.connect(this.actor.signer).approve(env.sys.addresses.pool, MAX_UINT),
    );
  }

  /** Mints and deposits `amount` (settlement units); returns the shares minted (0 if the pool refused it). */
  async deposit(env: AgentEnv, amount: bigint): Promise<bigint> {
    const { sys } = env;
    const signer = this.actor.signer;
    await env.sender.must(`${this.label} mint`, () =>
      sys.usdc.connect(signer).mint(this.actor.address, amount),
    );
    const before = await sys.pool.balanceOf(this.actor.address);
    const result = await env.sender.send(() => sys.pool.connect(signer).deposit(amount, this.actor.address));
    if (!result.ok) return 0n; // the minted tokens stay in the wallet, outside the Vault and its ledger
    this.deposited += amount;
    env.flows.lpDeposits += amount;
    return (await sys.pool.balanceOf(this.actor.address)) - before;
  }

  /** Escrows every share in the wallet (the delay restarts for the whole request). */
  async requestAll(env: AgentEnv): Promise<boolean> {
    const shares = await env.sys.pool.balanceOf(this.actor.address);
    if (shares === 0n) return false;
    return (await env.sender.send(() => env.sys.pool.connect(this.actor.signer).requestWithdraw(shares))).ok;
  }

  async request(env: AgentEnv): Promise<PoolRequest> {
    const r = await env.sys.pool.withdrawalRequest(this.actor.address);
    return { shares: r.shares, unlockTime: r.unlockTime, expiry: r.expiry };
  }

  /** The escrowed shares it may redeem in the next block (0 before the delay, after the window). */
  async maturedShares(env: AgentEnv): Promise<bigint> {
    const r = await this.request(env);
    const now = BigInt(env.now());
    return r.shares > 0n && now >= r.unlockTime && now < r.expiry ? r.shares : 0n;
  }

  /** An expired request is cancelled and made again, so that a matured one comes back after the delay. */
  async renewIfExpired(env: AgentEnv): Promise<boolean> {
    const r = await this.request(env);
    if (r.shares === 0n || BigInt(env.now()) < r.expiry) return false;
    const pool = env.sys.pool.connect(this.actor.signer);
    if (!(await env.sender.send(() => pool.cancelWithdraw())).ok) return false;
    return this.requestAll(env);
  }

  /**
   * Redeems up to `shares` of its matured request, within what the withdrawal reserve lets out (`maxRedeem`); returns
   * the shares burnt and the settlement units received.
   */
  async redeem(env: AgentEnv, shares: bigint): Promise<{ shares: bigint; received: bigint }> {
    const { sys } = env;
    const max = await sys.pool.maxRedeem(this.actor.address);
    const n = shares < max ? shares : max;
    if (n === 0n) return { shares: 0n, received: 0n };
    const before = await sys.usdc.balanceOf(this.actor.address);
    const result = await env.sender.send(() =>
      sys.pool.connect(this.actor.signer).redeem(n, this.actor.address, this.actor.address),
    );
    if (!result.ok) return { shares: 0n, received: 0n };
    const received = (await sys.usdc.balanceOf(this.actor.address)) - before;
    this.redeemed += received;
    env.flows.lpRedemptions += received;
    return { shares: n, received };
  }

  /** Shares it owns: in its wallet and escrowed in its request. */
  async sharesHeld(env: AgentEnv): Promise<bigint> {
    return (await env.sys.pool.balanceOf(this.actor.address)) + (await this.request(env)).shares;
  }

  /** Held shares at the pool's value now, plus redeemed, minus deposited (USD, WAD). */
  async netValue(env: AgentEnv): Promise<bigint> {
    const shares = await this.sharesHeld(env);
    const value = shares === 0n ? 0n : await env.sys.pool.convertToAssets(shares);
    return (value + this.redeemed - this.deposited) * TO_WAD;
  }
}
