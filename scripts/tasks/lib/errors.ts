/**
 * Every failure of a task is printed as one readable line: a revert as its decoded custom error with named values
 * (`ClearinghouseInsufficientMargin(accountId=…, equity=…, initialMargin=…)`), never as a raw revert blob; anything else
 * as its message. The revert data is searched for in the error and its causes, because ethers, Hardhat's in-process
 * network and a `hardhat node` behind JSON-RPC each put it somewhere else.
 */
import { ethers } from "ethers";
import type { Interface, ErrorDescription } from "ethers";
import { explainPriceFailure } from "./priceFailure";

export interface DecodedError {
  /** `ClearinghouseSlippageExceeded`, `Error` for `require(msg)`, `Panic` for a panic. */
  name: string;
  /** Argument names and values, in order; values formatted as strings. */
  args: { name: string; value: string }[];
  /** The raw revert data. */
  data: string;
}

const HEX = /^0x[0-9a-fA-F]*$/;

/** The first revert data (selector + arguments) found in an error object or its nested causes. */
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
      if (typeof value === "string" && HEX.test(value) && value.length >= 10) return value;
    }
    // Some nodes put it in the message: "... reverted with an unrecognized custom error (return data: 0x...)".
    if (typeof record.message === "string") {
      const match = /return data: (0x[0-9a-fA-F]{8,})/.exec(record.message);
      if (match) return match[1];
    }
    for (const key of ["revert", "error", "info", "cause", "parent", "data", "value", "errors"]) {
      const value = record[key];
      if (Array.isArray(value)) queue.push(...value);
      else if (value !== undefined) queue.push(value);
    }
  }
  return undefined;
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

function formatValue(value: unknown, type: string): string {
  if (type === "bytes32" && typeof value === "string") return formatBytes32(value);
  if (Array.isArray(value))
    return `[${value.map((v) => formatValue(v, type.replace(/\[\d*\]$/, ""))).join(", ")}]`;
  return String(value);
}

function fromDescription(description: ErrorDescription, data: string): DecodedError {
  return {
    name: description.name,
    args: description.fragment.inputs.map((input, i) => ({
      name: input.name || `arg${i}`,
      value: formatValue(description.args[i], input.type),
    })),
    data,
  };
}

/** Decodes revert data with the first interface that knows its selector, `Error(string)` and `Panic(uint256)` included. */
export function decodeRevertData(data: string, interfaces: readonly Interface[]): DecodedError | undefined {
  for (const iface of interfaces) {
    try {
      const description = iface.parseError(data);
      if (description) return fromDescription(description, data);
    } catch {
      // not this interface's error, or undecodable arguments
    }
  }
  const coder = ethers.AbiCoder.defaultAbiCoder();
  try {
    if (data.startsWith("0x08c379a0")) {
      const [reason] = coder.decode(["string"], "0x" + data.slice(10));
      return { name: "Error", args: [{ name: "reason", value: JSON.stringify(reason) }], data };
    }
    if (data.startsWith("0x4e487b71")) {
      const [code] = coder.decode(["uint256"], "0x" + data.slice(10));
      return { name: "Panic", args: [{ name: "code", value: `0x${(code as bigint).toString(16)}` }], data };
    }
  } catch {
    // malformed
  }
  return undefined;
}

/** `ErrorName(arg=value, ...)`. */
export const formatDecoded = (e: DecodedError): string =>
  `${e.name}(${e.args.map((a) => `${a.name}=${a.value}`).join(", ")})`;

/** A short, single-line message for an error without revert data. */
export function errorMessage(err: unknown): string {
  if (err === null || typeof err !== "object") return String(err);
  const record = err as Record<string, unknown>;
  const message =
    (typeof record.shortMessage === "string" && record.shortMessage) ||
    (typeof record.message === "string" && record.message) ||
    String(err);
  return message.split("\n")[0];
}

export interface FailureReport {
  /** What the task prints. */
  message: string;
  /** The decoded revert, when the failure was one. */
  revert?: DecodedError;
  /** Revert data no known interface could decode. */
  undecodedData?: string;
}

/** Turns any thrown value into what a task prints. */
export function describeFailure(err: unknown, interfaces: readonly Interface[]): FailureReport {
  const data = findRevertData(err);
  if (data !== undefined) {
    const revert = decodeRevertData(data, interfaces);
    if (revert) {
      const explained = explainPriceFailure(revert);
      return {
        message: explained ? `reverted: ${revert.name}: ${explained}` : `reverted: ${formatDecoded(revert)}`,
        revert,
      };
    }
    return { message: `reverted with an unknown error (selector ${data.slice(0, 10)})`, undecodedData: data };
  }
  return { message: errorMessage(err) };
}
