/**
 * `npx hardhat simulate` (also `npm run simulate`): the Keel simulation and risk report. `npx hardhat help simulate`
 * lists the options.
 *
 * This file is loaded by hardhat.config.ts, so it only declares the task: it compiles first (a fresh clone has no
 * TypeChain bindings yet), then imports the implementation.
 */
import { task, types } from "hardhat/config";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import type { SimulateTaskArgs } from "../sim/cli";
import { DEFAULTS } from "../sim/scenarios/definitions";

task(
  "simulate",
  "Simulates Keel with agents (directional traders, hedgers, LPs, the keeper bot's logic) on correlated price paths and " +
    "writes a risk report (report.html with SVG charts, summary.json, events.csv) to <out>/<scenario>-<seed>/. " +
    "Runs on the in-process network by default, or --network localhost.",
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
    "Seed of every random draw (prices, agents, decisions): the same seed gives the same report",
    DEFAULTS.seed,
    types.int,
  )
  .addOptionalParam(
    "accounts",
    "Trader accounts (agents): 60% directional traders, 40% hedgers",
    DEFAULTS.accounts,
    types.int,
  )
  .addOptionalParam("steps", "Simulated hours (one step = one hour)", DEFAULTS.steps, types.int)
  .addOptionalParam(
    "out",
    "Directory the report goes to (in <out>/<scenario>-<seed>/)",
    DEFAULTS.out,
    types.string,
  )
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(async (args: SimulateTaskArgs, hre) => {
    if (!args.noCompile) await hre.run(TASK_COMPILE, { quiet: true });
    const { runSimulateTask } = await import("../sim/cli");
    await runSimulateTask(args, hre);
  });
