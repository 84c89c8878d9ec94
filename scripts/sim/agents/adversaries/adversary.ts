/**
 * What an adversary agent is to the step loop and the report (issue 17): a trader agent with hooks at two moments of
 * every tick and a description of its outcome. Each adversary lives in its own file of this folder and is listed once
 * in `registry.ts`; the loop, the set-up and the report know only this interface.
 */
import type { VariantSpec } from "../../scenarios/definitions";
import type { SpotVenue } from "../../spot";
import type { AgentEnv } from "../env";
import type { TraderAgent } from "../trader";

/** What an adversary is told at a tick. */
export interface TickView {
  step: number;
  /** Index of the tick within its step (0: the step's first tick, when the traders act). */
  index: number;
  /** The run's very first tick (the traders have not opened their books yet). */
  first: boolean;
  /**
   * The next tick's oracle answer per market (WAD) as the exogenous path and today's liquidation impact make it: what
   * an adversary that knows the next update knows. Undefined at the last tick.
   */
  next?: Map<bigint, bigint>;
  /** Seconds from this tick to the next (undefined at the last tick). */
  secondsToNext?: number;
  /** The spot venue the oracle follows: a trade there moves the next oracle updates (spot.ts). */
  spot: SpotVenue;
  /** Whether immediate trades stay on after the opening books (the variant's setting). */
  immediateTrades: boolean;
}

/** The part of its report line an adversary writes itself. */
export interface AdversaryDescription {
  /** What it did, in a sentence (with its counts). */
  strategy: string;
  /** Who paid its profit, or why nobody did. */
  paidBy: string;
  orders?: number;
  waited?: number;
  /** What it gained (+) or paid (−) outside Keel, already in its profit: a spot round trip (USD, WAD). */
  outside?: bigint;
  /** What the agent saw of its own attack (its pool flows, the values it read), for its tests; not in the report. */
  record?: unknown;
}

/** The numbers every adversary's line has, from its accounts' trades and equity (pipeline/adversaries.ts). */
export interface BaseOutcome {
  label: string;
  trades: number;
  /** Trading fees and settlement fees (USD, WAD). */
  tradingFees: bigint;
  settlementFees: bigint;
  /** Final equity + withdrawn + `heldValue` − deposited value (USD, WAD). */
  profit: bigint;
  /** `profit + fees`: what the strategy itself took from its counterparties. */
  gross: bigint;
}

export interface AdversaryAgent extends TraderAgent {
  /** Right after the tick's prices are pushed, before the traders act and before the keeper's round. */
  afterPrices?(env: AgentEnv, tick: TickView): Promise<void>;
  /** After the keeper's round of the tick. */
  afterKeeper?(env: AgentEnv, tick: TickView): Promise<void>;
  /** After the last tick, before the final reads: values what it holds outside its trading accounts. */
  finish?(env: AgentEnv): Promise<void>;
  /**
   * Value it holds outside its trading accounts at the end, net of what it put there (USD WAD): an LP's pool shares at
   * the final NAV plus what it redeemed minus what it deposited (agents/adversaries/lpStake.ts).
   */
  heldValue?: bigint;
  /** Settlement fees it escrowed for orders (settlement-token units). */
  settlementFeeUnits?(): bigint;
  describe(base: BaseOutcome, variant: VariantSpec): AdversaryDescription;
}
