/**
 * The gas labels, their targets, the committed snapshot and the `npm run gas` report.
 */
import fs from "node:fs";
import path from "node:path";

/** Every measured label, in report order. */
export const LABELS = [
  "deposit.first",
  "deposit.later",
  "withdraw.N0",
  "withdraw.N1",
  "withdraw.N8",
  "open.N0",
  "open.N1",
  "open.N8",
  "open.N31",
  "modify.N0",
  "close.N0",
  "liquidate.N1",
  "liquidate.N8",
  "liquidate.N32",
  "pool.deposit",
  "pool.requestWithdraw",
  "pool.withdraw",
  "view.liquidatable.perAccount",
  "order.commit",
  "order.settle",
  "order.cancel",
] as const;

export type Label = (typeof LABELS)[number];
export type Figures = Record<Label, number>;

/** A target on a label or on a figure derived from labels. */
interface Target {
  measure: string;
  value: (f: Figures) => number;
  target: number;
}

export const TARGETS: Target[] = [
  { measure: "deposit.later", value: (f) => f["deposit.later"], target: 60_000 },
  { measure: "open.N0", value: (f) => f["open.N0"], target: 130_000 },
  { measure: "modify.N0", value: (f) => f["modify.N0"], target: 100_000 },
  { measure: "(open.N8 - open.N0) / 8", value: (f) => (f["open.N8"] - f["open.N0"]) / 8, target: 35_000 },
  { measure: "liquidate.N1", value: (f) => f["liquidate.N1"], target: 130_000 },
  {
    measure: "(liquidate.N32 - liquidate.N1) / 31",
    value: (f) => (f["liquidate.N32"] - f["liquidate.N1"]) / 31,
    target: 50_000,
  },
  // 25% of the 2^24 per-transaction gas cap.
  { measure: "liquidate.N32", value: (f) => f["liquidate.N32"], target: 4_194_304 },
  // DESIGN §21; issue 15's targets (order.settle: open.N0 of the time + 30,000). See docs/GAS.md.
  { measure: "order.commit", value: (f) => f["order.commit"], target: 80_000 },
  { measure: "order.settle", value: (f) => f["order.settle"], target: 225_076 },
  { measure: "order.cancel", value: (f) => f["order.cancel"], target: 40_000 },
  {
    measure: "view.liquidatable.perAccount",
    value: (f) => f["view.liquidatable.perAccount"],
    target: 30_000,
  },
];

export const SNAPSHOT_FILE = path.join(__dirname, "gas-snapshot.json");
export const REPORT_FILE = path.join(__dirname, "..", "..", "reports", "gas.json");

export function readSnapshot(): Partial<Figures> {
  if (!fs.existsSync(SNAPSHOT_FILE)) return {};
  return JSON.parse(fs.readFileSync(SNAPSHOT_FILE, "utf8")) as Partial<Figures>;
}

/** `{ "<label>": gasUsed, ... }` in label order, one label per line. */
export function toJson(figures: Partial<Figures>): string {
  const ordered: Record<string, number> = {};
  for (const label of LABELS) if (figures[label] !== undefined) ordered[label] = figures[label]!;
  return JSON.stringify(ordered, null, 2) + "\n";
}

export function writeSnapshot(figures: Figures) {
  fs.writeFileSync(SNAPSHOT_FILE, toJson(figures));
}

export function writeReport(figures: Partial<Figures>) {
  fs.mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
  fs.writeFileSync(REPORT_FILE, toJson(figures));
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * The table `npm run gas` prints: every label with its figure, the target on it (if any), the margin (target - figure,
 * negative when missed) and the change against the committed snapshot; then the derived targets.
 */
export function renderTable(figures: Partial<Figures>, snapshot: Partial<Figures> = {}): string {
  const rows: string[][] = [["measure", "gas", "target", "margin", "vs snapshot"]];
  const complete = LABELS.every((l) => figures[l] !== undefined);
  const targetOf = (measure: string) => TARGETS.find((t) => t.measure === measure);
  const delta = (measure: string, value: number | undefined) => {
    const before = snapshot[measure as Label];
    if (value === undefined || before === undefined) return "-";
    const d = value - before;
    return d === 0 ? "=" : `${d > 0 ? "+" : ""}${fmt(d)}`;
  };
  const row = (measure: string, value: number | undefined) => {
    const t = targetOf(measure);
    const target = t ? `<= ${fmt(t.target)}` : "-";
    if (value === undefined) return rows.push([measure, "-", target, "-", "-"]);
    const margin = t === undefined ? "-" : `${t.target - value >= 0 ? "+" : ""}${fmt(t.target - value)}`;
    const miss = t !== undefined && value > t.target ? " MISS" : "";
    rows.push([measure, fmt(value), target, margin + miss, delta(measure, value)]);
  };
  for (const label of LABELS) row(label, figures[label]);
  for (const t of TARGETS) {
    if ((LABELS as readonly string[]).includes(t.measure)) continue;
    row(t.measure, complete ? t.value(figures as Figures) : undefined);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    "| " +
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(" | ") +
    " |";
  const rule =
    "|" + widths.map((w, c) => (c === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}
