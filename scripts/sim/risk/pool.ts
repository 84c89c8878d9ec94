/**
 * The worker pool of `simulate --seeds`/`--sweep`: `workers` child processes (worker.ts), each with its own
 * in-process Hardhat network, take the jobs one at a time in the order given; each job's result is its summary.json.
 * Results are kept by job, not by the order they finish in, so the aggregate does not depend on scheduling.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import type { ScenarioName } from "../scenarios/definitions";
import type { Setting } from "./options";

export interface Job {
  id: number;
  scenario: Exclude<ScenarioName, "session">;
  seed: number;
  accounts: number;
  steps: number;
  /** `--prices`, as the worker re-reads it: rows `[from, to)`. */
  prices?: { file: string; rescale: boolean; from: number; to: number };
  settings: Setting[];
  summaryFile: string;
}

export type WorkerMessage =
  | { type: "progress"; id: number; fraction: number }
  | { type: "done"; id: number }
  | { type: "failed"; id: number; error: string };

export interface JobOutcome {
  job: Job;
  /** Why it failed (one line), when it did. */
  error?: string;
}

/** Runs `jobs` on `workers` processes; `onProgress` gets the jobs done plus the running ones' fractions. */
export async function runPool(
  jobs: Job[],
  workers: number,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<JobOutcome[]> {
  const outcomes = new Map<number, JobOutcome>();
  const running = new Map<number, number>();
  const pending = [...jobs];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const progress = () =>
    onProgress(outcomes.size + [...running.values()].reduce((a, b) => a + b, 0), jobs.length);
  const script = path.join(__dirname, "worker.ts");

  await new Promise<void>((resolve) => {
    let alive = 0;
    const settle = () => {
      if (outcomes.size === jobs.length) resolve();
    };
    const start = () => {
      const child: ChildProcess = fork(script, [], {
        execArgv: ["--require", "ts-node/register/transpile-only"],
        env: { ...process.env, HARDHAT_NETWORK: "hardhat", TS_NODE_TRANSPILE_ONLY: "true" },
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      alive++;
      let current: Job | undefined;
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
      const next = () => {
        current = pending.shift();
        if (current) child.send(current);
        else child.disconnect();
      };
      child.on("message", (m: WorkerMessage) => {
        if (m.type === "progress") {
          running.set(m.id, m.fraction);
          progress();
          return;
        }
        running.delete(m.id);
        outcomes.set(m.id, {
          job: byId.get(m.id) as Job,
          ...(m.type === "failed" ? { error: m.error } : {}),
        });
        progress();
        next();
        settle();
      });
      child.on("exit", (code) => {
        alive--;
        if (current && !outcomes.has(current.id)) {
          const last = stderr.trim().split("\n").pop() ?? "";
          outcomes.set(current.id, { job: current, error: `worker exited (${code}): ${last}` });
          running.delete(current.id);
          // A worker that died takes no more jobs; the others go on. With none left, the rest fail.
          if (alive === 0) {
            for (const j of pending.splice(0))
              outcomes.set(j.id, { job: j, error: "no worker left to run it" });
          }
        }
        settle();
      });
      next();
    };
    for (let i = 0; i < Math.min(workers, jobs.length); i++) start();
    if (jobs.length === 0) resolve();
  });
  return jobs.map((j) => outcomes.get(j.id) as JobOutcome);
}
