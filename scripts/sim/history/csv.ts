/**
 * The reader of historical price files for `npx hardhat simulate --prices FILE.csv` (issue 17).
 *
 * Accepted layouts (comma-separated, one header line, one row per time, oldest first):
 *   - `timestamp,ETH,BTC`: one close price per asset column;
 *   - `timestamp,ETH_open,ETH_high,ETH_low,ETH_close,…`: candles per asset (`ETH.open` and `open_ETH` are accepted too);
 *   - `timestamp,open,close,volume,unix_timestamp,high,low` (the layout of `scripts/sim/data/`): one asset's candles
 *     with unprefixed columns; the asset is `defaultAsset` (the file name's first word, `btc-usd-….csv` → `BTC`).
 * Timestamps are unix seconds, or `YYYY-MM-DD` / `YYYY-MM-DD HH:MM:SS` / ISO 8601 in UTC; a `unix_timestamp` column
 * wins over `timestamp`. Columns that are not prices (`volume`, …) are ignored.
 *
 * A bad file is refused whole with one error naming the line: a missing column, a row with the wrong number of
 * fields, an unparsable or non-positive price, a candle whose high is below its open or close (or low above them),
 * timestamps not strictly increasing (unordered or duplicate). Nothing is run on a refused file.
 */

/** One period of one asset; a close-only column gives `open = high = low = close`. */
export interface Candle {
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface PriceHistory {
  /** Unix seconds of each row, strictly increasing. */
  timestamps: number[];
  /** Candles per asset symbol (upper case), one per row. */
  candles: Map<string, Candle[]>;
  /** Whether the file had candles (open/high/low/close), not only closes. */
  ohlc: boolean;
  /** Rows accepted but suspicious (a wick to under a tenth of the open and close: a bad print?), naming the line. */
  warnings: string[];
}

/** A low under this share of min(open, close) (or a high over its inverse times max) is reported as a likely bad print. */
export const WICK_WARNING_RATIO = 0.1;

/** A file the reader refuses: the message names the file's line (1-based) and what is wrong with it. */
export class PriceFileError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = "PriceFileError";
  }
}

const FIELDS = ["open", "high", "low", "close"] as const;
type Field = (typeof FIELDS)[number];
const IGNORED = new Set(["volume", "volume_usd", "trades", "date", "time"]);

/** The asset of an unprefixed candle file, from its name: `btc-usd-daily-2014-2018.csv` → `BTC`. */
export function assetFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return (base.split(/[^A-Za-z0-9]/)[0] || "ASSET").toUpperCase();
}

/** Unix seconds of a timestamp field, or undefined when it is not one. */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    // Milliseconds (13 digits) are taken as such; seconds otherwise.
    return t.length >= 13 ? Math.floor(n / 1000) : Math.floor(n);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?Z?)?$/.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const back = new Date(ms);
  // Refuse dates that do not exist (2018-02-30): Date.UTC would roll them over.
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() !== Number(mo) - 1) return undefined;
  return ms / 1000;
}

/** Which column holds which asset's field: `ETH_close`, `ETH.close`, `close_ETH`, `ETH` (close only) or `close`. */
function classify(header: string, defaultAsset: string): { asset: string; field: Field } | undefined {
  const h = header.trim();
  const lower = h.toLowerCase();
  if ((FIELDS as readonly string[]).includes(lower)) return { asset: defaultAsset, field: lower as Field };
  const suffix = /^([A-Za-z0-9]+)[_.](open|high|low|close)$/i.exec(h);
  if (suffix) return { asset: suffix[1].toUpperCase(), field: suffix[2].toLowerCase() as Field };
  const prefix = /^(open|high|low|close)[_.]([A-Za-z0-9]+)$/i.exec(h);
  if (prefix) return { asset: prefix[2].toUpperCase(), field: prefix[1].toLowerCase() as Field };
  if (IGNORED.has(lower) || lower === "timestamp" || lower === "unix_timestamp") return undefined;
  if (/^[A-Za-z][A-Za-z0-9]*$/.test(h)) return { asset: h.toUpperCase(), field: "close" };
  return undefined;
}

interface Layout {
  timeColumn: number;
  /** Per asset, the column of each field it has. */
  columns: Map<string, Partial<Record<Field, number>>>;
  ohlc: boolean;
}

function layoutOf(headers: string[], defaultAsset: string): Layout {
  const lower = headers.map((h) => h.trim().toLowerCase());
  const unix = lower.indexOf("unix_timestamp");
  const timeColumn = unix >= 0 ? unix : lower.indexOf("timestamp");
  if (timeColumn < 0) throw new PriceFileError(1, "missing column `timestamp`");
  const columns = new Map<string, Partial<Record<Field, number>>>();
  headers.forEach((h, i) => {
    if (i === timeColumn) return;
    const c = classify(h, defaultAsset);
    if (!c) return;
    const fields = columns.get(c.asset) ?? {};
    if (fields[c.field] !== undefined)
      throw new PriceFileError(1, `column \`${h}\` repeats ${c.asset} ${c.field}`);
    fields[c.field] = i;
    columns.set(c.asset, fields);
  });
  if (columns.size === 0)
    throw new PriceFileError(1, "no price column (expected `close`, `<ASSET>` or `<ASSET>_close`)");
  let ohlc = false;
  for (const [asset, fields] of columns) {
    const present = FIELDS.filter((f) => fields[f] !== undefined);
    if (present.length === 1 && present[0] === "close") continue;
    const missing = FIELDS.filter((f) => fields[f] === undefined);
    if (missing.length)
      throw new PriceFileError(1, `missing column ${missing.map((f) => `${asset} ${f}`).join(", ")}`);
    ohlc = true;
  }
  return { timeColumn, columns, ohlc };
}

function price(fields: string[], column: number, name: string, line: number): number {
  const text = (fields[column] ?? "").trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value))
    throw new PriceFileError(line, `${name} is not a number: "${text}"`);
  if (value <= 0) throw new PriceFileError(line, `${name} must be positive, got ${text}`);
  return value;
}

/** Reads a price file's text; `defaultAsset` names the asset of unprefixed `open/high/low/close` columns. */
export function parsePriceCsv(text: string, defaultAsset = "ASSET"): PriceHistory {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  if (lines.length === 0) throw new PriceFileError(1, "the file is empty");
  const headers = lines[0].split(",");
  const layout = layoutOf(headers, defaultAsset.toUpperCase());
  const timestamps: number[] = [];
  const warnings: string[] = [];
  const candles = new Map<string, Candle[]>([...layout.columns.keys()].map((a) => [a, []]));
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    if (lines[i].trim() === "") throw new PriceFileError(line, "empty line");
    const fields = lines[i].split(",");
    if (fields.length !== headers.length)
      throw new PriceFileError(line, `${fields.length} fields, the header has ${headers.length}`);
    const ts = parseTimestamp(fields[layout.timeColumn]);
    if (ts === undefined)
      throw new PriceFileError(line, `not a timestamp: "${fields[layout.timeColumn].trim()}"`);
    const previous = timestamps[timestamps.length - 1];
    if (previous !== undefined && ts <= previous)
      throw new PriceFileError(
        line,
        ts === previous
          ? `duplicate timestamp ${fields[layout.timeColumn].trim()}`
          : "timestamps go backwards",
      );
    timestamps.push(ts);
    for (const [asset, cols] of layout.columns) {
      const close = price(fields, cols.close!, `${asset} close`, line);
      if (!layout.ohlc || cols.open === undefined) {
        candles.get(asset)!.push({ open: close, high: close, low: close, close });
        continue;
      }
      const candle = {
        open: price(fields, cols.open, `${asset} open`, line),
        high: price(fields, cols.high!, `${asset} high`, line),
        low: price(fields, cols.low!, `${asset} low`, line),
        close,
      };
      if (
        candle.high < Math.max(candle.open, candle.close) ||
        candle.low > Math.min(candle.open, candle.close)
      )
        throw new PriceFileError(line, `${asset} high/low do not contain open and close`);
      const body = Math.min(candle.open, candle.close);
      if (
        candle.low < body * WICK_WARNING_RATIO ||
        candle.high * WICK_WARNING_RATIO > Math.max(candle.open, candle.close)
      )
        warnings.push(
          `line ${line}: ${asset} low ${candle.low} / high ${candle.high} is more than 10x away from open ${candle.open} and close ${candle.close} (a bad print?)`,
        );
      candles.get(asset)!.push(candle);
    }
  }
  if (timestamps.length < 2) throw new PriceFileError(lines.length, "at least two rows of prices are needed");
  return { timestamps, candles, ohlc: layout.ohlc, warnings };
}
