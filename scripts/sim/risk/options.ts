/**
 * The many-run options of `simulate`: `--seeds 1..50` or `--seeds 3,7,9`, `--sweep name=a:b:step` and
 * `--set name=value` (one run with one parameter changed: the replay command of a sweep's worst seed). Each bad value
 * is one line naming it and what is allowed. Light on purpose: the task definition loads it with hardhat.config.ts.
 */
import { PARAMS, SWEEP_PARAMS, formatValue, isSweepParam, paramError } from "./params";
import type { SweepParam } from "./params";

/** A bad option: its message is what the user sees (the same class as ../options.ts's, re-exported there). */
export class InputError extends Error {}

/** At most this many runs (seeds × sweep values) in one command. */
export const MAX_RUNS = 2_000;
const SEED_MAX = 0xffffffff;

const or = (items: readonly string[]): string =>
  `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;

function seedOf(text: string, whole: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t))
    throw new InputError(`--seeds "${whole}": "${t}" is not a seed (an integer from 0 to ${SEED_MAX})`);
  const n = Number(t);
  if (n > SEED_MAX) throw new InputError(`--seeds "${whole}": ${t} is above the largest seed ${SEED_MAX}`);
  return n;
}

/** `1..50` (inclusive), `3,7,9`, or a mix (`1..5,9`): the seeds in the order given, each once. */
export function parseSeeds(value: string | number): number[] {
  const text = String(value).trim();
  if (text === "")
    throw new InputError("--seeds is empty: write a range such as 1..50 or a list such as 3,7,9");
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const range = /^(.*)\.\.(.*)$/.exec(part.trim());
    if (range) {
      const [a, b] = [seedOf(range[1], text), seedOf(range[2], text)];
      if (b < a)
        throw new InputError(`--seeds "${text}": the range ${a}..${b} runs backwards: write ${b}..${a}`);
      if (b - a + 1 > MAX_RUNS)
        throw new InputError(`--seeds "${text}": ${b - a + 1} seeds, at most ${MAX_RUNS} in one command`);
      for (let s = a; s <= b; s++) seeds.push(s);
    } else seeds.push(seedOf(part, text));
  }
  const unique = [...new Set(seeds)];
  if (unique.length !== seeds.length) throw new InputError(`--seeds "${text}" names a seed twice`);
  return unique;
}

export interface Sweep {
  name: SweepParam;
  values: number[];
}

function numberOf(text: string, what: string, whole: string): number {
  const t = text.trim();
  const n = Number(t);
  if (t === "" || !Number.isFinite(n)) throw new InputError(`${whole}: ${what} "${t}" is not a number`);
  return n;
}

function paramName(name: string, whole: string): SweepParam {
  if (!isSweepParam(name))
    throw new InputError(`${whole}: unknown parameter "${name}": choose ${or(SWEEP_PARAMS)}`);
  return name;
}

/** `imf=0.05:0.2:0.05`: the values from a to b (inclusive, to a millionth of a step) by step. */
export function parseSweep(value: string): Sweep {
  const whole = `--sweep ${value}`;
  const m = /^([A-Za-z]+)=([^:]*):([^:]*):([^:]*)$/.exec(String(value).trim());
  if (!m) throw new InputError(`${whole}: write name=from:to:step, such as imf=0.05:0.2:0.05`);
  const name = paramName(m[1], whole);
  const [a, b, step] = [
    numberOf(m[2], "from", whole),
    numberOf(m[3], "to", whole),
    numberOf(m[4], "step", whole),
  ];
  if (!(step > 0)) throw new InputError(`${whole}: the step must be positive, got ${m[4].trim()}`);
  if (b < a) throw new InputError(`${whole}: from ${a} is above to ${b}`);
  const count = Math.floor((b - a) / step + 1e-6) + 1;
  if (count > 50) throw new InputError(`${whole}: ${count} values, at most 50: use a larger step`);
  const values = Array.from({ length: count }, (_, i) => Number((a + i * step).toPrecision(12)));
  for (const v of values) {
    const error = paramError(name, v);
    if (error) throw new InputError(`${whole}: ${error}`);
  }
  return { name, values };
}

export interface Setting {
  name: SweepParam;
  value: number;
}

/** `imf=0.12`: one parameter changed for the run. */
export function parseSet(value: string): Setting {
  const whole = `--set ${value}`;
  const m = /^([A-Za-z]+)=(.*)$/.exec(String(value).trim());
  if (!m) throw new InputError(`${whole}: write name=value, such as imf=0.12`);
  const name = paramName(m[1], whole);
  const v = numberOf(m[2], "value", whole);
  const error = paramError(name, v);
  if (error) throw new InputError(`${whole}: ${error}`);
  return { name, value: v };
}

/** The sweep's values with today's marked: `0.05, 0.1 (today), 0.15`. */
export const describeValues = (s: Sweep): string =>
  s.values
    .map((v) => `${formatValue(v)}${Math.abs(v - PARAMS[s.name].current) < 1e-12 ? " (today)" : ""}`)
    .join(", ");
