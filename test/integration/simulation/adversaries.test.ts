import { expect } from "chai";
import hre from "hardhat";
import { DEFAULT_RISK } from "../../../deploy/config";
import { REWARD_FARMER_PAIRS } from "../../../scripts/sim/agents/adversaries/rewardFarmer";
import { simulateIsolated } from "./isolated";
import { verdict } from "../../../scripts/sim/report/summary";
import type { AdversaryOutcome, SimEvent, SimulationResult, VariantResult } from "../../../scripts/sim/types";

/**
 * The `adversaries` scenario: the crash market with every adversary of issue 17 (their own tests check the window
 * filler and the thin-market manipulator: windowFiller.test.ts, thinMarketPump.test.ts). The farmer's profit is checked against a reference built from the run's own record of prices and the protocol's constants:
 *
 *   profit = Σ over its liquidations (minKeeperReward − what the account was charged)   the subsidy it farms
 *          − Σ trading fees − Σ skew premium paid on its fills (fill − oracle, signed by the trade's side)
 *          + what a gap past a loser's margin left unpaid (the loser's loss is capped, the winner keeps its gain)
 *
 * since the long and the short of a pair gain and lose the same price move. Funding between the two sides is the
 * only term left out: fractions of a cent over a run (the tolerance).
 */
const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;

describe("simulation: adversaries (latency arbitrageur, reward-floor farmer)", function () {
  this.timeout(300_000);
  let result: SimulationResult;
  let v: VariantResult;

  before(async function () {
    result = await simulateIsolated({ scenario: "adversaries", seed: 2, accounts: 4, steps: 24 });
    v = result.variants[0];
  });

  const adversary = (label: string): AdversaryOutcome => {
    const a = v.adversaries.find((x) => x.label === label);
    if (!a) throw new Error(`no adversary ${label}`);
    return a;
  };
  const units = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 6));
  const wad = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 18));

  /** The oracle price (WAD) of ETH in force at a row's time: the last tick at or before it. */
  function oracleAt(e: SimEvent): bigint {
    let price = v.ticks[0].priceWad.ETH;
    for (const t of v.ticks) if (t.offset <= e.time) price = t.priceWad.ETH;
    return price;
  }

  it("the farmer is paid exactly the reward floor by each of its own liquidations, from a second wallet", function () {
    const mine = v.events.filter((e) => e.type === "liquidation" && e.agent === "reward-farmer");
    expect(mine.length).to.be.greaterThan(0);
    for (const e of mine) {
      expect(e.feeRecipient).to.equal("reward-farmer-liquidator");
      expect(units(e.keeperRewardUsdc)).to.equal(DEFAULT_RISK.minKeeperReward);
      // Charged no more than its equity before (rounded up to a unit): the rest of the reward is a subsidy.
      expect(
        units(e.penaltyUsdc) * TO_WAD <= (wad(e.equityBeforeUsd) > 0n ? wad(e.equityBeforeUsd) : 0n) + TO_WAD,
      ).to.equal(true);
    }
    expect(adversary("reward-farmer").trades).to.be.greaterThan(2 * REWARD_FARMER_PAIRS);
  });

  it("the farmer's profit is the subsidies it farmed less fees and premium, to within funding", function () {
    const hex = new Set(v.events.filter((e) => e.agent === "reward-farmer").map((e) => e.accountId));
    let subsidy = 0n;
    let unpaid = 0n;
    for (const e of v.events) {
      if (e.type === "liquidation" && hex.has(e.accountId)) {
        subsidy += (units(e.keeperRewardUsdc) - units(e.penaltyUsdc)) * TO_WAD;
        const equity = wad(e.equityBeforeUsd);
        if (equity < 0n) unpaid += -equity;
      }
    }
    let fees = 0n;
    let premium = 0n;
    for (const e of v.events) {
      if (e.type !== "trade" || !hex.has(e.accountId)) continue;
      fees += wad(e.feeUsd);
      premium += (wad(e.size) * (wad(e.price) - oracleAt(e))) / WAD;
    }
    const reference = subsidy - fees - premium + unpaid;
    const farmer = adversary("reward-farmer");
    const gap = farmer.profit - reference;
    // Within a cent (funding between the sides, and each fill's rounding).
    expect(gap < 0n ? -gap : gap, `profit ${farmer.profit} reference ${reference}`).to.be.lessThan(
      WAD / 100n,
    );
    expect(farmer.profit > 0n).to.equal(subsidy - fees - premium + unpaid > 0n);
    expect(farmer.tradingFees).to.equal(fees);
  });

  it("opens the report with every adversary's result and who paid it; conservation holds", function () {
    const lines = verdict(result).map((l) => l.text);
    const first = lines.slice(0, v.adversaries.length).join("\n");
    for (const a of v.adversaries) expect(first).to.contain(a.label);
    expect(v.conservation.ok).to.equal(true);
  });
});
