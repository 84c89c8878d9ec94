/**
 * The `simulate` task's implementation: runs a scenario with a progress bar, writes the report and prints the verdict,
 * the headline figures as a table and the report's path. `--scenario session` runs the original scripted session
 * (scripts/sim/scenarios/session.ts) instead. The chain is rolled back afterwards (rollback.ts).
 */
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { renderTable } from "../common/table";
import { writeReport } from "./report";
import { verdict } from "./report/summary";
import { ADVERSARY_COLUMNS, adversaryRows } from "./report/adversaries";
import { headlineRows } from "./report/tables";
import { runSimulation } from "./run";
import { parseSimulateArgs } from "./options";
import type { RawSimulateArgs } from "./options";
import { withRollback } from "./rollback";
import type { SimulationResult } from "./types";

export type SimulateTaskArgs = RawSimulateArgs;

export interface SimulateOutput {
  result: SimulationResult;
  files: { dir: string; html: string; summary: string; events: string };
}

export async function runSimulateTask(
  args: SimulateTaskArgs,
  hre: HardhatRuntimeEnvironment,
  {
    write = (line: string) => console.log(line),
    progress = process.stderr.isTTY === true ? "bar" : "lines",
  }: { write?: (line: string) => void; progress?: "bar" | "lines" | "none" } = {},
): Promise<SimulateOutput | undefined> {
  const options = parseSimulateArgs(args);
  const scenario = options.scenario;
  if (scenario === "session") {
    const { runSession } = await import("./scenarios/session");
    await withRollback(hre, () => runSession(hre, { log: write }));
    return undefined;
  }
  const started = Date.now();
  const bar = new ProgressBar(progress, scenario);
  const result = await runSimulation(hre, {
    scenario,
    seed: options.seed,
    accounts: options.accounts,
    steps: options.steps,
    prices: options.prices,
    settings: options.settings,
    onProgress: (p) => bar.update(p.done, p.total, p.variant),
  });
  bar.done();
  const out = path.resolve(options.out);
  const files = await writeReport(result, out);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  write("");
  write(
    `Keel simulation — ${result.scenario.title}: seed ${result.seed}, ${result.accounts} accounts, ${result.steps} steps, network ${result.network}`,
  );
  if (result.replay)
    write(
      `  prices replayed from ${result.replay.file}` +
        (result.replay.windows ? "" : `, ${result.replay.from} to ${result.replay.to}`) +
        `${result.replay.rescaled ? ", rescaled to the local stack's price level" : ", at the file's own levels"}` +
        (result.replay.windows
          ? `: ${result.replay.windows.map((w) => `${w.from}..${w.to} (-${(w.drawdown * 100).toFixed(0)}%)`).join(", ")}`
          : ""),
    );
  for (const s of result.settings ?? []) write(`  ${s.name} set to ${s.value} (--set)`);
  for (const w of options.prices?.history.warnings ?? []) write(`warning: ${options.prices?.file} ${w}`);
  for (const line of verdict(result)) write(`${line.severity === "ok" ? "  " : "!!"} ${line.text}`);
  write("");
  const rows = headlineRows(result);
  const table: (string[] | "separator")[] = [];
  for (const r of rows) {
    if (r.section && table.length) table.push("separator");
    table.push([r.label, ...r.values]);
  }
  for (const line of renderTable(["", ...result.variants.map((v) => v.variant.label)], table)) write(line);
  const adversaries = adversaryRows(result);
  if (adversaries.length) {
    write("");
    for (const line of renderTable(ADVERSARY_COLUMNS, adversaries)) write(line);
  }
  write("");
  write(
    `Report: ${path.relative(process.cwd(), files.html) || files.html}  (summary.json, events.csv alongside; ${seconds} s)`,
  );
  return { result, files };
}

/** A one-line progress bar on stderr (`bar`, for a TTY), a line every 10% (`lines`), or nothing. */
class ProgressBar {
  private readonly start = Date.now();
  private lastDecile = -1;

  constructor(
    private readonly mode: "bar" | "lines" | "none",
    private readonly scenario: string,
  ) {}

  update(done: number, total: number, variant: string): void {
    if (this.mode === "none") return;
    const fraction = total > 0 ? done / total : 1;
    const elapsed = ((Date.now() - this.start) / 1000).toFixed(0);
    if (this.mode === "bar") {
      const width = 30;
      const filled = Math.round(fraction * width);
      const label = variant === this.scenario ? this.scenario : `${this.scenario} · ${variant}`;
      process.stderr.write(
        `\r[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${label}  ${elapsed}s   `,
      );
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile > this.lastDecile) {
        this.lastDecile = decile;
        process.stderr.write(`simulate: ${decile * 10}% (${variant}, ${elapsed}s)\n`);
      }
    }
  }

  done(): void {
    if (this.mode === "bar") process.stderr.write("\n");
  }
}
