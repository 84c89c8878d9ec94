import { expect } from "chai";
import hre from "hardhat";
import { DEFAULT_MARKETS, DEFAULT_RISK, LOCAL_COLLATERALS } from "../../../deploy/config";
import { HIDER_LP_USD } from "../../../scripts/sim/agents/adversaries/badDebtHider";
import type { HiderRecord } from "../../../scripts/sim/agents/adversaries/badDebtHider";
import { simulateIsolated } from "./isolated";
import { verdict } from "../../../scripts/sim/report/summary";
import type { AdversaryOutcome, SimEvent, SimulationResult, VariantResult } from "../../../scripts/sim/types";

/**
 * The bad-debt hider (scripts/sim/agents/adversaries/badDebtHider.ts) on a short run of the `adversaries` scenario
 * (75 hours: its request matures after 24, the crash comes at hour 25). At the crash's first update its WETH-margined
 * long is under water; it redeems before the keeper's round, closes its hedge, and the keeper closes the long out.
 * Checked against a reference from the run's events and the deploy constants:
 *
 *   the long's debt at the close-out = −(Σ its trades' account deltas + ⌊realized − funding⌋ of the close-out); the
 *     Vault books `min(debt − ⌊haircut value of its WETH⌋, debt − what the keeper repaid)` (DESIGN §10.5), the
 *     insurance fund pays first, so the pool's value drops by `booked − insurance` (less the fee the pool keeps from
 *     the hedge's close and the skew premium the close-out at the oracle price released, DESIGN §11);
 *   its redemption beat the same shares' value after that drop by `shares × drop / supply` (the LPs who stayed paid);
 *   profit = (redeemed − deposited into the pool) + Σ the hedge's account deltas − the long's WETH at its deposit
 *     value: the long's loss is capped at its margin (the debt it leaves is abandoned), the hedge keeps the move.
 */
const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;
const VIRTUAL = 10n ** 6n;
const [WETH] = LOCAL_COLLATERALS;
const ETH_SKEW_SCALE = DEFAULT_MARKETS[0].skewScale;

describe("simulation: the bad-debt hider (DESIGN §10.5, §11, §18.18)", function () {
  this.timeout(300_000);
  let result: SimulationResult;
  let v: VariantResult;
  let agent: AdversaryOutcome;
  let record: HiderRecord;

  before(async function () {
    result = await simulateIsolated({
      scenario: "adversaries",
      seed: 1,
      accounts: 3,
      steps: 75,
      adversaries: ["bad-debt-hider"],
    });
    v = result.variants[0];
    agent = v.adversaries[0];
    record = agent.record as HiderRecord;
  });

  const units = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 6));
  const wad = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 18));
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  const mine = (sub: string, type: SimEvent["type"]) =>
    v.events.filter((e) => e.agent === "bad-debt-hider" && e.subaccount === sub && e.type === type);
  const oracleAt = (time: number): bigint => {
    let price = v.ticks[0].priceWad.ETH;
    for (const t of v.ticks) if (t.offset <= time) price = t.priceWad.ETH;
    return price;
  };
  const redemption = (): SimEvent => {
    const rows = v.events.filter((e) => e.type === "pool_redemption" && e.agent === "bad-debt-hider");
    expect(rows.length).to.equal(1);
    return rows[0];
  };
  /** The keeper's close-out of the long: the liquidation row with equity below zero, and its closed position. */
  const closeOut = (): { liquidation: SimEvent; position: SimEvent } => {
    const liquidation = mine("1", "liquidation").find((e) => wad(e.equityBeforeUsd) < 0n);
    if (!liquidation) throw new Error("the long was never closed out under water");
    const position = mine("1", "position_liquidated").find((e) => e.txHash === liquidation.txHash);
    if (!position) throw new Error("no closed position for the close-out");
    return { liquidation, position };
  };

  it("redeems right after the update that put its long under water, before the keeper closes it out", function () {
    expect(record.trigger).to.equal("under-water");
    expect((record.equity ?? 0n) < 0n).to.equal(true);
    const { liquidation } = closeOut();
    const exit = redemption();
    expect(exit.block).to.be.lessThan(liquidation.block);
    expect(exit.step).to.equal(liquidation.step);
    expect(units(exit.amountUsdc)).to.equal(record.received);
    // The request had matured: the exit came after the 24-hour delay.
    expect(exit.time).to.be.greaterThan(86_400);
  });

  it("its redemption beat the loss by its shares' part of the booked debt the insurance fund could not pay", function () {
    const exit = redemption();
    const { liquidation, position } = closeOut();
    // The long's settlement balance at the close-out: its trades' deltas, then the close-out's PnL net of funding
    // (under water, it pays no penalty), then the keeper's repayments for its WETH.
    const tradesDelta = mine("1", "trade").reduce((a, e) => a + units(e.accountDeltaUsdc), 0n);
    const closed = wad(position.realizedPnlUsd) - wad(position.fundingUsd);
    const balance = tradesDelta + (closed >= 0n ? closed / TO_WAD : -((-closed + TO_WAD - 1n) / TO_WAD));
    expect(units(liquidation.penaltyUsdc)).to.equal(0n);
    const debt = -balance;
    const seizedBefore = mine("1", "collateral_liquidation")
      .filter((e) => e.block < liquidation.block)
      .reduce((a, e) => a + wad(e.tokenAmount), 0n);
    const wethIn = mine("1", "deposit").reduce((a, e) => a + wad(e.tokenAmount), 0n) - seizedBefore;
    const price = wad(position.price);
    const haircut = (((wethIn * price) / WAD) * WETH.weight) / WAD;
    const repaid = mine("1", "collateral_liquidation")
      .filter((e) => e.step === exit.step && e.block > liquidation.block)
      .reduce((a, e) => a + units(e.amountUsdc), 0n);
    const bookedAtCloseOut = debt - haircut / TO_WAD;
    const booked = bookedAtCloseOut < debt - repaid ? bookedAtCloseOut : debt - repaid;
    expect(booked > 0n).to.equal(true);
    // The insurance fund at the close-out: as at the exit, plus its share of the hedge's closing fee, less the keeper
    // reward's floor it paid for the underwater account.
    const hedgeClose = mine("2", "trade").find((e) => e.block > exit.block && e.block < liquidation.block);
    if (!hedgeClose) throw new Error("no hedge close after the exit");
    const fee = (wad(hedgeClose.feeUsd) + TO_WAD - 1n) / TO_WAD;
    const feeToFund = (fee * DEFAULT_RISK.insuranceFeeShare) / WAD;
    const subsidy = units(liquidation.keeperRewardUsdc);
    const insurance = (record.insuranceAtExit ?? 0n) + feeToFund - subsidy;
    // The skew premium the close-out released: it closed the long at the oracle price, with no premium.
    let skew = 0n;
    for (const e of v.events) {
      if (e.block >= liquidation.block) break;
      if (e.market !== "ETH") continue;
      if (e.type === "trade") skew += wad(e.size);
      if (e.type === "position_liquidated") skew -= wad(e.size);
    }
    const after = skew - wad(position.size);
    const phi = (s: bigint) => (price * ((s * s) / WAD)) / WAD / ((2n * ETH_SKEW_SCALE) / WAD);
    const released = (phi(skew) - phi(after)) / TO_WAD;
    const drop = (booked > insurance ? booked - insurance : 0n) - (fee - feeToFund) - released;
    expect(drop > 0n).to.equal(true);
    // Its shares' value after the drop, from the value it left behind and the supply after its exit.
    const valueBooked = (record.valueAfterExit ?? 0n) - drop;
    const supply = record.supply - record.shares;
    const settled = (record.shares * (valueBooked + 1n)) / (supply + VIRTUAL);
    const beat = record.received - settled;
    const measured = record.received - (record.settledValue ?? 0n);
    // A cent: the funding of the seconds in between and the roundings of the value's terms (measured: $0.0023).
    expect(abs(measured - beat), `beat ${measured} reference ${beat}`).to.be.lessThan(10_000n);
    expect(beat > 1_000n * 1_000_000n).to.equal(true);
    expect(record.supplyBooked).to.equal(supply);
  });

  it("its profit is its exit, its hedge's gain and its whole margin lost, to within a cent", function () {
    const deposited = v.events
      .filter((e) => e.type === "pool_deposit" && e.agent === "bad-debt-hider")
      .reduce((a, e) => a + units(e.amountUsdc), 0n);
    expect(deposited).to.equal(BigInt(HIDER_LP_USD) * 1_000_000n);
    const hedge = mine("2", "trade").reduce((a, e) => a + units(e.accountDeltaUsdc), 0n);
    const margin = mine("1", "deposit").reduce(
      (a, e) => a + (wad(e.tokenAmount) * oracleAt(e.time)) / WAD,
      0n,
    );
    const reference = (record.received - deposited + hedge) * TO_WAD - margin;
    expect(abs(agent.profit - reference), `profit ${agent.profit} reference ${reference}`).to.be.lessThan(
      WAD / 100n,
    );
    expect(agent.profit > 0n).to.equal(true);
  });

  it("opens the report with its result and who paid it; conservation holds", function () {
    const first = verdict(result)
      .map((l) => l.text)
      .slice(0, 3)
      .join("\n");
    expect(first).to.contain("bad-debt-hider");
    expect(first).to.contain("LPs who stayed");
    expect(v.conservation.ok).to.equal(true);
  });
});
