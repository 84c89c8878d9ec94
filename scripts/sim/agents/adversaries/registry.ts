/**
 * Every adversary a scenario can add to its population (`ScenarioSpec.adversaries`), in one table: the spec appended
 * to the drawn population, the extra wallets it needs, and how its agent is made. Adding an adversary is a file in
 * this folder and a row here.
 */
import type { MarketRef, TraderSpec } from "../../population";
import type { Rng } from "../../rng";
import type { AdversaryName, VariantSpec } from "../../scenarios/definitions";
import type { Actor } from "../../world";
import type { AdversaryAgent } from "./adversary";
import { BadDebtHiderAgent, badDebtHiderSpec } from "./badDebtHider";
import { LatencyArbAgent, latencyArbSpec } from "./latencyArb";
import { LpSandwichAgent, lpSandwichSpec } from "./lpSandwich";
import { RewardFarmerAgent, rewardFarmerSpec } from "./rewardFarmer";
import { ThinMarketPumpAgent, thinMarketPumpSpec } from "./thinMarketPump";
import { WindowFillerAgent, windowFillerSpec } from "./windowFiller";

export interface AdversaryContext {
  spec: TraderSpec;
  actor: Actor;
  rng: Rng;
  variant: VariantSpec;
  accountIdOf: (owner: string, subaccount: bigint) => bigint;
  /** Its extra wallets, in the order of `wallets`. */
  wallets: Actor[];
}

export interface AdversaryDefinition {
  /** Its spec, appended after the draw (so the honest population is that of the same seed without it). */
  spec(markets: MarketRef[]): TraderSpec;
  /** Labels of extra wallets, suffixed to its own label (`reward-farmer-liquidator`). */
  wallets: string[];
  create(ctx: AdversaryContext): AdversaryAgent;
}

export const ADVERSARIES: Record<AdversaryName, AdversaryDefinition> = {
  "latency-arb": {
    spec: latencyArbSpec,
    wallets: [],
    create: (c) => new LatencyArbAgent(c.spec, c.actor, c.rng, "cross", c.accountIdOf),
  },
  "reward-farmer": {
    spec: rewardFarmerSpec,
    wallets: ["liquidator"],
    create: (c) => new RewardFarmerAgent(c.spec, c.actor, c.rng, c.accountIdOf, c.wallets[0]),
  },
  "window-filler": {
    spec: windowFillerSpec,
    wallets: ["liquidator"],
    create: (c) => new WindowFillerAgent(c.spec, c.actor, c.rng, c.accountIdOf, c.wallets[0]),
  },
  "thin-market-pump": {
    spec: thinMarketPumpSpec,
    wallets: [],
    create: (c) => new ThinMarketPumpAgent(c.spec, c.actor, c.rng, "cross", c.accountIdOf),
  },
  "lp-sandwich": {
    spec: lpSandwichSpec,
    wallets: [],
    create: (c) => new LpSandwichAgent(c.spec, c.actor, c.rng, c.accountIdOf),
  },
  "bad-debt-hider": {
    spec: badDebtHiderSpec,
    wallets: [],
    create: (c) => new BadDebtHiderAgent(c.spec, c.actor, c.rng, c.accountIdOf),
  },
};

/** The population with the scenario's adversaries appended, in the scenario's order. */
export function withAdversaries<P extends { traders: TraderSpec[] }>(
  population: P,
  markets: MarketRef[],
  names: readonly AdversaryName[],
): P {
  return {
    ...population,
    traders: [...population.traders, ...names.map((n) => ADVERSARIES[n].spec(markets))],
  };
}

export const isAdversary = (agent: { spec: TraderSpec }, names: readonly AdversaryName[]): boolean =>
  (names as readonly string[]).includes(agent.spec.style);
