/**
 * The state at the end of a step, read from the chain: every trader account's margin ratio (by bucket and quantile),
 * open interest and skew per market, the insurance fund, the pool, and the running totals of the step's events.
 */
import type { AccountStateData, System } from "../../lib/system";
import type { MarketInfo } from "../agents/env";
import type { Tick } from "../market";
import type { MarginBucket, StepRecord } from "../types";
import { MARGIN_BUCKETS } from "../types";
import { WAD } from "../units";
import type { BadDebtTotals } from "./events";

/** A step's counters: trades and liquidations from its events, liquidations the window cap deferred. */
export interface StepCounters {
  trades: number;
  liquidations: number;
  notional: bigint;
  capped: number;
}

export async function readStep(
  sys: System,
  markets: MarketInfo[],
  tick: Tick,
  readStates: () => Promise<Map<bigint, AccountStateData>>,
  counters: StepCounters,
  cumulative: BadDebtTotals,
  prices: Map<bigint, bigint>,
): Promise<{ record: StepRecord; states: Map<bigint, AccountStateData> }> {
  // Sent together with the accounts' states: the in-process node answers them one after another without a round trip
  // in between, and this process decodes one answer while the node runs the next. The open interest is the core's raw
  // getter's, valued at the price the feeds were just given (the oracle's, to the wei).
  const [states, data, insurance, poolBalance, poolNav] = await Promise.all([
    readStates(),
    Promise.all(markets.map((m) => sys.clearinghouse.marketData(m.marketId))),
    sys.vault.insuranceBalance(),
    sys.vault.poolBalance(),
    sys.pool.totalAssets(),
  ]);
  const buckets = Object.fromEntries(MARGIN_BUCKETS.map((b) => [b, 0])) as Record<MarginBucket, number>;
  const ratios: number[] = [];
  let flat = 0;
  for (const s of states.values()) {
    if (s.maintenanceMargin === 0n) {
      flat++;
      continue;
    }
    const ratio = Number((s.equity * 1_000_000n) / BigInt(s.maintenanceMargin)) / 1e6;
    ratios.push(ratio);
    buckets[bucketOf(ratio)]++;
  }
  ratios.sort((a, b) => a - b);
  const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
  const openInterest: Record<string, bigint> = {};
  const skew: Record<string, bigint> = {};
  markets.forEach((m, i) => {
    const { long, short } = data[i];
    const price = prices.get(m.marketId);
    if (price === undefined) throw new Error(`no price posted for market ${m.symbol}`);
    // USD (WAD), truncated toward zero: report figures, as lens.market's were.
    openInterest[m.symbol] = ((long.openInterest + short.openInterest) * price) / WAD;
    skew[m.symbol] = ((long.openInterest - short.openInterest) * price) / WAD;
  });
  const record: StepRecord = {
    step: tick.step,
    offset: tick.offset,
    prices: Object.fromEntries(markets.map((m) => [m.symbol, Number(prices.get(m.marketId) ?? 0n) / 1e18])),
    marginBuckets: buckets,
    flatAccounts: flat,
    marginQuantiles: ratios.length ? { p10: q(0.1), p50: q(0.5), p90: q(0.9) } : null,
    trades: counters.trades,
    liquidations: counters.liquidations,
    liquidatedNotional: counters.notional,
    capped: counters.capped,
    insurance,
    poolBalance,
    poolNav,
    badDebt: cumulative.badDebt,
    insuranceDraw: cumulative.insuranceDraw,
    poolWriteOff: cumulative.poolWriteOff,
    unrecovered: cumulative.unrecovered,
    lpNetDeposits: 0n,
    openInterest,
    skew,
  };
  return { record, states };
}

export function bucketOf(ratio: number): MarginBucket {
  if (ratio < 1) return "< 1 (liquidatable)";
  if (ratio < 1.5) return "1 – 1.5";
  if (ratio < 2) return "1.5 – 2";
  if (ratio < 3) return "2 – 3";
  if (ratio < 5) return "3 – 5";
  return "≥ 5";
}
