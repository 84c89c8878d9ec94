/** Tokens, prices, time and administration: donations, feed prices, time, pauses, funding accrual, insurance. */
import { network } from "hardhat";
import * as math from "../../shared/math";
import { DEFAULT_MARKETS, toMarketParams } from "../../../deploy/config";
import { SYMBOLS } from "../model";
import { snapshot } from "../checks";
import type { Snapshot } from "../checks";
import { mineAt, same, send, show } from "../system";
import type { Suite } from "../system";
import { checkEconomics } from "../economics";
import { BAND, KeelCommand, TOKENS, USDC_UNIT, act, fail, tally, tokenAddress } from "./core";
import type { Box, Post } from "./core";

/* TOKENS, PRICES, TIME, ADMINISTRATION */

/** Tokens sent straight to the Vault or to the pool: no ledger, NAV or share price may move. */
export class DonateCommand extends KeelCommand {
  constructor(
    readonly token: number,
    readonly permille: number,
    readonly toPool: boolean,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const token = tokenAddress(s, this.toPool ? 0 : this.token);
    const amount =
      [
        BigInt(this.permille) * 100n * USDC_UNIT,
        BigInt(this.permille) * 10n ** 16n,
        BigInt(this.permille) * 10n ** 5n,
      ][this.toPool ? 0 : this.token] + 1n;
    const to = this.toPool ? s.address.pool : s.address.vault;
    const data = s.usdc.interface.encodeFunctionData("transfer", [to, amount]);
    const r = await send(s, s.actors.donor.address, token, data, t);
    if (!r.ok) fail(`donation reverted: ${show(r.error)}`);
    b.m.now = t;
    b.m.donate(token, amount, this.toPool);
    tally(this.toPool ? "donate.pool" : "donate.vault", true);
    await checkEconomics(s, b.m, b.m, [
      { label: "donate", from: s.actors.donor.address, to: token, data, value: null },
    ]);
  }

  toString() {
    return `donate(${this.toPool ? "USDC" : TOKENS[this.token]} to the ${this.toPool ? "pool" : "Vault"}, ${this.permille}‰)`;
  }
}

export type PriceKind =
  "move" | "againstSkew" | "withSkew" | "zero" | "negative" | "future" | "stale" | "outOfBounds";

export class SetPriceCommand extends KeelCommand {
  constructor(
    readonly market: number,
    /** ‰ move of a valid answer. */
    readonly move: number,
    readonly kind: PriceKind,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const f = m.feeds[this.market];
    const [lo, hi] = BAND[this.market];
    const current = m.markets[this.market].price / 10n ** 10n;
    // A move against the skew (10% to 30%) is what leaves the leveraged side liquidatable.
    const skew = m.markets[this.market].longOI - m.markets[this.market].shortOI;
    // With the skew (10% to 30%): the winners' side gains, the pool's value falls, towards zero (§15.9).
    const move =
      this.kind === "againstSkew" || this.kind === "withSkew"
        ? (skew > 0n === (this.kind === "againstSkew") ? -1n : 1n) *
          (100n + BigInt(Math.abs(this.move) % 200))
        : BigInt(this.move);
    const moved = math.min(math.max((current * (1_000n + move)) / 1_000n, lo), hi);
    const feed = [s.ethFeed, s.btcFeed][this.market].interface;
    let answer = moved;
    let updatedAt = t;
    let data: string;
    switch (this.kind) {
      case "move":
      case "againstSkew":
      case "withSkew":
        data = feed.encodeFunctionData("updateAnswer", [moved]);
        break;
      case "zero":
      case "negative":
      case "outOfBounds":
        answer = this.kind === "zero" ? 0n : this.kind === "negative" ? -moved : f.maxPrice / 10n ** 10n + 1n;
        data = feed.encodeFunctionData("updateAnswer", [answer]);
        break;
      case "future":
      case "stale":
        updatedAt = this.kind === "future" ? t + 600n : t - f.heartbeat - 1n;
        data = feed.encodeFunctionData("updateRoundData", [f.round + 1n, moved, updatedAt, updatedAt]);
        break;
    }
    const r = await send(s, s.actors.admin.address, s.address.feeds[this.market], data, t);
    if (!r.ok) fail(`feed update reverted: ${show(r.error)}`);
    m.now = t;
    m.postAnswer(this.market, answer, updatedAt);
    tally(`price.${this.kind}`, true);
  }

  toString() {
    return `setPrice(${SYMBOLS[this.market]}, ${this.kind === "move" ? `${this.move}‰` : this.kind})`;
  }
}

export class AdvanceTimeCommand extends KeelCommand {
  constructor(
    readonly seconds: number,
    /** The feeds post their current answers at the new time (a live Chainlink heartbeat). */
    readonly refresh: boolean,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    let t = b.m.now + BigInt(this.seconds);
    if (!this.refresh) {
      await mineAt(t);
      b.m.now = t;
      tally("time.advance", true);
      return;
    }
    for (const marketId of [0, 1]) {
      await refreshFeed(b, s, marketId, t);
      t += 1n;
    }
    tally("time.advanceAndRefresh", true);
  }

  toString() {
    return `advanceTime(${this.seconds} s${this.refresh ? ", feeds refreshed" : ""})`;
  }
}

/** The feed posts the market's last valid price again at `t`, repairing any broken answer. */
export async function refreshFeed(b: Box, s: Suite, marketId: number, t: bigint) {
  const answer = b.m.markets[marketId].price / 10n ** 10n;
  const data = [s.ethFeed, s.btcFeed][marketId].interface.encodeFunctionData("updateAnswer", [answer]);
  const r = await send(s, s.actors.admin.address, s.address.feeds[marketId], data, t);
  if (!r.ok) fail(`feed refresh reverted: ${show(r.error)}`);
  b.m.now = t;
  b.m.postAnswer(marketId, answer, t);
}

export class PauseCommand extends KeelCommand {
  constructor(
    readonly pool: boolean,
    readonly pause: boolean,
    /** Run even when the target already is in that state (it must refuse). */
    readonly force: boolean,
  ) {
    super();
  }

  check(b: Readonly<Box>): boolean {
    return this.force || (this.pool ? b.m.poolPaused : b.m.chPaused) !== this.pause;
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const target = this.pool ? s.address.pool : s.address.clearinghouse;
    const iface = s.pool.interface;
    const data = this.pause ? iface.encodeFunctionData("pause") : iface.encodeFunctionData("unpause");
    const outcome = b.m.tryPause(this.pool ? "pool" : "clearinghouse", this.pause, t);
    await act(b, s, this.pause ? "pause" : "unpause", outcome, s.actors.admin.address, target, data, t);
  }

  toString() {
    return `${this.pause ? "pause" : "unpause"}(${this.pool ? "pool" : "clearinghouse"}${this.force ? ", forced" : ""})`;
  }
}

/** §15.6: accruing a market's funding first (`setMarketParams` with its own parameters) changes no view. */
export class AccrueCommand extends KeelCommand {
  constructor(readonly market: number) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    await network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    const before = await snapshot(s, "pending");
    const data = s.clearinghouse.interface.encodeFunctionData("setMarketParams", [
      this.market,
      toMarketParams(DEFAULT_MARKETS[this.market]),
    ]);
    const done = await act(
      b,
      s,
      "accrue",
      b.m.tryAccrue(this.market, t),
      s.actors.admin.address,
      s.address.clearinghouse,
      data,
      t,
    );
    if (done === null) return;
    return (after) => {
      const views = (x: Snapshot) =>
        [
          ...x.accounts.flatMap((a) => [a.state, a.positions]),
          x.liquidatable,
          x.lp.totalAssets,
          x.lp.available,
          ...x.ch.markets,
        ].map((r) => (r.ok ? r.value : r.error.name));
      if (!same(views(before), views(after))) fail("accruing funding changed a view (§15.6)");
    };
  }

  toString() {
    return `accrue(${SYMBOLS[this.market]})`;
  }
}

export class FundInsuranceCommand extends KeelCommand {
  constructor(readonly permille: number) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const amount = BigInt(this.permille) * USDC_UNIT;
    const data = s.vault.interface.encodeFunctionData("fundInsurance", [amount]);
    await act(
      b,
      s,
      "fundInsurance",
      b.m.tryFundInsurance(amount, t),
      s.actors.donor.address,
      s.address.vault,
      data,
      t,
    );
  }

  toString() {
    return `fundInsurance(${this.permille} USDC)`;
  }
}
