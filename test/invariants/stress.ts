/**
 * Commands that take the pool to the states §15.9 (./economics/) is about: a whale at the pool's open-interest cap on
 * both markets (with the `withSkew` price moves of ./commands/, the pool's value falls towards zero and below), and an
 * LP draining what the withdrawal reserve lets it take. With them a run can reach a pool deposit while the pool's value
 * is ≤ 0 (issue 13 item 1) and a large open → LP redemption → close by one actor (trader 2 is LP 2: item 4).
 */
import fc from "fast-check";
import * as math from "../shared/math";
import { LOCAL_WITHDRAWAL_DELAY } from "../../deploy/config";
import { SYMBOLS, TO_WAD, VIRTUAL_ASSETS, VIRTUAL_SHARES, WAD } from "./model";
import { KeelCommand, MAX_UINT, act, refreshFeed, trader } from "./commands";
import type { Box, Post } from "./commands";
import { accountIdOf } from "./system";
import type { Suite } from "./system";

/**
 * A trader's subaccount 1 deposits a quarter of the notional and opens, on each market, the largest position the
 * pool's open-interest cap (`maxOpenInterestToPool` × the pool's cash) still allows on one side (97% of the room).
 */
export class WhaleCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly long: boolean,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, 1n);
    const sizes = b.m.markets.map((mk) => {
      const cap = (b.m.pool * TO_WAD * b.m.risk.maxOpenInterestToPool) / WAD;
      const used = ((this.long ? mk.longOI : mk.shortOI) * mk.price) / WAD;
      const notional = math.max(((cap - used) * 97n) / 100n, 1_000n * WAD);
      return { notional, size: (notional * WAD) / mk.price };
    });
    const amount = sizes.reduce((x, y) => x + y.notional, 0n) / TO_WAD / 4n;
    const v = s.vault.interface;
    const t0 = b.m.now + 1n;
    await act(
      b,
      s,
      "whale.deposit",
      b.m.tryDeposit(id, s.address.usdc, amount, t0),
      who.address,
      s.address.vault,
      v.encodeFunctionData("deposit", [1n, s.address.usdc, amount]),
      t0,
    );
    const ch = s.clearinghouse.interface;
    for (const [market, { size }] of sizes.entries()) {
      const delta = this.long ? size : -size;
      const acceptable = delta > 0n ? MAX_UINT : 0n;
      const t = b.m.now + 1n;
      await act(
        b,
        s,
        "whale.open",
        b.m.tryTrade(id, market, delta, acceptable, t),
        who.address,
        s.address.clearinghouse,
        ch.encodeFunctionData("trade", [1n, market, delta, acceptable]),
        t,
      );
    }
  }

  toString() {
    return `whale(trader ${this.trader}/1, ${this.long ? "long" : "short"} ${SYMBOLS.join(" and ")} at the pool's OI cap)`;
  }
}

/**
 * An LP takes all the reserve lets it: unless it holds a matured request, it requests all its shares, waits out the
 * delay (the feeds post again at the new time) and redeems the shares worth what `availableLiquidity` allows.
 */
export class PoolDrainCommand extends KeelCommand {
  constructor(readonly lp: number) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const lp = s.actors.lps[this.lp];
    const p = s.pool.interface;
    let r = b.m.request(lp.address);
    if (!(r.shares > 0n && b.m.now + 1n >= r.unlockTime && b.m.now + 1n < r.expiry)) {
      const shares = b.m.lpShares(lp.address);
      const t = b.m.now + 1n;
      await act(
        b,
        s,
        "drain.request",
        b.m.tryRequestWithdraw(lp.address, shares, t),
        lp.address,
        s.address.pool,
        p.encodeFunctionData("requestWithdraw", [shares]),
        t,
      );
      r = b.m.request(lp.address);
      let tf = math.max(r.unlockTime, b.m.now + BigInt(LOCAL_WITHDRAWAL_DELAY));
      for (const marketId of [0, 1]) await refreshFeed(b, s, marketId, tf++);
    }
    const t = b.m.now + 1n;
    const assets = b.m.oracleErrors(SYMBOLS[0], t).length ? 0n : b.m.availableLiquidity(t);
    const byValue = math.mulDivFloor(
      assets,
      b.m.supply + VIRTUAL_SHARES,
      b.m.totalAssets(t) + VIRTUAL_ASSETS,
    );
    const shares = math.max(1n, math.min(r.shares, byValue));
    await act(
      b,
      s,
      "drain.redeem",
      b.m.tryRedeem(lp.address, shares, t),
      lp.address,
      s.address.pool,
      p.encodeFunctionData("redeem", [shares, lp.address, lp.address]),
      t,
    );
  }

  toString() {
    return `pool.drain(LP ${this.lp})`;
  }
}

export function stressArbitraries(): fc.Arbitrary<fc.AsyncCommand<Box, Suite>>[] {
  return [
    fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()).map((a) => new WhaleCommand(...a)),
    fc.integer({ min: 0, max: 2 }).map((lp) => new PoolDrainCommand(lp)),
  ];
}
