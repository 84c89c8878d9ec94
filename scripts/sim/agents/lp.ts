/**
 * A liquidity provider agent: deposits into the LiquidityPool, asks to withdraw (`requestWithdraw`), redeems once the
 * delay has passed and within the window, cancels an expired request, and sometimes adds liquidity. Its decisions come
 * from its own seeded stream, so a seed replays exactly.
 */
import type { Rng } from "../rng";
import type { LpSpec } from "../population";
import type { Actor } from "../world";
import { MAX_UINT } from "./env";
import type { AgentEnv } from "./env";

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
