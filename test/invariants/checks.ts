/**
 * The invariants of DESIGN §15 checked after every command, from one `eth_call` through the multicall lens: every
 * ledger, every account's margin view and positions, the pool's shares and NAV, and the tokens each contract holds,
 * compared with the model — and the invariants that hold on the chain's own numbers whatever the model says
 * (conservation, on-chain sums, views agreeing with each other).
 */
import type { FunctionFragment, Interface, ParamType } from "ethers";
import { network } from "hardhat";
import * as math from "../shared/math";
import { SYMBOLS, WAD } from "./model";
import type { ExpectedError, InvariantModel } from "./model";
import { decodeError, expectOneOf, perf, same, show } from "./system";
import type { DecodedError, Suite } from "./system";

/** A view's outputs: elementary values as bigint/boolean/string, structs as plain objects, arrays as arrays. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Result = any[];
/** A decoded struct. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Struct = Record<string, any>;
type Read = { ok: true; value: Result } | { ok: false; error: DecodedError };

interface Call {
  target: string;
  data: string;
  fn: string;
  decode: (hex: string) => Result;
}

/* A small ABI decoder for the shapes the views return (static values and structs, arrays of static structs): ethers'
 * general decoder costs more than the whole EVM call here. */

const word = (hex: string, index: number): bigint =>
  BigInt(`0x${hex.slice(2 + 64 * index, 66 + 64 * index)}`);

function staticWords(p: ParamType): number | null {
  if (p.baseType === "tuple") {
    let n = 0;
    for (const c of p.components!) {
      const w = staticWords(c);
      if (w === null) return null;
      n += w;
    }
    return n;
  }
  if (p.baseType === "array") {
    const w = staticWords(p.arrayChildren!);
    return p.arrayLength !== null && p.arrayLength >= 0 && w !== null ? w * p.arrayLength : null;
  }
  return p.type === "bytes" || p.type === "string" ? null : 1;
}

function readStatic(p: ParamType, hex: string, at: number): unknown {
  if (p.baseType === "tuple") {
    const out: Record<string, unknown> = {};
    let w = at;
    for (const c of p.components!) {
      out[c.name] = readStatic(c, hex, w);
      w += staticWords(c)!;
    }
    return out;
  }
  if (p.baseType === "array") {
    const size = staticWords(p.arrayChildren!)!;
    return Array.from({ length: p.arrayLength! }, (_, i) => readStatic(p.arrayChildren!, hex, at + i * size));
  }
  const v = word(hex, at);
  if (p.type === "bool") return v !== 0n;
  if (p.type === "address") return `0x${hex.slice(2 + 64 * at + 24, 66 + 64 * at)}`;
  if (p.type.startsWith("int")) return v >= 1n << 255n ? v - (1n << 256n) : v;
  if (p.type.startsWith("bytes")) return `0x${hex.slice(2 + 64 * at, 66 + 64 * at)}`;
  return v;
}

/** A decoder for a view's outputs: static ones in place, dynamic arrays of static elements through their offset. */
function decoderFor(iface: Interface, fn: string): (hex: string) => Result {
  const f = iface.getFunction(fn) as FunctionFragment;
  const plan = f.outputs.map((o) => ({ o, words: staticWords(o) }));
  const fallback = plan.some(
    (x) => x.words === null && !(x.o.baseType === "array" && staticWords(x.o.arrayChildren!) !== null),
  );
  if (fallback) return (hex) => [...iface.decodeFunctionResult(fn, hex)];
  return (hex) => {
    const out: unknown[] = [];
    let head = 0;
    for (const { o, words } of plan) {
      if (words !== null) {
        out.push(readStatic(o, hex, head));
        head += words;
      } else {
        const start = Number(word(hex, head)) / 32;
        const length = Number(word(hex, start));
        const size = staticWords(o.arrayChildren!)!;
        out.push(Array.from({ length }, (_, i) => readStatic(o.arrayChildren!, hex, start + 1 + i * size)));
        head += 1;
      }
    }
    return out;
  };
}

/** `tryAggregate`'s (uint256 timestamp, bool[] success, bytes[] returnData). */
export function decodeAggregate(hex: string): { timestamp: bigint; success: boolean[]; data: string[] } {
  const timestamp = word(hex, 0);
  const okAt = Number(word(hex, 1)) / 32;
  const n = Number(word(hex, okAt));
  const success = Array.from({ length: n }, (_, i) => word(hex, okAt + 1 + i) !== 0n);
  const dataAt = Number(word(hex, 2)) / 32;
  const data = Array.from({ length: n }, (_, i) => {
    const at = dataAt + 1 + Number(word(hex, dataAt + 1 + i)) / 32;
    const length = Number(word(hex, at));
    return `0x${hex.slice(2 + 64 * (at + 1), 2 + 64 * (at + 1) + 2 * length)}`;
  });
  return { timestamp, success, data };
}

export interface AccountReads {
  id: bigint;
  usdc: bigint;
  weth: bigint;
  wbtc: bigint;
  state: Read;
  positions: Read;
}

export interface Snapshot {
  timestamp: bigint;
  accounts: AccountReads[];
  /** `liquidatable(accounts)`, one batch. */
  liquidatable: Read;
  held: { usdc: bigint; weth: bigint; wbtc: bigint; poolUsdc: bigint };
  totals: { usdc: bigint; weth: bigint; wbtc: bigint };
  pool: bigint;
  insurance: bigint;
  lp: {
    totalAssets: Read;
    available: Read;
    supply: bigint;
    shares: bigint[];
    escrow: bigint;
    requests: Struct[];
    paused: boolean;
  };
  ch: { paused: boolean; states: Struct[]; markets: Read[] };
}

/** The calls of one snapshot, built once per suite (the accounts are fixed). */
function calls(s: Suite): Call[] {
  const v = s.vault.interface;
  const c = s.clearinghouse.interface;
  const l = s.lens.interface;
  const p = s.pool.interface;
  const e = s.usdc.interface;
  const a = s.address;
  const list: Call[] = [];
  const add = (target: string, iface: Interface, fn: string, args: unknown[] = []) =>
    list.push({ target, fn, data: iface.encodeFunctionData(fn, args), decode: decoderFor(iface, fn) });
  for (const id of s.accounts) {
    for (const token of [a.usdc, a.weth, a.wbtc]) add(a.vault, v, "balanceOf", [id, token]);
    add(a.clearinghouse, c, "accountState", [id]);
    add(a.lens, l, "positions", [id]);
  }
  add(a.clearinghouse, c, "liquidatable", [s.accounts]);
  for (const token of [a.usdc, a.weth, a.wbtc]) add(token, e, "balanceOf", [a.vault]);
  add(a.usdc, e, "balanceOf", [a.pool]);
  for (const token of [a.usdc, a.weth, a.wbtc]) add(a.vault, v, "totalAccountBalance", [token]);
  add(a.vault, v, "poolBalance");
  add(a.vault, v, "insuranceBalance");
  add(a.pool, p, "totalAssets");
  add(a.pool, p, "availableLiquidity");
  add(a.pool, p, "totalSupply");
  for (const lp of s.actors.lps) add(a.pool, p, "balanceOf", [lp.address]);
  add(a.pool, p, "balanceOf", [a.pool]);
  for (const lp of s.actors.lps) add(a.pool, p, "withdrawalRequest", [lp.address]);
  add(a.pool, p, "paused");
  add(a.clearinghouse, c, "paused");
  for (const id of [0, 1]) add(a.lens, l, "marketState", [id]);
  for (const id of [0, 1]) add(a.lens, l, "market", [id]);
  return list;
}

const cache = new WeakMap<Suite, { list: Call[]; data: string }>();

/** Every view of the system in one `eth_call`, at the latest block or (`pending`) at the next block's timestamp. */
export async function snapshot(s: Suite, blockTag: "latest" | "pending" = "latest"): Promise<Snapshot> {
  let entry = cache.get(s);
  if (entry === undefined) {
    const list = calls(s);
    const data = s.multicall.interface.encodeFunctionData("tryAggregate", [
      list.map((c) => ({ target: c.target, data: c.data })),
    ]);
    entry = { list, data };
    cache.set(s, entry);
  }
  const started = performance.now();
  const raw = await network.provider.send("eth_call", [
    { to: s.address.multicall, data: entry.data },
    blockTag,
  ]);
  const decodeStarted = performance.now();
  perf.snapshot += decodeStarted - started;
  perf.snapshots++;
  try {
    return decodeSnapshot(s, entry.list, raw);
  } finally {
    perf.decode += performance.now() - decodeStarted;
  }
}

function decodeSnapshot(s: Suite, list: Call[], raw: string): Snapshot {
  const entry = { list };
  const { timestamp, success, data: returnData } = decodeAggregate(raw);
  let i = 0;
  const next = (): Read => {
    const c = entry!.list[i];
    const ok = success[i];
    const data = returnData[i];
    i++;
    return ok ? { ok: true, value: c.decode(data) } : { ok: false, error: decodeError(s, data) };
  };
  const value = (): Result => {
    const r = next();
    if (!r.ok) throw new Error(`view ${entry!.list[i - 1].fn} reverted: ${show(r.error)}`);
    return r.value;
  };
  const big = () => value()[0] as bigint;
  const accounts: AccountReads[] = s.accounts.map((id) => ({
    id,
    usdc: big(),
    weth: big(),
    wbtc: big(),
    state: next(),
    positions: next(),
  }));
  const liquidatable = next();
  const held = { usdc: big(), weth: big(), wbtc: big(), poolUsdc: big() };
  const totals = { usdc: big(), weth: big(), wbtc: big() };
  const pool = big();
  const insurance = big();
  const totalAssets = next();
  const available = next();
  const supply = big();
  const shares = s.actors.lps.map(() => big());
  const escrow = big();
  const requests = s.actors.lps.map(() => value()[0] as Struct);
  const poolPaused = value()[0] as boolean;
  const chPaused = value()[0] as boolean;
  const states = [0, 1].map(() => value()[0] as Struct);
  const markets = [0, 1].map(() => next());
  return {
    timestamp: timestamp as bigint,
    accounts,
    liquidatable,
    held,
    totals,
    pool,
    insurance,
    lp: { totalAssets, available, supply, shares, escrow, requests, paused: poolPaused },
    ch: { paused: chPaused, states, markets },
  };
}

function eq(actual: unknown, expected: unknown, label: string) {
  if (!same(actual, expected)) {
    throw new Error(`${label}: chain ${fmt(actual)} != model ${fmt(expected)}`);
  }
}

function fmt(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
}

function check(condition: boolean, message: string) {
  if (!condition) throw new Error(message);
}

/** A view that must revert with one of the oracle's errors when `expected` is not empty, and succeed otherwise. */
function gated(read: Read, expected: ExpectedError[], label: string): Result | null {
  if (expected.length === 0) {
    if (!read.ok)
      throw new Error(
        `${label} reverted with ${show(read.error)} although every price it reads is valid (§15.7)`,
      );
    return read.value;
  }
  if (read.ok)
    throw new Error(
      `${label} succeeded although a price it reads is invalid (§15.8): ${expected.map(show).join(" | ")}`,
    );
  expectOneOf(read.error, expected, label);
  return null;
}

export const stateFields = [
  "equity",
  "collateralValue",
  "unrealizedPnl",
  "pendingFunding",
  "initialMargin",
  "maintenanceMargin",
  "freeCollateral",
  "liquidatable",
] as const;

/** The `AccountState` struct of a view as a plain object. */
export function plainState(r: Result): math.AccountStateRef {
  const st = r[0] as Struct;
  return Object.fromEntries(stateFields.map((f) => [f, st[f]])) as unknown as math.AccountStateRef;
}

/**
 * DESIGN §15 against a snapshot at the model's time:
 * 1. conservation per token, on-chain sums equal the sums over accounts, every ledger equals the model;
 * 6. views agree with each other and with the model (`isLiquidatable` ⇔ `accountState.liquidatable`);
 * 7. views never revert for valid accounts with valid prices;
 * 8. any view that reads an invalid price reverts with the oracle's error.
 */
export function checkSnapshot(s: Suite, m: InvariantModel, snap: Snapshot) {
  const now = m.now;
  eq(snap.timestamp, now, "block timestamp");
  for (const id of m.accounts())
    check(s.accounts.includes(id), `the model touched an account the suite does not read: ${id}`);

  const sums = { usdc: 0n, weth: 0n, wbtc: 0n };
  for (const a of snap.accounts) {
    const label = `account ${a.id.toString(16)}`;
    sums.usdc += a.usdc;
    sums.weth += a.weth;
    sums.wbtc += a.wbtc;
    eq(a.usdc, m.balance(a.id), `${label} USDC balance`);
    eq(a.weth, m.tokenBalance(a.id, m.weth), `${label} WETH balance`);
    eq(a.wbtc, m.tokenBalance(a.id, m.wbtc), `${label} WBTC balance`);
    check(a.weth >= 0n && a.wbtc >= 0n, `${label}: a non-settlement balance is negative`);

    const oracle = m.assetErrors(m.accountAssets(a.id), now);
    const state = gated(a.state, oracle, `${label} accountState`);
    if (state !== null) {
      const expected = m.state(a.id, now);
      const actual = plainState(state);
      eq(
        stateFields.map((f) => actual[f]),
        stateFields.map((f) => expected[f]),
        `${label} accountState [${stateFields.join(", ")}]`,
      );
    }
    const markets = m.openMarkets(a.id);
    const posOracle = m.assetErrors(
      markets.map((id) => SYMBOLS[id]),
      now,
    );
    const positions = gated(a.positions, posOracle, `${label} positions`);
    if (positions !== null) {
      const list = positions[0] as Struct[];
      const expected = markets.map((marketId) => {
        const p = m.position(a.id, marketId);
        const market = m.markets[marketId];
        return [
          BigInt(marketId),
          p.size,
          p.openNotional,
          (math.abs(p.openNotional) * WAD) / math.abs(p.size),
          math.unrealizedPnl(p.size, p.openNotional, market.price),
          math.fundingOwed(p.size, m.indexAt(marketId, now), p.lastFundingIndex),
        ];
      });
      eq(
        list.map((v) => [
          v.marketId,
          v.size,
          v.openNotional,
          v.entryPrice,
          v.unrealizedPnl,
          v.pendingFunding,
        ]),
        expected,
        `${label} positions`,
      );
    }
  }

  // §15.6 The keepers' batch view agrees with every account's own state.
  const batch = gated(
    snap.liquidatable,
    m.assetErrors(
      s.accounts.flatMap((id) => m.accountAssets(id)),
      now,
    ),
    "liquidatable(accounts)",
  );
  if (batch !== null) {
    eq(
      batch[0],
      s.accounts.map((id) => m.state(id, now).liquidatable),
      "liquidatable(accounts) (§15.6)",
    );
  }

  // §15.1 Conservation: what each contract holds covers every ledger, and the on-chain sums are the sums over accounts.
  eq(snap.totals, sums, "totalAccountBalance vs Σ balances over accounts (§15.1)");
  check(
    snap.held.usdc >= sums.usdc + snap.pool + snap.insurance,
    `USDC held ${snap.held.usdc} < Σ balances ${sums.usdc} + pool ${snap.pool} + insurance ${snap.insurance} (§15.1)`,
  );
  check(snap.held.weth >= sums.weth && snap.held.wbtc >= sums.wbtc, "collateral held < Σ balances (§15.1)");
  eq(sums.usdc, m.settlementTotal(), "Σ USDC balances");
  eq(snap.pool, m.pool, "pool ledger");
  eq(snap.insurance, m.insurance, "insurance ledger");
  eq(snap.held.usdc, m.vaultTokens.get(m.usdc), "USDC held by the Vault");
  eq(snap.held.weth, m.vaultTokens.get(m.weth), "WETH held by the Vault");
  eq(snap.held.wbtc, m.vaultTokens.get(m.wbtc), "WBTC held by the Vault");
  eq(snap.held.poolUsdc, m.poolDonations, "USDC held by the LiquidityPool contract");
  // Ledger-level zero-sum at every step: value only moves between ledgers.
  eq(sums.usdc + snap.pool + snap.insurance, m.settlementIn, "Σ USDC ledgers vs Σ settlement inflows");

  // The pool: shares, requests, NAV and free liquidity.
  eq(snap.lp.supply, m.supply, "pool totalSupply");
  s.actors.lps.forEach((lp, i) => {
    eq(snap.lp.shares[i], m.lpShares(lp.address), `LP ${i} shares`);
    const r = m.request(lp.address);
    const req = snap.lp.requests[i];
    eq(
      [req.shares, req.unlockTime, req.expiry],
      [r.shares, r.unlockTime, r.expiry],
      `LP ${i} withdrawal request`,
    );
  });
  eq(snap.lp.escrow, m.escrow, "escrowed shares");
  eq(
    snap.lp.supply,
    snap.lp.shares.reduce((x, y) => x + y, 0n) + snap.lp.escrow,
    "pool supply vs Σ shares + escrow",
  );
  const poolOracle = m.assetErrors(m.poolAssets(), now);
  const nav = gated(snap.lp.totalAssets, poolOracle, "pool totalAssets");
  if (nav !== null) eq(nav[0], m.totalAssets(now), "pool totalAssets (NAV)");
  const available = gated(snap.lp.available, poolOracle, "pool availableLiquidity");
  if (available !== null) {
    eq(available[0], m.availableLiquidity(now), "pool availableLiquidity");
    check((available[0] as bigint) <= snap.pool, "available liquidity above the pool's cash");
  }
  eq(snap.lp.paused, m.poolPaused, "pool paused");
  eq(snap.ch.paused, m.chPaused, "clearinghouse paused");

  // Markets: stored state and aggregates, and the live view with funding accrued to now.
  for (const [marketId, st] of snap.ch.states.entries()) {
    const mm = m.markets[marketId];
    let longON = 0n;
    let shortON = 0n;
    let sizeTimesLast = 0n;
    for (const book of m.positions.values()) {
      const p = book.get(marketId);
      if (p === undefined) continue;
      if (p.size > 0n) longON += p.openNotional;
      else shortON += p.openNotional;
      sizeTimesLast += p.size * p.lastFundingIndex;
    }
    eq(
      [st.longOpenInterest, st.shortOpenInterest, st.fundingIndex, st.lastFundingTime],
      [mm.longOI, mm.shortOI, mm.fundingIndex, mm.lastFundingTime],
      `market ${marketId} state`,
    );
    eq(
      [st.longOpenNotional, st.shortOpenNotional, st.sizeTimesLastIndexSum],
      [longON, shortON, sizeTimesLast],
      `market ${marketId} aggregates`,
    );
    const w = m.windows[marketId];
    eq(
      [st.liquidationWindowStart, st.liquidatedInWindow],
      [w.start, w.used],
      `market ${marketId} liquidation window`,
    );
    const view = gated(
      snap.ch.markets[marketId],
      m.oracleErrors(SYMBOLS[marketId], now),
      `market(${marketId})`,
    );
    if (view !== null) {
      const v = view[0] as Struct;
      eq(
        [v.oraclePrice, v.skew, v.longOpenInterest, v.shortOpenInterest, v.fundingIndex],
        [mm.price, mm.longOI - mm.shortOI, mm.longOI, mm.shortOI, m.indexAt(marketId, now)],
        `market(${marketId}) view`,
      );
    }
  }
}

/** Reads the chain at the model's time and checks every invariant; returns the snapshot for command-level checks. */
export async function checkInvariants(s: Suite, m: InvariantModel): Promise<Snapshot> {
  const snap = await snapshot(s);
  checkSnapshot(s, m, snap);
  return snap;
}

/** The account's state in a snapshot (it must have succeeded). */
export function accountState(snap: Snapshot, id: bigint): math.AccountStateRef {
  const a = snap.accounts.find((x) => x.id === id)!;
  if (!a.state.ok) throw new Error(`accountState(${id}) reverted: ${show(a.state.error)}`);
  return plainState(a.state.value);
}
