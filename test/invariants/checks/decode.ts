/** The view results the invariant checks read, and a small ABI decoder for them and for the multicall lens's aggregate. */
import type { FunctionFragment, Interface, ParamType } from "ethers";
import type { DecodedError } from "../system";

/** A view's outputs: elementary values as bigint/boolean/string, structs as plain objects, arrays as arrays. */
export type Result = unknown[];
/** A decoded struct. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Struct = Record<string, any>;
export type Read = { ok: true; value: Result } | { ok: false; error: DecodedError };

export interface Call {
  target: string;
  data: string;
  fn: string;
  decode: (hex: string) => Result;
}

/* A small ABI decoder for the shapes the views return (static values and structs, arrays of static structs): ethers'
 * general decoder costs more than the whole EVM call here. */

const word = (hex: string, index: number): bigint =>
  BigInt(`0x${hex.slice(2 + 64 * index, 66 + 64 * index)}`);

function staticWords(p: ParamType): number | null {
  if (p.baseType === "tuple") {
    let n = 0;
    for (const c of p.components!) {
      const w = staticWords(c);
      if (w === null) return null;
      n += w;
    }
    return n;
  }
  if (p.baseType === "array") {
    const w = staticWords(p.arrayChildren!);
    return p.arrayLength !== null && p.arrayLength >= 0 && w !== null ? w * p.arrayLength : null;
  }
  return p.type === "bytes" || p.type === "string" ? null : 1;
}

function readStatic(p: ParamType, hex: string, at: number): unknown {
  if (p.baseType === "tuple") {
    const out: Record<string, unknown> = {};
    let w = at;
    for (const c of p.components!) {
      out[c.name] = readStatic(c, hex, w);
      w += staticWords(c)!;
    }
    return out;
  }
  if (p.baseType === "array") {
    const size = staticWords(p.arrayChildren!)!;
    return Array.from({ length: p.arrayLength! }, (_, i) => readStatic(p.arrayChildren!, hex, at + i * size));
  }
  const v = word(hex, at);
  if (p.type === "bool") return v !== 0n;
  if (p.type === "address") return `0x${hex.slice(2 + 64 * at + 24, 66 + 64 * at)}`;
  if (p.type.startsWith("int")) return v >= 1n << 255n ? v - (1n << 256n) : v;
  if (p.type.startsWith("bytes")) return `0x${hex.slice(2 + 64 * at, 66 + 64 * at)}`;
  return v;
}

/** A decoder for a view's outputs: static ones in place, dynamic arrays of static elements through their offset. */
export function decoderFor(iface: Interface, fn: string): (hex: string) => Result {
  const f = iface.getFunction(fn) as FunctionFragment;
  const plan = f.outputs.map((o) => ({ o, words: staticWords(o) }));
  const fallback = plan.some(
    (x) => x.words === null && !(x.o.baseType === "array" && staticWords(x.o.arrayChildren!) !== null),
  );
  if (fallback) return (hex) => Array.from<unknown>(iface.decodeFunctionResult(fn, hex));
  return (hex) => {
    const out: unknown[] = [];
    let head = 0;
    for (const { o, words } of plan) {
      if (words !== null) {
        out.push(readStatic(o, hex, head));
        head += words;
      } else {
        const start = Number(word(hex, head)) / 32;
        const length = Number(word(hex, start));
        const size = staticWords(o.arrayChildren!)!;
        out.push(Array.from({ length }, (_, i) => readStatic(o.arrayChildren!, hex, start + 1 + i * size)));
        head += 1;
      }
    }
    return out;
  };
}

/** `tryAggregate`'s (uint256 timestamp, bool[] success, bytes[] returnData). */
export function decodeAggregate(hex: string): { timestamp: bigint; success: boolean[]; data: string[] } {
  const timestamp = word(hex, 0);
  const okAt = Number(word(hex, 1)) / 32;
  const n = Number(word(hex, okAt));
  const success = Array.from({ length: n }, (_, i) => word(hex, okAt + 1 + i) !== 0n);
  const dataAt = Number(word(hex, 2)) / 32;
  const data = Array.from({ length: n }, (_, i) => {
    const at = dataAt + 1 + Number(word(hex, dataAt + 1 + i)) / 32;
    const length = Number(word(hex, at));
    return `0x${hex.slice(2 + 64 * (at + 1), 2 + 64 * (at + 1) + 2 * length)}`;
  });
  return { timestamp, success, data };
}
