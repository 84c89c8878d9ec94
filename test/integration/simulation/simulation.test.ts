import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { runSimulateTask } from "../../../scripts/sim/cli";
import { runSimulation } from "../../../scripts/sim/run";
import { CSV_COLUMNS, eventsCsv } from "../../../scripts/sim/report/csv";
import { buildSummary, summaryText, verdict } from "../../../scripts/sim/report/summary";
import type { Summary } from "../../../scripts/sim/report/summary";
import type { SimulationResult, VariantResult } from "../../../scripts/sim/types";

/**
 * The simulation end to end on the in-process network, with small books (a few accounts, a few hours) so the suite
 * stays fast: it runs, it reports, it replays exactly from its seed, it conserves every unit of USDC in every
 * scenario, and cross margin liquidates hedged books less than isolated subaccounts.
 */
/** Settlement units (6 decimals) to WAD. */
const TO_WAD = 10n ** 12n;

describe("simulation", function () {
  this.timeout(120_000);
  const SMALL = { seed: 7, accounts: 5, steps: 6 };
  let restore: SnapshotRestorer;
  let out: string;

  before(async function () {
    // The simulation moves the clock to 2030 and deploys fresh stacks: leave the shared chain as it was.
    restore = await takeSnapshot();
    out = fs.mkdtempSync(path.join(os.tmpdir(), "keel-sim-"));
  });

  after(async function () {
    await restore.restore();
    fs.rmSync(out, { recursive: true, force: true });
  });

  /** Runs a scenario from the chain state of the suite's start, and rolls the chain back afterwards. */
  async function run(scenario: "baseline" | "crash" | "cascade" | "cross-vs-isolated", options = SMALL) {
    const snapshot = await takeSnapshot();
    try {
      return await runSimulation(hre, { scenario, ...options });
    } finally {
      await snapshot.restore();
    }
  }

  function expectConservation(v: VariantResult) {
    const c = v.conservation;
    const label = `${v.variant.key}`;
    // Vault token balance = Σ account balances + pool + insurance, exactly.
    expect(c.vaultTokenBalance, label).to.equal(c.totalAccountBalance + c.poolBalance + c.insuranceBalance);
    // ... = Σ deposits (traders + LPs + insurance funding) - Σ withdrawals, exactly.
    const f = c.flows;
    const net =
      f.traderDeposits +
      f.lpDeposits +
      f.insuranceFunding +
      f.keeperRepayments -
      f.traderWithdrawals -
      f.lpRedemptions;
    expect(net, label).to.equal(c.vaultTokenBalance);
    // The on-chain total is the sum over every account, and the flows the simulation recorded are the Vault's events.
    expect(c.sumOfKnownAccounts, label).to.equal(c.totalAccountBalance);
    expect(c.eventFlows, label).to.deep.equal(c.flows);
    // Every collateral token: the Vault holds what the ledgers say, which is what went in minus what came out.
    for (const t of c.tokens) {
      expect(t.vaultTokenBalance, `${label} ${t.symbol}`).to.equal(t.totalAccountBalance);
      expect(t.vaultTokenBalance, `${label} ${t.symbol}`).to.equal(
        t.flows.deposited - t.flows.withdrawn - t.flows.seized,
      );
      expect(t.eventFlows, `${label} ${t.symbol}`).to.deep.equal(t.flows);
    }
    expect(c.ok, label).to.equal(true);
    // Zero-sum at marks, within the rounding in the protocol's favour (a few wei per position).
    const gap = c.markToMarketGapWad < 0n ? -c.markToMarketGapWad : c.markToMarketGapWad;
    expect(gap, label).to.be.lessThan(10n ** 12n); // under a millionth of a dollar
  }

  /**
   * The headline's reconciliation: traders' PnL + the protocol's result is the sum of its terms, exactly, and the terms
   * agree with what the run recorded elsewhere (the events' keeper rewards, the collateral tokens' flows and final
   * prices, the size of a rounding).
   */
  function expectReconciliation(v: VariantResult) {
    const r = v.reconciliation;
    const label = v.variant.key;
    const t = r.terms;
    expect(r.sum, label).to.equal(v.headline.traderPnl + v.headline.protocolPnl * TO_WAD);
    expect(
      t.collateralPriceMoves +
        t.keeperRewards +
        t.keeperCollateralLiquidations +
        t.pendingOrderFees +
        t.skewPremium +
        t.pendingBadDebt +
        t.navFloor +
        t.rounding,
      label,
    ).to.equal(r.sum);
    // The keeper's account holds exactly the rewards of the liquidations it sent and the settlement fees of the orders
    // it settled or cancelled (the events' columns); the OrderBook holds the fees of the orders committed and not yet
    // settled or cancelled.
    const usdcOf = (rows: typeof v.events) =>
      rows.reduce((acc, e) => acc + hre.ethers.parseUnits(e.keeperRewardUsdc || e.amountUsdc, 6), 0n);
    const rewards = usdcOf(v.events.filter((e) => e.type === "liquidation" && e.feeRecipient === "keeper"));
    const orderFees = usdcOf(
      v.events.filter(
        (e) => e.type.startsWith("order_") && e.type !== "order_committed" && e.feeRecipient === "keeper",
      ),
    );
    expect(t.keeperRewards, label).to.equal(-(rewards + orderFees) * TO_WAD);
    const escrowed =
      usdcOf(v.events.filter((e) => e.type === "order_committed")) -
      usdcOf(v.events.filter((e) => e.type === "order_settled" || e.type === "order_cancelled"));
    expect(t.pendingOrderFees, label).to.equal(-escrowed * TO_WAD);
    // The collateral tokens deposited (WETH prices as ETH), valued at the last tick's prices, minus their value when
    // deposited: equal up to one wei per account (the run values each account's holding on its own, rounding down).
    const last = v.ticks[v.ticks.length - 1];
    let atFinalPrices = 0n;
    for (const token of v.conservation.tokens) {
      const price = last.priceWad[token.symbol.slice(1)];
      atFinalPrices +=
        ((token.flows.deposited - token.flows.withdrawn) * price) / 10n ** BigInt(token.decimals);
    }
    const moves = atFinalPrices - v.headline.traderTokenDepositsValue;
    const tokens = v.conservation.tokens.length;
    const floors = BigInt((v.traders.reduce((acc, o) => acc + o.accounts, 0) + 1) * tokens);
    expect(t.collateralPriceMoves, label).to.be.within(moves - floors, moves);
    // What the protocol's side keeps out of its NAV is never negative; rounding is under two millionths of a dollar.
    expect(t.skewPremium <= 0n && t.pendingBadDebt <= 0n && t.navFloor >= 0n, label).to.equal(true);
    expect(t.rounding < 0n ? -t.rounding : t.rounding, label).to.be.lessThan(2n * TO_WAD);
  }

  describe("a small baseline through the task's implementation", function () {
    let lines: string[];
    let result: SimulationResult;
    let files: { dir: string; html: string; summary: string; events: string };

    before(async function () {
      lines = [];
      const snapshot = await takeSnapshot();
      try {
        const output = await runSimulateTask({ scenario: "baseline", ...SMALL, out }, hre, {
          write: (line) => lines.push(line),
          progress: "none",
        });
        if (!output) throw new Error("no output");
        ({ result, files } = output);
      } finally {
        await snapshot.restore();
      }
    });

    it("writes report.html, summary.json and events.csv in <out>/<scenario>-<seed>/", function () {
      expect(files.dir).to.equal(path.join(out, "baseline-7"));
      for (const f of [files.html, files.summary, files.events]) expect(fs.existsSync(f), f).to.equal(true);
    });

    it("prints the verdict, the headline table and the report's path", function () {
      const text = lines.join("\n");
      expect(text).to.contain("Keel simulation — Baseline: seed 7, 5 accounts, 6 steps");
      expect(text).to.match(/protocol result \(LPs \+ insurance\)/);
      expect(text).to.contain("conservation");
      expect(text).to.contain(`Report: ${path.relative(process.cwd(), files.html)}`);
    });

    it("makes a self-contained report.html with inline SVG charts", function () {
      const html = fs.readFileSync(files.html, "utf8");
      expect(html.startsWith("<!DOCTYPE html>")).to.equal(true);
      expect((html.match(/<svg /g) ?? []).length).to.be.at.least(4);
      for (const id of ["prices", "margin", "liquidations", "funds"])
        expect(html).to.contain(`<figure id="${id}">`);
      // Nothing to fetch: no script, no stylesheet link, no remote image.
      expect(html).not.to.match(/<script|<link |src="http/);
    });

    it("traded, kept the pool and the keeper busy, and recorded every event in events.csv", function () {
      const v = result.variants[0];
      expect(v.headline.trades).to.be.greaterThan(0);
      expect(v.steps).to.have.length(SMALL.steps);
      expect(v.keeper.checkCalls).to.be.at.least(SMALL.steps);
      const csv = fs.readFileSync(files.events, "utf8").trimEnd().split("\n");
      expect(csv[0].split(",")).to.have.length(CSV_COLUMNS.length);
      expect(csv).to.have.length(1 + v.events.length);
      expect(csv.filter((l) => l.includes(",trade,"))).to.have.length(v.headline.trades);
    });

    it("writes summary.json with the headline figures and no wall-clock time or path", function () {
      const text = fs.readFileSync(files.summary, "utf8");
      expect(text).to.equal(summaryText(result));
      const summary = JSON.parse(text) as Summary;
      expect(summary).to.include({
        scenario: "baseline",
        seed: 7,
        accounts: 5,
        steps: 6,
        conservationOk: true,
      });
      expect(summary.variants.baseline.headline.trades).to.equal(result.variants[0].headline.trades);
      expect(text).not.to.contain(out);
      expect(text).not.to.match(/20\d\d-\d\d-\d\dT/);
    });

    it("conserves USDC", function () {
      expectConservation(result.variants[0]);
    });

    it("reconciles traders' PnL with the protocol's result, term by term, in the headline and summary.json", function () {
      const v = result.variants[0];
      expectReconciliation(v);
      const text = lines.join("\n");
      expect(text).to.contain("traders' PnL + protocol result, made of:");
      for (const term of [
        "collateral tokens' price moves",
        "keeper rewards",
        "skew premium held out of pool NAV",
      ])
        expect(text).to.contain(term);
      const summary = JSON.parse(fs.readFileSync(files.summary, "utf8")) as Summary;
      const json = summary.variants.baseline.reconciliation;
      const total = Object.values(json.termsUsd).reduce((acc, x) => acc + hre.ethers.parseUnits(x, 18), 0n);
      expect(total).to.equal(hre.ethers.parseUnits(json.sumUsd, 18));
    });
  });

  it("gives an identical summary.json and events.csv for the same seed, and another for another seed", async function () {
    const a = await run("baseline");
    const b = await run("baseline");
    expect(summaryText(b)).to.equal(summaryText(a));
    expect(eventsCsv(b)).to.equal(eventsCsv(a));
    const c = await run("baseline", { ...SMALL, seed: 8 });
    expect(summaryText(c)).not.to.equal(summaryText(a));
  });

  describe("the crash scenarios", function () {
    let crash: SimulationResult;
    let cascade: SimulationResult;
    let crossVsIsolated: SimulationResult;

    before(async function () {
      crash = await run("crash");
      cascade = await run("cascade");
      crossVsIsolated = await run("cross-vs-isolated", { seed: 7, accounts: 6, steps: 4 });
    });

    it("conserves USDC at the end of every scenario and variant", function () {
      for (const r of [crash, cascade, crossVsIsolated]) for (const v of r.variants) expectConservation(v);
    });

    it("reconciles traders' PnL with the protocol's result in every scenario and variant", function () {
      for (const r of [crash, cascade, crossVsIsolated]) for (const v of r.variants) expectReconciliation(v);
    });

    it("drops both prices by about 35% within one hour", function () {
      for (const p of Object.values(crash.variants[0].headline.prices)) {
        expect(p.maxHourlyDrop).to.be.within(0.3, 0.45);
      }
    });

    it("runs the cascade with damping on and off, the same market, different caps", function () {
      const [on, off] = cascade.variants;
      expect([on.variant.key, off.variant.key]).to.deep.equal(["damping-on", "damping-off"]);
      expect(on.liquidationCap.ETH < off.liquidationCap.ETH).to.equal(true);
      // Same exogenous path: prices agree until the first liquidation moves them.
      expect(on.ticks[0].prices).to.deep.equal(off.ticks[0].prices);
      // The verdict and summary.json say how much damping changed bad debt and liquidated notional.
      const line = verdict(cascade).find((l) => /cascade damping/i.test(l.text));
      expect(line?.text).to.contain("changed bad debt by").and.contain("liquidated notional by");
      const change = on.headline.badDebt - off.headline.badDebt;
      expect(buildSummary(cascade).damping?.badDebtChangeUsd).to.equal(
        hre.ethers.formatUnits(change, 6).replace(/\.0$/, ""),
      );
    });

    it("liquidates hedged books less in cross margin than in isolated subaccounts", function () {
      const [cross, isolated] = crossVsIsolated.variants;
      expect([cross.variant.margin, isolated.variant.margin]).to.deep.equal(["cross", "isolated"]);
      const hedgers = (v: VariantResult) => v.kinds.find((k) => k.kind === "hedger");
      const h = { cross: hedgers(cross), isolated: hedgers(isolated) };
      expect(h.cross?.traders).to.be.greaterThan(0);
      expect(h.cross?.liquidations).to.be.lessThan(h.isolated?.liquidations as number);
      expect(h.cross?.tradersLiquidated).to.be.lessThan(h.isolated?.tradersLiquidated as number);
      // The same books: the same trades opened them.
      expect(cross.headline.trades).to.equal(isolated.headline.trades);
      // And holding them without a liquidation takes less collateral in one account than split by position.
      const needed = h.cross?.collateralNeeded;
      expect(needed && needed.cross < needed.isolated).to.equal(true);
      // summary.json carries the side-by-side comparison.
      const summary = buildSummary(crossVsIsolated);
      expect(summary.comparison?.byTraderKind.hedger.liquidations).to.deep.equal({
        cross: String(h.cross?.liquidations),
        isolated: String(h.isolated?.liquidations),
      });
    });
  });

  it("keeps the scripted session as --scenario session", async function () {
    const lines: string[] = [];
    const snapshot = await takeSnapshot();
    try {
      const output = await runSimulateTask({ scenario: "session", out }, hre, {
        write: (l) => lines.push(l),
        progress: "none",
      });
      expect(output).to.equal(undefined);
    } finally {
      await snapshot.restore();
    }
    expect(lines.join("\n")).to.contain("= accountState.equity ✓");
  });

  it("refuses an unknown scenario and out-of-range options", async function () {
    await expectReject(
      runSimulateTask({ scenario: "moon", out }, hre, { progress: "none" }),
      /unknown scenario "moon": choose baseline, crash, cascade, cross-vs-isolated, latency-arb, adversaries, history-crash or session/,
    );
    await expectReject(runSimulation(hre, { scenario: "baseline", steps: 1 }), /--steps/);
    await expectReject(runSimulation(hre, { scenario: "baseline", accounts: 0 }), /--accounts/);
  });
});

async function expectReject(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect((err as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a rejection matching ${pattern}`);
}
