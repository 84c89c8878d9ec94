/**
 * A worker process of `simulate --seeds`/`--sweep` (pool.ts forks it): loads Hardhat's runtime once, with its own
 * in-process network, then runs the jobs the parent sends one after the other (each variant inside a roll-back, so
 * every job starts from the same chain) and writes each run's summary.json where the job says. It reports progress
 * and the end of each job by IPC; a failed job is one line, and the worker goes on with the next.
 */
import fs from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Job, WorkerMessage } from "./pool";

let hre: HardhatRuntimeEnvironment | undefined;
let queue: Promise<void> = Promise.resolve();

const send = (message: WorkerMessage) => process.send?.(message);

async function run(job: Job): Promise<void> {
  // Loaded here, not at the top: the parent sets the network before forking, and a job may never come.
  hre ??= (await import("hardhat")).default;
  const { runSimulation } = await import("../run");
  const { summaryText } = await import("../report/summary");
  const { parsePricesArgs } = await import("../history/options");
  const prices = job.prices
    ? parsePricesArgs({
        prices: job.prices.file,
        rescale: job.prices.rescale ? "on" : "off",
        from: String(job.prices.from + 1),
        to: String(job.prices.to),
      })
    : undefined;
  let last = 0;
  const result = await runSimulation(hre, {
    scenario: job.scenario,
    seed: job.seed,
    accounts: job.accounts,
    steps: job.steps,
    prices,
    settings: job.settings,
    onProgress: (p) => {
      const now = Date.now();
      if (now - last < 500 && p.done < p.total) return;
      last = now;
      send({ type: "progress", id: job.id, fraction: p.total ? p.done / p.total : 1 });
    },
  });
  fs.mkdirSync(path.dirname(job.summaryFile), { recursive: true });
  fs.writeFileSync(job.summaryFile, summaryText(result));
}

process.on("message", (job: Job) => {
  queue = queue.then(async () => {
    try {
      await run(job);
      send({ type: "done", id: job.id });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      send({ type: "failed", id: job.id, error: message.split("\n")[0] });
    }
  });
});

// The parent disconnects once it has no more jobs: finish the one running, then leave.
process.on("disconnect", () => {
  void queue.then(() => process.exit(0));
});
