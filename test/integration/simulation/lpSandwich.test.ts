import { expect } from "chai";
import hre from "hardhat";
import { DEFAULT_RISK } from "../../../deploy/config";
import type { Sandwich, SandwichRecord } from "../../../scripts/sim/agents/adversaries/lpSandwich";
import { simulateIsolated } from "./isolated";
import { verdict } from "../../../scripts/sim/report/summary";
import type { AdversaryOutcome, SimEvent, SimulationResult, VariantResult } from "../../../scripts/sim/types";

/**
 * The LP sandwich (scripts/sim/agents/adversaries/lpSandwich.ts) on a short run of the `adversaries` scenario: its
 * request matures after the 24 h delay, it redeems inside a sandwich (the largest position on the skew's side opened
 * just before, closed just after), deposits the proceeds inside the reverse sandwich (the skew closed just before),
 * and requests again. Its flows are checked against a reference from the run's events and the deploy constants:
 *
 *   the pool's value after its opening trade = the value before + the fee the pool keeps
 *       (fee units − ⌊fee units × insuranceFeeShare⌋, DESIGN §7), not the skew premium it paid (§18.23);
 *   redeemed = ⌊shares × (that value + 1) / (supply + 10^6)⌋, minted = ⌊amount × (supply + 10^6) / (that value + 1)⌋
 *       (OpenZeppelin's conversions with the pool's 6-decimal offset);
 *   the pool's value after the close = before + both fees the pool keeps − what it paid out: the LPs who stay are not
 *       worse off per share;
 *   profit = its pool stake's net value − fees − the premium it paid and was paid back (size × (fill − oracle))
 *       − the funding its positions paid over the seconds they were open.
 *
 * Without §18.23's premium term the value after the opening trade would also hold the premium it paid (~$2,400 here),
 * and the redemption would exceed the reference by its share of it: the first assertion goes red.
 */
const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;
const VIRTUAL = 10n ** 6n;
/** Roundings of the pool's value (premium and PnL round against the pool) and the crowd's funding of a second: a cent. */
const CENT_UNITS = 10_000n;

describe("simulation: the LP sandwich (DESIGN §18.23)", function () {
  this.timeout(300_000);
  let result: SimulationResult;
  let v: VariantResult;
  let record: SandwichRecord;
  let sandwiches: Sandwich[];
  let agent: AdversaryOutcome;

  before(async function () {
    result = await simulateIsolated({
      scenario: "adversaries",
      seed: 1,
      accounts: 3,
      steps: 30,
      adversaries: ["lp-sandwich"],
    });
    v = result.variants[0];
    agent = v.adversaries[0];
    record = agent.record as SandwichRecord;
    sandwiches = record.sandwiches;
  });

  const units = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 6));
  const wad = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 18));
  const trades = (): SimEvent[] => v.events.filter((e) => e.type === "trade" && e.agent === "lp-sandwich");
  /** The fee units the pool keeps from a trade: the fee rounded up to units, less the fund's share rounded down. */
  const poolFee = (e: SimEvent): bigint => {
    const fee = (wad(e.feeUsd) + TO_WAD - 1n) / TO_WAD;
    return fee - (fee * DEFAULT_RISK.insuranceFeeShare) / WAD;
  };
  /** The sandwich's opening and closing trades: the agent's trades at the step with its position's size. */
  const tradesOf = (s: Sandwich): [SimEvent, SimEvent] => {
    const mine = trades().filter(
      (e) => e.step === s.step && (wad(e.size) === s.size || wad(e.size) === -s.size),
    );
    const open = mine.find((e) => wad(e.size) === s.size);
    const close = mine.find((e) => wad(e.size) === -s.size);
    if (!open || !close) throw new Error(`no trades for the ${s.kind} sandwich of step ${s.step}`);
    return [open, close];
  };
  const oracleAt = (e: SimEvent): bigint => {
    let price = v.ticks[0].priceWad.ETH;
    for (const t of v.ticks) if (t.offset <= e.time) price = t.priceWad.ETH;
    return price;
  };

  it("sandwiches a redemption and a deposit with positions of real size", function () {
    const redeem = sandwiches.filter((s) => s.kind === "redeem" && s.size !== 0n);
    const deposit = sandwiches.filter((s) => s.kind === "deposit" && s.size !== 0n);
    expect(redeem.length).to.be.greaterThan(0);
    expect(deposit.length).to.be.greaterThan(0);
    // The redemption's position is worth more than half of the stake it redeems (notional at the fill).
    for (const s of redeem) {
      const [open] = tradesOf(s);
      expect(wad(open.notionalUsd) > (s.amount * TO_WAD) / 2n).to.equal(true);
    }
  });

  it("redeems and deposits at the value before its trade plus only the fee the pool keeps (not the premium)", function () {
    for (const s of sandwiches.filter((x) => x.size !== 0n)) {
      const [open] = tradesOf(s);
      const premium = (wad(open.size) * (wad(open.price) - oracleAt(open))) / WAD;
      const value = s.valueBefore + poolFee(open);
      if (s.kind === "redeem") {
        // The premium paid is what the unfixed pool would have counted: large against the tolerance.
        expect(premium > 100n * WAD).to.equal(true);
        const reference = (s.shares * (value + 1n)) / (s.supplyBefore + VIRTUAL);
        const gap = s.amount - reference;
        expect(gap < 0n ? -gap : gap, `redeemed ${s.amount} reference ${reference}`).to.be.lessThanOrEqual(
          CENT_UNITS,
        );
      } else {
        const reference = (s.amount * (s.supplyBefore + VIRTUAL)) / (value + 1n);
        // In value: the shares' difference at the share price is within a cent.
        const gap = ((s.shares - reference) * (value + 1n)) / (s.supplyBefore + VIRTUAL);
        expect(gap < 0n ? -gap : gap, `minted ${s.shares} reference ${reference}`).to.be.lessThanOrEqual(
          CENT_UNITS,
        );
      }
    }
  });

  it("leaves the LPs who stay no worse off per share: the pool keeps both fees and pays out the fair amount", function () {
    for (const s of sandwiches.filter((x) => x.kind === "redeem" && x.size !== 0n)) {
      const [open, close] = tradesOf(s);
      // The funding its position paid the pool over the seconds it was open.
      const funding = wad(close.fundingUsd) / TO_WAD;
      const reference = s.valueBefore + poolFee(open) + poolFee(close) + funding - s.amount;
      const gap = s.valueAfter - reference;
      expect(
        gap < 0n ? -gap : gap,
        `value after ${s.valueAfter} reference ${reference}`,
      ).to.be.lessThanOrEqual(CENT_UNITS);
      expect(s.supplyBefore - s.supplyAfter).to.equal(s.shares);
      // Per share, for the others: value after / supply after >= value before / supply before.
      expect(s.valueAfter * s.supplyBefore >= s.valueBefore * s.supplyAfter).to.equal(true);
    }
  });

  it("its profit is its stake's net value less fees and the premium paid and paid back, to within a cent", function () {
    let fees = 0n;
    let premium = 0n;
    let funding = 0n;
    for (const e of trades()) {
      fees += wad(e.feeUsd);
      funding += wad(e.fundingUsd);
      premium += (wad(e.size) * (wad(e.price) - oracleAt(e))) / WAD;
    }
    expect(agent.tradingFees).to.equal(fees);
    const flow = (type: SimEvent["type"]) =>
      v.events
        .filter((e) => e.type === type && e.agent === "lp-sandwich")
        .reduce((acc, e) => acc + units(e.amountUsdc), 0n);
    const deposited = flow("pool_deposit");
    const redeemed = flow("pool_redemption");
    expect(redeemed).to.equal(
      sandwiches.filter((s) => s.kind === "redeem").reduce((a, s) => a + s.amount, 0n),
    );
    // The shares it still holds, at the pool's value the run recorded at its end.
    const nav = v.steps[v.steps.length - 1].poolNav;
    expect(record.finalShares > 0n).to.equal(true);
    const held = (record.finalShares * (nav + 1n)) / (record.finalSupply + VIRTUAL);
    const reference = (redeemed - deposited + held) * TO_WAD - fees - premium - funding;
    const gap = agent.profit - reference;
    expect(gap < 0n ? -gap : gap, `profit ${agent.profit} reference ${reference}`).to.be.lessThan(WAD / 100n);
    // The sandwiches themselves lost money: their edge on its flows was below its fees.
    const edge = sandwiches.reduce((acc, s) => {
      const fair = (s.shares * (s.valueBefore + 1n)) / (s.supplyBefore + VIRTUAL);
      return acc + (s.kind === "redeem" ? s.amount - fair : fair - s.amount);
    }, 0n);
    expect(edge > 0n).to.equal(true); // its share of the fees the pool kept
    expect(edge * TO_WAD < fees).to.equal(true);
  });

  it("opens the report with its result and who paid; conservation holds", function () {
    const first = verdict(result)
      .map((l) => l.text)
      .slice(0, 2)
      .join("\n");
    expect(first).to.contain("lp-sandwich");
    expect(first).to.contain("§18.23");
    expect(v.conservation.ok).to.equal(true);
  });
});
