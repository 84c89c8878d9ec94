/**
 * Decodes a function's return data when it is one array of static tuples whose fields are `intN`, `uintN` or `bool`
 * (the shape of `ClearinghouseLens.accountStates`): ABI-encoded as the array's offset (one word, 0x20), its length,
 * then each tuple's fields inline, one word each.
 *
 * Why not ethers' own decoder: ethers 6.17's `Reader` builds the detail of a possible overflow error on every word it
 * reads, including a copy of the whole return data (`#incrementBytesRead`), so decoding n tuples costs O(n²): 15–25 ms
 * for a 200-account batch, every step of a simulation. The layout decoded here is fixed by the ABI specification and
 * read from the function's own fragment (field names and types), and test/unit/sim/staticTuples.test.ts checks it
 * against ethers' decoder on extreme values.
 */
import type { FunctionFragment, ParamType } from "ethers";

const WORD = 64; // hex characters

/** A field's decoder from one 32-byte word, or a thrown error for a type this decoder does not handle. */
function fieldDecoder(param: ParamType): (word: bigint) => bigint | boolean {
  const type = param.type;
  if (type === "bool") {
    return (w) => {
      if (w > 1n) throw new Error(`field ${param.name}: ${w} is not a bool`);
      return w === 1n;
    };
  }
  const match = /^(u?)int(\d+)$/.exec(type);
  if (!match) throw new Error(`field ${param.name}: type ${type} is not a static int, uint or bool`);
  const bits = Number(match[2]);
  if (match[1] === "u") {
    return (w) => {
      if (w >> BigInt(bits) !== 0n) throw new Error(`field ${param.name}: ${w} overflows ${type}`);
      return w;
    };
  }
  return (w) => {
    const v = BigInt.asIntN(256, w);
    if (BigInt.asIntN(bits, v) !== v) throw new Error(`field ${param.name}: ${v} overflows ${type}`);
    return v;
  };
}

/**
 * The tuples of `fragment`'s only output (`tuple[]` of int, uint and bool fields) as objects keyed by `names`, which
 * must be the tuple's field names in order (a renamed or reordered field throws instead of decoding as `undefined`).
 * Throws on return data of another length or layout than `count` such tuples.
 */
export function decodeStaticTupleArray<K extends string>(
  fragment: FunctionFragment,
  data: string,
  count: number,
  names: readonly K[],
): Record<K, bigint | boolean>[] {
  const array = fragment.outputs[0];
  const components = array?.arrayChildren?.components;
  if (fragment.outputs.length !== 1 || !components || array.arrayLength !== -1) {
    throw new Error(`${fragment.name} does not return one dynamic array of tuples`);
  }
  const abiNames = components.map((c) => c.name);
  if (abiNames.join() !== names.join()) {
    throw new Error(
      `${fragment.name} returns fields (${abiNames.join(", ")}), expected (${names.join(", ")})`,
    );
  }
  const decoders = components.map(fieldDecoder);
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  const word = (i: number) => BigInt(`0x${hex.slice(i * WORD, (i + 1) * WORD)}`);
  const words = 2 + count * names.length;
  if (hex.length !== words * WORD || word(0) !== 32n || word(1) !== BigInt(count)) {
    throw new Error(
      `${fragment.name}: return data is not an array of ${count} tuples (${hex.length / 2} bytes)`,
    );
  }
  const out: Record<K, bigint | boolean>[] = [];
  for (let i = 0; i < count; i++) {
    const base = 2 + i * names.length;
    const tuple = {} as Record<K, bigint | boolean>;
    names.forEach((name, k) => (tuple[name] = decoders[k](word(base + k))));
    out.push(tuple);
  }
  return out;
}
