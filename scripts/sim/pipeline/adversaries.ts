/**
 * What each adversary of a variant made, and from whom (the report's first lines, issue 15/17): its profit is its
 * final equity less what it deposited; the fees are what it paid for the attempt (trading fees to the pool, settlement
 * fees to the keeper), so `gross = profit + fees` is what the strategy itself took from its counterparty, the pool.
 */
import { ethers } from "ethers";
import type { AdversaryOutcome, SimEvent } from "../types";
import { TO_WAD, sumWad } from "../units";
import type { FinalEquity } from "./headline";
import type { World } from "./setup";

export function adversaryOutcomes(world: World, events: SimEvent[], final: FinalEquity): AdversaryOutcome[] {
  const arb = world.arb;
  if (!arb) return [];
  const accountId = arb.accounts[0].accountId;
  const hex = ethers.toBeHex(accountId, 32);
  const trades = events.filter((e) => e.type === "trade" && e.accountId === hex);
  const tradingFees = sumWad(trades.map((e) => e.feeUsd));
  const settlementFees = arb.record.settlementFees * TO_WAD;
  const equity = final.marketEquity.get(accountId) ?? 0n;
  const profit = equity + arb.withdrawn * TO_WAD - arb.depositedValue;
  return [
    {
      label: arb.label,
      strategy: world.input.variant.immediateTrades
        ? "knows the next oracle update; trades immediately at the stale answer"
        : "knows the next oracle update; commits market orders (settled at the next round)",
      trades: trades.length,
      orders: arb.record.orders,
      waited: arb.record.waited,
      tradingFees,
      settlementFees,
      profit,
      gross: profit + tradingFees + settlementFees,
      paidBy:
        profit > 0n ? "the pool's LPs (its counterparty)" : "nobody: it lost to the pool and the keeper",
    },
  ];
}
