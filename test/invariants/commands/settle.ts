/**
 * A keeper settles a pending order (DESIGN §21): a market order at the first feed round after its commit (the command
 * publishes one when there is none yet), a conditional order at the latest answer once it crosses the trigger (the
 * command publishes the trigger price when it does not). Before sending, `previewOrderSettlement` with the same proof
 * at the same second must say exactly what the settlement then does (§15.6: views agree with actions): the same
 * refusal, or the same price, outcome, fill price, trade fee and account state — and the model must predict all of it.
 */
import { network } from "hardhat";
import * as math from "../../shared/math";
import { stateFields } from "../checks";
import type { SettlementModel } from "../model";
import { decodeError, eventsFrom, expectOneOf, same, send, show } from "../system";
import type { DecodedError, Suite } from "../system";
import { roundProof } from "../../../scripts/common/orders";
import { BAND, KeelCommand, act, expectEvent, fail, tally, trader } from "./core";
import type { Box, Post } from "./core";
import { KIND_LABELS, expectCancelled, pickOrder } from "./orders";

/**
 * normal: publish what the order waits for, then settle; moved: the same, then the feed moves again before the
 * settlement (the order still fills at its own round's price, not the latest answer); asIs: settle now, whatever the
 * feed says; wrongRound: a proof of the round after or before the first one after the commit.
 */
export type SettleVariant = "normal" | "moved" | "asIs" | "wrongRound";

/** Largest |Δsize · (latest answer − order price)| of a fill (WAD): what filling at the round's price moved. */
export const orderStats = { roundGap: 0n, roundGapFills: 0 };

/** The feed of `marketId` publishes `answer` (8 decimals) at `t`, as a Chainlink round. */
async function publish(b: Box, s: Suite, marketId: number, answer: bigint, t: bigint) {
  const data = [s.ethFeed, s.btcFeed][marketId].interface.encodeFunctionData("updateAnswer", [answer]);
  const r = await send(s, s.actors.admin.address, s.address.feeds[marketId], data, t);
  if (!r.ok) fail(`feed update reverted: ${show(r.error)}`);
  b.m.now = t;
  b.m.postAnswer(marketId, answer, t);
}

/** `previewOrderSettlement` at the next block's timestamp, decoded (or its revert). */
async function preview(
  s: Suite,
  id: bigint,
  proof: string,
  t: bigint,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: DecodedError }> {
  const iface = s.orderBook.interface;
  await network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
  try {
    const data = (await network.provider.send("eth_call", [
      { to: s.address.orderBook, data: iface.encodeFunctionData("previewOrderSettlement", [id, proof]) },
      "pending",
    ])) as string;
    const [p] = iface.decodeFunctionResult("previewOrderSettlement", data);
    return { ok: true, value: p as Record<string, unknown> };
  } catch (e) {
    const d = (e as { data?: unknown }).data;
    if (typeof d !== "string") throw e;
    return { ok: false, error: decodeError(s, d) };
  }
}

export class SettleOrderCommand extends KeelCommand {
  constructor(
    readonly pick: number,
    readonly variant: SettleVariant,
    /** ‰ move of the round published for a market order (and back for `moved`); its parity picks the wrong round. */
    readonly move: number,
    /** The keeper settles (else trader 0, paid into its subaccount 0). */
    readonly byKeeper: boolean,
  ) {
    super();
  }

  check(b: Readonly<Box>): boolean {
    return b.m.orders.size > 0;
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    // Publishing variants go for an order still alive (expired ones wait for their cancellation).
    const alive = b.m.pendingOrders().filter((x) => x.deadline > b.m.now + b.m.orderParams.minDelay + 2n);
    const publishing = this.variant === "normal" || this.variant === "moved";
    const o = publishing && alive.length ? alive[this.pick % alive.length] : pickOrder(b.m, this.pick);
    const keeper = this.byKeeper ? s.actors.keeper.address : trader(s, 0).address;
    const f = b.m.feeds[o.marketId];
    const settleableAt = o.committedAt + b.m.orderParams.minDelay;
    if (publishing) {
      // Publish what the order waits for: a market order's first round after its commit (when there is none yet),
      // a conditional order's trigger price (clamped into the run's band: outside it the order stays untriggered).
      const t1 = b.m.now + 1n;
      const [lo, hi] = BAND[o.marketId];
      const current = b.m.markets[o.marketId].price / 10n ** 10n;
      const clamp = (x: bigint) => math.min(math.max(x, lo), hi);
      if (o.kind !== 0) await publish(b, s, o.marketId, clamp(o.trigger / 10n ** 10n), t1);
      else if (b.m.firstRoundAfter(o.marketId, o.committedAt) === undefined)
        await publish(b, s, o.marketId, clamp((current * (1_000n + BigInt(this.move))) / 1_000n), t1);
      if (this.variant === "moved") {
        const latest = b.m.markets[o.marketId].price / 10n ** 10n;
        await publish(
          b,
          s,
          o.marketId,
          clamp((latest * (1_000n - BigInt(this.move))) / 1_000n),
          b.m.now + 1n,
        );
      }
    }
    const first = b.m.firstRoundAfter(o.marketId, o.committedAt);
    const round =
      this.variant === "wrongRound"
        ? (first?.round ?? f.round) + (this.move % 2 === 0 ? 1n : -1n)
        : (first?.round ?? f.round + 1n);
    const t = publishing ? math.max(b.m.now + 1n, settleableAt) : b.m.now + 1n;
    const proof = roundProof(round);
    const outcome = b.m.trySettleOrder(o.id, round, keeper, t);

    // §15.6: the preview at the settlement's own second, with the same proof, says what the settlement does.
    const viewed = await preview(s, o.id, proof, t);
    const label = `order.settle.${KIND_LABELS[o.kind]}`;
    if (!outcome.ok) {
      if (viewed.ok) fail(`${label}: previewOrderSettlement succeeded, the model predicts a revert`);
      expectOneOf(viewed.error, outcome.errors, `${label} previewOrderSettlement`);
    } else {
      if (!viewed.ok) fail(`${label}: previewOrderSettlement reverted with ${show(viewed.error)}`);
      checkPreview(s, viewed.value, outcome.value, label);
    }
    const data = s.orderBook.interface.encodeFunctionData("settleOrder", [o.id, proof]);
    const label2 = `${label}.${outcome.ok ? (outcome.value.filled ? "filled" : "refused") : "reverted"}`;
    const done = await act(b, s, label2, outcome, keeper, s.address.orderBook, data, t);
    if (done === null || !viewed.ok) return;
    const v = done.value;
    if (v.filled) {
      const ref = v.trade!.ref;
      const args = [o.id, o.accountId, BigInt(o.marketId), o.sizeDelta, v.price, v.publishedAt, ref.fill];
      expectEvent(s, done.logs, s.address.orderBook, "OrderSettled", [...args, o.fee, keeper], label);
      const trade = math.tradeExecutedEventArgs(o.accountId, BigInt(o.marketId), o.sizeDelta, ref);
      expectEvent(s, done.logs, s.address.clearinghouse, "TradeExecuted", [...trade], label);
      // And straight against the preview: the trade's size, fill price and fee are the ones it showed.
      const executed = eventsFrom(s, done.logs, s.address.clearinghouse, "TradeExecuted")[0].args;
      const shown = [o.sizeDelta, viewed.value.fillPrice, viewed.value.tradeFee];
      if (!viewed.value.filled || !same(executed.slice(2, 5), shown))
        fail(`${label}: TradeExecuted ${executed.slice(2, 5).join("/")} != the preview's ${shown.join("/")}`);
      const gap = math.abs((o.sizeDelta * (b.m.markets[o.marketId].price - v.price)) / math.WAD);
      orderStats.roundGapFills++;
      if (gap > orderStats.roundGap) orderStats.roundGap = gap;
    } else {
      if (viewed.value.filled) fail(`${label}: refused, but the preview showed a fill`);
      const reason = expectCancelled(s, done.logs, o, v.reasons, keeper, label);
      tally(`${label}.refusal`, false, decodeError(s, reason).name);
      // The refusal is the preview's, byte for byte.
      if (reason !== viewed.value.reason)
        fail(`${label}: reason ${reason} != the preview's ${String(viewed.value.reason)}`);
    }
  }

  toString() {
    return `settleOrder(#${this.pick}, ${this.variant}, round ${this.move}‰, by ${this.byKeeper ? "the keeper" : "trader 0"})`;
  }
}

/** The preview against the model: price, publication, outcome; the fill, fee and state after, or the refusal. */
function checkPreview(s: Suite, p: Record<string, unknown>, v: SettlementModel, label: string) {
  if (!same([p.price, p.publishedAt, p.filled], [v.price, v.publishedAt, v.filled]))
    fail(
      `${label}: preview (price ${String(p.price)}, published ${String(p.publishedAt)}, filled ${String(p.filled)}) != model (${v.price}, ${v.publishedAt}, ${v.filled})`,
    );
  if (v.filled) {
    const { ref, after } = v.trade!;
    if (!same([p.fillPrice, p.tradeFee], [ref.fill, ref.fee]))
      fail(
        `${label}: preview fill/fee ${String(p.fillPrice)}/${String(p.tradeFee)} != ${ref.fill}/${ref.fee}`,
      );
    const st = p.afterTrade as Record<string, unknown>;
    if (
      !same(
        stateFields.map((f) => st[f]),
        stateFields.map((f) => after[f]),
      )
    )
      fail(`${label}: preview state after the trade differs from the model`);
  } else {
    expectOneOf(decodeError(s, p.reason as string), v.reasons, `${label} preview reason`);
  }
}
