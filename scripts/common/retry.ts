/**
 * Telling failures apart, and retrying the ones worth retrying: transient transport or node hiccups (connection
 * refused or reset, timeouts, rate limits, gateway errors) versus reverts and rejected transactions, nonce conflicts,
 * and a bounded retry with exponential backoff.
 */
import { findRevertData } from "./errors";

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
