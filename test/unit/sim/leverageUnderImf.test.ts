/**
 * A sweep of `imf` meets traders who use the room (scripts/sim/population.ts `withImf`): degens' leverage keeps its
 * share of the largest leverage allowed, 1 / imf; the other temperaments and the planned notional (the spot depth and
 * the pool's size) are those of the draw. Before it, `--sweep imf=0.06:0.12:0.02` gave the same runs at 0.06, 0.08
 * and 0.1 (every drawn leverage is under 10x) and recommended the lowest value tried.
 */
import { expect } from "chai";
import { DRAWN_FOR_IMF, drawPopulation, withImf } from "../../../scripts/sim/population";
import { Rng } from "../../../scripts/sim/rng";

const MARKETS = [
  { marketId: 0n, symbol: "ETH" },
  { marketId: 1n, symbol: "BTC" },
];

describe("sim population: degens' leverage under another imf", function () {
  const drawn = drawPopulation(new Rng(7).fork("population"), 60, MARKETS);
  const degens = drawn.traders.filter((t) => t.style === "degen");

  it("is drawn for the deployed imf (0.1), every degen under its 10x", function () {
    expect(DRAWN_FOR_IMF).to.equal(0.1);
    expect(degens.length).to.be.greaterThan(3);
    for (const t of degens) expect(t.leverage).to.be.within(7, 9.5);
  });

  it("is left as drawn at the deployed imf and without a setting (the same object)", function () {
    expect(withImf(drawn, 0.1)).to.equal(drawn);
    expect(withImf(drawn, undefined)).to.equal(drawn);
  });

  it("scales degens by 0.1 / imf, to the cent, and nobody else", function () {
    for (const imf of [0.05, 0.08, 0.12]) {
      const p = withImf(drawn, imf);
      p.traders.forEach((t, i) => {
        const before = drawn.traders[i];
        const expected =
          before.style === "degen"
            ? Math.round(((before.leverage * 0.1) / imf) * 100) / 100
            : before.leverage;
        expect(t.leverage, `${t.label} at imf ${imf}`).to.equal(expected);
        // A degen stays within the largest leverage allowed: at most 9.5 / 10 of 1 / imf.
        if (t.style === "degen") expect(t.leverage).to.be.at.most(0.95 / imf + 0.005);
      });
      expect(p.plannedNotional).to.deep.equal(drawn.plannedNotional);
      expect(p.traderCollateral).to.equal(drawn.traderCollateral);
    }
  });
});
