/**
 * Outcomes per trader and per kind of trader (directional, hedger) at the end of a variant, and for static books the
 * collateral that would have carried them through the run's prices without a liquidation.
 */
import { ethers } from "ethers";
import type { MarketInfo } from "../agents/env";
import { notionalOf } from "../agents/env";
import type { TraderAgent } from "../agents/trader";
import type { KindBreakdown, SimEvent, TickRecord, TraderOutcome } from "../types";
import { TO_WAD, WAD, abs, sumUnits } from "../units";
import type { EventRecorder } from "./events";
import type { FinalEquity } from "./headline";
import type { LoopResult } from "./loop";
import type { World } from "./setup";

export function traderOutcomes(world: World, recorder: EventRecorder, final: FinalEquity): TraderOutcome[] {
  const liquidationRows = recorder.events.filter((e) => e.type === "liquidation");
  const liquidationsOf = (id: bigint) =>
    liquidationRows.filter((e) => e.accountId === ethers.toBeHex(id, 32)).length;
  return world.traders.map((t) => ({
    label: t.label,
    kind: t.spec.kind,
    style: t.spec.style,
    leverage: t.spec.leverage,
    accounts: t.accounts.length,
    deposited: t.depositedValue / TO_WAD,
    withdrawn: t.withdrawn,
    finalEquity: t.accounts.reduce((acc, a) => acc + (final.marketEquity.get(a.accountId) ?? 0n), 0n),
    liquidations: t.accounts.reduce((acc, a) => acc + liquidationsOf(a.accountId), 0),
  }));
}

export function kindBreakdowns(
  world: World,
  recorder: EventRecorder,
  loop: LoopResult,
  outcomes: TraderOutcome[],
): KindBreakdown[] {
  const { traders, input, markets } = world;
  const { events } = recorder;
  const liquidationRows = events.filter((e) => e.type === "liquidation");
  const kinds: KindBreakdown[] = (["directional", "hedger"] as const).map((kind) => {
    const group = traders.filter((t) => t.spec.kind === kind);
    const mine = outcomes.filter((o) => o.kind === kind);
    const ids = new Set(group.flatMap((t) => t.accounts.map((a) => ethers.toBeHex(a.accountId, 32))));
    const deposited = mine.reduce((acc, o) => acc + o.deposited, 0n);
    const withdrawn = mine.reduce((acc, o) => acc + o.withdrawn, 0n);
    const finalEquity = mine.reduce((acc, o) => acc + o.finalEquity, 0n);
    return {
      kind,
      traders: group.length,
      accounts: group.reduce((acc, t) => acc + t.accounts.length, 0),
      liquidations: liquidationRows.filter((e) => ids.has(e.accountId)).length,
      tradersLiquidated: mine.filter((o) => o.liquidations > 0).length,
      penalties: sumUnits(liquidationRows.filter((e) => ids.has(e.accountId)).map((e) => e.penaltyUsdc)),
      badDebt: sumUnits(
        events.filter((e) => e.type === "bad_debt" && ids.has(e.accountId)).map((e) => e.badDebtUsdc),
      ),
      deposited,
      withdrawn,
      finalEquity,
      pnl: finalEquity + (withdrawn - deposited) * TO_WAD,
    };
  });
  if (!input.variant.dynamic) {
    for (const k of kinds) {
      k.collateralNeeded = collateralNeeded(
        traders.filter((t) => t.spec.kind === k.kind),
        events,
        loop.ticks,
        markets,
      );
    }
  }
  return kinds;
}

/**
 * For static books: the collateral that would have carried each trader's first book through the run's prices without
 * a liquidation, in cross margin and isolated (see `KindBreakdown.collateralNeeded`). The books are read from the
 * first trades (step 0) of each trader's accounts.
 */
function collateralNeeded(
  traders: TraderAgent[],
  events: SimEvent[],
  ticks: TickRecord[],
  markets: MarketInfo[],
): { cross: bigint; isolated: bigint } {
  const mmf = new Map(markets.map((m) => [m.symbol, m.mmf]));
  const imf = new Map(markets.map((m) => [m.symbol, m.imf]));
  let cross = 0n;
  let isolated = 0n;
  for (const t of traders) {
    const ids = new Set(t.accounts.map((a) => ethers.toBeHex(a.accountId, 32)));
    // The legs as opened: size and entry notional per market, from the step-0 trades.
    const legs = new Map<string, { size: bigint; openNotional: bigint }>();
    for (const e of events) {
      if (e.type !== "trade" || e.step !== 0 || !ids.has(e.accountId)) continue;
      const leg = legs.get(e.market) ?? { size: 0n, openNotional: 0n };
      const size = ethers.parseUnits(e.size, 18);
      leg.size += size;
      leg.openNotional += (size * ethers.parseUnits(e.price, 18)) / WAD;
      legs.set(e.market, leg);
    }
    const book = [...legs.entries()];
    if (book.length === 0) continue;
    const requirement = (entries: typeof book): bigint => {
      let worst = 0n;
      for (const tick of ticks) {
        let mm = 0n;
        let pnl = 0n;
        for (const [symbol, leg] of entries) {
          const price = tick.priceWad[symbol];
          mm += (notionalOf(leg.size, price) * (mmf.get(symbol) as bigint)) / WAD;
          pnl += (leg.size * price) / WAD - leg.openNotional;
        }
        if (mm - pnl > worst) worst = mm - pnl;
      }
      // The initial margin at the entry prices.
      const initial = entries.reduce(
        (acc, [symbol, leg]) => acc + (abs(leg.openNotional) * (imf.get(symbol) as bigint)) / WAD,
        0n,
      );
      return worst > initial ? worst : initial;
    };
    cross += requirement(book);
    for (const leg of book) isolated += requirement([leg]);
  }
  return { cross, isolated };
}
