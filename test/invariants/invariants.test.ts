/**
 * DESIGN §15, property-based: random sequences of commands (./commands/) against the local stack on Hardhat's
 * in-process network, each run from the same `evm_snapshot`, each command held to the model's prediction (./model/)
 * and followed by a check of every invariant (./checks/); each run ends by closing everything at one price
 * (zero-sum, liveness).
 *
 * - `npm run test:invariants` (and `npm test`): at least 10,000 commands, deterministic seed.
 * - `npm run test:invariants:long`: at least 100,000 commands from a random seed.
 * - Environment: `INVARIANT_COMMANDS` (least number of commands), `INVARIANT_RUNS` (exactly this many runs instead),
 *   `INVARIANT_SEED` (a number, or `random`), `INVARIANT_MAX_COMMANDS` (longest sequence, default 100).
 * - A failure prints the seed, the shrunk command sequence and the command that replays it:
 *   `INVARIANT_SEED=<seed> INVARIANT_PATH=<path> INVARIANT_REPLAY_PATH=<replayPath> npm run test:invariants`.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { reset } from "@nomicfoundation/hardhat-network-helpers";
import { accountIdOf, deploySuite, perf, resetChain } from "./system";
import type { Suite } from "./system";
import { closeOut, commandArbitraries, orderStats, stats } from "./commands";
import type { Box } from "./commands";
import { economicsReport, resetEconomics } from "./economics";
import { stressArbitraries } from "./stress";

const DEFAULT_SEED = 20_251_121;
const env = process.env;
const TARGET = Number(env.INVARIANT_COMMANDS ?? 10_000);
const EXACT_RUNS = env.INVARIANT_RUNS === undefined ? undefined : Number(env.INVARIANT_RUNS);
const MAX_COMMANDS = Number(env.INVARIANT_MAX_COMMANDS ?? 100);
const RUNS_PER_ROUND = 50;
const PATH = env.INVARIANT_PATH;
const REPLAY_PATH = env.INVARIANT_REPLAY_PATH;
const SEED =
  env.INVARIANT_SEED === undefined
    ? DEFAULT_SEED
    : env.INVARIANT_SEED === "random"
      ? Math.floor(Math.random() * 2 ** 31)
      : Number(env.INVARIANT_SEED);

function property(s: Suite) {
  const ids = s.actors.traders.map((t) => [accountIdOf(t.address, 0n), accountIdOf(t.address, 1n)]);
  return fc.asyncProperty(
    fc.commands([...commandArbitraries(), ...stressArbitraries()], {
      maxCommands: MAX_COMMANDS,
      size: "max",
      replayPath: REPLAY_PATH,
    }),
    async (commands) => {
      await resetChain(s);
      await resetEconomics(s);
      stats.runs++;
      const box: Box = { m: s.initial.clone(), ids };
      await fc.asyncModelRun(() => ({ model: box, real: s }), commands);
      await closeOut(box, s);
    },
  );
}

function report(details: fc.RunDetails<[Iterable<fc.AsyncCommand<Box, Suite>>]>): string {
  // fast-check's commands print as their run, with its replay path.
  const run: { toString(): string } | undefined = details.counterexample?.[0];
  const shown = String(run ?? "");
  const replayPath = /replayPath="([^"]*)"/.exec(shown)?.[1];
  const replay = [
    `INVARIANT_SEED=${details.seed}`,
    `INVARIANT_PATH=${details.counterexamplePath}`,
    ...(replayPath ? [`INVARIANT_REPLAY_PATH=${replayPath}`] : []),
    ...(env.INVARIANT_MAX_COMMANDS ? [`INVARIANT_MAX_COMMANDS=${env.INVARIANT_MAX_COMMANDS}`] : []),
    ...(env.INVARIANT_KNOWN_HOLES ? [`INVARIANT_KNOWN_HOLES=${env.INVARIANT_KNOWN_HOLES}`] : []),
    "npm run test:invariants",
  ].join(" ");
  const commands = [...((details.counterexample?.[0] as Iterable<unknown>) ?? [])].map(
    (c) => `    ${String(c)}`,
  );
  return [
    `invariants: FAILED (seed ${details.seed}, path ${details.counterexamplePath}, shrunk ${details.numShrinks} times)`,
    "  shrunk command sequence:",
    ...commands,
    `  replay: ${replay}`,
    `  error: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
  ].join("\n");
}

function printOutcomes() {
  const lines = [...stats.outcomes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, o]) => {
      const errors = [...o.errors.entries()].map(([name, n]) => `${name} ×${n}`).join(", ");
      return `    ${label.padEnd(32)} ${String(o.ok).padStart(6)} ok ${String(o.reverted).padStart(6)} reverted${errors ? ` (${errors})` : ""}`;
    });
  const gap = `${(Number(orderStats.roundGap / 10n ** 12n) / 1e6).toFixed(6)} USDC`;
  const orders = `  orders: ${orderStats.roundGapFills} fills at their round's price, largest |Δsize · (latest answer − round price)| ${gap} (explained in §15.9, paid by the pool)`;
  console.log(
    [
      "  outcomes (every revert matched its predicted custom error):",
      ...lines,
      ...economicsReport(),
      orders,
    ].join("\n"),
  );
}

describe("Invariants: model-based property suite (DESIGN §15)", function () {
  it("holds every invariant after every command of random sequences, and zero-sum at the end of each", async function () {
    this.timeout(0);
    const started = Date.now();
    const outer = (await network.provider.send("evm_snapshot", [])) as string;
    let wiped = false;
    try {
      let s = await deploySuite();
      const replaying = PATH !== undefined;
      console.log(
        `  invariants: seed ${SEED}${replaying ? `, replaying path ${PATH}` : ""}, target ${EXACT_RUNS === undefined ? `${TARGET} commands` : `${EXACT_RUNS} runs`}, at most ${MAX_COMMANDS} per run`,
      );
      for (let round = 0; ; round++) {
        if (replaying ? round > 0 : EXACT_RUNS === undefined ? stats.commands >= TARGET : round > 0) break;
        // Long runs start over on a fresh chain every 500 runs: the in-process node keeps memory per transaction.
        if (TARGET > 20_000 && round > 0 && round % 10 === 0 && !replaying) {
          await reset();
          s = await deploySuite();
          wiped = true;
        }
        const seed = replaying ? SEED : SEED + round;
        const details = await fc.check(property(s), {
          seed,
          // A replayed path starts with the index of its run: enough runs to reach it.
          numRuns: Math.max(EXACT_RUNS ?? RUNS_PER_ROUND, replaying ? Number(PATH.split(":")[0]) + 1 : 0),
          ...(replaying ? { path: PATH } : {}),
        });
        if (details.failed) {
          const message = report(details);
          console.log(message);
          printOutcomes();
          throw new Error(message);
        }
        if (TARGET > 10_000 && round % 10 === 9) {
          const seconds = ((Date.now() - started) / 1000).toFixed(0);
          console.log(`  invariants: ${stats.commands} commands in ${stats.runs} runs so far (${seconds} s)`);
        }
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `  invariants: ${stats.commands} commands executed in ${stats.runs} runs (+${stats.closeOutActions} close-out actions), ${seconds} s`,
      );
      printOutcomes();
      if (env.INVARIANT_PROFILE === "1")
        console.log(
          "  time (ms):",
          JSON.stringify(perf, (_k, v: unknown) => (typeof v === "number" ? Math.round(v) : v)),
        );
      if (!replaying && EXACT_RUNS === undefined) expect(stats.commands).to.be.at.least(TARGET);
    } finally {
      // Leave the chain as it was found (or, after a wipe, clear it for whatever runs next: loadFixture redeploys).
      if (wiped) await reset();
      else await network.provider.send("evm_revert", [outer]);
    }
  });
});
