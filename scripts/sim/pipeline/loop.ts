/**
 * The step loop: for every tick of the market path,
 *
 *   prices (exogenous path × liquidation impact) are pushed into the mock Chainlink feeds;
 *   on a step's first tick, the traders open their first books (step 0) or act, and the LPs act, in a seeded order;
 *   the keeper scans the new logs and liquidates;
 *   the tick's protocol events are decoded, and the notional liquidations sold moves the next prices (impact);
 *
 * and at each step's end every trader account's margin, the pool and the insurance fund are read.
 */
import type { AccountStateData } from "../../lib/system";
import type { TickView } from "../agents/adversaries/adversary";
import { LpAgent } from "../agents/lp";
import { toFeedAnswer } from "../market";
import type { StepRecord, TickRecord } from "../types";
import type { EventRecorder } from "./events";
import type { SimKeeper } from "./keeper";
import type { World } from "./setup";
import { readStep } from "./steps";

/** Feed answers (8 decimals) to WAD. */
const FEED_TO_WAD = 10n ** 10n;

export interface LoopResult {
  ticks: TickRecord[];
  steps: StepRecord[];
  /** Lowest insurance fund and pool NAV at a step's end (settlement units), the start included. */
  insuranceMin: bigint;
  navMin: bigint;
}

export async function runSteps(
  world: World,
  recorder: EventRecorder,
  keeper: SimKeeper,
): Promise<LoopResult> {
  const { input, clock, impact, sys, traders, lps, env, known, prices } = world;
  const { path, assets, variant } = input;
  const ticks: TickRecord[] = [];
  const steps: StepRecord[] = [];
  let cached = new Map<bigint, AccountStateData>();
  let capped = 0;
  let insuranceMin = world.insurance;
  let navMin = world.poolNavStart;

  // Setup events (deposits) belong to step 0.
  await recorder.collect(0);

  let tickIndex = 0;
  for (const tick of path) {
    clock.advanceTo(world.firstTick + tick.offset);
    impact.decay(tick.dt);
    world.spot.at(tick.logPrice);
    const logImpact = impact.current();
    const usd = tick.logPrice.map((lp, i) => Math.exp(lp + logImpact[i]));
    await world.pushPrices(usd);
    // What the adversaries are told: the tick, and the next update as the path and today's impact make it.
    const next = path[tickIndex + 1];
    const view: TickView = {
      step: tick.step,
      index: tick.index,
      first: tickIndex === 0,
      immediateTrades: variant.immediateTrades,
      spot: world.spot,
      secondsToNext: next ? next.offset - tick.offset : undefined,
      next: next
        ? new Map(
            assets.map((a, i) => [
              a.marketId,
              toFeedAnswer(Math.exp(next.logPrice[i] + logImpact[i]), 8) * FEED_TO_WAD,
            ]),
          )
        : undefined,
    };
    // Some act before anyone else sees the new prices (the reward-floor farmer liquidates its own accounts first).
    for (const a of world.adversaries) await a.afterPrices?.(env, view);

    if (tick.index === 0) {
      if (tick.step === 0) {
        for (const t of traders) await t.openBook(env);
        if (variant.dynamic) for (const t of traders) await t.protect(env);
      } else {
        const order = input.rng.fork(`order:${tick.step}`).shuffle([...traders, ...lps]);
        for (const agent of order) {
          if (agent instanceof LpAgent) await agent.act(env);
          else if (variant.dynamic) await agent.act(env, cached.get(agent.accounts[0].accountId));
        }
      }
    }

    // The opening books are in: a variant without immediate trades leaves the OrderBook as the only way to trade.
    if (tick.step === 0 && tick.index === 0 && !variant.immediateTrades)
      await world.setImmediateTrades(false);

    recorder.tick = { liquidations: 0, notional: 0n };
    capped += await keeper.round(world);
    // Others act after the keeper (the latency arbitrageur, on the next update it knows).
    for (const a of world.adversaries) await a.afterKeeper?.(env, view);
    const sold = await recorder.collect(tick.step);
    impact.apply(sold);

    ticks.push({
      step: tick.step,
      offset: tick.offset,
      prices: Object.fromEntries(
        assets.map((a) => [a.symbol, Number(prices.get(a.marketId) as bigint) / 1e18]),
      ),
      priceWad: Object.fromEntries(assets.map((a) => [a.symbol, prices.get(a.marketId) as bigint])),
      impact: Object.fromEntries(assets.map((a, i) => [a.symbol, logImpact[i]])),
      liquidations: recorder.tick.liquidations,
      liquidatedNotional: recorder.tick.notional,
      event: tick.event,
    });
    tickIndex++;
    input.onTick?.(tickIndex, path.length);

    const last = tickIndex === path.length || path[tickIndex].step !== tick.step;
    if (last) {
      const counters = { ...recorder.step, capped };
      // The accounts' states are read together with the step's totals (steps.ts).
      const states = () => world.reader.accountStates(known.map((k) => k.accountId));
      const read = await readStep(sys, world.markets, tick, states, counters, recorder.cumulative, prices);
      const record = read.record;
      cached = read.states;
      record.lpNetDeposits = world.flows.lpDeposits - world.flows.lpRedemptions;
      insuranceMin = record.insurance < insuranceMin ? record.insurance : insuranceMin;
      navMin = record.poolNav < navMin ? record.poolNav : navMin;
      steps.push(record);
      recorder.step = { trades: 0, liquidations: 0, notional: 0n };
      capped = 0;
    }
  }
  for (const a of world.adversaries) await a.finish?.(env);
  return { ticks, steps, insuranceMin, navMin };
}
