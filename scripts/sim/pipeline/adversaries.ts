/**
 * What each adversary of a variant made, and from whom (the report's first lines, issues 15 and 17): its profit is its
 * final equity less what it deposited; the fees are what it paid for the attempt (trading fees to the pool, settlement
 * fees to the keeper), so `gross = profit + fees` is what the strategy itself took from its counterparties.
 */
import { ethers } from "ethers";
import type { TraderAgent } from "../agents/trader";
import type { AdversaryOutcome, SimEvent } from "../types";
import { TO_WAD, sumWad } from "../units";
import type { FinalEquity } from "./headline";
import type { World } from "./setup";

export function adversaryOutcomes(world: World, events: SimEvent[], final: FinalEquity): AdversaryOutcome[] {
  const out: AdversaryOutcome[] = [];
  const { arb, farmer } = world;
  if (arb) {
    const base = baseOutcome(arb, events, final, arb.record.settlementFees);
    out.push({
      ...base,
      strategy: world.input.variant.immediateTrades
        ? "knows the next oracle update; trades immediately at the stale answer"
        : "knows the next oracle update; commits market orders (settled at the next round)",
      orders: arb.record.orders,
      waited: arb.record.waited,
      paidBy:
        base.profit > 0n ? "the pool's LPs (its counterparty)" : "nobody: it lost to the pool and the keeper",
    });
  }
  if (farmer) {
    const base = baseOutcome(farmer, events, final, 0n);
    const r = farmer.record;
    out.push({
      ...base,
      strategy:
        `hedged pairs of minimum positions; liquidated its own losing side ${r.liquidations} times from a second ` +
        `wallet for $${Number(r.rewards) / 1e6} of rewards`,
      paidBy:
        base.profit > 0n
          ? "the insurance fund, then the pool (keeper-reward subsidies and bad debt)"
          : "nobody: its fees cost more than the subsidies",
    });
  }
  return out;
}

/** An agent's trades, fees and profit over all its accounts. */
function baseOutcome(agent: TraderAgent, events: SimEvent[], final: FinalEquity, settlementFeeUnits: bigint) {
  const mine = new Set(agent.accounts.map((a) => ethers.toBeHex(a.accountId, 32)));
  const trades = events.filter((e) => e.type === "trade" && mine.has(e.accountId));
  const tradingFees = sumWad(trades.map((e) => e.feeUsd));
  const settlementFees = settlementFeeUnits * TO_WAD;
  const equity = agent.accounts.reduce((acc, a) => acc + (final.marketEquity.get(a.accountId) ?? 0n), 0n);
  const profit = equity + agent.withdrawn * TO_WAD - agent.depositedValue;
  return {
    label: agent.label,
    trades: trades.length,
    orders: 0,
    waited: 0,
    tradingFees,
    settlementFees,
    profit,
    gross: profit + tradingFees + settlementFees,
  };
}
