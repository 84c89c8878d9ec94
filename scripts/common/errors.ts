/**
 * Reading the errors that come back from JSON-RPC: the revert data found wherever the provider put it, decoded with
 * the contracts' interfaces (custom errors, `Error(string)`, `Panic(uint256)`), and printed as one line with named
 * arguments in human units: `ClearinghouseInsufficientMargin(accountId=…, equity=$412.5, initialMargin=$600)`.
 *
 * Different providers nest the revert data differently (ethers' `JsonRpcProvider` in `error.data`, Hardhat's in-process
 * network and `hardhat node` one or two levels deeper, some nodes in `error.info.error.data` or only inside the
 * message: `… (return data: 0x…)`), so it is searched for rather than read from one place.
 *
 * Browser-safe (the app in app/ bundles it): no Node built-ins, only ethers.
 */
import { ethers } from "ethers";
import type { Interface, Result } from "ethers";
import { ERROR_ARG_UNITS } from "./errorUnits";
import type { ArgUnit } from "./errorUnits";
import { formatPercentExact, formatTokenExact, formatUsdExact, formatWadExact } from "./format";
import { USDC_DECIMALS } from "./units";

export interface RevertParam {
  name: string;
  /** The Solidity type (`uint256`, `int256`, `address`, `bytes32`…). */
  type: string;
  value: unknown;
}

export interface DecodedRevert {
  /** The custom error's name (`ClearinghouseNotLiquidatable`), `Error` for `require(msg)`, `Panic` for a panic. */
  name: string;
  /** Its arguments by position (and by name, ethers `Result`). */
  args: Result | unknown[];
  /** Its arguments with their names (`arg<i>` when unnamed) and types, in order. */
  params: RevertParam[];
  /** The raw revert data. */
  data: string;
}

const HEX_DATA = /^0x[0-9a-fA-F]*$/;
const IN_MESSAGE = /return data: (0x[0-9a-fA-F]{8,})/;

/** The first revert data (`0x` + 4-byte selector + arguments) found in an error object, searching nested causes. */
export function findRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 100) {
    const current = queue.shift();
    if (current === null || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    for (const key of ["data", "revertData"]) {
      const value = record[key];
      if (typeof value === "string" && HEX_DATA.test(value) && value.length >= 10) return value;
    }
    if (typeof record.message === "string") {
      const match = IN_MESSAGE.exec(record.message);
      if (match) return match[1];
    }
    for (const key of ["revert", "error", "info", "cause", "parent", "data", "value", "errors"]) {
      const value = record[key];
      if (Array.isArray(value)) queue.push(...(value as unknown[]));
      else if (value !== undefined) queue.push(value);
    }
  }
  return undefined;
}

const BUILTIN = new ethers.Interface(["error Error(string reason)", "error Panic(uint256 code)"]);
/** ethers decodes the built-in errors with unnamed arguments under any interface: their names, for messages. */
const BUILTIN_NAMES: Record<string, string> = { Error: "reason", Panic: "code" };

/** Decodes revert data with the first interface that knows its selector; `Error(string)` and `Panic(uint256)` too. */
export function decodeRevertData(data: string, interfaces: readonly Interface[]): DecodedRevert | undefined {
  for (const iface of [...interfaces, BUILTIN]) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) {
        const params = parsed.fragment.inputs.map((input, i) => ({
          name: input.name || BUILTIN_NAMES[parsed.name] || `arg${i}`,
          type: input.type,
          value: parsed.args[i] as unknown,
        }));
        return { name: parsed.name, args: parsed.args, params, data };
      }
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

/** What the formatter knows about tokens: the settlement token and any other by address (for `token` units). */
export interface UnitContext {
  settlement?: { symbol: string; decimals: number };
  /** Tokens by checksummed or lower-case address. */
  tokens?: ReadonlyMap<string, { symbol: string; decimals: number }>;
  /** Decimals of pool shares (settlement decimals + 6 on Keel's pool). */
  shareDecimals?: number;
}

/** A bytes32 shown as text when it is a short printable string (`"imf"`), as hex otherwise. */
function formatBytes32(value: string): string {
  try {
    const text = ethers.decodeBytes32String(value);
    if (text.length > 0 && /^[\x20-\x7e]+$/.test(text)) return JSON.stringify(text);
  } catch {
    // not a string
  }
  return value;
}

const isoTime = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

function tokenOf(params: readonly RevertParam[], units: UnitContext) {
  const address = params.find((p) => p.type === "address" && p.name === "token")?.value;
  if (typeof address !== "string") return undefined;
  return units.tokens?.get(address) ?? units.tokens?.get(address.toLowerCase());
}

/** One argument in human units (exact decimals), or as an integer when its unit is unknown. */
export function formatArg(
  value: bigint,
  unit: ArgUnit | undefined,
  token: { symbol: string; decimals: number } | undefined,
  units: UnitContext = {},
): string {
  const settlement = units.settlement ?? { symbol: "USDC", decimals: USDC_DECIMALS };
  switch (unit) {
    case "usd":
      return formatUsdExact(value);
    case "base":
      return formatWadExact(value);
    case "fraction":
      return formatPercentExact(value);
    case "settlement":
      return formatTokenExact(value, settlement);
    case "token":
      return token ? formatTokenExact(value, token) : String(value);
    case "shares":
      return `${formatTokenExact(value, { symbol: "shares", decimals: units.shareDecimals ?? settlement.decimals + 6 })}`;
    case "time":
      return value > 0n && value < 10n ** 11n ? isoTime(value) : String(value);
    case "seconds":
      return `${value} s`;
    default:
      return String(value);
  }
}

/** The revert's arguments as `{ name, value }` in human units (what a task prints), in order. */
export function revertArgs(
  revert: DecodedRevert,
  units: UnitContext = {},
): { name: string; value: string }[] {
  const table = ERROR_ARG_UNITS[revert.name] ?? {};
  const token = tokenOf(revert.params, units);
  const show = (value: unknown, type: string, unit: ArgUnit | undefined): string => {
    if (Array.isArray(value))
      return `[${value.map((v) => show(v, type.replace(/\[\d*\]$/, ""), unit)).join(", ")}]`;
    if (type === "bytes32" && typeof value === "string") return formatBytes32(value);
    if (typeof value === "bigint") return formatArg(value, unit, token, units);
    if (typeof value === "string" && type === "string") return JSON.stringify(value);
    return String(value);
  };
  return revert.params.map((p) => ({
    name: p.name,
    value:
      revert.name === "Panic" && typeof p.value === "bigint"
        ? `0x${p.value.toString(16)}`
        : show(p.value, p.type, table[p.name]),
  }));
}

/** The revert's raw arguments as strings (integers in full), by name: what `--json` adds for machines. */
export const rawRevertArgs = (revert: DecodedRevert): Record<string, string> =>
  Object.fromEntries(
    revert.params.map((p) => [p.name, Array.isArray(p.value) ? p.value.join(",") : String(p.value)]),
  );

/** A revert as one line: `ClearinghousePoolOpenInterestCapExceeded(marketId=0, notional=$6,000, cap=$0)`. */
export function formatRevert(revert: DecodedRevert, units: UnitContext = {}): string {
  return `${revert.name}(${revertArgs(revert, units)
    .map((a) => `${a.name}=${a.value}`)
    .join(", ")})`;
}

/** A string quoted as Node's `util.inspect` quotes it: single quotes, or the first kind it does not contain. */
function quote(text: string): string {
  const mark = ["'", '"', "`"].find((q) => !text.includes(q));
  return mark ? `${mark}${text}${mark}` : `'${text.replace(/'/g, "\\'")}'`;
}

/** A value as Node's `util.inspect` shows it on one line (`{ code: 4001, reason: 'user rejected' }`), depth 2. */
export function describeValue(value: unknown, depth = 2): string {
  if (typeof value === "string") return quote(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
  if (typeof value !== "object" || value === null) return String(value);
  if (depth < 0) return Array.isArray(value) ? "[Array]" : "[Object]";
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => describeValue(v, depth - 1));
    return items.length === 0 ? "[]" : `[ ${items.join(", ")} ]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, v]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key}'`}: ${describeValue(v, depth - 1)}`,
  );
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

/** A short, single-line message for a log line or a task's error (ethers' `shortMessage` when it has one). */
export function errorMessage(err: unknown): string {
  if (typeof err === "function") return describeValue(err);
  if (typeof err !== "object" || err === null) return String(err);
  const record = err as Record<string, unknown>;
  const message =
    (typeof record.shortMessage === "string" && record.shortMessage) ||
    (typeof record.message === "string" && record.message) ||
    // Neither: the object as Node shows it (`{ code: 4001 }`), not String()'s `[object Object]`.
    describeValue(err);
  return message.split("\n")[0].slice(0, 500);
}
