import { expect } from "chai";
import hre from "hardhat";
import { DEFAULT_MARKETS } from "../../../deploy/config";
import {
  WINDOW_FILLERS,
  WINDOW_FILLER_COLLATERAL_USD,
} from "../../../scripts/sim/agents/adversaries/windowFiller";
import { simulateIsolated } from "./isolated";
import { verdict } from "../../../scripts/sim/report/summary";
import type { AdversaryOutcome, SimEvent, VariantResult, SimulationResult } from "../../../scripts/sim/types";

/**
 * The liquidation-window filler (issue 17) on the `adversaries` crash market, alone: a 5x long of $20,000 (on the
 * market with the most open-interest room; BTC on this seed) and four small filler longs, which it liquidates from a
 * second wallet, before the keeper, whenever the big one is liquidatable. With cascade damping removed (DESIGN §10.6, §18.11) nothing limits the notional liquidated per window,
 * so the keeper liquidates the big account in the very update it becomes liquidatable. Both are checked against
 * references computed from the run's own prices and events and the deploy constants:
 *
 *   liquidatable at update i  ⇔  C − fee + size × (P_i − fill) − funding  <  ⌈size × P_i × mmf⌉      (DESIGN §9)
 *
 * (funding: what the account had paid when it was liquidated, from the liquidation's own row), and
 *
 *   profit = Σ −size × oracle over its trades + Σ sizeClosed × oracle over its liquidated legs     (PnL at the oracle)
 *          − Σ size × (fill − oracle)   − fees   − funding   − penalties its accounts paid
 *          + rewards its second wallet collected   + what a close-out below zero left unpaid
 *
 * to within a hundredth of a cent (each ledger move rounds to a micro-dollar; every position is closed by the end).
 */
const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;
const LIQUIDATOR = "window-filler-liquidator";
/** A hundredth of a cent: each ledger move rounds to a micro-dollar (measured gaps: $0.0000004 and $0.000006). */
const TOLERANCE = WAD / 10_000n;

describe("simulation: the liquidation-window filler", function () {
  this.timeout(300_000);
  let result: SimulationResult;
  let v: VariantResult;

  before(async function () {
    result = await simulateIsolated({
      scenario: "adversaries",
      seed: 2,
      accounts: 4,
      steps: 24,
      adversaries: ["window-filler"],
    });
    v = result.variants[0];
  });

  const units = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 6));
  const wad = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 18));
  /** Index of the price update in force at an event's time (the last tick at or before it). */
  const tickOf = (e: SimEvent): number => {
    let index = 0;
    v.ticks.forEach((t, i) => {
      if (t.offset <= e.time) index = i;
    });
    return index;
  };
  const oracleAt = (e: SimEvent): bigint => v.ticks[tickOf(e)].priceWad[e.market];
  const mine = (): SimEvent[] => v.events.filter((e) => e.agent === "window-filler");
  const outcome = (): AdversaryOutcome => {
    expect(v.adversaries).to.have.length(1);
    return v.adversaries[0];
  };

  it("the keeper liquidates the shielded account in the update the reference says it becomes liquidatable, right after its fillers", function () {
    const open = mine().find((e) => e.type === "trade" && e.subaccount === "0");
    if (!open) throw new Error("the shielded account never opened");
    const big = open.accountId;
    const liquidations = v.events.filter((e) => e.type === "liquidation" && e.accountId === big);
    expect(liquidations.length).to.be.greaterThan(0);
    const first = liquidations[0];
    const leg = v.events.find((e) => e.type === "position_liquidated" && e.txHash === first.txHash);
    if (!leg) throw new Error("no liquidated leg");

    const deposit = v.events.find((e) => e.type === "deposit" && e.accountId === big);
    if (!deposit) throw new Error("no deposit");
    expect(units(deposit.amountUsdc)).to.equal(BigInt(WINDOW_FILLER_COLLATERAL_USD) * 1_000_000n);
    const mmf = DEFAULT_MARKETS.find((m) => m.symbol === open.market)?.mmf as bigint;
    const size = wad(open.size);
    const funding = wad(leg.fundingUsd);
    const reference = (price: bigint) => {
      const equity =
        units(deposit.amountUsdc) * TO_WAD -
        wad(open.feeUsd) +
        (size * (price - wad(open.price))) / WAD -
        funding;
      const margin = (size * price * mmf + WAD * WAD - 1n) / (WAD * WAD);
      return { equity, margin, liquidatable: equity < margin };
    };
    const price = (i: number): bigint => v.ticks[i].priceWad[open.market];
    const expected = v.ticks.findIndex((_, i) => i > tickOf(open) && reference(price(i)).liquidatable);
    expect(expected, "the reference never finds it liquidatable").to.be.greaterThan(0);
    // Both sides of the threshold: healthy at the update before, liquidatable at this one.
    expect(reference(price(expected - 1)).liquidatable).to.equal(false);
    expect(tickOf(first)).to.equal(expected);
    expect(first.feeRecipient).to.equal("keeper");
    // The reference's equity is the contract's own, to the micro-dollar rounding of the ledgers.
    const gap = wad(first.equityBeforeUsd) - reference(price(expected)).equity;
    expect(gap < 0n ? -gap : gap).to.be.lessThan(TOLERANCE);

    // Its fillers went first in that update, liquidated by its own second wallet: the window the attack needed.
    const fillers = v.events.filter(
      (e) =>
        e.type === "liquidation" &&
        e.agent === "window-filler" &&
        e.accountId !== big &&
        tickOf(e) === expected,
    );
    expect(fillers).to.have.length(WINDOW_FILLERS);
    for (const f of fillers) {
      expect(f.feeRecipient).to.equal(LIQUIDATOR);
      expect(f.block).to.be.lessThan(first.block);
    }
    const filled = fillers.reduce((acc, f) => acc + wad(f.notionalUsd), 0n);
    expect(filled > 0n).to.equal(true);
  });

  it("its profit is its PnL at the oracle less premium, fees, funding and penalties, plus the rewards it collected", function () {
    const events = mine();
    let pnl = 0n;
    let premium = 0n;
    let fees = 0n;
    let funding = 0n;
    let penalties = 0n;
    let rewards = 0n;
    let unpaid = 0n;
    const open = new Map<string, bigint>();
    for (const e of events) {
      if (e.type === "trade") {
        const size = wad(e.size);
        pnl -= (size * oracleAt(e)) / WAD;
        premium += (size * (wad(e.price) - oracleAt(e))) / WAD;
        fees += wad(e.feeUsd);
        funding += wad(e.fundingUsd);
        open.set(e.accountId, (open.get(e.accountId) ?? 0n) + size);
      } else if (e.type === "position_liquidated") {
        const closed = wad(e.size);
        expect(wad(e.price)).to.equal(oracleAt(e)); // a liquidation closes at the oracle price (DESIGN §10.3)
        pnl += (closed * wad(e.price)) / WAD;
        funding += wad(e.fundingUsd);
        open.set(e.accountId, (open.get(e.accountId) ?? 0n) - closed);
      } else if (e.type === "liquidation") {
        penalties += units(e.penaltyUsdc) * TO_WAD;
        if (wad(e.equityBeforeUsd) < 0n) unpaid -= wad(e.equityBeforeUsd);
      }
    }
    for (const e of v.events)
      if (e.type === "liquidation" && e.feeRecipient === LIQUIDATOR)
        rewards += units(e.keeperRewardUsdc) * TO_WAD;
    // Every position is closed by the end: nothing is left to mark.
    for (const [, size] of open) expect(size).to.equal(0n);

    const reference = pnl - premium - fees - funding - penalties + rewards + unpaid;
    const a = outcome();
    const gap = a.profit - reference;
    expect(gap < 0n ? -gap : gap, `profit ${a.profit} reference ${reference}`).to.be.lessThan(TOLERANCE);
    expect(a.tradingFees).to.equal(fees);
    // It lost: its fillers' penalties and its fees were not bought back by any stall.
    expect(a.profit < 0n).to.equal(true);
    expect(penalties > rewards).to.equal(true);
  });

  it("opens the report with the loss and the mechanism that stopped it; conservation holds", function () {
    const line = verdict(result)[0].text;
    expect(line).to.match(/^Adversary window-filler made no money: -\$[\d,.]+ /);
    expect(line).to.contain("cascade damping removed, DESIGN §10.6, §18.11");
    expect(line).to.contain("in the same update it became liquidatable");
    expect(v.conservation.ok).to.equal(true);
  });
});
