/**
 * The commands of the model-based suite (fast-check `AsyncCommand`s). Each one computes its inputs from the model so
 * that most of them succeed, asks the model what the chain must do (success, or one of the exact custom errors its
 * state predicts), sends one transaction (two in one block for the round trips) at a block time it chooses, checks the
 * outcome, its events and the command's own invariant, then checks every invariant of DESIGN §15 (./checks.ts).
 */
import fc from "fast-check";
import { ethers, network } from "hardhat";
import type { Log, Result } from "ethers";
import * as math from "../shared/math";
import { DEFAULT_MARKETS, toMarketParams } from "../../deploy/config";
import { SYMBOLS, TO_WAD, WAD } from "./model";
import type { InvariantModel, Outcome } from "./model";
import { accountState, checkInvariants, plainState, snapshot, stateFields } from "./checks";
import type { Snapshot } from "./checks";
import { accountIdOf, decodeError, eventsFrom, expectOneOf, mineAt, same, send, show } from "./system";
import type { Suite } from "./system";
import { checkEconomics } from "./economics";
import { sameOwner, splitAccountId, subaccountOf } from "../../scripts/common/accounts";

/** Counters of what the suite executed: commands (fast-check's), runs, and how each kind of action ended. */
export const stats = {
  commands: 0,
  runs: 0,
  closeOutActions: 0,
  outcomes: new Map<string, { ok: number; reverted: number; errors: Map<string, number> }>(),
};

function tally(label: string, ok: boolean, error?: string) {
  let o = stats.outcomes.get(label);
  if (o === undefined) stats.outcomes.set(label, (o = { ok: 0, reverted: 0, errors: new Map() }));
  if (ok) o.ok++;
  else {
    o.reverted++;
    o.errors.set(error!, (o.errors.get(error!) ?? 0) + 1);
  }
}

/** The model of one run; commands replace `m` with the model of the action they applied. */
export interface Box {
  m: InvariantModel;
  /** Account ids of trader i's subaccount j: `ids[i][j]`. */
  ids: bigint[][];
}

export type Post = ((snap: Snapshot) => void) | void;

export const USDC_UNIT = 10n ** 6n;
export const MAX_UINT = ethers.MaxUint256;
/** Each run keeps prices inside a band around the initial price, so the pool can always pay the winners. */
const BAND: [bigint, bigint][] = [
  [2_100n * 10n ** 8n, 4_200n * 10n ** 8n],
  [42_000n * 10n ** 8n, 84_000n * 10n ** 8n],
];

const sign = (x: bigint) => (x < 0n ? -1n : 1n);

export function fail(message: string): never {
  throw new Error(message);
}

/** Sends one transaction and holds the chain to the model's prediction; applies the model on success. */
export async function act<T>(
  b: Box,
  s: Suite,
  label: string,
  outcome: Outcome<T>,
  from: string,
  to: string,
  data: string,
  t: bigint,
): Promise<{ value: T; logs: Log[] } | null> {
  const r = await send(s, from, to, data, t);
  b.m.now = t;
  if (outcome.ok) {
    if (!r.ok) fail(`${label}: reverted with ${show(r.error)}, but the model predicts success`);
    const before = b.m;
    b.m = outcome.next;
    tally(label, true);
    await checkEconomics(s, before, b.m, [{ label, from, to, data, value: outcome.value }]);
    return { value: outcome.value, logs: r.logs };
  }
  if (r.ok)
    fail(
      `${label}: succeeded, but the model predicts a revert with one of: ${outcome.errors.map(show).join(" | ")}`,
    );
  expectOneOf(r.error, outcome.errors, label);
  tally(label, false, r.error.name);
  return null;
}

function expectEvent(s: Suite, logs: Log[], address: string, name: string, args: unknown[], label: string) {
  const found = eventsFrom(s, logs, address, name);
  if (!found.some((e) => same(e.args, args))) {
    fail(
      `${label}: no ${name}(${args.map(String).join(", ")}) among ${found.map((e) => `${e.name}(${e.args.join(", ")})`).join("; ") || "no events"}`,
    );
  }
}

/** Views at the next block's timestamp (`pending`), decoded. */
async function pendingCall(
  s: Suite,
  to: string,
  data: string,
): Promise<{ ok: true; data: string } | { ok: false; error: string }> {
  try {
    return { ok: true, data: (await network.provider.send("eth_call", [{ to, data }, "pending"])) as string };
  } catch (e) {
    const d = (e as { data?: unknown }).data;
    return { ok: false, error: typeof d === "string" ? show(decodeError(s, d)) : String(e) };
  }
}

/** INVARIANT_DEBUG=1: one line per command with each trader account's equity / IM and the prices. */
function trace(command: KeelCommand, b: Box) {
  const t = b.m.now + 1n;
  const ratios = b.ids.flat().map((id) => {
    if (b.m.assetErrors(b.m.accountAssets(id), t).length) return "?";
    const st = b.m.state(id, t);
    return st.initialMargin === 0n ? "-" : ethers.formatUnits((st.equity * 100n) / st.initialMargin, 2);
  });
  const prices = b.m.markets.map((m) => ethers.formatUnits(m.price, 18)).join(" ");
  console.log(`    ${command.toString().padEnd(72)} equity/IM ${ratios.join(" ")} | ${prices}`);
}

export abstract class KeelCommand implements fc.AsyncCommand<Box, Suite> {
  check(_b: Readonly<Box>): boolean {
    return true;
  }

  async run(b: Box, s: Suite): Promise<void> {
    stats.commands++;
    const post = await this.exec(b, s);
    if (process.env.INVARIANT_DEBUG === "1") trace(this, b);
    const snap = await checkInvariants(s, b.m);
    if (post) post(snap);
  }

  abstract exec(b: Box, s: Suite): Promise<Post>;
  abstract toString(): string;
}

/** A trader's account: trader 0–2, subaccount 0–1. */
export const trader = (s: Suite, i: number) => s.actors.traders[i];
const tokenAddress = (s: Suite, token: number) => [s.address.usdc, s.address.weth, s.address.wbtc][token];
const TOKENS = ["USDC", "WETH", "WBTC"];

/** Free collateral (WAD) of an account at `t`, or `fallback` when a price it needs is invalid. */
function freeCollateral(m: InvariantModel, id: bigint, t: bigint, fallback: bigint): bigint {
  if (m.assetErrors(m.accountAssets(id), t).length) return fallback;
  const st = m.state(id, t);
  return st.equity - st.initialMargin;
}

/* TRADING */

export type TradeKind = "increase" | "reduce" | "flip" | "close";

/** The open positions of the traders' accounts, in a fixed order. */
function openPositions(b: Readonly<Box>): { trader: number; sub: number; market: number }[] {
  return b.ids.flatMap((subs, trader) =>
    subs.flatMap((id, sub) => b.m.openMarkets(id).map((market) => ({ trader, sub, market }))),
  );
}

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
          stateFields.map((f) => (after as Result)[f]),
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

/** Sends transactions that must all succeed in one block mined at `t`. */
async function sameBlock(s: Suite, t: bigint, txs: [string, string, string][]) {
  await network.provider.send("evm_setAutomine", [false]);
  const hashes: string[] = [];
  try {
    for (const [from, to, data] of txs) {
      hashes.push(
        (await network.provider.send("eth_sendTransaction", [{ from, to, data, gas: "0x7a1200" }])) as string,
      );
    }
    await network.provider.send("evm_mine", [Number(t)]);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  for (const [i, hash] of hashes.entries()) {
    const receipt = await network.provider.send("eth_getTransactionReceipt", [hash]);
    if (receipt === null || receipt.status !== "0x1") {
      // Replay the failing call on the block before to name its error.
      let reason = "unknown";
      try {
        await network.provider.send("eth_call", [
          { from: txs[i][0], to: txs[i][1], data: txs[i][2] },
          "latest",
        ]);
      } catch (e) {
        const d = (e as { data?: unknown }).data;
        if (typeof d === "string") reason = show(decodeError(s, d));
      }
      fail(
        `transaction ${i} of a same-block round trip reverted (${reason}), but the model predicts success`,
      );
    }
  }
}

/* COLLATERAL */

export class DepositCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly token: number,
    readonly permille: number,
    /** Sent by the donor through `depositFor`. */
    readonly forOther: boolean,
  ) {
    super();
  }

  amount(): bigint {
    const p = BigInt(this.permille);
    return [p * 20n * USDC_UNIT, p * 5n * 10n ** 15n, p * 20_000n][this.token];
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const owner = trader(s, this.trader);
    const id = accountIdOf(owner.address, this.sub);
    const token = tokenAddress(s, this.token);
    const amount = this.amount();
    const v = s.vault.interface;
    // A third party may deposit only the settlement token (DESIGN §18.18).
    const forOther = this.forOther && this.token === 0;
    const from = forOther ? s.actors.donor : owner;
    const data = forOther
      ? v.encodeFunctionData("depositFor", [id, token, amount])
      : v.encodeFunctionData("deposit", [this.sub, token, amount]);
    const done = await act(
      b,
      s,
      `deposit.${TOKENS[this.token]}`,
      b.m.tryDeposit(id, token, amount, t),
      from.address,
      s.address.vault,
      data,
      t,
    );
    if (done)
      expectEvent(s, done.logs, s.address.vault, "Deposited", [id, token, from.address, amount], "deposit");
  }

  toString() {
    const units = ethers.formatUnits(this.amount(), [6, 18, 8][this.token]);
    return `deposit(trader ${this.trader}/${this.sub}, ${units} ${TOKENS[this.token]}${this.forOther ? ", by the donor" : ""})`;
  }
}

export type WithdrawMode = "all" | "fraction" | "free" | "freePlusOne";

export class WithdrawCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly token: number,
    readonly mode: WithdrawMode,
    readonly permille: number,
    /** Run even if the account holds none of the token (the Vault must refuse it). */
    readonly force: boolean,
  ) {
    super();
  }

  /** Something to withdraw (unless forced). */
  check(b: Readonly<Box>): boolean {
    const tokens = [b.m.usdc, b.m.weth, b.m.wbtc];
    return this.force || b.m.balanceIn(b.ids[this.trader][this.sub], tokens[this.token]) > 0n;
  }

  amount(m: InvariantModel, id: bigint, token: string, t: bigint): bigint {
    const balance = m.balanceIn(id, token);
    const mode =
      this.token === 0
        ? this.mode
        : this.mode === "free" || this.mode === "freePlusOne"
          ? "fraction"
          : this.mode;
    switch (mode) {
      case "all":
        return balance > 0n ? balance : 1n;
      case "fraction":
        return math.max(1n, (balance * BigInt(this.permille)) / 1_000n);
      case "free":
      case "freePlusOne": {
        // The largest withdrawal that keeps equity >= IM (IM is WAD, the balance moves in 6-decimal units).
        const free = math.divFloor(freeCollateral(m, id, t, 0n), TO_WAD);
        const amount = math.min(math.max(free, 1n), math.max(balance, 1n));
        return mode === "free" ? amount : amount + 1n;
      }
    }
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, this.sub);
    const token = tokenAddress(s, this.token);
    const amount = this.amount(b.m, id, token, t);
    const outcome = b.m.tryWithdraw(id, token, amount, t);
    const data = s.vault.interface.encodeFunctionData("withdraw", [this.sub, token, amount]);
    const label = `withdraw.${this.mode}`;
    const done = await act(b, s, label, outcome, who.address, s.address.vault, data, t);
    if (done === null) return;
    expectEvent(s, done.logs, s.address.vault, "Withdrawn", [id, token, who.address, amount], label);
    return (snap) => {
      // §15.3: after an accepted withdrawal an account with positions or debt still has equity >= IM.
      if (done.value.priced) {
        const st = accountState(snap, id);
        if (st.equity < st.initialMargin)
          fail(`${label}: accepted with equity ${st.equity} < IM ${st.initialMargin} (§15.3)`);
      }
    };
  }

  toString() {
    return `withdraw(trader ${this.trader}/${this.sub}, ${TOKENS[this.token]}, ${this.mode}${this.mode === "fraction" ? ` ${this.permille}‰` : ""}${this.force ? ", forced" : ""})`;
  }
}

/** §15.5: deposit → withdraw in one block gives back exactly what went in, and the account is where it was. */
export class RoundTripDepositCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly token: number,
    readonly permille: number,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, this.sub);
    const token = tokenAddress(s, this.token);
    const amount = [
      BigInt(this.permille) * 10n * USDC_UNIT,
      BigInt(this.permille) * 10n ** 15n,
      BigInt(this.permille) * 10_000n,
    ][this.token];
    const dep = b.m.tryDeposit(id, token, amount, t);
    const wd = dep.ok ? dep.next.tryWithdraw(id, token, amount, t) : dep;
    const v = s.vault.interface;
    if (!dep.ok || !wd.ok) {
      await act(
        b,
        s,
        "roundTrip.deposit-only",
        dep,
        who.address,
        s.address.vault,
        v.encodeFunctionData("deposit", [this.sub, token, amount]),
        t,
      );
      return;
    }
    const before = [b.m.balanceIn(id, token), b.m.vaultTokens.get(token.toLowerCase())];
    const txs: [string, string, string][] = [
      [who.address, s.address.vault, v.encodeFunctionData("deposit", [this.sub, token, amount])],
      [who.address, s.address.vault, v.encodeFunctionData("withdraw", [this.sub, token, amount])],
    ];
    await sameBlock(s, t, txs);
    const m0 = b.m;
    b.m = wd.next;
    tally("roundTrip.deposit", true);
    await checkEconomics(
      s,
      m0,
      b.m,
      txs.map(([from, to, data], i) => ({
        label: `roundTrip.${i ? "withdraw" : "deposit"}`,
        from,
        to,
        data,
        value: null,
      })),
    );
    return (snap) => {
      const a = snap.accounts.find((x) => x.id === id)!;
      const balance = [a.usdc, a.weth, a.wbtc][this.token];
      const held = [snap.held.usdc, snap.held.weth, snap.held.wbtc][this.token];
      if (!same([balance, held], before))
        fail(`deposit→withdraw in one block moved value: ${[balance, held]} vs ${before} (§15.5)`);
    };
  }

  toString() {
    return `roundTripDeposit(trader ${this.trader}/${this.sub}, ${TOKENS[this.token]}, ${this.permille}‰)`;
  }
}

/* LIQUIDATION */

function isLiquidatableAt(m: InvariantModel, id: bigint, t: bigint): boolean {
  return (
    (m.positionCount(id) > 0 || m.balance(id) < 0n) &&
    m.assetErrors(m.accountAssets(id), t).length === 0 &&
    m.state(id, t).liquidatable
  );
}

function liquidatableAccounts(m: InvariantModel, s: Suite, t: bigint): bigint[] {
  return s.accounts.filter((id) => isLiquidatableAt(m, id, t));
}

const ownerOf = (s: Suite, id: bigint) => {
  const owner = splitAccountId(id).owner;
  return [...s.actors.traders, s.actors.keeper].find((x) => x.address === owner)!;
};

export class LiquidateCommand extends KeelCommand {
  constructor(
    readonly target: number,
    /** Only when some account is liquidatable, and then one of those. */
    readonly preferLiquidatable: boolean,
    /** The account's owner liquidates it (the reward goes to the owner's subaccount 0). */
    readonly self: boolean,
  ) {
    super();
  }

  check(b: Readonly<Box>): boolean {
    if (!this.preferLiquidatable) return true;
    const t = b.m.now + 1n;
    return b.ids.flat().some((id) => isLiquidatableAt(b.m, id, t));
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const candidates = this.preferLiquidatable ? liquidatableAccounts(m, s, t) : [];
    const id = candidates.length
      ? candidates[this.target % candidates.length]
      : s.accounts[this.target % s.accounts.length];
    const liquidator = this.self ? ownerOf(s, id) : s.actors.keeper;
    const keeperId = accountIdOf(liquidator.address);
    const outcome = m.tryLiquidate(id, keeperId, t);
    const ch = s.clearinghouse.interface;

    // §15.6: isLiquidatable and previewLiquidation at the liquidation's own timestamp agree with what it then does.
    await network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    const views = await pendingCall(
      s,
      s.address.multicall,
      s.multicall.interface.encodeFunctionData("tryAggregate", [
        [
          { target: s.address.clearinghouse, data: ch.encodeFunctionData("isLiquidatable", [id]) },
          { target: s.address.clearinghouse, data: ch.encodeFunctionData("previewLiquidation", [id]) },
        ],
      ]),
    );
    if (!views.ok) fail(`lens reverted: ${views.error}`);
    const [, okFlags, results] = s.multicall.interface.decodeFunctionResult("tryAggregate", views.data);
    // The preview's keeper is its caller (the multicall), never the owner: it shows the subsidy a keeper gets.
    const viewed = this.self ? m.tryLiquidate(id, 1n, t) : outcome;
    if (outcome.ok && viewed.ok) {
      const r = viewed.value;
      if (!okFlags[0] || !okFlags[1])
        fail(`isLiquidatable/previewLiquidation reverted for an account the model liquidates`);
      if (ch.decodeFunctionResult("isLiquidatable", results[0])[0] !== true)
        fail("isLiquidatable is false but liquidate succeeds (§15.6)");
      const p = ch.decodeFunctionResult("previewLiquidation", results[1])[0] as Result;
      const got = [
        p.liquidatable,
        p.equity,
        p.maintenanceMargin,
        p.fraction,
        [...p.marketIds],
        [...p.sizesClosed],
        [...p.notionalsClosed],
        p.penalty,
        p.keeperReward,
        p.badDebt,
        p.insuranceDraw,
        p.poolWriteOff,
        p.capAllows,
      ];
      const want = [
        true,
        r.before.equity,
        r.before.maintenanceMargin,
        r.fraction,
        r.legs.map((l) => BigInt(l.marketId)),
        r.legs.map((l) => l.sizeClosed),
        r.legs.map((l) => l.notionalClosed),
        r.penalty,
        r.keeperReward,
        r.badDebt,
        r.insuranceDraw,
        r.poolWriteOff,
        true,
      ];
      if (!same(got, want))
        fail(
          `previewLiquidation disagrees with the liquidation: ${show({ name: "got", args: got })} vs ${show({ name: "want", args: want })}`,
        );
    } else if (!outcome.ok && outcome.errors.some((e) => e.name === "ClearinghouseNotLiquidatable")) {
      if (okFlags[0] && ch.decodeFunctionResult("isLiquidatable", results[0])[0] !== false) {
        fail("isLiquidatable is true but liquidate reverts with ClearinghouseNotLiquidatable (§15.6)");
      }
    }

    // Owner's accounts before, at the liquidation's timestamp: no actor gains by liquidating itself (§15.4).
    const ownerIds = s.accounts.filter((x) => sameOwner(x, id));
    const ownerEquity = (model: InvariantModel) =>
      ownerIds.every((x) => model.assetErrors(model.accountAssets(x), t).length === 0)
        ? ownerIds.reduce((sum, x) => sum + model.state(x, t).equity, 0n)
        : null;
    const ownerBefore = this.self ? ownerEquity(m) : null;

    const label = this.self ? "liquidate.self" : "liquidate";
    const data = ch.encodeFunctionData("liquidate", [id]);
    const done = await act(b, s, label, outcome, liquidator.address, s.address.clearinghouse, data, t);
    if (done === null) return;
    const r = done.value;
    expectEvent(
      s,
      done.logs,
      s.address.clearinghouse,
      "Liquidated",
      [
        id,
        liquidator.address,
        r.fraction,
        r.before.equity,
        r.before.maintenanceMargin,
        r.notionalClosed,
        r.penalty,
        r.keeperReward,
      ],
      label,
    );
    for (const leg of r.legs) {
      expectEvent(
        s,
        done.logs,
        s.address.clearinghouse,
        "PositionLiquidated",
        [id, BigInt(leg.marketId), leg.sizeClosed, leg.market.price, leg.realizedPnl, leg.fundingOwed],
        label,
      );
    }
    if (r.badDebt > 0n) {
      expectEvent(
        s,
        done.logs,
        s.address.vault,
        "BadDebtSettled",
        [id, r.badDebt, r.insuranceDraw, r.poolWriteOff, r.badDebt - r.insuranceDraw - r.poolWriteOff],
        label,
      );
    }
    const ownerAfter = this.self ? ownerEquity(b.m) : null;
    return (snap) => {
      // §15.4: only below maintenance margin; never a worse margin ratio unless it closes the account fully.
      if (!(r.before.equity < r.before.maintenanceMargin))
        fail(`${label}: liquidated at equity ${r.before.equity} >= MM ${r.before.maintenanceMargin} (§15.4)`);
      const a = snap.accounts.find((x) => x.id === id)!;
      const positionsLeft = a.positions.ok
        ? (a.positions.value[0] as unknown[]).length
        : b.m.positionCount(id);
      if (positionsLeft > 0) {
        const after = accountState(snap, id);
        if (after.equity * r.before.maintenanceMargin < r.before.equity * after.maintenanceMargin) {
          fail(
            `${label}: margin ratio fell from ${r.before.equity}/${r.before.maintenanceMargin} to ${after.equity}/${after.maintenanceMargin} (§15.4)`,
          );
        }
      } else if (r.fraction !== WAD) fail(`${label}: positions gone although fraction ${r.fraction} < 1`);
      if (ownerBefore !== null && ownerAfter !== null) {
        // Only the loss waterfall (paid whoever liquidates) may raise the owner's equity.
        const socialized = (r.insuranceDraw + r.poolWriteOff) * TO_WAD;
        if (ownerAfter > ownerBefore + socialized) {
          fail(`self-liquidation raised the owner's equity from ${ownerBefore} to ${ownerAfter} (§15.4)`);
        }
      }
    };
  }

  toString() {
    return `liquidate(target ${this.target}${this.preferLiquidatable ? " among the liquidatable" : ""}${this.self ? ", by its owner" : ""})`;
  }
}

export class LiquidateCollateralCommand extends KeelCommand {
  constructor(
    readonly target: number,
    readonly token: number,
    readonly permille: number,
    readonly prefer: boolean,
  ) {
    super();
  }

  /** An account with debt and collateral to take (unless not `prefer`). */
  check(b: Readonly<Box>): boolean {
    return !this.prefer || b.m.accounts().some((id) => b.m.balance(id) < 0n && b.m.held(id).length > 0);
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const candidates = this.prefer
      ? s.accounts.filter((id) => m.balance(id) < 0n && m.held(id).length > 0)
      : [];
    const id = candidates.length
      ? candidates[this.target % candidates.length]
      : s.accounts[this.target % s.accounts.length];
    const held = m.held(id);
    const token =
      this.prefer && held.length
        ? held[this.token % held.length]
        : tokenAddress(s, 1 + (this.token % 2)).toLowerCase();
    const debt = m.balance(id) < 0n ? -m.balance(id) : 0n;
    const repay = this.permille > 1_000 ? 10n ** 15n : math.max(1n, (debt * BigInt(this.permille)) / 1_000n);
    const before = m.assetErrors(m.accountAssets(id), t).length ? null : m.state(id, t).equity;
    const keeper = s.actors.keeper.address;
    const outcome = m.tryLiquidateCollateral(id, token, repay, t);
    const data = s.vault.interface.encodeFunctionData("liquidateCollateral", [id, token, repay]);
    const done = await act(b, s, "liquidateCollateral", outcome, keeper, s.address.vault, data, t);
    if (done === null) return;
    const r = done.value;
    expectEvent(
      s,
      done.logs,
      s.address.vault,
      "CollateralLiquidated",
      [id, keeper, token, r.repaid, r.seized, r.price],
      "liquidateCollateral",
    );
    return (snap) => {
      // weight * (1 + discount) <= 1: a collateral liquidation never lowers the account's equity.
      if (before !== null) {
        const after = accountState(snap, id).equity;
        if (after < before) fail(`liquidateCollateral lowered equity from ${before} to ${after}`);
      }
    };
  }

  toString() {
    return `liquidateCollateral(target ${this.target}${this.prefer ? " among the indebted" : ""}, token ${this.token}, ${this.permille > 1_000 ? "all" : `${this.permille}‰ of the debt`})`;
  }
}

export class SettleBadDebtCommand extends KeelCommand {
  constructor(
    readonly target: number,
    readonly prefer: boolean,
  ) {
    super();
  }

  /** An account with only debt left (unless not `prefer`). */
  check(b: Readonly<Box>): boolean {
    const m = b.m;
    return (
      !this.prefer ||
      m.accounts().some((id) => m.balance(id) < 0n && m.positionCount(id) === 0 && m.held(id).length === 0)
    );
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const candidates = this.prefer
      ? s.accounts.filter((id) => m.balance(id) < 0n && m.positionCount(id) === 0 && m.held(id).length === 0)
      : [];
    const id = candidates.length
      ? candidates[this.target % candidates.length]
      : s.accounts[this.target % s.accounts.length];
    const data = s.vault.interface.encodeFunctionData("settleBadDebt", [id]);
    const done = await act(
      b,
      s,
      "settleBadDebt",
      m.trySettleBadDebt(id, t),
      s.actors.donor.address,
      s.address.vault,
      data,
      t,
    );
    if (done?.value.settled) {
      const r = done.value;
      expectEvent(
        s,
        done.logs,
        s.address.vault,
        "BadDebtSettled",
        [id, r.badDebt, r.insuranceDraw, r.poolWriteOff, r.unrecovered],
        "settleBadDebt",
      );
    }
  }

  toString() {
    return `settleBadDebt(target ${this.target}${this.prefer ? " among the settleable" : ""})`;
  }
}

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

/* CLOSE-OUT: zero-sum and liveness at the end of every run */

/**
 * §15.2 and §15.7 at the end of a run. Accounts without positions or debt withdraw everything first — before any feed
 * is repaired, since a withdrawal that owes nothing must not need a price. Then the feeds post the markets' current
 * prices, every position is closed at that one price (liquidated first where the account is liquidatable), leftover
 * debt goes to collateral liquidation and the loss waterfall, and everyone withdraws what is left. What remains —
 * pool + insurance + any unrecoverable debt — must equal Σ settlement tokens that went in, to the unit (value only
 * moves between ledgers), and the pool's NAV must equal its ledger.
 */
export async function closeOut(b: Box, s: Suite) {
  const step = async <T>(
    label: string,
    outcome: Outcome<T>,
    from: string,
    to: string,
    data: string,
    t: bigint,
  ) => {
    stats.closeOutActions++;
    return act(b, s, `closeOut.${label}`, outcome, from, to, data, t);
  };
  const withdrawAll = async (requireAll: boolean) => {
    for (const id of s.accounts) {
      const owner = ownerOf(s, id);
      const sub = subaccountOf(id);
      for (const token of [s.address.weth, s.address.wbtc, s.address.usdc]) {
        const m = b.m;
        if (m.positionCount(id) > 0 || m.balance(id) < 0n) continue;
        const amount = m.balanceIn(id, token);
        if (amount <= 0n) continue;
        const t = m.now + 1n;
        const outcome = m.tryWithdraw(id, token, amount, t);
        if (!outcome.ok && requireAll)
          fail(
            `an account without positions or debt cannot withdraw everything: ${outcome.errors.map(show).join(" | ")} (§15.7)`,
          );
        const data = s.vault.interface.encodeFunctionData("withdraw", [sub, token, amount]);
        await step("withdrawAll", outcome, owner.address, s.address.vault, data, t);
      }
    }
  };
  // §15.7 liveness, whatever the feeds say.
  await withdrawAll(true);
  for (const marketId of [0, 1]) await refreshFeed(b, s, marketId, b.m.now + 1n);
  const ch = s.clearinghouse.interface;
  for (let guard = 0; s.accounts.some((id) => b.m.positionCount(id) > 0); guard++) {
    if (guard > 20) fail("close-out does not terminate");
    for (const id of s.accounts) {
      const m = b.m;
      const t = m.now + 1n;
      if (m.positionCount(id) === 0 || !m.state(id, t).liquidatable) continue;
      const outcome = m.tryLiquidate(id, accountIdOf(s.actors.keeper.address), t);
      await step(
        "liquidate",
        outcome,
        s.actors.keeper.address,
        s.address.clearinghouse,
        ch.encodeFunctionData("liquidate", [id]),
        t,
      );
    }
    // Losers first: they pay the pool before the winners take from it.
    const open = s.accounts
      .flatMap((id) => b.m.openMarkets(id).map((marketId) => ({ id, marketId })))
      .map((x) => {
        const p = b.m.position(x.id, x.marketId);
        return { ...x, pnl: math.unrealizedPnl(p.size, p.openNotional, b.m.markets[x.marketId].price) };
      })
      .sort((x, y) => (x.pnl < y.pnl ? -1 : x.pnl > y.pnl ? 1 : 0));
    for (const { id, marketId } of open) {
      const size = b.m.position(id, marketId).size;
      const acceptable = size > 0n ? 0n : MAX_UINT;
      let outcome = b.m.tryTrade(id, marketId, -size, acceptable, b.m.now + 1n);
      // Funding since the last check may have made it liquidatable: the next pass liquidates it.
      if (!outcome.ok && outcome.errors.some((e) => e.name === "ClearinghouseAccountLiquidatable")) continue;
      const short = outcome.ok
        ? undefined
        : outcome.errors.find((e) => e.name === "ClearinghouseInsufficientPoolLiquidity");
      if (short !== undefined) {
        // The pool cannot pay this winner: an LP adds what is missing (an inflow, counted like any other).
        const tp = b.m.now + 1n;
        if (b.m.poolPaused) {
          await step(
            "unpausePool",
            b.m.tryPause("pool", false, tp),
            s.actors.admin.address,
            s.address.pool,
            s.pool.interface.encodeFunctionData("unpause"),
            tp,
          );
        }
        const lp = s.actors.lps[0];
        const need = (short.args[0] as bigint) + 1_000n * USDC_UNIT;
        const td = b.m.now + 1n;
        const deposit = b.m.tryPoolDeposit(lp.address, need, td);
        // A pool worth less than its minimum takes no deposit (§18.21): the LP recapitalises it instead.
        const refused = !deposit.ok && deposit.errors.some((e) => e.name === "PoolValueTooLow");
        await step(
          refused ? "poolRecapitalize" : "poolTopUp",
          refused ? b.m.tryPoolRecapitalize(need, td) : deposit,
          lp.address,
          s.address.pool,
          refused
            ? s.pool.interface.encodeFunctionData("recapitalize", [need])
            : s.pool.interface.encodeFunctionData("deposit", [need, lp.address]),
          td,
        );
        outcome = b.m.tryTrade(id, marketId, -size, acceptable, b.m.now + 1n);
      }
      if (!outcome.ok)
        fail(
          `close-out: cannot close ${id.toString(16)} on market ${marketId}: ${outcome.errors.map(show).join(" | ")}`,
        );
      const tc = b.m.now + 1n;
      const sub = subaccountOf(id);
      await step(
        "close",
        outcome,
        ownerOf(s, id).address,
        s.address.clearinghouse,
        ch.encodeFunctionData("trade", [sub, marketId, -size, acceptable]),
        tc,
      );
    }
  }
  // §15.2 zero-sum, on the chain's numbers, with every position closed at one price: Σ equity (= Σ settlement balances,
  // keeper rewards included since they are credited to the keepers' accounts, + other collateral at that price) and the
  // settlement ledgers: Σ balances + pool + insurance = Σ settlement tokens in, to the unit (the stated bound is 0), and
  // the pool is worth exactly its ledger.
  const zeroSum = (snap: Snapshot, when: string) => {
    const balances = snap.accounts.reduce((sum, a) => sum + a.usdc, 0n);
    if (balances + snap.pool + snap.insurance !== b.m.settlementIn) {
      fail(
        `zero-sum ${when}: Σ balances ${balances} + pool ${snap.pool} + insurance ${snap.insurance} != Σ in ${b.m.settlementIn} (§15.2)`,
      );
    }
    const equity = snap.accounts.reduce(
      (sum, a) => sum + (a.state.ok ? plainState(a.state.value).equity : 0n),
      0n,
    );
    const other = s.accounts.reduce(
      (sum, id) => sum + b.m.held(id).reduce((x, token) => x + b.m.tokenValue(id, token), 0n),
      0n,
    );
    if (equity !== balances * TO_WAD + other) {
      fail(
        `zero-sum ${when}: Σ equity ${equity} != Σ balances ${balances} + collateral ${other} with nothing open`,
      );
    }
    // Less the booked bad debt the insurance fund cannot pay (DESIGN §11), from the model.
    const nav = snap.lp.totalAssets.ok ? (snap.lp.totalAssets.value[0] as bigint) : -1n;
    const expected = math.max(0n, snap.pool - b.m.pendingPoolLoss());
    if (nav !== expected)
      fail(`zero-sum ${when}: pool NAV ${nav} != pool ledger ${snap.pool} - pending loss with nothing open`);
    return balances;
  };
  zeroSum(await checkInvariants(s, b.m), "after closing every position");
  // Debt left on closed-out accounts: collateral first, then the waterfall.
  for (const id of s.accounts) {
    for (const token of b.m.held(id)) {
      if (b.m.balance(id) >= 0n) break;
      const t = b.m.now + 1n;
      const outcome = b.m.tryLiquidateCollateral(id, token, 10n ** 15n, t);
      await step(
        "liquidateCollateral",
        outcome,
        s.actors.keeper.address,
        s.address.vault,
        s.vault.interface.encodeFunctionData("liquidateCollateral", [id, token, 10n ** 15n]),
        t,
      );
    }
    if (b.m.balance(id) < 0n) {
      const t = b.m.now + 1n;
      await step(
        "settleBadDebt",
        b.m.trySettleBadDebt(id, t),
        s.actors.donor.address,
        s.address.vault,
        s.vault.interface.encodeFunctionData("settleBadDebt", [id]),
        t,
      );
    }
  }
  await withdrawAll(true);
  const left = zeroSum(await checkInvariants(s, b.m), "after everyone withdrew");
  // What is left in accounts is only debt no one could pay (insurance and pool both empty).
  if (left > 0n) fail(`zero-sum: ${left} units left in accounts after everyone withdrew`);
}

/* ARBITRARIES */

const traderArb = fc.integer({ min: 0, max: 2 });
const subArb = fc.integer({ min: 0, max: 1 });
const marketArb = fc.integer({ min: 0, max: 1 });
const permilleArb = fc.integer({ min: 1, max: 1_000 });
/** True one time in ten: a command run against its precondition, to see the contract refuse it. */
const rarely = fc.oneof(
  { weight: 9, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);

/** Trade sizes lean towards the large end so that accounts run at real leverage. */
const leverageArb = fc.oneof(
  permilleArb,
  fc.integer({ min: 700, max: 1_000 }),
  fc.integer({ min: 850, max: 1_000 }),
);

const tradeArb = (kind: TradeKind) =>
  fc
    .tuple(
      traderArb,
      subArb,
      marketArb,
      fc.nat(),
      kind === "increase" ? leverageArb : permilleArb,
      fc.boolean(),
      fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, 2),
    )
    .map(
      ([t, s, m, pick, p, long, slip]) =>
        new TradeCommand(kind, t, s, m, pick, kind === "reduce" ? Math.min(p, 999) : p, long, slip),
    );

/** The commands and their weights (an arbitrary listed n times is drawn n times as often). */
export function commandArbitraries(): fc.Arbitrary<fc.AsyncCommand<Box, Suite>>[] {
  const weighted: [number, fc.Arbitrary<fc.AsyncCommand<Box, Suite>>][] = [
    [4, tradeArb("increase")],
    [2, tradeArb("reduce")],
    [1, tradeArb("flip")],
    [1, tradeArb("close")],
    [
      1,
      fc
        .tuple(traderArb, subArb, marketArb, permilleArb, fc.boolean())
        .map((a) => new RoundTripTradeCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          traderArb,
          subArb,
          fc.constantFrom(0, 0, 0, 1, 2),
          fc.integer({ min: 0, max: 1_000 }),
          fc.boolean(),
        )
        .map((a) => new DepositCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          traderArb,
          subArb,
          fc.constantFrom(0, 0, 1, 2),
          fc.constantFrom<WithdrawMode>("all", "fraction", "free", "freePlusOne"),
          permilleArb,
          rarely,
        )
        .map((a) => new WithdrawCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(traderArb, subArb, fc.constantFrom(0, 1, 2), permilleArb)
        .map((a) => new RoundTripDepositCommand(...a)),
    ],
    [
      3,
      fc
        .tuple(
          marketArb,
          fc.oneof(
            { weight: 3, arbitrary: fc.integer({ min: -60, max: 60 }) },
            { weight: 1, arbitrary: fc.integer({ min: -250, max: 250 }) },
          ),
          fc.oneof(
            { weight: 35, arbitrary: fc.constant<PriceKind>("move") },
            { weight: 8, arbitrary: fc.constant<PriceKind>("againstSkew") },
            { weight: 4, arbitrary: fc.constant<PriceKind>("withSkew") },
            {
              weight: 5,
              arbitrary: fc.constantFrom<PriceKind>("zero", "negative", "future", "stale", "outOfBounds"),
            },
          ),
        )
        .map((a) => new SetPriceCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          fc.oneof(
            { weight: 6, arbitrary: fc.integer({ min: 1, max: 900 }) },
            { weight: 2, arbitrary: fc.integer({ min: 3_600, max: 7_200 }) },
            { weight: 2, arbitrary: fc.integer({ min: 86_400, max: 100_000 }) },
          ),
          fc.constantFrom(true, true, true, false),
        )
        .map((a) => new AdvanceTimeCommand(...a)),
    ],
    [
      4,
      fc
        .tuple(
          fc.nat(),
          fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          fc.constantFrom(false, false, false, true),
        )
        .map((a) => new LiquidateCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(
          fc.nat(),
          fc.nat(),
          fc.integer({ min: 0, max: 1_100 }),
          fc.constantFrom(true, true, true, false),
        )
        .map((a) => new LiquidateCollateralCommand(...a)),
    ],
    [
      1,
      fc.tuple(fc.nat(), fc.constantFrom(true, true, true, false)).map((a) => new SettleBadDebtCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_000 }))
        .map((a) => new PoolDepositCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_100 }))
        .map((a) => new PoolRequestCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_100 }), rarely)
        .map((a) => new PoolRedeemCommand(...a)),
    ],
    [1, fc.tuple(fc.integer({ min: 0, max: 2 }), rarely).map((a) => new PoolCancelCommand(...a))],
    [
      1,
      fc.tuple(fc.integer({ min: 0, max: 2 }), permilleArb, fc.boolean()).map((a) => new DonateCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(fc.boolean(), fc.constantFrom(true, false, false, false, false, false), rarely)
        .map((a) => new PauseCommand(...a)),
    ],
    [1, marketArb.map((market) => new AccrueCommand(market))],
    [1, fc.integer({ min: 0, max: 1_000 }).map((p) => new FundInsuranceCommand(p))],
  ];
  return weighted.flatMap(([n, arb]) => Array<fc.Arbitrary<fc.AsyncCommand<Box, Suite>>>(n).fill(arb));
}
