/** §15.9's explanations: what the reference says each action pays each actor and the pool. */
import * as math from "../../shared/math";
import { TO_WAD, WAD } from "../model";
import type { InvariantModel } from "../model";
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

export function explain(st: EconState, s: Suite, m: InvariantModel, actions: Action[]): Explained {
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
            : null;
    const tx = iface?.parseTransaction({ data: a.data });
    if (!tx) continue;
    const args = [...tx.args] as unknown[];
    const v = a.value as Record<string, unknown>;
    switch (tx.name) {
      case "trade": {
        const ref = v.ref as math.TradeRef;
        const delta = args[2] as bigint;
        const price = model.markets[Number(args[1])].price;
        const premium = math.divCeil(delta * (ref.fill - price), WAD);
        const feeUnits = math.divCeil(ref.fee, TO_WAD);
        gain(from, -feeUnits * TO_WAD - premium);
        e.pool += (feeUnits - ref.insuranceDelta) * TO_WAD + premium;
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
