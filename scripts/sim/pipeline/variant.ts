/**
 * One variant of a scenario on a fresh local stack, as a pipeline:
 *
 *   setup.ts         deploy LocalStack → clock at a fixed epoch → feeds at their initial prices → cascade damping →
 *                    insurance funded, LPs deposit, traders deposit;
 *   loop.ts          every tick of every step: prices, agents, the keeper (keeper.ts), events (events.ts), and the
 *                    state at each step's end (steps.ts);
 *   conservation.ts  the ledger checks at the end;
 *   headline.ts      the headline totals, outcomes.ts the per-trader and per-kind outcomes;
 *   reconciliation.ts  traders' PnL against the protocol's result, term by term.
 *
 * Every transaction goes through the `ChainClock`, so blocks have simulated timestamps and a seed replays exactly.
 */
import { ChainClock } from "../clock";
import type { VariantResult } from "../types";
import { adversaryOutcomes } from "./adversaries";
import { checkConservation } from "./conservation";
import { EventRecorder } from "./events";
import { buildHeadline, readFinalEquity } from "./headline";
import { SimKeeper } from "./keeper";
import { runSteps } from "./loop";
import { kindBreakdowns, traderOutcomes } from "./outcomes";
import { reconcile } from "./reconciliation";
import { deployStack, setUp, simulationStart } from "./setup";
import type { VariantInput } from "./setup";

export type { VariantInput };

export async function runVariant(input: VariantInput): Promise<VariantResult> {
  const { hre } = input;
  const stack = await deployStack(hre);
  const latest = await hre.ethers.provider.getBlock("latest");
  if (!latest) throw new Error("no latest block");
  const clock = new ChainClock(hre.network.provider, simulationStart(latest.timestamp));
  clock.install();
  try {
    const world = await setUp(stack, clock, input);
    const keeper = new SimKeeper(hre, world.sys, world.keeperActor.signer, world.firstBlock);
    const recorder = new EventRecorder(world);
    const loop = await runSteps(world, recorder, keeper);

    const conservation = await checkConservation(
      world.sys,
      world.known,
      world.keeperAccount,
      world.orderEscrowAccount,
      world.flows,
      recorder.eventFlows,
      world.tokens,
      world.tokenFlows,
      recorder.eventTokenFlows,
    );
    const final = await readFinalEquity(world);
    const headline = await buildHeadline(world, recorder, loop, final);
    const traders = traderOutcomes(world, recorder, final);
    return {
      variant: input.variant,
      liquidationCap: world.liquidationCap,
      ticks: loop.ticks,
      steps: loop.steps,
      events: recorder.events,
      headline,
      conservation,
      reconciliation: await reconcile(world, headline, conservation, final),
      kinds: kindBreakdowns(world, recorder, loop, traders),
      keeper: keeper.stats,
      traders,
      adversaries: adversaryOutcomes(world, recorder.events, final),
    };
  } finally {
    clock.uninstall();
  }
}
