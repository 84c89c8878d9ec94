/**
 * DESIGN §15.9 No value extraction: the economic invariant of the property-based suite, checked after every action
 * (every transaction a command or the close-out sends that the chain accepts). The other invariants check that the
 * books balance; this one checks who ends up richer.
 *
 * Every actor (an address: LP 0, LP 1, trader 0, trader 1, trader 2 = LP 2, the keeper, the donor) has a value in WAD:
 * its wallet's tokens at the oracle price (full price, no haircut) + its accounts (settlement balance + other collateral
 * at full price + Σ size·price − openNotional − funding owed) + its pool shares, wallet and escrowed request together,
 * at `shares · V / supply` where V is the pool's SIGNED value from the reference (../model/, test/shared/math.ts: no
 * floor at zero). An action's effect is the value after it minus the value of the state before it, both at the action's
 * own block time (so funding accrued in between is a market move, not the action's).
 *
 * 1. LP shares. (a) No LP's share count rises except by its own deposit, or falls except by its own redemption (so its
 *    fraction of the supply rises only by its deposit or others' exits). (b) A deposit or redemption never lowers
 *    another LP's share value by more than the tolerance. (c) No shares are minted while the pool's signed value is
 *    ≤ 0 (they would be a free claim on the recovery: issue 13 item 1).
 * 2. Explained gains. Each actor's gain from an action is at most what the reference says the action pays it:
 *    trade: −fee − skew premium (premium = Δsize · (fill − oracle), negative when the trade reduces the skew);
 *    liquidation: the keeper +keeper reward, the account −penalty + the bad debt the waterfall took off it;
 *    liquidateCollateral: the keeper +repaid · discount, the account −(seized value − repaid); settleBadDebt: the
 *    account +insurance draw + pool write-off; depositFor: the owner +amount, the donor −amount; everything else 0.
 *    LPs get the pool's explained gain pro rata to their shares before the action: a trade's fee (less the insurance
 *    share) and premium, −the pool's write-off. At someone else's deposit or redemption an LP's gain is not bounded
 *    (it is the depositor's overpayment, which 1(b) and the depositor's own check cover).
 * 3. Market moves (price, time): the pool's value moves exactly opposite to the positions' (price and funding), within
 *    the tolerance: what LPs gain pro rata is what traders lose.
 * With the pool valued net of the skew premium closing every position would pay back (Σ P·skew²/(2·skewScale) per
 * market, the "exit value"), 1(b), 1(c) and the depositor's/redeemer's own gain are checked again: issue 13 item 4.
 *
 * Tolerance: `TOLERANCE_UNITS` settlement units (1e-6 USDC each) per actor per action (a same-block round trip is
 * two), and the same for the market-move identity. Sources: WAD → unit conversions (the trader's realized PnL floors, the fee rounds up: ≤ 1 unit each to the
 * pool), the NAV's per-side ceil/floor against per-position floors (a few wei per position), fill-price rounding and
 * the ERC-4626 virtual asset (a redemption: ≤ 1 unit). At an LP deposit, plus what the ERC-4626 virtual shares stand
 * for, V·10⁶/(supply + 10⁶): the depositor's gain from the offset is at most that (about 1 unit, more once the pool
 * has gained on a small supply). The largest slack used is printed.
 *
 * Known holes (issue 13): while `KNOWN_HOLES_FIXED.<item>` is false, a violation of that item is counted and printed
 * at the end instead of failing the suite; `INVARIANT_KNOWN_HOLES=strict` fails on them anyway (to get a counterexample).
 */
import * as math from "../../shared/math";
import { TO_WAD, VIRTUAL_SHARES } from "../model";
import type { InvariantModel } from "../model";
import { exitPoolValue, positionsValue, signedPoolValue, tokenValue } from "../valuation";
import type { Suite } from "../system";
import {
  KNOWN_HOLES_FIXED,
  TOLERANCE_UNITS,
  accountsValue,
  econStats,
  readWallets,
  shareValue,
  sharesOf,
  states,
  strict,
} from "./state";
import type { Action, Hole } from "./state";
import { explain } from "./explain";

export * from "./state";
export * from "./explain";

/* THE CHECK */

function violation(hole: Hole, message: string) {
  if (hole !== null && !KNOWN_HOLES_FIXED[hole] && !strict(hole)) {
    const k = econStats.knownHoles.get(hole);
    if (k) k.count++;
    else econStats.knownHoles.set(hole, { count: 1, first: message });
    return;
  }
  throw new Error(`${hole ? `[issue 13 ${hole}] ` : ""}${message} (§15.9)`);
}

const usd = (wad: bigint) => `${(Number(wad / 10n ** 12n) / 1e6).toFixed(6)} USDC`;

function slack(actual: bigint, explained: bigint, where: string) {
  const d = actual - explained;
  if (d > econStats.worstSlack) {
    econStats.worstSlack = d;
    econStats.worstWhere = where;
  }
}

/**
 * §15.9 for the actions of one step (one transaction, or the transactions of one block), all at `after.now`: `before`
 * is the model before them (its prices are theirs), `after` the model with them applied.
 */
export async function checkEconomics(
  s: Suite,
  before: InvariantModel,
  after: InvariantModel,
  actions: Action[],
) {
  const st = states.get(s)!;
  const t = after.now;
  const label = actions.map((a) => a.label).join("+");
  const TOL = TOLERANCE_UNITS * TO_WAD * BigInt(actions.length);
  econStats.actions++;
  // 3. Market moves since the last action: the pool gains what the positions lose.
  const positions = (m: InvariantModel) => s.accounts.reduce((x, id) => x + positionsValue(m, id, t), 0n);
  const V0 = signedPoolValue(before, t);
  const P0 = positions(before);
  if (st.checkpoint !== null) {
    econStats.marketSteps++;
    const drift = V0 - st.checkpoint.pool + (P0 - st.checkpoint.positions);
    if (math.abs(drift) > TOL)
      violation(
        null,
        `before ${label}: market moves changed pool + positions by ${usd(drift)}, not zero-sum`,
      );
  }
  const e = explain(st, s, before, actions, t);
  const wallets = e.wallets ? await readWallets(s, st.actors) : st.wallets;
  const V1 = signedPoolValue(after, t);
  const [S0, S1] = [before.supply, after.supply];
  const [E0, E1] = e.lpFlow ? [exitPoolValue(before, t), exitPoolValue(after, t)] : [0n, 0n];
  // At an LP deposit, the ERC-4626 offset's own cost: new shares are priced at (totalAssets + 1) / (supply + 10⁶), so
  // the depositor can gain at most what the virtual shares stand for, V·10⁶/(supply + 10⁶) (about 1 unit × the
  // pool's growth per share since launch; more once LPs have drained it and it gained on a small supply).
  const virtual = e.lpFlow?.deposit
    ? math.divCeil(math.max(V0, 0n) * VIRTUAL_SHARES, S0 + VIRTUAL_SHARES)
    : 0n;
  const TOL_LP = TOL + virtual;
  // An empty pool's first deposit dilutes nobody (and one into a deficit only costs the depositor): the contract
  // refuses it only below zero (`minimumDepositValue()` is 0 for an empty pool).
  if (e.lpFlow?.deposit && S1 > S0 && S0 > 0n) {
    if (V0 <= 0n)
      violation("item1ShareTheftAtNavZero", `${label}: ${S1 - S0} shares minted at pool value ${usd(V0)}`);
    else if (E0 <= 0n)
      violation("item4SkewPremiumInNav", `${label}: shares minted at exit value ${usd(E0)} (NAV ${usd(V0)})`);
  }
  for (const a of st.actors) {
    const [w0, w1] = [st.wallets.get(a.address)!, wallets.get(a.address)!];
    const walletGain =
      (w1[0] - w0[0]) * TO_WAD +
      tokenValue(after, s.address.weth, w1[1] - w0[1]) +
      tokenValue(after, s.address.wbtc, w1[2] - w0[2]);
    const [h0, h1] = [sharesOf(before, a), sharesOf(after, a)];
    const own = e.lpFlow?.lp === a.address;
    // 1(a) Share counts move only by the LP's own flows.
    if (h1 > h0 && !(own && e.lpFlow!.deposit))
      violation(null, `${label}: ${a.name}'s shares rose ${h0} → ${h1}`);
    if (h1 < h0 && !(own && !e.lpFlow!.deposit))
      violation(null, `${label}: ${a.name}'s shares fell ${h0} → ${h1}`);
    const shareGain = shareValue(h1, V1, S1) - shareValue(h0, V0, S0);
    const actual = accountsValue(after, a, t) - accountsValue(before, a, t) + shareGain + walletGain;
    // Once item 4 is fixed the pool prices its shares at the exit value: LP flows are judged there only.
    const oracleFlows = !KNOWN_HOLES_FIXED.item4SkewPremiumInNav;
    if (e.lpFlow && !own) {
      // 1(b) Someone else's deposit or redemption never lowers this LP's share value.
      if (oracleFlows && h0 > 0n && shareGain < -TOL_LP)
        violation(null, `${label} by ${e.lpFlow.lp}: ${a.name}'s share value fell by ${usd(-shareGain)}`);
      if (h0 > 0n && shareValue(h1, E1, S1) - shareValue(h0, E0, S0) < -TOL_LP)
        violation(
          "item4SkewPremiumInNav",
          `${label}: ${a.name}'s share exit value fell by ${usd(shareValue(h0, E0, S0) - shareValue(h1, E1, S1))}`,
        );
      continue;
    }
    // 2. Gains only as explained (LPs: the pool's explained gain pro rata to the shares held before).
    const explained = (e.gains.get(a.address) ?? 0n) + (S0 > 0n ? math.divCeil(h0 * e.pool, S0) : 0n);
    if (!own || oracleFlows) {
      if (actual > explained + (own ? TOL_LP : TOL))
        violation(
          null,
          `${label}: ${a.name} gained ${usd(actual)}, explained ${usd(explained)} (excess ${usd(actual - explained)})`,
        );
      slack(actual, explained, `${label}: ${a.name}`);
    }
    if (own) {
      const exitGain = walletGain + shareValue(h1, E1, S1) - shareValue(h0, E0, S0);
      if (exitGain > TOL_LP)
        violation(
          "item4SkewPremiumInNav",
          `${label}: ${a.name} gained ${usd(exitGain)} at the pool's exit value`,
        );
    }
  }
  st.wallets = wallets;
  st.checkpoint = { pool: V1, positions: positions(after) };
}

/** Lines for the end-of-suite report. */
export function economicsReport(): string[] {
  const lines = [
    `  §15.9 no value extraction: ${econStats.actions} actions and ${econStats.marketSteps} market steps checked, tolerance ${TOLERANCE_UNITS} units per actor per action, largest slack used ${econStats.worstSlack} wei (${econStats.worstWhere || "none"})`,
  ];
  for (const [hole, k] of econStats.knownHoles)
    lines.push(`    known hole ${hole} (KNOWN_HOLES_FIXED false): ${k.count} hits; first: ${k.first}`);
  return lines;
}
