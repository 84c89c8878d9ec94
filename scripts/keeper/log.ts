/**
 * Structured logging for the keeper: one JSON object per line, one line per decision.
 *
 * Every line has `ts` (ISO 8601), `level` and `event`, then the fields of the decision (`accountId`, `block`,
 * `txHash`, `reward`, `error`, ...). Bigints are written as decimal strings so no precision is lost and any JSON
 * reader can parse the line.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

/** What the keeper logs through: the CLI writes JSON lines to stdout, the simulation and tests keep them in memory. */
export interface KeeperLogger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

/** One decoded log entry, as the memory logger keeps it and as a JSON line parses back. */
export interface LogEntry extends LogFields {
  ts: string;
  level: LogLevel;
  event: string;
}

export const isLogLevel = (value: string): value is LogLevel =>
  (LOG_LEVELS as readonly string[]).includes(value);

const rank = (level: LogLevel): number => LOG_LEVELS.indexOf(level);

/** JSON.stringify replacer: bigints as decimal strings, errors as their message. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}

/** Serialises one entry: `ts`, `level`, `event` first, then the fields (undefined fields are left out). */
export function formatLogLine(entry: LogEntry): string {
  const { ts, level, event, ...fields } = entry;
  return JSON.stringify({ ts, level, event, ...fields }, replacer);
}

export interface JsonLoggerOptions {
  /** Entries below this level are dropped. Default `info`. */
  minLevel?: LogLevel;
  /** Where each line goes (without its newline). Default: stdout. */
  write?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/** A logger writing one JSON line per entry (to stdout by default). */
export function jsonLogger({
  minLevel = "info",
  write = (line) => process.stdout.write(`${line}\n`),
  now = () => new Date(),
}: JsonLoggerOptions = {}): KeeperLogger {
  return {
    log(level, event, fields = {}) {
      if (rank(level) < rank(minLevel)) return;
      write(formatLogLine({ ...fields, ts: now().toISOString(), level, event }));
    },
  };
}

/** A logger that keeps every entry in memory (the simulation reports from it; tests assert on it). */
export class MemoryLogger implements KeeperLogger {
  readonly entries: LogEntry[] = [];

  log(level: LogLevel, event: string, fields: LogFields = {}): void {
    this.entries.push({ ...fields, ts: new Date().toISOString(), level, event });
  }

  /** Entries with this event name. */
  events(event: string): LogEntry[] {
    return this.entries.filter((e) => e.event === event);
  }
}

/** A logger that drops everything. */
export const silentLogger: KeeperLogger = { log: () => undefined };
