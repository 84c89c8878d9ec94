/**
 * The `simulate` task's options, checked before anything runs: a bad value or an unknown option is one line naming the
 * value and what is allowed, and exit status 1, never a stack trace. Light on purpose (no contract bindings): the task
 * definition loads it with hardhat.config.ts.
 */
import { DEFAULTS, SCENARIOS, isScenario } from "./scenarios/definitions";
import type { ScenarioName } from "./scenarios/definitions";
import { parsePricesArgs } from "./history/options";
import type { PricesOption, RawPricesArgs } from "./history/options";
import { InputError, MAX_RUNS, parseSeeds, parseSet, parseSweep } from "./risk/options";
import type { Setting, Sweep } from "./risk/options";

export { InputError };

/** The options as Hardhat passes them: strings from the command line, numbers when a script calls the task. */
export interface RawSimulateArgs extends RawPricesArgs {
  seeds?: string;
  sweep?: string;
  set?: string;
  scenario?: string;
  seed?: string | number;
  accounts?: string | number;
  steps?: string | number;
  out?: string;
  noCompile?: boolean;
}

export interface SimulateOptions {
  scenario: ScenarioName;
  seed: number;
  accounts: number;
  steps: number;
  out: string;
  /** `--prices`: the file replayed instead of the scenario's drawn path. */
  prices?: PricesOption;
  /** `--seeds`: the scenario once per seed (risk/cli.ts). */
  seeds?: number[];
  /** `--sweep`: the seeds at each value of a parameter. */
  sweep?: Sweep;
  /** `--set`: one parameter changed from its deployed value. */
  settings: Setting[];
}

/** Inclusive bounds of the numeric options. */
export const BOUNDS = {
  seed: { min: 0, max: 0xffffffff },
  accounts: { min: 1, max: 500 },
  steps: { min: 2, max: 5_000 },
} as const;

/** The task's own options, as typed on the command line. */
export const SIMULATE_FLAGS = [
  "--scenario",
  "--seed",
  "--seeds",
  "--accounts",
  "--steps",
  "--prices",
  "--rescale",
  "--from",
  "--to",
  "--sweep",
  "--set",
  "--out",
  "--no-compile",
];

const or = (items: readonly string[]): string =>
  `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;

function integer(name: keyof typeof BOUNDS, value: string | number | undefined, fallback: number): number {
  const { min, max } = BOUNDS[name];
  const expected = `an integer from ${min} to ${max}`;
  if (value === undefined) return fallback;
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text))
    throw new InputError(`--${name} "${value}" is not a whole number: use ${expected}`);
  const n = Number(text);
  if (n < min || n > max) throw new InputError(`--${name} ${text} is out of range: use ${expected}`);
  return n;
}

export function parseSimulateArgs(args: RawSimulateArgs): SimulateOptions {
  const scenario = args.scenario ?? "baseline";
  if (!isScenario(scenario)) throw new InputError(`unknown scenario "${scenario}": choose ${or(SCENARIOS)}`);
  const out = args.out ?? DEFAULTS.out;
  if (out.trim() === "") throw new InputError(`--out is empty: give a directory (default ${DEFAULTS.out})`);
  const options: SimulateOptions = {
    scenario,
    seed: integer("seed", args.seed, DEFAULTS.seed),
    accounts: integer("accounts", args.accounts, DEFAULTS.accounts),
    steps: integer("steps", args.steps, DEFAULTS.steps),
    out,
    settings: args.set === undefined ? [] : [parseSet(args.set)],
  };
  if (args.seeds !== undefined) options.seeds = parseSeeds(args.seeds);
  if (args.sweep !== undefined) options.sweep = parseSweep(args.sweep);
  const many = options.seeds !== undefined || options.sweep !== undefined;
  if (scenario === "session" && (many || args.prices !== undefined || args.set !== undefined))
    throw new InputError(
      "the session scenario is scripted: --seeds, --sweep, --set and --prices do not apply to it",
    );
  if (scenario === "history-crash" && args.prices !== undefined)
    throw new InputError(
      "history-crash replays its own file (scripts/sim/data/): drop --prices, or use another scenario",
    );
  if (options.sweep && options.settings.some((s) => s.name === options.sweep?.name))
    throw new InputError(`--set ${args.set} and --sweep ${args.sweep} change the same parameter: keep one`);
  if (options.sweep && options.seeds && options.seeds.length * options.sweep.values.length > MAX_RUNS)
    throw new InputError(
      `--seeds ${args.seeds} × --sweep ${args.sweep} is ${options.seeds.length * options.sweep.values.length} runs, ` +
        `at most ${MAX_RUNS}`,
    );
  const prices = parsePricesArgs(args);
  if (prices) options.prices = prices;
  return options;
}

/** Hardhat's global options, and whether each takes a value (`hardhat --help`). */
const GLOBAL_OPTIONS: Record<string, boolean> = {
  "--network": true,
  "--config": true,
  "--max-memory": true,
  "--tsconfig": true,
  "--show-stack-traces": false,
  "--version": false,
  "--help": false,
  "--emoji": false,
  "--verbose": false,
  "--flamegraph": false,
  "--typecheck": false,
};
/** Every option of the task but the one flag that takes no value. */
const TAKES_VALUE = new Set(SIMULATE_FLAGS.filter((flag) => flag !== "--no-compile"));

/**
 * For a command line running `simulate` (`process.argv.slice(2)`): the one-line message for an option it does not
 * know or an argument it does not take, or undefined. Other tasks' command lines are not its business.
 */
export function simulateArgvError(argv: string[]): string | undefined {
  let i = 0;
  // Global options before the task's name.
  while (i < argv.length && argv[i].startsWith("--")) i += GLOBAL_OPTIONS[argv[i]] ? 2 : 1;
  if (argv[i] !== "simulate") return undefined;
  for (i++; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--"))
      return `simulate takes no argument "${arg}": its options are ${or(SIMULATE_FLAGS)}`;
    const name = arg.split("=")[0];
    if (arg.includes("=")) return `write ${name} <value>, not ${arg}: the options are ${or(SIMULATE_FLAGS)}`;
    if (TAKES_VALUE.has(name) && (i + 1 >= argv.length || argv[i + 1].startsWith("--")))
      return `${name} needs a value: the options are ${or(SIMULATE_FLAGS)}`;
    if (TAKES_VALUE.has(name) || GLOBAL_OPTIONS[name]) i++;
    else if (!SIMULATE_FLAGS.includes(name) && !(name in GLOBAL_OPTIONS))
      return `unknown option ${name} for simulate: the options are ${or(SIMULATE_FLAGS)} (and Hardhat's, such as --network)`;
  }
  return undefined;
}

/** Prints a failure as one line (`error: …`; the whole error with KEEL_DEBUG=1) and sets exit status 1. */
export function reportFailure(err: unknown, print: (line: string) => void = console.error): void {
  const message = err instanceof Error ? err.message : String(err);
  print(`error: ${message.split("\n")[0]}`);
  if (process.env.KEEL_DEBUG === "1") print(String(err instanceof Error ? err.stack : err));
  process.exitCode = 1;
}
