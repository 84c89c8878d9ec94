/**
 * `--prices FILE.csv [--rescale on|off] [--from X] [--to Y]`: the price file read and checked before anything runs
 * (a bad file is one line naming the file's line, csv.ts), and the rows to replay. `--from`/`--to` are data rows
 * (1 is the first row after the header; both inclusive) or UTC dates (`2018-01-01`, the first row at or after it;
 * the last row at or before it).
 */
import fs from "node:fs";
import path from "node:path";
import { InputError } from "../risk/options";
import { PriceFileError, assetFromFileName, parsePriceCsv, parseTimestamp } from "./csv";
import type { PriceHistory } from "./csv";

export interface PricesOption {
  /** The file as given. */
  file: string;
  history: PriceHistory;
  rescale: boolean;
  /** Rows to replay, `[from, to)` (0-based). */
  from: number;
  to: number;
}

export interface RawPricesArgs {
  prices?: string;
  rescale?: string;
  from?: string | number;
  to?: string | number;
}

/** Reads and checks `--prices` and its companions; undefined when `--prices` is not given. */
export function parsePricesArgs(args: RawPricesArgs): PricesOption | undefined {
  if (args.prices === undefined) {
    for (const k of ["from", "to"] as const)
      if (args[k] !== undefined) throw new InputError(`--${k} needs --prices FILE.csv`);
    if (args.rescale !== undefined && args.rescale !== "on")
      throw new InputError("--rescale needs --prices FILE.csv");
    return undefined;
  }
  const file = args.prices.trim();
  if (file === "") throw new InputError("--prices is empty: give a CSV file");
  const rescale = args.rescale ?? "on";
  if (rescale !== "on" && rescale !== "off")
    throw new InputError(`--rescale "${rescale}": use on (the first price becomes the local stack's) or off`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      `--prices ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : "cannot be read"}`,
    );
  }
  let history: PriceHistory;
  try {
    history = parsePriceCsv(text, assetFromFileName(path.basename(file)));
  } catch (err) {
    if (err instanceof PriceFileError) throw new InputError(`--prices ${file}: ${err.message}`);
    throw err;
  }
  const rows = history.timestamps.length;
  const from = args.from === undefined ? 0 : rowOf(args.from, history, "from");
  const to = args.to === undefined ? rows : rowOf(args.to, history, "to") + 1;
  if (to - from < 1)
    throw new InputError(`--from ${args.from} and --to ${args.to} select no row of ${file} (${rows} rows)`);
  return { file, history, rescale: rescale === "on", from, to };
}

/** A row bound: a 1-based row number, or a date (the first row at or after it for --from, at or before for --to). */
function rowOf(value: string | number, history: PriceHistory, which: "from" | "to"): number {
  const text = String(value).trim();
  const rows = history.timestamps.length;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > rows)
      throw new InputError(`--${which} ${text} is not a row of the file: use 1 to ${rows}`);
    return n - 1;
  }
  const ts = parseTimestamp(text);
  if (ts === undefined)
    throw new InputError(`--${which} "${text}" is neither a row number nor a date (YYYY-MM-DD)`);
  const t = history.timestamps;
  const index =
    which === "from"
      ? t.findIndex((x) => x >= ts)
      : t.length - 1 - [...t].reverse().findIndex((x) => x <= ts);
  if (index < 0 || index >= rows)
    throw new InputError(`--${which} ${text} is outside the file (${day(t[0])} to ${day(t[rows - 1])})`);
  return index;
}

const day = (unix: number): string => new Date(unix * 1000).toISOString().slice(0, 10);
