/** The liquidity-pool commands: LP deposits, withdrawal requests, redemptions and cancellations. */
import * as math from "../../shared/math";
import type { Suite } from "../system";
import { KeelCommand, USDC_UNIT, act, expectEvent } from "./core";
import type { Box, Post } from "./core";

/* LIQUIDITY POOL */

export class PoolDepositCommand extends KeelCommand {
  constructor(
    readonly lp: number,
    readonly permille: number,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const lp = s.actors.lps[this.lp];
    const assets = BigInt(this.permille) * 100n * USDC_UNIT;
    const data = s.pool.interface.encodeFunctionData("deposit", [assets, lp.address]);
    const done = await act(
      b,
      s,
      "pool.deposit",
      b.m.tryPoolDeposit(lp.address, assets, t),
      lp.address,
      s.address.pool,
      data,
      t,
    );
    if (done)
      expectEvent(
        s,
        done.logs,
        s.address.pool,
        "Deposit",
        [lp.address, lp.address, assets, done.value.shares],
        "pool.deposit",
      );
  }

  toString() {
    return `pool.deposit(LP ${this.lp}, ${BigInt(this.permille) * 100n} USDC)`;
  }
}

export class PoolRequestCommand extends KeelCommand {
  constructor(
    readonly lp: number,
    readonly permille: number,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const lp = s.actors.lps[this.lp];
    const shares = (b.m.lpShares(lp.address) * BigInt(this.permille)) / 1_000n;
    const data = s.pool.interface.encodeFunctionData("requestWithdraw", [shares]);
    await act(
      b,
      s,
      "pool.requestWithdraw",
      b.m.tryRequestWithdraw(lp.address, shares, t),
      lp.address,
      s.address.pool,
      data,
      t,
    );
  }

  toString() {
    return `pool.requestWithdraw(LP ${this.lp}, ${this.permille}‰ of its shares)`;
  }
}

export class PoolRedeemCommand extends KeelCommand {
  constructor(
    readonly lp: number,
    readonly permille: number,
    readonly force: boolean,
  ) {
    super();
  }

  /** A request that has matured and not expired at the next block (unless forced). */
  check(b: Readonly<Box>): boolean {
    const r = b.m.requests.get([...b.m.shares.keys()][this.lp]);
    const t = b.m.now + 1n;
    return this.force || (r !== undefined && r.shares > 0n && t >= r.unlockTime && t < r.expiry);
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const lp = s.actors.lps[this.lp];
    const shares = math.max(1n, (b.m.request(lp.address).shares * BigInt(this.permille)) / 1_000n);
    const data = s.pool.interface.encodeFunctionData("redeem", [shares, lp.address, lp.address]);
    const done = await act(
      b,
      s,
      "pool.redeem",
      b.m.tryRedeem(lp.address, shares, t),
      lp.address,
      s.address.pool,
      data,
      t,
    );
    if (done)
      expectEvent(
        s,
        done.logs,
        s.address.pool,
        "Withdraw",
        [lp.address, lp.address, lp.address, done.value.assets, shares],
        "pool.redeem",
      );
  }

  toString() {
    return `pool.redeem(LP ${this.lp}, ${this.permille}‰ of its request${this.force ? ", forced" : ""})`;
  }
}

export class PoolCancelCommand extends KeelCommand {
  constructor(
    readonly lp: number,
    readonly force: boolean,
  ) {
    super();
  }

  /** A pending request (unless forced). */
  check(b: Readonly<Box>): boolean {
    return this.force || (b.m.requests.get([...b.m.shares.keys()][this.lp])?.shares ?? 0n) > 0n;
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const lp = s.actors.lps[this.lp];
    const data = s.pool.interface.encodeFunctionData("cancelWithdraw");
    await act(
      b,
      s,
      "pool.cancelWithdraw",
      b.m.tryCancelWithdraw(lp.address, t),
      lp.address,
      s.address.pool,
      data,
      t,
    );
  }

  toString() {
    return `pool.cancelWithdraw(LP ${this.lp}${this.force ? ", forced" : ""})`;
  }
}
