/** The end of every run: everything closed at one price, then zero-sum and liveness (§15.2, §15.7). */
import * as math from "../../shared/math";
import { TO_WAD } from "../model";
import type { Outcome } from "../model";
import { checkInvariants, plainState } from "../checks";
import type { Snapshot } from "../checks";
import type { Log } from "ethers";
import { accountIdOf, show } from "../system";
import type { Suite } from "../system";
import { subaccountOf } from "../../../scripts/common/accounts";
import { MAX_UINT, USDC_UNIT, act, fail, stats } from "./core";
import type { Box } from "./core";
import { ownerOf } from "./liquidation";
import { refreshFeed } from "./market";
import { closeOrders } from "./orders";

/* CLOSE-OUT: zero-sum and liveness at the end of every run */

/**
 * §15.2 and §15.7 at the end of a run. Accounts without positions or debt withdraw everything first — before any feed
 * is repaired, since a withdrawal that owes nothing must not need a price. Then the feeds post the markets' current
 * prices, every position is closed at that one price (liquidated first where the account is liquidatable), leftover
 * debt goes to collateral liquidation and the loss waterfall, and everyone withdraws what is left. What remains —
 * pool + insurance + any unrecoverable debt — must equal Σ settlement tokens that went in, to the unit (value only
 * moves between ledgers), and the pool's NAV must equal its ledger.
 */
export async function closeOut(b: Box, s: Suite) {
  const step = closeOutStep(b, s);
  // Every pending order cancelled (its fee back to its payer or to the keeper), immediate trades on everywhere.
  await closeOrders(b, s, (_b, _s, label, outcome, from, to, data, t) =>
    step(label, outcome, from, to, data, t),
  );
  // §15.7 liveness, whatever the feeds say.
  await withdrawAll(b, s, step, true);
  for (const marketId of [0, 1]) await refreshFeed(b, s, marketId, b.m.now + 1n);
  await closeEveryPosition(b, s, step);
  zeroSum(b, s, await checkInvariants(s, b.m), "after closing every position");
  await settleDebts(b, s, step);
  await withdrawAll(b, s, step, true);
  const left = zeroSum(b, s, await checkInvariants(s, b.m), "after everyone withdrew");
  // What is left in accounts is only debt no one could pay (insurance and pool both empty).
  if (left > 0n) fail(`zero-sum: ${left} units left in accounts after everyone withdrew`);
}

type Step = <T>(
  label: string,
  outcome: Outcome<T>,
  from: string,
  to: string,
  data: string,
  t: bigint,
) => Promise<{ value: T; logs: Log[] } | null>;

/** One close-out action: counted apart from the commands, labelled `closeOut.<label>`. */
function closeOutStep(b: Box, s: Suite): Step {
  return async (label, outcome, from, to, data, t) => {
    stats.closeOutActions++;
    return act(b, s, `closeOut.${label}`, outcome, from, to, data, t);
  };
}

/** §15.7: every account without positions or debt withdraws everything it holds. */
async function withdrawAll(b: Box, s: Suite, step: Step, requireAll: boolean) {
  for (const id of s.accounts) {
    const owner = ownerOf(s, id);
    const sub = subaccountOf(id);
    for (const token of [s.address.weth, s.address.wbtc, s.address.usdc]) {
      const m = b.m;
      if (m.positionCount(id) > 0 || m.balance(id) < 0n) continue;
      const amount = m.balanceIn(id, token);
      if (amount <= 0n) continue;
      const t = m.now + 1n;
      const outcome = m.tryWithdraw(id, token, amount, t);
      if (!outcome.ok && requireAll)
        fail(
          `an account without positions or debt cannot withdraw everything: ${outcome.errors.map(show).join(" | ")} (§15.7)`,
        );
      const data = s.vault.interface.encodeFunctionData("withdraw", [sub, token, amount]);
      await step("withdrawAll", outcome, owner.address, s.address.vault, data, t);
    }
  }
}

/** Closes every position at the feeds' current prices, liquidating first where the account is liquidatable. */
async function closeEveryPosition(b: Box, s: Suite, step: Step) {
  const ch = s.clearinghouse.interface;
  for (let guard = 0; s.accounts.some((id) => b.m.positionCount(id) > 0); guard++) {
    if (guard > 20) fail("close-out does not terminate");
    for (const id of s.accounts) {
      const m = b.m;
      const t = m.now + 1n;
      if (m.positionCount(id) === 0 || !m.state(id, t).liquidatable) continue;
      const outcome = m.tryLiquidate(id, accountIdOf(s.actors.keeper.address), t);
      await step(
        "liquidate",
        outcome,
        s.actors.keeper.address,
        s.address.clearinghouse,
        ch.encodeFunctionData("liquidate", [id]),
        t,
      );
    }
    // Losers first: they pay the pool before the winners take from it.
    const open = s.accounts
      .flatMap((id) => b.m.openMarkets(id).map((marketId) => ({ id, marketId })))
      .map((x) => {
        const p = b.m.position(x.id, x.marketId);
        return { ...x, pnl: math.unrealizedPnl(p.size, p.openNotional, b.m.markets[x.marketId].price) };
      })
      .sort((x, y) => (x.pnl < y.pnl ? -1 : x.pnl > y.pnl ? 1 : 0));
    for (const { id, marketId } of open) {
      const size = b.m.position(id, marketId).size;
      const acceptable = size > 0n ? 0n : MAX_UINT;
      let outcome = b.m.tryTrade(id, marketId, -size, acceptable, b.m.now + 1n);
      // Funding since the last check may have made it liquidatable: the next pass liquidates it.
      if (!outcome.ok && outcome.errors.some((e) => e.name === "ClearinghouseAccountLiquidatable")) continue;
      const short = outcome.ok
        ? undefined
        : outcome.errors.find((e) => e.name === "ClearinghouseInsufficientPoolLiquidity");
      if (short !== undefined) {
        // The pool cannot pay this winner: an LP adds what is missing (an inflow, counted like any other).
        const tp = b.m.now + 1n;
        if (b.m.poolPaused) {
          await step(
            "unpausePool",
            b.m.tryPause("pool", false, tp),
            s.actors.admin.address,
            s.address.pool,
            s.pool.interface.encodeFunctionData("unpause"),
            tp,
          );
        }
        const lp = s.actors.lps[0];
        const need = (short.args[0] as bigint) + 1_000n * USDC_UNIT;
        const td = b.m.now + 1n;
        const deposit = b.m.tryPoolDeposit(lp.address, need, td);
        // A pool worth less than its minimum takes no deposit (§18.21): the LP recapitalises it instead.
        const refused = !deposit.ok && deposit.errors.some((e) => e.name === "PoolValueTooLow");
        await step(
          refused ? "poolRecapitalize" : "poolTopUp",
          refused ? b.m.tryPoolRecapitalize(need, td) : deposit,
          lp.address,
          s.address.pool,
          refused
            ? s.pool.interface.encodeFunctionData("recapitalize", [need])
            : s.pool.interface.encodeFunctionData("deposit", [need, lp.address]),
          td,
        );
        outcome = b.m.tryTrade(id, marketId, -size, acceptable, b.m.now + 1n);
      }
      if (!outcome.ok)
        fail(
          `close-out: cannot close ${id.toString(16)} on market ${marketId}: ${outcome.errors.map(show).join(" | ")}`,
        );
      const tc = b.m.now + 1n;
      const sub = subaccountOf(id);
      await step(
        "close",
        outcome,
        ownerOf(s, id).address,
        s.address.clearinghouse,
        ch.encodeFunctionData("trade", [sub, marketId, -size, acceptable]),
        tc,
      );
    }
  }
}

/**
 * §15.2 zero-sum, on the chain's numbers, with every position closed at one price: Σ equity (= Σ settlement balances,
 * keeper rewards included since they are credited to the keepers' accounts, + other collateral at that price) and the
 * settlement ledgers: Σ balances + pool + insurance = Σ settlement tokens in, to the unit (the stated bound is 0), and
 * the pool is worth exactly its ledger. Returns Σ balances.
 */
function zeroSum(b: Box, s: Suite, snap: Snapshot, when: string): bigint {
  const balances = snap.accounts.reduce((sum, a) => sum + a.usdc, 0n);
  if (balances + snap.pool + snap.insurance !== b.m.settlementIn) {
    fail(
      `zero-sum ${when}: Σ balances ${balances} + pool ${snap.pool} + insurance ${snap.insurance} != Σ in ${b.m.settlementIn} (§15.2)`,
    );
  }
  const equity = snap.accounts.reduce(
    (sum, a) => sum + (a.state.ok ? plainState(a.state.value).equity : 0n),
    0n,
  );
  const other = s.accounts.reduce(
    (sum, id) => sum + b.m.held(id).reduce((x, token) => x + b.m.tokenValue(id, token), 0n),
    0n,
  );
  if (equity !== balances * TO_WAD + other) {
    fail(
      `zero-sum ${when}: Σ equity ${equity} != Σ balances ${balances} + collateral ${other} with nothing open`,
    );
  }
  // Less the booked bad debt the insurance fund cannot pay (DESIGN §11), from the model.
  const nav = snap.lp.totalAssets.ok ? (snap.lp.totalAssets.value[0] as bigint) : -1n;
  const expected = math.max(0n, snap.pool - b.m.pendingPoolLoss());
  if (nav !== expected)
    fail(`zero-sum ${when}: pool NAV ${nav} != pool ledger ${snap.pool} - pending loss with nothing open`);
  return balances;
}

/** Debt left on closed-out accounts: collateral first, then the waterfall. */
async function settleDebts(b: Box, s: Suite, step: Step) {
  for (const id of s.accounts) {
    for (const token of b.m.held(id)) {
      if (b.m.balance(id) >= 0n) break;
      const t = b.m.now + 1n;
      const outcome = b.m.tryLiquidateCollateral(id, token, 10n ** 15n, t);
      await step(
        "liquidateCollateral",
        outcome,
        s.actors.keeper.address,
        s.address.vault,
        s.vault.interface.encodeFunctionData("liquidateCollateral", [id, token, 10n ** 15n]),
        t,
      );
    }
    if (b.m.balance(id) < 0n) {
      const t = b.m.now + 1n;
      await step(
        "settleBadDebt",
        b.m.trySettleBadDebt(id, t),
        s.actors.donor.address,
        s.address.vault,
        s.vault.interface.encodeFunctionData("settleBadDebt", [id]),
        t,
      );
    }
  }
}
