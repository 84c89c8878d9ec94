/**
 * Writes a run's report: `<out>/<scenario>-<seed>/report.html`, `summary.json` and `events.csv`.
 */
import fs from "node:fs";
import path from "node:path";
import type { SimulationResult } from "../types";
import { renderCharts } from "./charts";
import { eventsCsv } from "./csv";
import { renderHtml } from "./html";
import { summaryText } from "./summary";

export interface ReportFiles {
  dir: string;
  html: string;
  summary: string;
  events: string;
}

export const reportDir = (
  out: string,
  result: Pick<SimulationResult, "seed"> & { scenario: { name: string } },
): string => path.join(out, `${result.scenario.name}-${result.seed}`);

export async function writeReport(result: SimulationResult, out: string): Promise<ReportFiles> {
  const dir = reportDir(out, result);
  fs.mkdirSync(dir, { recursive: true });
  const files: ReportFiles = {
    dir,
    html: path.join(dir, "report.html"),
    summary: path.join(dir, "summary.json"),
    events: path.join(dir, "events.csv"),
  };
  const charts = await renderCharts(result);
  writeAtomic(files.summary, summaryText(result));
  writeAtomic(files.events, eventsCsv(result));
  writeAtomic(files.html, renderHtml(result, charts));
  return files;
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
