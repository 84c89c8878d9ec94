import { expect } from "chai";
import hre from "hardhat";
import { DEFAULT_MARKETS, DEFAULT_RISK } from "../../../deploy/config";
import { PUMP_ROOM_SHARE_PERCENT, bestImpact } from "../../../scripts/sim/agents/adversaries/thinMarketPump";
import { drawPopulation } from "../../../scripts/sim/population";
import { simulateIsolated } from "./isolated";
import { verdict } from "../../../scripts/sim/report/summary";
import { Rng } from "../../../scripts/sim/rng";
import { IMPACT_DEPTH_MULTIPLE, IMPACT_HALF_LIFE_SECONDS } from "../../../scripts/sim/scenarios/definitions";
import type { AdversaryOutcome, SimEvent, SimulationResult, VariantResult } from "../../../scripts/sim/types";

/**
 * The thin-market manipulator (issue 17; the Mango Markets and Hyperliquid JELLY pattern) on the `adversaries` crash
 * market, alone. At the first update it opens a long up to the open-interest cap on the market whose room is largest
 * against the spot depth, buys spot on the venue the oracle follows, closes the long at the next (pumped) update and
 * sells the spot back. Checked against references built from the run's prices and events, the population drawn from
 * the seed (the spot depth: `IMPACT_DEPTH_MULTIPLE` × the traders' planned notional) and the deploy constants:
 *
 *   spot:   buying X USD from P₀ against depth D gets q = (D / P₀)(1 − e^{−X/D}) units; selling them from P₁ gets
 *           Y = D ln(1 + q P₁ / D); the round trip is Y − X (paid to the spot market, not to Keel)
 *   profit = size × (P₁ − P₀) − Σ size × (fill − oracle) − fees − funding + (Y − X)
 *
 * with P₀, P₁ the oracle prices the run posted at the open and the close, to within a hundredth of a cent. The bound:
 * its position never exceeds the open-interest cap the contract allows, `maxOpenInterestToPool` × the pool's cash,
 * rebuilt here from the LPs' deposits and the fees the pool kept from the opening trades (DESIGN §7, §18.1).
 */
const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;
const SEED = 2;
const ACCOUNTS = 4;
/** A hundredth of a cent: ledger moves round to a micro-dollar, the spot fills are floats of a few $100k. */
const TOLERANCE = WAD / 10_000n;

describe("simulation: the thin-market manipulator", function () {
  this.timeout(300_000);
  let result: SimulationResult;
  let v: VariantResult;

  before(async function () {
    result = await simulateIsolated({
      scenario: "adversaries",
      seed: SEED,
      accounts: ACCOUNTS,
      steps: 24,
      adversaries: ["thin-market-pump"],
    });
    v = result.variants[0];
  });

  const units = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 6));
  const wad = (s: string): bigint => (s === "" ? 0n : hre.ethers.parseUnits(s, 18));
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  const tickOf = (e: SimEvent): number => {
    let index = 0;
    v.ticks.forEach((t, i) => {
      if (t.offset <= e.time) index = i;
    });
    return index;
  };
  const outcome = (): AdversaryOutcome => {
    expect(v.adversaries).to.have.length(1);
    return v.adversaries[0];
  };
  const trades = (): SimEvent[] =>
    v.events.filter((e) => e.type === "trade" && e.agent === "thin-market-pump");
  /** The spot depth per symbol, from the population the seed draws (the adversary is appended after the draw). */
  const depth = (symbol: string): number => {
    const markets = DEFAULT_MARKETS.map((m, i) => ({ marketId: BigInt(i), symbol: m.symbol }));
    const population = drawPopulation(new Rng(SEED).fork("population"), ACCOUNTS, markets);
    return IMPACT_DEPTH_MULTIPLE * Math.max(1, population.plannedNotional[symbol] ?? 0);
  };

  /** The pool's cash and every market's open long size when the manipulator opened, from the events before it. */
  function stateAtOpen(open: SimEvent) {
    const before = v.events.filter((e) => e.block < open.block);
    expect(before.some((e) => ["liquidation", "pool_redemption", "bad_debt"].includes(e.type))).to.equal(
      false,
    );
    let cash = 0n;
    const positions = new Map<string, bigint>();
    for (const e of before) {
      if (e.type === "pool_deposit") cash += units(e.amountUsdc);
      if (e.type !== "trade") continue;
      // An opening trade realizes nothing: the account pays the fee (rounded up), the insurance fund takes its share.
      expect(wad(e.realizedPnlUsd)).to.equal(0n);
      const fee = (wad(e.feeUsd) + TO_WAD - 1n) / TO_WAD;
      cash += fee - (fee * DEFAULT_RISK.insuranceFeeShare) / WAD;
      const key = `${e.accountId}:${e.market}`;
      positions.set(key, (positions.get(key) ?? 0n) + wad(e.size));
    }
    const longs = (symbol: string): bigint =>
      [...positions].reduce((acc, [k, s]) => (k.endsWith(`:${symbol}`) && s > 0n ? acc + s : acc), 0n);
    const cap = (cash * TO_WAD * DEFAULT_RISK.maxOpenInterestToPool) / WAD;
    return { cash, cap, longs };
  }

  it("its position is held to the open-interest cap at the pool's cash, on the market thinnest against it", function () {
    const [open, close] = trades();
    const { cap, longs } = stateAtOpen(open);
    const i = tickOf(open);
    const price = (symbol: string) => v.ticks[i].priceWad[symbol];
    const size = wad(open.size);
    // The contract's rule (notional rounded up against the cap) holds with its position; it took 99% of the room.
    const notional = ((longs(open.market) + size) * price(open.market) + WAD - 1n) / WAD;
    expect(notional <= cap, `notional ${notional} cap ${cap}`).to.equal(true);
    const room = cap - (longs(open.market) * price(open.market)) / WAD;
    const taken = (size * price(open.market)) / WAD;
    expect(abs(taken - (room * PUMP_ROOM_SHARE_PERCENT) / 100n) < WAD).to.equal(true);
    // It held that one position until it closed it all at the next update.
    expect(wad(close.size)).to.equal(-size);
    expect(tickOf(close)).to.equal(i + 1);
    // It put up margin for more: the cap, not its collateral, bound the position.
    const deposit = v.events.find((e) => e.type === "deposit" && e.agent === "thin-market-pump");
    if (!deposit) throw new Error("no deposit");
    const imf = DEFAULT_MARKETS.find((m) => m.symbol === open.market)?.imf as bigint;
    const carried = (units(deposit.amountUsdc) * TO_WAD * WAD) / imf; // the notional its deposit could margin
    expect(carried > (taken * 11n) / 10n, `deposit carries ${carried}, took ${taken}`).to.equal(true);
    // The market it chose has the most room per dollar of spot depth.
    const ratio = (symbol: string) =>
      Number((cap - (longs(symbol) * price(symbol)) / WAD) / TO_WAD) / 1e6 / depth(symbol);
    for (const m of DEFAULT_MARKETS) expect(ratio(open.market) >= ratio(m.symbol)).to.equal(true);
  });

  it("its profit is the perp PnL at the posted prices less premium, fees and funding, less the spot round trip", function () {
    const [open, close] = trades();
    const symbol = open.market;
    const [p0, p1] = [v.ticks[tickOf(open)].priceWad[symbol], v.ticks[tickOf(close)].priceWad[symbol]];
    const size = wad(open.size);

    // The spot round trip, from the impact model: the buy the agent's rule chooses at the room it had.
    const { cap, longs } = stateAtOpen(open);
    const room = ((cap - (longs(symbol) * p0) / WAD) * PUMP_ROOM_SHARE_PERCENT) / 100n;
    const d = depth(symbol);
    const decay = Math.pow(
      0.5,
      (v.ticks[tickOf(close)].offset - v.ticks[tickOf(open)].offset) / IMPACT_HALF_LIFE_SECONDS,
    );
    const x = bestImpact(Number(room / TO_WAD) / 1e6 / d, decay) * d;
    const [P0, P1] = [Number(p0 / 10n ** 10n) / 1e8, Number(p1 / 10n ** 10n) / 1e8];
    const q = (d / P0) * (1 - Math.exp(-x / d));
    const y = d * Math.log(1 + (q * P1) / d);
    const spot = BigInt(Math.round((y - x) * 1e6)) * TO_WAD;

    let premium = 0n;
    let fees = 0n;
    let funding = 0n;
    for (const [e, oracle] of [
      [open, p0],
      [close, p1],
    ] as const) {
      premium += (wad(e.size) * (wad(e.price) - oracle)) / WAD;
      fees += wad(e.feeUsd);
      funding += wad(e.fundingUsd);
    }
    const perp = (size * (p1 - p0)) / WAD - premium - fees - funding;
    const a = outcome();
    expect(abs((a.outside as bigint) - spot), `spot ${a.outside} reference ${spot}`).to.be.lessThan(
      TOLERANCE,
    );
    expect(abs(a.profit - (perp + spot)), `profit ${a.profit} reference ${perp + spot}`).to.be.lessThan(
      TOLERANCE,
    );
    // On this seed the pump pays: the pool's LPs paid the perp's gain; the spot round trip cost it, outside Keel.
    expect(spot < 0n && perp > -spot).to.equal(true);
    expect(a.tradingFees).to.equal(fees);
  });

  it("opens the report with its profit, who paid and what bounded it; conservation holds", function () {
    const line = verdict(result)[0].text;
    expect(line).to.match(
      /^ADVERSARY PROFITED: thin-market-pump made \+\$[\d,.]+ .*outside Keel -\$[\d,.]+\)/,
    );
    expect(line).to.contain("paid by the pool's LPs");
    expect(line).to.contain("bounded by the open-interest cap");
    expect(v.conservation.ok).to.equal(true);
  });
});
