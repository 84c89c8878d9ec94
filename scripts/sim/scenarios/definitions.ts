/**
 * The scenarios of `npx hardhat simulate --scenario <name>`: what the market does and which variants run side by side.
 */
import { LOCAL_FEEDS } from "../../../deploy/config";
import type { AssetModel, CrashSpec, PathSpec, ScheduledJump } from "../market";

export const SCENARIOS = [
  "baseline",
  "crash",
  "cascade",
  "cross-vs-isolated",
  "latency-arb",
  "adversaries",
  "history-crash",
  "session",
] as const;
/** The adversary agents a scenario can add to its population (scripts/sim/agents/adversaries/registry.ts). */
export const ADVERSARY_NAMES = [
  "latency-arb",
  "reward-farmer",
  "window-filler",
  "thin-market-pump",
  "lp-sandwich",
  "bad-debt-hider",
] as const;
export type AdversaryName = (typeof ADVERSARY_NAMES)[number];
export type ScenarioName = (typeof SCENARIOS)[number];
export const isScenario = (name: string): name is ScenarioName =>
  (SCENARIOS as readonly string[]).includes(name);

/** How the market's cascade damping (`maxLiquidationNotionalPerWindow`) is set for a variant. */
export type Damping = "deployed" | "on" | "off";

export interface VariantSpec {
  /** Short key, used in file rows and chart legends: `cross`, `damping-on`. */
  key: string;
  label: string;
  /** Cross: one account per trader. Isolated: one subaccount per position. */
  margin: "cross" | "isolated";
  /** Whether traders keep trading after opening their first book (false: the same books are held throughout). */
  dynamic: boolean;
  damping: Damping;
  /**
   * Whether the markets keep immediate trades (`Clearinghouse.trade`) after the first books are opened; off: every
   * later trade goes through the OrderBook (DESIGN §21).
   */
  immediateTrades: boolean;
}

export interface ScenarioSpec {
  name: Exclude<ScenarioName, "session">;
  title: string;
  description: string;
  variants: VariantSpec[];
  crash: boolean;
  /** The baseline's three scheduled jumps (false: diffusion only). */
  jumps: boolean;
  /** Simulated seconds per step (one price update each, outside a crash). */
  stepSeconds: number;
  /** Adversaries joining the traders (agents/adversaries/registry.ts). */
  adversaries: AdversaryName[];
  /** The market replays the shipped BTC/USD file's worst falls (history/paths.ts) instead of a drawn path. */
  history?: boolean;
}

export const DEFAULTS = {
  seed: 1,
  accounts: 40,
  steps: 168,
  out: "reports",
};

/** Simulated seconds per step, and per tick in the steps around a crash. */
export const STEP_SECONDS = 3_600;
/**
 * The `latency-arb` scenario's update interval: 5 minutes, a market order's life (1 h at most) spans several updates
 * and a day is 288 of them.
 */
export const LATENCY_ARB_STEP_SECONDS = 300;
export const FINE_TICK_SECONDS = 300;
/** Steps cut into fine ticks from the crash's step on (the crash hour and the two hours after it). */
export const FINE_STEPS_AFTER_CRASH = 3;
export const CRASH_DROP = 0.35;
export const CORRELATION = 0.8;

/** Per-market liquidation cap (USD) of the `cascade` scenario's damped variant, as a share of the traders' collateral. */
export const DAMPED_CAP_SHARE_OF_COLLATERAL = 0.05;
/**
 * A cap that never binds in a simulation (USD 1 billion per window, WAD): the `cascade` scenario's "damping off". The
 * setter bounds the cap by `type(uint96).max` (7.9e10 USD).
 */
export const NO_CAP = 10n ** 27n;
/** The damped cap of the `cascade` scenario: a share of the traders' collateral, per market per window (WAD). */
export const dampedCap = (traderCollateral: bigint): bigint =>
  (traderCollateral * 10n ** 12n * BigInt(Math.round(DAMPED_CAP_SHARE_OF_COLLATERAL * 1e6))) / 1_000_000n;
/** Liquidation price impact: depth (USD for a -1 log move) as a multiple of the notional the traders plan per market. */
export const IMPACT_DEPTH_MULTIPLE = 4;
export const IMPACT_HALF_LIFE_SECONDS = 1_800;

const VOLATILITY: Record<string, number> = { ETH: 0.8, BTC: 0.6 };

export function scenarioSpec(name: Exclude<ScenarioName, "session">): ScenarioSpec {
  switch (name) {
    case "baseline":
      return {
        name,
        title: "Baseline",
        description:
          "Correlated geometric Brownian motion for ETH and BTC with three scheduled jumps; directional traders, hedgers " +
          "and LPs act every hour and the keeper liquidates after every price update.",
        crash: false,
        jumps: true,
        stepSeconds: STEP_SECONDS,
        adversaries: [],
        variants: [
          {
            key: "baseline",
            label: "baseline",
            margin: "cross",
            dynamic: true,
            damping: "deployed",
            immediateTrades: true,
          },
        ],
      };
    case "crash":
      return {
        name,
        title: "Crash",
        description:
          `The baseline market with a correlated ${pct(CRASH_DROP)} drop of ETH and BTC within one hour, a third of ` +
          "the way in; prices update every 5 minutes during and after the crash and liquidations move prices (impact).",
        crash: true,
        jumps: true,
        stepSeconds: STEP_SECONDS,
        adversaries: [],
        variants: [
          {
            key: "crash",
            label: "crash",
            margin: "cross",
            dynamic: true,
            damping: "deployed",
            immediateTrades: true,
          },
        ],
      };
    case "cascade":
      return {
        name,
        title: "Cascade damping, on and off (removed: both runs agree)",
        description:
          `The same crash run twice from the same seed, with the per-window liquidation cap set to ` +
          `${pct(DAMPED_CAP_SHARE_OF_COLLATERAL)} of the traders' collateral per market ("on") and with no effective ` +
          'cap ("off"). Damping was removed from the contracts because every rule tried left more bad debt ' +
          "(DESIGN §10.6): the cap is stored but not enforced, so the two runs must agree; the verdict reports any difference.",
        crash: true,
        jumps: true,
        stepSeconds: STEP_SECONDS,
        adversaries: [],
        variants: [
          {
            key: "damping-on",
            label: "damping on",
            margin: "cross",
            dynamic: true,
            damping: "on",
            immediateTrades: true,
          },
          {
            key: "damping-off",
            label: "damping off",
            margin: "cross",
            dynamic: true,
            damping: "off",
            immediateTrades: true,
          },
        ],
      };
    case "history-crash":
      return {
        name,
        title: "History: BTC's worst falls, 2014-2018",
        description:
          "The real BTC/USD daily candles' three deepest falls of 2014-2018 (scripts/sim/data/), each a third of the " +
          "run, one after the other: the first rescaled to the local stack's BTC price, each next one starting where " +
          "the previous ended, every day cut into hours that reach its high and low; ETH follows correlated. " +
          "Directional traders, hedgers and LPs act every hour and the keeper liquidates after every price update.",
        crash: false,
        jumps: false,
        stepSeconds: STEP_SECONDS,
        adversaries: [],
        history: true,
        variants: [
          {
            key: "history-crash",
            label: "history-crash",
            margin: "cross",
            dynamic: true,
            damping: "deployed",
            immediateTrades: true,
          },
        ],
      };
    case "cross-vs-isolated":
      return {
        name,
        title: "Cross margin vs isolated subaccounts",
        description:
          "The same books (directional positions and long/short hedges), opened at the start and held through the crash, " +
          "once with every trader's positions in one cross-margin account and once with one subaccount per position, the " +
          "collateral split by the positions' initial margin.",
        crash: true,
        jumps: true,
        stepSeconds: STEP_SECONDS,
        adversaries: [],
        variants: [
          {
            key: "cross",
            label: "cross margin",
            margin: "cross",
            dynamic: false,
            damping: "deployed",
            immediateTrades: true,
          },
          {
            key: "isolated",
            label: "isolated",
            margin: "isolated",
            dynamic: false,
            damping: "deployed",
            immediateTrades: true,
          },
        ],
      };
    case "adversaries":
      return {
        name,
        title: "Adversaries in a crash",
        description:
          "The crash scenario's market and traders, plus adversaries, each reporting what it made and from whom: the " +
          "oracle-latency arbitrageur (it knows the next hourly update; immediate trades are on, as on the local " +
          "stack), the reward-floor farmer (hedged pairs of minimum positions; it liquidates its losing side from " +
          "a second wallet, before the keeper, for the keeper reward's floor), the liquidation-window filler (a " +
          "levered ETH long whose small filler accounts it liquidates first, to use up a liquidation window that no " +
          "longer exists), the thin-market manipulator (a long up to the open-interest cap, then a spot buy on " +
          "the venue the oracle follows, closed against the pool at the pumped update), the LP sandwich (an LP that " +
          "opens the largest position on the skew's side before each redemption and closes the skew before each " +
          "deposit, trading back right after) and the bad-debt hider (an LP with a matured request and a hedged pair " +
          "whose long, on WETH at ~10x, it keeps levered; when an update puts the long under water it redeems before " +
          "the keeper's close-out).",
        crash: true,
        jumps: true,
        stepSeconds: STEP_SECONDS,
        adversaries: [...ADVERSARY_NAMES], // every adversary there is, in the registry's order
        variants: [
          {
            key: "adversaries",
            label: "adversaries",
            margin: "cross",
            dynamic: true,
            damping: "deployed",
            immediateTrades: true,
          },
        ],
      };
    case "latency-arb":
      return {
        name,
        title: "Oracle-latency arbitrage, immediate trades on and off",
        description:
          "Diffusion only (no jumps, no crash), a price update every 5 minutes. The traders open their books at the " +
          "start and hold them; an arbitrageur who knows every update one update ahead turns its ETH position to the " +
          "next move's side after each update: with immediate trades, at the answer it knows is stale; with them off " +
          "(after the opening books), through market orders the keeper settles at the first round after the commit.",
        crash: false,
        jumps: false,
        stepSeconds: LATENCY_ARB_STEP_SECONDS,
        adversaries: ["latency-arb"],
        variants: [
          {
            key: "immediate-on",
            label: "immediate trades on",
            margin: "cross",
            dynamic: false,
            damping: "deployed",
            immediateTrades: true,
          },
          {
            key: "immediate-off",
            label: "orders only",
            margin: "cross",
            dynamic: false,
            damping: "deployed",
            immediateTrades: false,
          },
        ],
      };
  }
}

/** The local stack's feeds as asset models (initial prices from deploy/config.ts). */
export function assetModels(markets: { marketId: bigint; symbol: string }[]): AssetModel[] {
  return markets.map((m) => {
    const feed = LOCAL_FEEDS.find((f) => f.symbol === m.symbol);
    if (!feed) throw new Error(`no local feed for ${m.symbol}`);
    return {
      symbol: m.symbol,
      marketId: m.marketId,
      initialPrice: Number(feed.initialAnswer) / 10 ** feed.decimals,
      annualVol: VOLATILITY[m.symbol] ?? 0.7,
      annualDrift: 0,
    };
  });
}

/** The crash's step: a third of the way in (at least step 1, so books are open before it). */
export const crashStep = (steps: number): number => Math.max(1, Math.floor(steps / 3));

/** The exogenous market of a scenario with `steps` steps. */
export function pathSpec(spec: ScenarioSpec, steps: number, assets: AssetModel[]): PathSpec {
  const crash: CrashSpec | undefined = spec.crash
    ? // The fall is complete at the crash hour's last price update (55 minutes in): "within an hour".
      { step: crashStep(steps), drop: CRASH_DROP, durationSeconds: spec.stepSeconds - FINE_TICK_SECONDS }
    : undefined;
  const fineSteps = new Set<number>();
  if (crash)
    for (let s = crash.step; s < Math.min(steps, crash.step + FINE_STEPS_AFTER_CRASH); s++) fineSteps.add(s);
  const candidates: ScheduledJump[] = [
    { step: Math.floor(steps * 0.15), moves: { ETH: 0.08 }, label: "ETH +8% on its own news" },
    {
      step: Math.floor(steps * 0.55),
      moves: { ETH: -0.06, BTC: -0.05 },
      label: "risk-off: ETH -6%, BTC -5%",
    },
    { step: Math.floor(steps * 0.8), moves: { ETH: 0.04, BTC: 0.05 }, label: "rebound: ETH +4%, BTC +5%" },
  ];
  const used = new Set<number>(crash ? [crash.step] : []);
  const jumps = candidates.filter((j) => {
    if (!spec.jumps) return false;
    if (j.step < 1 || j.step >= steps || used.has(j.step)) return false;
    used.add(j.step);
    return true;
  });
  return {
    steps,
    stepSeconds: spec.stepSeconds,
    fineTickSeconds: FINE_TICK_SECONDS,
    fineSteps,
    correlation: CORRELATION,
    assets,
    jumps,
    crash,
  };
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
