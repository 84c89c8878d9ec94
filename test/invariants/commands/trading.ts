/** The trading commands: trades of each kind, and a trade and its reverse in one block. */
import { network } from "hardhat";
import type { IClearinghouse } from "../../../typechain-types/contracts/Clearinghouse";
import * as math from "../../shared/math";
import { SYMBOLS, WAD } from "../model";
import type { InvariantModel } from "../model";
import { accountState, stateFields } from "../checks";
import { accountIdOf, same } from "../system";
import type { Suite } from "../system";
import { checkEconomics } from "../economics";
import {
  KeelCommand,
  MAX_UINT,
  act,
  expectEvent,
  fail,
  freeCollateral,
  openPositions,
  pendingCall,
  sameBlock,
  sign,
  tally,
  trader,
} from "./core";
import type { Box, Post } from "./core";

/* TRADING */

export type TradeKind = "increase" | "reduce" | "flip" | "close";

export class TradeCommand extends KeelCommand {
  constructor(
    readonly kind: TradeKind,
    /** increase: the trader, subaccount and market; otherwise `pick` chooses among the open positions. */
    readonly trader: number,
    readonly sub: number,
    readonly market: number,
    readonly pick: number,
    readonly permille: number,
    readonly long: boolean,
    /** 0: no price limit; 1: the predicted fill exactly; 2: one wei better than the fill (must revert). */
    readonly slippage: number,
  ) {
    super();
  }

  /** Reducing, flipping and closing need an open position. */
  check(b: Readonly<Box>): boolean {
    return this.kind === "increase" || openPositions(b).length > 0;
  }

  target(b: Readonly<Box>): { trader: number; sub: number; market: number } {
    if (this.kind === "increase") return { trader: this.trader, sub: this.sub, market: this.market };
    const open = openPositions(b);
    return open[this.pick % open.length];
  }

  delta(m: InvariantModel, id: bigint, market: number, t: bigint): bigint {
    const size = m.position(id, market).size;
    const price = m.markets[market].price;
    const kind = size === 0n ? "increase" : this.kind;
    const p = BigInt(this.permille);
    switch (kind) {
      case "increase": {
        const dir = size !== 0n ? sign(size) : this.long ? 1n : -1n;
        const free = math.max(freeCollateral(m, id, t, 1_000n * WAD), 50n * WAD);
        // Up to ~9.5x the free collateral (initial margin is 10%): most fit, the largest fail on margin.
        const notional = (free * 95n * p) / 10_000n;
        return (dir * notional * WAD) / price;
      }
      case "reduce": {
        const d = (-size * p) / 1_000n;
        return d === 0n ? -sign(size) : d;
      }
      case "flip":
        return -size - sign(size) * math.max((math.abs(size) * p) / 1_000n, 10n ** 15n);
      case "close":
        return -size;
    }
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const { trader: traderIndex, sub, market } = this.target(b);
    const who = trader(s, traderIndex);
    const id = accountIdOf(who.address, sub);
    const delta = this.delta(m, id, market, t);
    let acceptable = delta > 0n ? MAX_UINT : 0n;
    if (this.slippage !== 0 && delta !== 0n && m.oracleErrors(SYMBOLS[market], t).length === 0) {
      const fill = m.previewTrade(id, market, delta, t).fill;
      acceptable = this.slippage === 1 ? fill : delta > 0n ? fill - 1n : fill + 1n;
    }
    const outcome = m.tryTrade(id, market, delta, acceptable, t);
    const ch = s.clearinghouse.interface;
    if (outcome.ok) {
      // §15.6: previewTrade at the trade's own timestamp agrees with what the trade then does.
      await network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
      const preview = await pendingCall(
        s,
        s.address.clearinghouse,
        ch.encodeFunctionData("previewTrade", [id, market, delta]),
      );
      if (!preview.ok) fail(`previewTrade reverted with ${preview.error}`);
      const [fill, fee, after] = ch.decodeFunctionResult("previewTrade", preview.data);
      const { ref, after: expected } = outcome.value;
      if (!same([fill, fee], [ref.fill, ref.fee]))
        fail(`previewTrade fill/fee ${fill}/${fee} != ${ref.fill}/${ref.fee}`);
      if (
        !same(
          stateFields.map((f) => (after as IClearinghouse.AccountStateStructOutput)[f]),
          stateFields.map((f) => expected[f]),
        )
      ) {
        fail(`previewTrade state after differs from the model`);
      }
    }
    const label = `trade.${this.kind}`;
    const data = ch.encodeFunctionData("trade", [sub, market, delta, acceptable]);
    const done = await act(b, s, label, outcome, who.address, s.address.clearinghouse, data, t);
    if (done === null) return;
    const { ref, reduceOnly } = done.value;
    expectEvent(
      s,
      done.logs,
      s.address.clearinghouse,
      "TradeExecuted",
      [...math.tradeExecutedEventArgs(id, BigInt(market), delta, ref)],
      label,
    );
    return (snap) => {
      // §15.3: after a risk-increasing trade, equity >= initial margin (on the chain's own numbers).
      if (!reduceOnly) {
        const st = accountState(snap, id);
        if (st.equity < st.initialMargin)
          fail(`${label}: accepted with equity ${st.equity} < IM ${st.initialMargin} (§15.3)`);
      }
    };
  }

  toString() {
    const what =
      this.kind === "increase"
        ? `trader ${this.trader}/${this.sub}, ${SYMBOLS[this.market]}, ${this.long ? "long" : "short"} if flat`
        : `open position #${this.pick}`;
    return `trade.${this.kind}(${what}, ${this.permille}‰, slippage ${this.slippage})`;
  }
}

/** §15.5: open and close in one block return at most what went in. */
export class RoundTripTradeCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly market: number,
    readonly permille: number,
    readonly long: boolean,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, this.sub);
    const free = math.max(freeCollateral(m, id, t, 100n * WAD), 20n * WAD);
    const notional = (free * BigInt(this.permille)) / 1_000n + 20n * WAD;
    const delta = ((this.long ? 1n : -1n) * notional * WAD) / m.markets[this.market].price;
    const any = (d: bigint) => (d > 0n ? MAX_UINT : 0n);
    const open = m.tryTrade(id, this.market, delta, any(delta), t);
    const close = open.ok ? open.next.tryTrade(id, this.market, -delta, any(-delta), t) : open;
    const ch = s.clearinghouse.interface;
    if (!open.ok || !close.ok) {
      // Not a round trip the account can make: send the opening leg alone, held to its prediction.
      const data = ch.encodeFunctionData("trade", [this.sub, this.market, delta, any(delta)]);
      await act(b, s, "roundTrip.open-only", open, who.address, s.address.clearinghouse, data, t);
      return;
    }
    const legs = [delta, -delta].map((d) =>
      ch.encodeFunctionData("trade", [this.sub, this.market, d, any(d)]),
    );
    await sameBlock(
      s,
      t,
      legs.map((data) => [who.address, s.address.clearinghouse, data]),
    );
    const before = open.value.before;
    const m0 = b.m;
    b.m = close.next;
    tally("roundTrip.trade", true);
    await checkEconomics(s, m0, b.m, [
      {
        label: "roundTrip.open",
        from: who.address,
        to: s.address.clearinghouse,
        data: legs[0],
        value: open.value,
      },
      {
        label: "roundTrip.close",
        from: who.address,
        to: s.address.clearinghouse,
        data: legs[1],
        value: close.value,
      },
    ]);
    return (snap) => {
      const after = accountState(snap, id);
      if (after.equity > before.equity) {
        fail(`open→close in one block raised equity from ${before.equity} to ${after.equity} (§15.5)`);
      }
    };
  }

  toString() {
    return `roundTripTrade(trader ${this.trader}/${this.sub}, ${SYMBOLS[this.market]}, ${this.permille}‰, ${this.long ? "long" : "short"})`;
  }
}
