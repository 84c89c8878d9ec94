/**
 * `simulate --seeds 1..50` and `simulate --sweep name=a:b:step`: the scenario once per seed (and per value), in
 * parallel worker processes bounded by the cores (pool.ts), with a progress bar over the runs; then the
 * distributions, the worst seed's replay command, a sweep's recommendation, the report and its first lines.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { SimulateOptions } from "../options";
import { groupRuns, runRecords } from "./aggregate";
import type { RunSpec } from "./aggregate";
import { InputError } from "./options";
import { runPool } from "./pool";
import type { Job } from "./pool";
import { recommend } from "./recommend";
import { firstLines, riskDir, writeRiskReport } from "./report";
import type { RiskResult } from "./report";
import type { SummaryFile } from "./stats";

export interface RiskOptions {
  write?: (line: string) => void;
  progress?: "bar" | "lines" | "none";
  /** Worker processes; default the cores (`os.availableParallelism()`), at most the runs. */
  workers?: number;
}

export async function runRiskTask(
  options: SimulateOptions,
  hre: HardhatRuntimeEnvironment,
  {
    write = (line: string) => console.log(line),
    progress = process.stderr.isTTY === true ? "bar" : "lines",
    workers,
  }: RiskOptions = {},
): Promise<RiskResult & { dir: string; files: { html: string; summary: string } }> {
  if (hre.network.name !== "hardhat")
    throw new InputError(
      `--seeds and --sweep run each seed on its own in-process network, not on "${hre.network.name}": drop --network`,
    );
  if (options.scenario === "session")
    throw new InputError("the session scenario is scripted: --seeds does not apply");
  const seeds = options.seeds ?? [options.seed];
  const spec: RunSpec = {
    scenario: options.scenario,
    seeds,
    accounts: options.accounts,
    steps: options.steps,
    settings: options.settings,
    ...(options.sweep ? { sweep: options.sweep } : {}),
    ...(options.prices
      ? {
          prices: {
            file: options.prices.file,
            rescale: options.prices.rescale,
            from: options.prices.from,
            to: options.prices.to,
          },
        }
      : {}),
  };
  const dir = riskDir(path.resolve(options.out), spec);
  fs.rmSync(path.join(dir, "runs"), { recursive: true, force: true });
  const values: (number | undefined)[] = options.sweep ? options.sweep.values : [undefined];
  const jobs: Job[] = [];
  for (const value of values)
    for (const seed of seeds)
      jobs.push({
        id: jobs.length,
        scenario: options.scenario,
        seed,
        accounts: options.accounts,
        steps: options.steps,
        ...(spec.prices ? { prices: spec.prices } : {}),
        settings: [
          ...options.settings,
          ...(value !== undefined && options.sweep ? [{ name: options.sweep.name, value }] : []),
        ],
        summaryFile: path.join(
          dir,
          "runs",
          `${value !== undefined ? `${options.sweep?.name}-${value}-` : ""}seed-${seed}.json`,
        ),
      });
  const cores = os.availableParallelism();
  const count = Math.max(1, Math.min(workers ?? cores, jobs.length));
  const started = Date.now();
  const bar = new RunsBar(progress);
  write(`Running ${jobs.length} runs of ${options.scenario} on ${count} worker processes (${cores} cores)…`);
  const outcomes = await runPool(jobs, count, (done, total) => bar.update(done, total, started));
  bar.done();

  const ok = outcomes.filter((o) => o.error === undefined);
  const summaries = ok.map((o) => ({
    seed: o.job.seed,
    value: o.job.settings.find((s) => s.name === options.sweep?.name)?.value,
    summary: JSON.parse(fs.readFileSync(o.job.summaryFile, "utf8")) as SummaryFile,
  }));
  const failures = outcomes
    .filter((o) => o.error !== undefined)
    .map((o) => ({
      seed: o.job.seed,
      ...(options.sweep ? { value: o.job.settings.find((s) => s.name === options.sweep?.name)?.value } : {}),
      error: o.error as string,
    }));
  if (summaries.length === 0) throw new Error(`every run failed: ${failures[0]?.error ?? "no run"}`);
  const records = runRecords(
    summaries.map((s) => (options.sweep ? s : { seed: s.seed, summary: s.summary })),
  );
  const groups = groupRuns(spec, records);
  const result: RiskResult = {
    spec,
    groups,
    records,
    failures,
    ...(options.sweep ? { recommendation: recommend(options.sweep, groups) } : {}),
  };
  const files = await writeRiskReport(result, dir);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  write("");
  write(
    `Keel risk report — ${options.scenario}: ${jobs.length} runs (${seeds.length} seeds), ${options.accounts} accounts, ${options.steps} steps`,
  );
  for (const line of firstLines(result)) write(`${line.severity === "ok" ? "  " : "!!"} ${line.text}`);
  write("");
  write(
    `Report: ${path.relative(process.cwd(), files.html) || files.html}  (summary.json, runs/ alongside; ${seconds} s)`,
  );
  if (failures.length) process.exitCode = 1;
  return { ...result, dir, files };
}

/** A progress bar over the runs (the running ones counted by their share done). */
class RunsBar {
  private lastDecile = -1;

  constructor(private readonly mode: "bar" | "lines" | "none") {}

  update(done: number, total: number, started: number): void {
    if (this.mode === "none") return;
    const fraction = total ? done / total : 1;
    const elapsed = (Date.now() - started) / 1000;
    const eta = fraction > 0.02 ? ` · ~${Math.round((elapsed / fraction) * (1 - fraction))}s left` : "";
    if (this.mode === "bar") {
      const filled = Math.round(fraction * 30);
      process.stderr.write(
        `\r[${"█".repeat(filled)}${"░".repeat(30 - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${Math.floor(done)}/${total} runs  ${elapsed.toFixed(0)}s${eta}   `,
      );
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile > this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`simulate: ${decile * 10}% of ${total} runs (${elapsed.toFixed(0)}s${eta})\n`);
      }
    }
  }

  done(): void {
    if (this.mode === "bar") process.stderr.write("\n");
  }
}
