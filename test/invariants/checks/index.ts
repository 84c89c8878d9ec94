/**
 * The invariants of DESIGN §15 checked after every command, from one `eth_call` through the multicall lens (./snapshot.ts):
 * every ledger, every account's margin view and positions, the pool's shares and NAV, and the tokens each contract
 * holds, compared with the model — and the invariants that hold on the chain's own numbers whatever the model says
 * (conservation, on-chain sums, views agreeing with each other).
 */
import * as math from "../../shared/math";
import { SYMBOLS, WAD } from "../model";
import type { ExpectedError, InvariantModel } from "../model";
import { expectOneOf, same, show } from "../system";
import type { Suite } from "../system";
import type { Read, Result, Struct } from "./decode";
import { snapshot } from "./snapshot";
import { checkOrders } from "./orders";
import type { AccountReads, Snapshot } from "./snapshot";

export * from "./decode";
export * from "./snapshot";
export * from "./orders";

function eq(actual: unknown, expected: unknown, label: string) {
  if (!same(actual, expected)) {
    throw new Error(`${label}: chain ${fmt(actual)} != model ${fmt(expected)}`);
  }
}

function fmt(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
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
    sums.usdc += a.usdc;
    sums.weth += a.weth;
    sums.wbtc += a.wbtc;
    checkAccount(m, a, now);
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

  checkPool(s, m, snap, now);
  for (const [marketId, st] of snap.ch.states.entries()) checkMarket(m, snap, marketId, st, now);
}

/** One account: its balances, its margin view and its positions, each against the model (or the oracle's error). */
function checkAccount(m: InvariantModel, a: AccountReads, now: bigint) {
  const label = `account ${a.id.toString(16)}`;
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
      list.map((v): unknown[] => [
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

/** The pool: shares, requests, NAV and free liquidity; both pause flags. */
function checkPool(s: Suite, m: InvariantModel, snap: Snapshot, now: bigint) {
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
}

/** A market: stored state and aggregates, and the live view with funding accrued to now. */
function checkMarket(m: InvariantModel, snap: Snapshot, marketId: number, st: Struct, now: bigint) {
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

/** Reads the chain at the model's time and checks every invariant; returns the snapshot for command-level checks. */
export async function checkInvariants(s: Suite, m: InvariantModel): Promise<Snapshot> {
  const snap = await snapshot(s);
  checkSnapshot(s, m, snap);
  await checkOrders(s, m, snap);
  return snap;
}

/** The account's state in a snapshot (it must have succeeded). */
export function accountState(snap: Snapshot, id: bigint): math.AccountStateRef {
  const a = snap.accounts.find((x) => x.id === id)!;
  if (!a.state.ok) throw new Error(`accountState(${id}) reverted: ${show(a.state.error)}`);
  return plainState(a.state.value);
}
