/**
 * What each adversary of a variant made, and from whom (the report's first lines, issues 15 and 17): its profit is its
 * final equity (each account's at least zero: a debt it leaves is abandoned, not repaid) plus what it withdrew and
 * holds elsewhere, less what it deposited; the fees are what it paid for the attempt (trading fees to the pool,
 * settlement fees to the keeper), so `gross = profit + fees` is what the strategy itself took from its counterparties.
 */
import { ethers } from "ethers";
import type { BaseOutcome } from "../agents/adversaries/adversary";
import type { TraderAgent } from "../agents/trader";
import type { AdversaryOutcome, SimEvent } from "../types";
import { TO_WAD, sumWad } from "../units";
import type { FinalEquity } from "./headline";
import type { World } from "./setup";

export function adversaryOutcomes(world: World, events: SimEvent[], final: FinalEquity): AdversaryOutcome[] {
  return world.adversaries.map((a) => {
    const base = baseOutcome(a, events, final, a.settlementFeeUnits?.() ?? 0n, a.heldValue ?? 0n);
    return { orders: 0, waited: 0, ...base, ...a.describe(base, world.input.variant) };
  });
}

/** An agent's trades, fees and profit over all its accounts. */
function baseOutcome(
  agent: TraderAgent,
  events: SimEvent[],
  final: FinalEquity,
  settlementFeeUnits: bigint,
  heldValue: bigint,
): BaseOutcome {
  const mine = new Set(agent.accounts.map((a) => ethers.toBeHex(a.accountId, 32)));
  const trades = events.filter((e) => e.type === "trade" && mine.has(e.accountId));
  const tradingFees = sumWad(trades.map((e) => e.feeUsd));
  const settlementFees = settlementFeeUnits * TO_WAD;
  // An account left owing (debt its collateral does not cover) is abandoned: no owner pays it (its debt stays on the
  // account or goes through the waterfall), so it counts as zero, not as a loss beyond what was put in.
  const equity = agent.accounts.reduce((acc, a) => {
    const e = final.marketEquity.get(a.accountId) ?? 0n;
    return acc + (e > 0n ? e : 0n);
  }, 0n);
  const profit = equity + agent.withdrawn * TO_WAD + heldValue - agent.depositedValue;
  return {
    label: agent.label,
    trades: trades.length,
    tradingFees,
    settlementFees,
    profit,
    gross: profit + tradingFees + settlementFees,
  };
}
