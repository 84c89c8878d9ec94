import { expect } from "chai";
import { PriceImpact, crashProfile, generatePath, toFeedAnswer } from "../../../scripts/sim/market";
import type { AssetModel, PathSpec } from "../../../scripts/sim/market";
import { drawPopulation } from "../../../scripts/sim/population";
import { renderHtml } from "../../../scripts/sim/report/html";
import { verdict } from "../../../scripts/sim/report/summary";
import { Rng } from "../../../scripts/sim/rng";
import { SpotVenue } from "../../../scripts/sim/spot";
import {
  CRASH_DROP,
  STEP_SECONDS,
  assetModels,
  pathSpec,
  scenarioSpec,
} from "../../../scripts/sim/scenarios/definitions";
import type { Conservation, Headline, SimulationResult, VariantResult } from "../../../scripts/sim/types";
import { emptyFlows } from "../../../scripts/sim/world";

const MARKETS = [
  { marketId: 0n, symbol: "ETH" },
  { marketId: 1n, symbol: "BTC" },
];

describe("simulation: the model (no chain)", function () {
  describe("Rng", function () {
    it("replays a seed, and forks independent streams by label", function () {
      const draw = (rng: Rng) => Array.from({ length: 5 }, () => rng.nextUint32());
      expect(draw(new Rng(42))).to.deep.equal(draw(new Rng(42)));
      expect(draw(new Rng(42))).not.to.deep.equal(draw(new Rng(43)));
      const root = new Rng(42);
      expect(draw(root.fork("market"))).to.deep.equal(draw(new Rng(42).fork("market")));
      expect(draw(root.fork("market"))).not.to.deep.equal(draw(root.fork("population")));
    });

    it("draws uniforms in [0, 1) and standard normals", function () {
      const rng = new Rng(1);
      const n = 20_000;
      const u = Array.from({ length: n }, () => rng.next());
      expect(Math.min(...u)).to.be.at.least(0);
      expect(Math.max(...u)).to.be.lessThan(1);
      const z = Array.from({ length: n }, () => rng.normal());
      const mean = z.reduce((a, b) => a + b, 0) / n;
      const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
      expect(mean).to.be.closeTo(0, 0.03);
      expect(variance).to.be.closeTo(1, 0.05);
    });
  });

  describe("price paths", function () {
    const assets: AssetModel[] = assetModels(MARKETS);

    it("correlates the assets' log returns as asked", function () {
      const spec: PathSpec = { ...pathSpec(scenarioSpec("baseline"), 5_000, assets), jumps: [] };
      const ticks = generatePath(spec, new Rng(3));
      const r = (i: number) => ticks.slice(1).map((t, k) => t.logPrice[i] - ticks[k].logPrice[i]);
      const [x, y] = [r(0), r(1)];
      const m = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const [mx, my] = [m(x), m(y)];
      const cov = m(x.map((v, k) => (v - mx) * (y[k] - my)));
      const sd = (a: number[], ma: number) => Math.sqrt(m(a.map((v) => (v - ma) ** 2)));
      expect(cov / (sd(x, mx) * sd(y, my))).to.be.closeTo(spec.correlation, 0.03);
      // Hourly volatility of ETH: 80% a year.
      expect(sd(x, mx)).to.be.closeTo(0.8 * Math.sqrt(3600 / (365 * 86_400)), 0.0005);
    });

    it("drops every asset by exactly 35% within the crash hour (no diffusion), in 5-minute updates", function () {
      const flat = assets.map((a) => ({ ...a, annualVol: 0 }));
      const spec = { ...pathSpec(scenarioSpec("crash"), 12, flat), jumps: [] };
      const ticks = generatePath(spec, new Rng(1));
      const crash = spec.crash;
      if (!crash) throw new Error("no crash");
      const at = (offset: number) => ticks.find((t) => t.offset === offset);
      const before = at(crash.step * STEP_SECONDS);
      const after = at(crash.step * STEP_SECONDS + crash.durationSeconds);
      if (!before || !after) throw new Error("missing ticks");
      for (let i = 0; i < flat.length; i++) {
        expect(Math.exp(after.logPrice[i] - before.logPrice[i])).to.be.closeTo(1 - CRASH_DROP, 1e-12);
      }
      expect(crash.durationSeconds).to.be.at.most(STEP_SECONDS);
      expect(ticks.filter((t) => t.step === crash.step)).to.have.length(12);
      expect(crashProfile(crash, 0)).to.equal(0);
      expect(crashProfile(crash, crash.durationSeconds)).to.equal(1);
    });

    it("applies the scheduled jumps at their steps", function () {
      const flat = assets.map((a) => ({ ...a, annualVol: 0 }));
      const spec = pathSpec(scenarioSpec("baseline"), 40, flat);
      const ticks = generatePath(spec, new Rng(1));
      for (const jump of spec.jumps) {
        const t = ticks.find((x) => x.step === jump.step);
        const prev = ticks.find((x) => x.step === jump.step - 1);
        if (!t || !prev) throw new Error("missing ticks");
        flat.forEach((a, i) => {
          const move = jump.moves[a.symbol] ?? 0;
          expect(Math.exp(t.logPrice[i] - prev.logPrice[i])).to.be.closeTo(1 + move, 1e-12);
        });
        expect(t.event).to.contain("jump");
      }
    });

    it("moves prices by the liquidations' net flow, decaying with its half-life", function () {
      const impact = new PriceImpact(assets, {
        depthUsd: { ETH: 1_000_000, BTC: 2_000_000 },
        halfLifeSeconds: 600,
      });
      impact.apply({ ETH: 100_000, BTC: -200_000 }); // longs sold on ETH, shorts bought back on BTC
      expect(impact.current()).to.deep.equal([-0.1, 0.1]);
      impact.decay(600);
      expect(impact.current()[0]).to.be.closeTo(-0.05, 1e-12);
      expect(toFeedAnswer(3000.123456789, 8)).to.equal(300012345679n);
    });

    it("fills spot trades along the impact curve: a round trip is free at once and costs the decay later", function () {
      const depth = 1_000_000;
      const venue = () => {
        const impact = new PriceImpact(assets, {
          depthUsd: { ETH: depth, BTC: depth },
          halfLifeSeconds: 600,
        });
        const spot = new SpotVenue(assets, impact);
        spot.at([Math.log(3000), Math.log(60_000)]);
        return { impact, spot };
      };
      // Buying 10% of the depth moves the log price by 0.1; the units are ∫ ds / (P e^{s/D}), below x / P.
      const { impact, spot } = venue();
      const buy = spot.buy("ETH", 100_000);
      expect(buy.after / buy.before).to.be.closeTo(Math.exp(0.1), 1e-12);
      expect(buy.units).to.be.closeTo((depth / 3000) * (1 - Math.exp(-0.1)), 1e-9);
      expect(buy.units).to.be.lessThan(100_000 / 3000);
      // Selling them back at once walks the same curve down: the same dollars back, the price where it was.
      const sale = spot.sell("ETH", buy.units);
      expect(sale.usd).to.be.closeTo(100_000, 1e-6);
      expect(impact.current()[0]).to.be.closeTo(0, 1e-12);
      // After one half-life half of the push is gone: the sale gets D ln(1 + (1 − e^{−0.1}) e^{0.05}) < x.
      const later = venue();
      const units = later.spot.buy("ETH", 100_000).units;
      later.impact.decay(600);
      const proceeds = later.spot.sell("ETH", units).usd;
      expect(proceeds).to.be.closeTo(depth * Math.log(1 + (1 - Math.exp(-0.1)) * Math.exp(0.05)), 1e-6);
      expect(100_000 - proceeds).to.be.within(4_500, 5_000); // (1 − δ) u² D = $5,000 to second order
    });
  });

  it("draws traders of both kinds, LPs and an insurance fund from the seed", function () {
    const p = drawPopulation(new Rng(5), 10, MARKETS);
    expect(p.traders).to.have.length(10);
    expect(p.traders.filter((t) => t.kind === "hedger")).to.have.length(4);
    for (const t of p.traders) {
      expect(t.leverage).to.be.within(1.5, 9.5);
      if (t.kind === "hedger") expect(t.legs.map((l) => l.side).sort()).to.deep.equal([-1, 1]);
    }
    expect(p.lps.length).to.be.at.least(2);
    // 5% of the traders' collateral, in whole dollars.
    const fivePercent = (p.traderCollateral * 5n) / 100n;
    expect(p.insuranceFunding % 1_000_000n).to.equal(0n);
    expect(p.insuranceFunding - fivePercent).to.be.within(-1_000_000n, 1_000_000n);
    expect(drawPopulation(new Rng(5), 10, MARKETS)).to.deep.equal(p);
  });

  describe("the verdict", function () {
    /** A result whose only variant lost `loss` settlement units, with bad debt written off against the pool. */
    function losing(loss: bigint): SimulationResult {
      const headline: Headline = {
        trades: 0,
        rejected: 0,
        rejections: {},
        liquidations: 1,
        fullLiquidations: 1,
        accountsLiquidated: 1,
        liquidatedNotional: 0n,
        capped: 0,
        penalties: 0n,
        keeperRewards: 0n,
        fees: 0n,
        fundingSettled: 0n,
        badDebt: 5_000_000n,
        insuranceDraw: 2_000_000n,
        poolWriteOff: 3_000_000n,
        unrecovered: 0n,
        insuranceStart: 2_000_000n,
        insuranceEnd: 0n,
        insuranceMin: 0n,
        poolNavStart: 0n,
        poolNavEnd: 0n,
        poolNavMin: 0n,
        lpDeposits: 0n,
        lpRedemptions: 0n,
        lpPnl: -loss,
        insurancePnl: 0n,
        protocolPnl: -loss,
        traderDeposits: 0n,
        traderWithdrawals: 0n,
        traderTokenDepositsValue: 0n,
        traderEquity: 0n,
        traderPnl: 0n,
        collateralLiquidations: 0,
        collateralRepaid: 0n,
        collateralSeizedValue: 0n,
        lpRequests: 0,
        lpRedemptionCount: 0,
        prices: {},
        duration: 3600,
        transactions: 0,
      };
      const flows = emptyFlows();
      const conservation: Conservation = {
        vaultTokenBalance: 0n,
        totalAccountBalance: 0n,
        sumOfKnownAccounts: 0n,
        poolBalance: 0n,
        insuranceBalance: 0n,
        flows,
        eventFlows: flows,
        netDeposits: 0n,
        ledgerTotal: 0n,
        ledgerGap: 0n,
        depositGap: 0n,
        accountSumGap: 0n,
        tolerance: 0n,
        tokens: [],
        ok: true,
        markToMarketGapWad: 0n,
        keeperBalance: 0n,
        escrowBalance: 0n,
        poolAtMarks: { value: 0n, unrealized: 0n, premium: 0n },
      };
      const variant: VariantResult = {
        variant: scenarioSpec("crash").variants[0],
        liquidationCap: {},
        ticks: [],
        steps: [],
        events: [],
        headline,
        conservation,
        reconciliation: {
          traderPnl: 0n,
          protocolPnl: 0n,
          sum: 0n,
          terms: {
            collateralPriceMoves: 0n,
            keeperRewards: 0n,
            keeperCollateralLiquidations: 0n,
            pendingOrderFees: 0n,
            skewPremium: 0n,
            pendingBadDebt: 0n,
            navFloor: 0n,
            rounding: 0n,
          },
        },
        kinds: [],
        keeper: {
          checks: 0,
          checkCalls: 0,
          sent: 0,
          succeeded: 0,
          lost: 0,
          skipped: 0,
          capped: 0,
          failed: 0,
          rewards: 0n,
        },
        traders: [],
        adversaries: [],
      };
      return {
        scenario: scenarioSpec("crash"),
        seed: 1,
        accounts: 1,
        steps: 1,
        network: "hardhat",
        variants: [variant],
        schedule: [],
      };
    }

    it("says first that the protocol lost money, then the bad debt", function () {
      const lines = verdict(losing(1_234_560_000n));
      expect(lines[0].severity).to.equal("loss");
      expect(lines[0].text).to.match(
        /^THE PROTOCOL LOST MONEY: LPs and the insurance fund are down \$1,234\.56/,
      );
      expect(lines[1].text).to.match(
        /^BAD DEBT: \$5\.00 — the insurance fund paid \$2\.00, LPs wrote off \$3\.00/,
      );
    });

    it("puts the loss in the report's title and its first lines", function () {
      const html = renderHtml(losing(1_000_000n), []);
      expect(html).to.match(/<title>LOSS — Keel simulation/);
      const body = html.slice(html.indexOf("<body>") + "<body>".length).trimStart();
      expect(body).to.match(/^<div class="verdict loss"><p>THE PROTOCOL LOST MONEY/);
    });
  });
});
