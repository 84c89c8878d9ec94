/**
 * Reading errors that come back from JSON-RPC: custom-error revert data decoded with the contracts' interfaces,
 * transient transport failures told apart from reverts, nonce conflicts, and a bounded retry with backoff.
 *
 * Different providers nest the revert data differently (ethers' `JsonRpcProvider` puts it in `error.data`, Hardhat's
 * in-process network and `hardhat node` wrap it one or two levels deeper, some nodes return it in
 * `error.info.error.data`), so the data is searched for rather than read from one place.
 */
import type { Interface, Result } from "ethers";

export interface DecodedRevert {
  /** The custom error's name (`ClearinghouseNotLiquidatable`), `Error` for `require(msg)`, `Panic` for a panic. */
  name: string;
  /** Its arguments by position (and by name, ethers `Result`). */
  args: Result | unknown[];
  /** The raw revert data. */
  data: string;
}

const HEX_DATA = /^0x[0-9a-fA-F]*$/;

/** The first revert data (`0x` + 4-byte selector + arguments) found in an error object, searching nested causes. */
export function findRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    const data = record.data;
    if (typeof data === "string" && HEX_DATA.test(data) && data.length >= 10) return data;
    for (const key of ["revert", "error", "info", "cause", "parent", "data", "value"]) {
      if (key in record) queue.push(record[key]);
    }
    if (seen.size > 64) break;
  }
  return undefined;
}

/** Decodes revert data with the first interface that knows its selector; `Error(string)` and `Panic(uint256)` too. */
export function decodeRevertData(data: string, interfaces: readonly Interface[]): DecodedRevert | undefined {
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return { name: parsed.name, args: parsed.args, data };
    } catch {
      // not this interface's error, or undecodable arguments: try the next interface
    }
  }
  return undefined;
}

/** The decoded revert carried by an error, if there is one. */
export function decodeRevert(err: unknown, interfaces: readonly Interface[]): DecodedRevert | undefined {
  const data = findRevertData(err);
  return data === undefined ? undefined : decodeRevertData(data, interfaces);
}

/** A revert as one readable string: `ClearinghouseNotLiquidatable(123, 5000, 4000)`. */
export function formatRevert(revert: DecodedRevert): string {
  const args = Array.from(revert.args as ArrayLike<unknown>, (a) => String(a));
  return `${revert.name}(${args.join(", ")})`;
}

/** A short, single-line message for a log line (ethers' `shortMessage` when it has one). */
export function errorMessage(err: unknown): string {
  if (err === null || err === undefined) return String(err);
  if (typeof err !== "object") return String(err);
  const record = err as Record<string, unknown>;
  const message =
    (typeof record.shortMessage === "string" && record.shortMessage) ||
    (typeof record.message === "string" && record.message) ||
    String(err);
  return message.split("\n")[0].slice(0, 500);
}

/** Every string in an error and its causes, lower-cased, to match node messages that carry no code. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || value === undefined) return;
    if (typeof value === "string") {
      parts.push(value);
      return;
    }
    if (typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const key of ["code", "message", "shortMessage", "reason", "error", "info", "cause", "parent"]) {
      if (key in record) visit(record[key], depth + 1);
    }
  };
  visit(err, 0);
  return parts.join(" | ").toLowerCase();
}

const TRANSIENT_CODES = new Set([
  "NETWORK_ERROR",
  "TIMEOUT",
  "SERVER_ERROR",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
]);
const TRANSIENT_TEXT =
  /econnrefused|econnreset|etimedout|epipe|eai_again|socket hang up|network error|timeout|timed out|rate limit|too many requests|\b429\b|\b502\b|\b503\b|\b504\b|header not found|missing trie node|cannot connect to the network|other side closed|fetch failed|und_err/;

/**
 * Whether an error is a transport or node hiccup worth retrying (connection refused or reset, timeout, rate limit,
 * gateway errors), as opposed to a revert or a rejected transaction, which would fail the same way again.
 */
export function isTransientError(err: unknown): boolean {
  if (findRevertData(err) !== undefined) return false;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "CALL_EXCEPTION" || code === "INSUFFICIENT_FUNDS" || code === "NONCE_EXPIRED") return false;
  if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
  return TRANSIENT_TEXT.test(errorText(err));
}

/** Whether the node rejected a transaction because of its nonce (the local nonce counter must be re-synced). */
export function isNonceError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "NONCE_EXPIRED" || code === "REPLACEMENT_UNDERPRICED") return true;
  return /nonce too low|nonce too high|nonce has already been used|invalid nonce|replacement transaction underpriced|already known|known transaction/.test(
    errorText(err),
  );
}

export interface RetryOptions {
  /** Total attempts, the first included (>= 1). */
  attempts: number;
  /** Delay before the first retry; doubles each time (exponential backoff). */
  baseDelayMs: number;
  /** Which errors are retried; others are thrown at once. Default: `isTransientError`. */
  retryIf?: (err: unknown) => boolean;
  /** Called before each retry (logging, metrics). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn`, retrying retryable failures at most `attempts - 1` times with exponential backoff. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, baseDelayMs, retryIf = isTransientError, onRetry, sleep: wait = sleep } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !retryIf(err)) throw err;
      const delayMs = baseDelayMs * 2 ** (attempt - 1);
      onRetry?.(err, attempt, delayMs);
      await wait(delayMs);
    }
  }
}
