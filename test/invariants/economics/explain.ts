/** §15.9's explanations: what the reference says each action pays each actor and the pool. */
import * as math from "../../shared/math";
import { TO_WAD, WAD } from "../model";
import type { CancellationModel, InvariantModel, OrderModel, SettlementModel } from "../model";
import { tokenValue } from "../valuation";
import type { Suite } from "../system";
import { ownerOf } from "../../../scripts/common/accounts";
import type { Action, EconState } from "./state";

/* EXPLANATIONS (from the model's reference results of each action) */

interface Explained {
  gains: Map<string, bigint>;
  /** The pool's explained gain (oracle valuation), spread over LPs pro rata. */
  pool: bigint;
  lpFlow: { lp: string; deposit: boolean } | null;
  wallets: boolean;
}

export function explain(st: EconState, s: Suite, m: InvariantModel, actions: Action[], t: bigint): Explained {
  const e: Explained = { gains: new Map(), pool: 0n, lpFlow: null, wallets: false };
  const gain = (who: string, v: bigint) =>
    e.gains.set(who.toLowerCase(), (e.gains.get(who.toLowerCase()) ?? 0n) + v);
  const model = m;
  for (const a of actions) {
    const to = a.to.toLowerCase();
    const from = a.from.toLowerCase();
    if (a.label === "donate") {
      e.wallets = true;
      continue;
    }
    const iface =
      to === s.address.clearinghouse.toLowerCase()
        ? st.ifaces.ch
        : to === s.address.vault.toLowerCase()
          ? st.ifaces.vault
          : to === s.address.pool.toLowerCase()
            ? st.ifaces.pool
            : to === s.address.orderBook.toLowerCase()
              ? st.ifaces.orderBook
              : null;
    const tx = iface?.parseTransaction({ data: a.data });
    if (!tx) continue;
    const args = [...tx.args] as unknown[];
    const v = a.value as Record<string, unknown>;
    switch (tx.name) {
      case "trade": {
        const ref = v.ref as math.TradeRef;
        e.pool += tradeGain(model, ref, args[2] as bigint, Number(args[1]), (x) => gain(from, x));
        break;
      }
      // Orders (DESIGN §21): the fee is escrowed from the trader at the commit, paid to whoever settles or cancels
      // (or back to the account at its owner's cancellation); a fill is a trade at the order's round price.
      case "commitOrder":
      case "commitConditionalOrder":
        gain(from, -(a.value as OrderModel).fee * TO_WAD);
        break;
      case "settleOrder": {
        const o = a.value as SettlementModel;
        gain(ownerOf(o.keeperAccount), o.order.fee * TO_WAD);
        if (o.filled) {
          e.pool += fundingAtOrderPrice(s, model, o.order.marketId, o.price, t, gain);
          const owner = ownerOf(o.order.accountId);
          e.pool += tradeGain(model, o.trade!.ref, o.order.sizeDelta, o.order.marketId, (x) =>
            gain(owner, x),
          );
        }
        break;
      }
      case "cancelOrder": {
        const c = a.value as CancellationModel;
        gain(ownerOf(c.feeTo), c.order.fee * TO_WAD);
        break;
      }
      case "liquidate": {
        const r = v as unknown as math.LiquidationRef;
        gain(ownerOf(args[0] as bigint), (r.insuranceDraw + r.poolWriteOff - r.penalty) * TO_WAD);
        gain(from, r.keeperReward * TO_WAD);
        e.pool -= r.poolWriteOff * TO_WAD;
        break;
      }
      case "liquidateCollateral": {
        const token = (args[1] as string).toLowerCase();
        const repaid = (v.repaid as bigint) * TO_WAD;
        const c = model.collateral(token);
        const seized = math.divFloor((v.seized as bigint) * (v.price as bigint), 10n ** BigInt(c.decimals));
        gain(from, math.divCeil(repaid * c.liquidationDiscount, WAD));
        gain(ownerOf(args[0] as bigint), repaid - seized);
        e.wallets = true;
        break;
      }
      case "settleBadDebt":
        gain(ownerOf(args[0] as bigint), ((v.insuranceDraw as bigint) + (v.poolWriteOff as bigint)) * TO_WAD);
        e.pool -= (v.poolWriteOff as bigint) * TO_WAD;
        break;
      case "depositFor": {
        const value = tokenValue(model, args[1] as string, args[2] as bigint);
        gain(ownerOf(args[0] as bigint), value);
        gain(from, -value);
        e.wallets = true;
        break;
      }
      case "recapitalize":
        gain(from, -(args[0] as bigint) * TO_WAD);
        e.pool += (args[0] as bigint) * TO_WAD;
        e.wallets = true;
        break;
      case "fundInsurance":
        gain(from, -(args[0] as bigint) * TO_WAD);
        e.wallets = true;
        break;
      case "deposit":
      case "mint":
      case "redeem":
      case "withdraw":
        if (to === s.address.pool.toLowerCase())
          e.lpFlow = { lp: from, deposit: tx.name === "deposit" || tx.name === "mint" };
        e.wallets = true;
        break;
      default:
        break; // requestWithdraw, cancelWithdraw, pause, unpause, setMarketParams: no value moves.
    }
  }
  return e;
}

/**
 * A trade's explained gains: the trader −fee − premium, the pool the fee (less the insurance share) + premium, where
 * premium = Δsize · (fill − latest answer). An order fills at its round's price P instead of the latest answer L, so
 * its premium holds Δsize · (P − L) besides the skew premium: the trader gains Δsize · (L − P) — what the price did
 * between the order's round and the settlement, at most `maxPriceAge` (15 s) later, the round being the first after
 * the commit (the model checks both, so neither side chooses it) — and the pool pays exactly that. Its largest size
 * is reported (`orderStats.roundGap`). Returns the pool's gain; `traderGain` receives the trader's.
 */
function tradeGain(
  m: InvariantModel,
  ref: math.TradeRef,
  delta: bigint,
  marketId: number,
  traderGain: (x: bigint) => void,
): bigint {
  const premium = math.divCeil(delta * (ref.fill - m.markets[marketId].price), WAD);
  const feeUnits = math.divCeil(ref.fee, TO_WAD);
  traderGain(-feeUnits * TO_WAD - premium);
  return (feeUnits - ref.insuranceDelta) * TO_WAD + premium;
}

/**
 * A fill at an order's price P accrues the market's funding since its last update at P, where the valuation before
 * it (and the market's own next accrual) uses the latest answer L: every open position on the market owes
 * Δindex · size more (Δindex = the interval's funding at P − at L, proportional to (P − L) · the funding rate · the
 * interval) and the pool gains exactly that. Zero-sum, and small: P is a round at most `maxPriceAge` older than L.
 * Returns the pool's gain; each position's owner is charged through `gain`.
 */
function fundingAtOrderPrice(
  s: Suite,
  m: InvariantModel,
  marketId: number,
  price: bigint,
  t: bigint,
  gain: (who: string, v: bigint) => void,
): bigint {
  const mk = m.markets[marketId];
  const elapsed = t - mk.lastFundingTime;
  const skew = m.skew(marketId);
  const atP =
    mk.fundingIndex +
    math.fundingIndexDelta(skew, mk.params.skewScale, mk.params.maxFundingRatePerDay, elapsed, price);
  const atL = m.indexAt(marketId, t);
  let pool = 0n;
  for (const id of s.accounts) {
    const p = m.position(id, marketId);
    if (p.size === 0n) continue;
    const more =
      math.fundingOwed(p.size, atP, p.lastFundingIndex) - math.fundingOwed(p.size, atL, p.lastFundingIndex);
    gain(ownerOf(id), -more);
    pool += more;
  }
  return pool;
}
