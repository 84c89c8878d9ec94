/**
 * What every command of the model-based suite shares: the run's model (`Box`), the tally of outcomes, `act` (send one
 * transaction and hold the chain to the model's prediction) and the `KeelCommand` base, which checks every invariant of
 * DESIGN §15 (../checks/) after each command.
 */
import fc from "fast-check";
import { ethers, network } from "hardhat";
import type { Log } from "ethers";
import type { InvariantModel, Outcome } from "../model";
import { checkInvariants } from "../checks";
import type { Snapshot } from "../checks";
import { decodeError, eventsFrom, expectOneOf, same, send, show } from "../system";
import type { Suite } from "../system";
import { checkEconomics } from "../economics";

/** Counters of what the suite executed: commands (fast-check's), runs, and how each kind of action ended. */
export const stats = {
  commands: 0,
  runs: 0,
  closeOutActions: 0,
  outcomes: new Map<string, { ok: number; reverted: number; errors: Map<string, number> }>(),
};

export function tally(label: string, ok: boolean, error?: string) {
  let o = stats.outcomes.get(label);
  if (o === undefined) stats.outcomes.set(label, (o = { ok: 0, reverted: 0, errors: new Map() }));
  if (ok) o.ok++;
  else {
    o.reverted++;
    o.errors.set(error!, (o.errors.get(error!) ?? 0) + 1);
  }
}

/** The model of one run; commands replace `m` with the model of the action they applied. */
export interface Box {
  m: InvariantModel;
  /** Account ids of trader i's subaccount j: `ids[i][j]`. */
  ids: bigint[][];
}

export type Post = ((snap: Snapshot) => void) | void;

export const USDC_UNIT = 10n ** 6n;
export const MAX_UINT = ethers.MaxUint256;
/** Each run keeps prices inside a band around the initial price, so the pool can always pay the winners. */
export const BAND: [bigint, bigint][] = [
  [2_100n * 10n ** 8n, 4_200n * 10n ** 8n],
  [42_000n * 10n ** 8n, 84_000n * 10n ** 8n],
];

export const sign = (x: bigint) => (x < 0n ? -1n : 1n);

export function fail(message: string): never {
  throw new Error(message);
}

/** Sends one transaction and holds the chain to the model's prediction; applies the model on success. */
export async function act<T>(
  b: Box,
  s: Suite,
  label: string,
  outcome: Outcome<T>,
  from: string,
  to: string,
  data: string,
  t: bigint,
): Promise<{ value: T; logs: Log[] } | null> {
  const r = await send(s, from, to, data, t);
  b.m.now = t;
  if (outcome.ok) {
    if (!r.ok) fail(`${label}: reverted with ${show(r.error)}, but the model predicts success`);
    const before = b.m;
    b.m = outcome.next;
    tally(label, true);
    await checkEconomics(s, before, b.m, [{ label, from, to, data, value: outcome.value }]);
    return { value: outcome.value, logs: r.logs };
  }
  if (r.ok)
    fail(
      `${label}: succeeded, but the model predicts a revert with one of: ${outcome.errors.map(show).join(" | ")}`,
    );
  expectOneOf(r.error, outcome.errors, label);
  tally(label, false, r.error.name);
  return null;
}

export function expectEvent(
  s: Suite,
  logs: Log[],
  address: string,
  name: string,
  args: unknown[],
  label: string,
) {
  const found = eventsFrom(s, logs, address, name);
  if (!found.some((e) => same(e.args, args))) {
    fail(
      `${label}: no ${name}(${args.map(String).join(", ")}) among ${found.map((e) => `${e.name}(${e.args.join(", ")})`).join("; ") || "no events"}`,
    );
  }
}

/** Views at the next block's timestamp (`pending`), decoded. */
export async function pendingCall(
  s: Suite,
  to: string,
  data: string,
): Promise<{ ok: true; data: string } | { ok: false; error: string }> {
  try {
    return { ok: true, data: (await network.provider.send("eth_call", [{ to, data }, "pending"])) as string };
  } catch (e) {
    const d = (e as { data?: unknown }).data;
    return { ok: false, error: typeof d === "string" ? show(decodeError(s, d)) : String(e) };
  }
}

/** INVARIANT_DEBUG=1: one line per command with each trader account's equity / IM and the prices. */
function trace(command: KeelCommand, b: Box) {
  const t = b.m.now + 1n;
  const ratios = b.ids.flat().map((id) => {
    if (b.m.assetErrors(b.m.accountAssets(id), t).length) return "?";
    const st = b.m.state(id, t);
    return st.initialMargin === 0n ? "-" : ethers.formatUnits((st.equity * 100n) / st.initialMargin, 2);
  });
  const prices = b.m.markets.map((m) => ethers.formatUnits(m.price, 18)).join(" ");
  console.log(`    ${command.toString().padEnd(72)} equity/IM ${ratios.join(" ")} | ${prices}`);
}

export abstract class KeelCommand implements fc.AsyncCommand<Box, Suite> {
  /** Whether the command applies in the model's state: always, unless a subclass reads the model (fast-check's signature). */
  check(b: Readonly<Box>): boolean;
  check(): boolean {
    return true;
  }

  async run(b: Box, s: Suite): Promise<void> {
    stats.commands++;
    const post = await this.exec(b, s);
    if (process.env.INVARIANT_DEBUG === "1") trace(this, b);
    const snap = await checkInvariants(s, b.m);
    if (post) post(snap);
  }

  abstract exec(b: Box, s: Suite): Promise<Post>;
  abstract toString(): string;
}

/** A trader's account: trader 0–2, subaccount 0–1. */
export const trader = (s: Suite, i: number) => s.actors.traders[i];
export const tokenAddress = (s: Suite, token: number) =>
  [s.address.usdc, s.address.weth, s.address.wbtc][token];
export const TOKENS = ["USDC", "WETH", "WBTC"];

/** Free collateral (WAD) of an account at `t`, or `fallback` when a price it needs is invalid. */
export function freeCollateral(m: InvariantModel, id: bigint, t: bigint, fallback: bigint): bigint {
  if (m.assetErrors(m.accountAssets(id), t).length) return fallback;
  const st = m.state(id, t);
  return st.equity - st.initialMargin;
}

/** Sends transactions that must all succeed in one block mined at `t`. */
export async function sameBlock(s: Suite, t: bigint, txs: [string, string, string][]) {
  await network.provider.send("evm_setAutomine", [false]);
  const hashes: string[] = [];
  try {
    for (const [from, to, data] of txs) {
      hashes.push(
        (await network.provider.send("eth_sendTransaction", [{ from, to, data, gas: "0x7a1200" }])) as string,
      );
    }
    await network.provider.send("evm_mine", [Number(t)]);
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  for (const [i, hash] of hashes.entries()) {
    const receipt = (await network.provider.send("eth_getTransactionReceipt", [hash])) as {
      status: string;
    } | null;
    if (receipt === null || receipt.status !== "0x1") {
      // Replay the failing call on the block before to name its error.
      let reason = "unknown";
      try {
        await network.provider.send("eth_call", [
          { from: txs[i][0], to: txs[i][1], data: txs[i][2] },
          "latest",
        ]);
      } catch (e) {
        const d = (e as { data?: unknown }).data;
        if (typeof d === "string") reason = show(decodeError(s, d));
      }
      fail(
        `transaction ${i} of a same-block round trip reverted (${reason}), but the model predicts success`,
      );
    }
  }
}

/** The open positions of the traders' accounts, in a fixed order. */
export function openPositions(b: Readonly<Box>): { trader: number; sub: number; market: number }[] {
  return b.ids.flatMap((subs, trader) =>
    subs.flatMap((id, sub) => b.m.openMarkets(id).map((market) => ({ trader, sub, market }))),
  );
}
