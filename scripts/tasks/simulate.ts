/**
 * `npx hardhat simulate` (also `npm run simulate`): the Keel simulation and risk report. `npx hardhat help simulate`
 * lists the options.
 *
 * This file is loaded by hardhat.config.ts, so it only declares the task: it checks the options (a bad value or an
 * unknown option is one line of error and exit status 1, scripts/sim/options.ts), compiles (a fresh clone has no
 * TypeChain bindings yet), then imports the implementation.
 */
import { task, types } from "hardhat/config";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import { parseSimulateArgs, reportFailure, simulateArgvError } from "../sim/options";
import type { RawSimulateArgs } from "../sim/options";
import { DEFAULTS } from "../sim/scenarios/definitions";

// Hardhat rejects an unknown option before any task runs, in three lines that do not list the known ones.
const argvError = simulateArgvError(process.argv.slice(2));
if (argvError !== undefined) {
  console.error(`error: ${argvError}`);
  process.exit(1);
}

task(
  "simulate",
  "Simulates Keel with agents (directional traders, hedgers, LPs, the keeper bot's logic) on correlated price paths and " +
    "writes a risk report (report.html with SVG charts, summary.json, events.csv) to <out>/<scenario>-<seed>/. " +
    "Runs on the in-process network by default, or --network localhost (the node's chain is rolled back afterwards).",
)
  .addOptionalParam(
    "scenario",
    "baseline, crash (a correlated 35% drop within an hour), cascade (the crash with the removed cascade damping's cap set and unset: both runs agree), " +
      "cross-vs-isolated (the same books in cross margin and one subaccount per position), or session (the short " +
      "scripted session)",
    "baseline",
    types.string,
  )
  .addOptionalParam(
    "seed",
    "Seed of every random draw (prices, agents, decisions), an integer from 0 to 4294967295: the same seed gives the same report",
    String(DEFAULTS.seed),
    types.string,
  )
  .addOptionalParam(
    "accounts",
    "Trader accounts (agents), 1 to 500: 60% directional traders, 40% hedgers",
    String(DEFAULTS.accounts),
    types.string,
  )
  .addOptionalParam(
    "steps",
    "Simulated hours (one step = one hour), 2 to 5000",
    String(DEFAULTS.steps),
    types.string,
  )
  .addOptionalParam(
    "out",
    "Directory the report goes to (in <out>/<scenario>-<seed>/)",
    DEFAULTS.out,
    types.string,
  )
  .addOptionalParam(
    "prices",
    "Replay a price file (CSV: timestamp plus one close column per asset, or OHLC columns) through the feeds instead " +
      "of the drawn path, e.g. scripts/sim/data/btc-usd-daily-2014-2018.csv",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "rescale",
    "With --prices: on (default) makes the first replayed price the local stack's price level, off replays the file's own levels",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "from",
    "With --prices: the first row to replay (a row number from 1, or a date YYYY-MM-DD)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "to",
    "With --prices: the last row to replay (a row number or a date)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "seeds",
    "Run the scenario once per seed, in parallel processes, and report the distributions: 1..50 or 3,7,9",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "sweep",
    "Run the seeds at each value of a parameter and recommend values: name=from:to:step, name one of imf, mmf, " +
      "skewScale (a multiple of the deployed), maxOpenInterestToPool or liquidationBuffer",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "set",
    "Change one parameter for the run: name=value (as --sweep names them)",
    undefined,
    types.string,
  )
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(async (args: RawSimulateArgs, hre) => {
    try {
      const options = parseSimulateArgs(args); // before compiling: a bad option fails at once
      if (!args.noCompile) await hre.run(TASK_COMPILE, { quiet: true });
      if (options.seeds !== undefined || options.sweep !== undefined) {
        const { runRiskTask } = await import("../sim/risk/cli");
        await runRiskTask(options, hre);
        return;
      }
      const { runSimulateTask } = await import("../sim/cli");
      await runSimulateTask(args, hre);
    } catch (err) {
      reportFailure(err);
    }
  });
