/**
 * Runs a scenario: draws the population and the market path from the seed, runs each variant on a fresh stack (the
 * chain is restored to a snapshot after each variant, so each starts from the same state and the run leaves the chain
 * as it found it), and returns the results.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { DEFAULT_MARKETS } from "../../deploy/config";
import { requireDevChain } from "../lib/system";
import { runVariant } from "./pipeline/variant";
import { withRollback } from "./rollback";
import { generatePath } from "./market";
import { withAdversaries } from "./agents/adversaries/registry";
import { drawPopulation, withImf } from "./population";
import { Rng } from "./rng";
import { CORRELATION, DEFAULTS, assetModels, pathSpec, scenarioSpec } from "./scenarios/definitions";
import type { AssetModel, Tick } from "./market";
import { SHIPPED_FILE, historyCrashPath, pricesPath } from "./history/paths";
import type { PricesOption } from "./history/options";
import type { Setting } from "./risk/options";
import type { AdversaryName, ScenarioName } from "./scenarios/definitions";
import type { ReplayInfo, SimulationResult, VariantResult } from "./types";

export interface SimulationOptions {
  scenario: Exclude<ScenarioName, "session">;
  seed?: number;
  accounts?: number;
  steps?: number;
  /** `--prices`: the market replays this file instead of the scenario's drawn path. */
  prices?: PricesOption;
  /** Parameters changed from the deployed values (`--set`, a sweep's value). */
  settings?: Setting[];
  /** The adversaries joining the population instead of the scenario's own (tests of one adversary on a short path). */
  adversaries?: AdversaryName[];
  /** Progress: ticks done and total over all variants, and the variant running. */
  onProgress?: (p: { done: number; total: number; variant: string }) => void;
}

export async function runSimulation(
  hre: HardhatRuntimeEnvironment,
  options: SimulationOptions,
): Promise<SimulationResult> {
  const seed = options.seed ?? DEFAULTS.seed;
  const accounts = options.accounts ?? DEFAULTS.accounts;
  const steps = options.steps ?? DEFAULTS.steps;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(`--seed must be an integer in [0, 2^32), got ${seed}`);
  if (!Number.isInteger(accounts) || accounts < 1 || accounts > 500)
    throw new Error(`--accounts must be in [1, 500], got ${accounts}`);
  if (!Number.isInteger(steps) || steps < 2 || steps > 5_000)
    throw new Error(`--steps must be in [2, 5000], got ${steps}`);
  await requireDevChain(hre);

  const scenario = scenarioSpec(options.scenario);
  const root = new Rng(seed);
  const markets = DEFAULT_MARKETS.map((m, i) => ({ marketId: BigInt(i), symbol: m.symbol }));
  const assets = assetModels(markets);
  const drawn = drawPopulation(root.fork("population"), accounts, markets);
  const imf = options.settings?.find((x) => x.name === "imf")?.value;
  const population = withAdversaries(
    withImf(drawn, imf),
    markets,
    options.adversaries ?? scenario.adversaries,
  );
  const { path, replay } = marketPath(scenario, steps, assets, root, options.prices);

  const variants: VariantResult[] = [];
  const total = path.length * scenario.variants.length;
  for (let i = 0; i < scenario.variants.length; i++) {
    const variant = scenario.variants[i];
    // Every variant runs inside a snapshot and is rolled back: the next starts from the same chain, and the run
    // leaves the chain as it found it (a stack deployed on a shared node keeps working, rollback.ts).
    variants.push(
      await withRollback(hre, () =>
        runVariant({
          hre,
          variant,
          population,
          path,
          assets,
          rng: root,
          steps,
          settings: options.settings,
          onTick: (done) =>
            options.onProgress?.({ done: i * path.length + done, total, variant: variant.label }),
        }),
      ),
    );
  }

  const schedule = path.filter((t) => t.event).map((t) => ({ step: t.step, event: t.event as string }));
  return {
    scenario,
    seed,
    accounts,
    steps: path[path.length - 1].step + 1,
    network: hre.network.name,
    variants,
    schedule: dedupeSchedule(schedule),
    ...(replay ? { replay } : {}),
    ...(options.settings?.length ? { settings: options.settings } : {}),
  };
}

/** The exogenous path: a file replayed (`--prices`), the shipped file's worst falls (`history-crash`), or drawn. */
function marketPath(
  scenario: ReturnType<typeof scenarioSpec>,
  steps: number,
  assets: AssetModel[],
  root: Rng,
  prices: PricesOption | undefined,
): { path: Tick[]; replay?: ReplayInfo } {
  const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);
  if (prices) {
    const { ticks, rows } = pricesPath(prices, assets, steps, root.fork("market"), CORRELATION);
    const t = prices.history.timestamps;
    return {
      path: ticks,
      replay: {
        file: prices.file,
        from: day(t[prices.from]),
        to: day(t[prices.from + rows - 1]),
        rescaled: prices.rescale,
      },
    };
  }
  if (scenario.history) {
    const { ticks, windows } = historyCrashPath(assets, steps, root.fork("market"), CORRELATION);
    return {
      path: ticks,
      replay: {
        file: "scripts/sim/data/" + SHIPPED_FILE.split(/[\\/]/).pop(),
        from: windows[0].from,
        to: windows[windows.length - 1].to,
        rescaled: true,
        windows,
      },
    };
  }
  return { path: generatePath(pathSpec(scenario, steps, assets), root.fork("market")) };
}

/** One entry per step and event (the crash spans several ticks). */
function dedupeSchedule(entries: { step: number; event: string }[]): { step: number; event: string }[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.step}:${e.event}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
