/**
 * One `eth_call` through the multicall lens: every ledger, every account's margin view and positions, the pool's shares
 * and NAV, and the tokens each contract holds, decoded into a `Snapshot`.
 */
import type { Interface } from "ethers";
import { network } from "hardhat";
import { decodeError, perf, show } from "../system";
import type { Suite } from "../system";
import { decodeAggregate, decoderFor } from "./decode";
import type { Call, Read, Result, Struct } from "./decode";

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
  const raw = (await network.provider.send("eth_call", [
    { to: s.address.multicall, data: entry.data },
    blockTag,
  ])) as string;
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
    const c = entry.list[i];
    const ok = success[i];
    const data = returnData[i];
    i++;
    return ok ? { ok: true, value: c.decode(data) } : { ok: false, error: decodeError(s, data) };
  };
  const value = (): Result => {
    const r = next();
    if (!r.ok) throw new Error(`view ${entry.list[i - 1].fn} reverted: ${show(r.error)}`);
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
    timestamp,
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
