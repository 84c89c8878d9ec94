import { expect } from "chai";
import hre from "hardhat";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { SESSION, acceptablePrice, runSession } from "../../scripts/sim/scenarios/session";
import type { SessionReport } from "../../scripts/sim/scenarios/session";
import { skewPremium } from "../shared/poolValue";
import { DEFAULT_MARKETS } from "../../deploy/config";
import { formatChange, formatRatio, formatSize, formatUsd } from "../../scripts/common/format";
import type { AccountStateData, PositionData, Snapshot } from "../../scripts/lib/system";

const WAD = 10n ** 18n;
/** USDC units (6 decimals) to WAD. */
const TO_WAD = 10n ** 12n;

/** `a * b / WAD` rounded toward -infinity, as the contracts' `wMulFloor`. */
const wMulFloor = (a: bigint, b: bigint): bigint => {
  const product = a * b;
  const q = product / WAD;
  return product % WAD < 0n ? q - 1n : q;
};

const sum = <T>(items: T[], f: (item: T) => bigint): bigint => items.reduce((acc, x) => acc + f(x), 0n);

const priceOf = (s: Snapshot, marketId: bigint): bigint => {
  const m = s.markets.find((x) => x.marketId === marketId);
  if (!m) throw new Error(`no market ${marketId}`);
  return m.oraclePrice;
};

describe("simulate: the scripted session", function () {
  let report: SessionReport;
  let output: string[];
  let restore: SnapshotRestorer;

  before(async function () {
    // The session moves the clock 8 hours; leave the shared in-process chain as it was for other suites.
    restore = await takeSnapshot();
    output = [];
    report = await runSession(hre, { log: (line) => output.push(line) });
  });

  after(async function () {
    await restore.restore();
  });

  it("completes and prints the before, after and summary sections", function () {
    const text = output.join("\n");
    for (const section of [
      "1. Deploy",
      "2. LP deposits",
      "3. Trader",
      "4. Before",
      "5. Market moves",
      "6. After",
      "Summary",
    ]) {
      expect(text).to.contain(section);
    }
    expect(text).to.contain("= accountState.equity ✓");
    expect(text).not.to.contain("✗");
  });

  for (const when of ["before", "after"] as const) {
    it(`reports equity = collateral + unrealized PnL - pending funding (${when})`, function () {
      const s: AccountStateData = report[when].account;
      expect(s.equity).to.equal(s.collateralValue + s.unrealizedPnl - s.pendingFunding);
      expect(s.freeCollateral).to.equal(s.equity - s.initialMargin);
      expect(s.liquidatable).to.equal(s.equity < s.maintenanceMargin);
    });

    it(`reports account totals that are the sums over its positions (${when})`, function () {
      const { account, positions } = report[when];
      expect(positions).to.have.length(2);
      expect(account.unrealizedPnl).to.equal(sum(positions, (p) => p.unrealizedPnl));
      expect(account.pendingFunding).to.equal(sum(positions, (p) => p.pendingFunding));
    });

    it(`reports position PnL and margin implied by size, entry notional and the mark price (${when})`, function () {
      const snapshot = report[when];
      for (const p of snapshot.positions) {
        const price = priceOf(snapshot, p.marketId);
        expect(p.unrealizedPnl, `market ${p.marketId}`).to.equal(wMulFloor(p.size, price) - p.openNotional);
      }
      // |size| * price * fraction, rounded up per position (DESIGN §9).
      const requirement = (p: PositionData, fraction: "imf" | "mmf") => {
        const market = snapshot.markets.find((m) => m.marketId === p.marketId);
        if (!market) throw new Error(`no market ${p.marketId}`);
        const n = (p.size < 0n ? -p.size : p.size) * market.oraclePrice * market[fraction];
        return (n + WAD * WAD - 1n) / (WAD * WAD);
      };
      expect(snapshot.account.initialMargin).to.equal(sum(snapshot.positions, (p) => requirement(p, "imf")));
      expect(snapshot.account.maintenanceMargin).to.equal(
        sum(snapshot.positions, (p) => requirement(p, "mmf")),
      );
    });
  }

  it("opened a 2 ETH long and a 0.1 BTC short in one account within 1% of the previewed fill", function () {
    expect(report.trades.map((t) => t.sizeDelta)).to.deep.equal([2n * WAD, -WAD / 10n]);
    const [eth, btc] = report.trades;
    expect(eth.acceptablePrice).to.equal((eth.previewFillPrice * 101n) / 100n);
    expect(btc.acceptablePrice).to.be.within(
      (btc.previewFillPrice * 99n) / 100n,
      (btc.previewFillPrice * 99n) / 100n + 1n,
    );
    for (const t of report.trades) {
      // Nothing moved the skew or the price between the preview and the trade.
      expect(t.fillPrice).to.equal(t.previewFillPrice);
    }
    const sizes = report.before.positions.map((p) => [p.marketId, p.size]);
    expect(sizes).to.deep.equal([
      [0n, 2n * WAD],
      [1n, -WAD / 10n],
    ]);
  });

  it("left the trader the deposit minus the trading fees as collateral", function () {
    for (const t of report.trades) {
      // Fees are rounded up to whole USDC units, against the account.
      expect(t.accountDelta).to.equal(-((t.fee + TO_WAD - 1n) / TO_WAD));
    }
    const expected = (SESSION.traderDeposit + sum(report.trades, (t) => t.accountDelta)) * TO_WAD;
    expect(report.before.account.collateralValue).to.equal(expected);
    expect(report.after.account.collateralValue).to.equal(expected);
  });

  it("moved ETH by +8% and BTC by +3% and let 8 hours pass", function () {
    expect(priceOf(report.after, 0n)).to.equal((priceOf(report.before, 0n) * 108n) / 100n);
    expect(priceOf(report.after, 1n)).to.equal((priceOf(report.before, 1n) * 103n) / 100n);
    expect(report.elapsedSeconds).to.be.within(SESSION.elapsed, SESSION.elapsed + 60);
  });

  it("explains the equity change by the per-market PnL and funding it reports", function () {
    const equityChange = report.after.account.equity - report.before.account.equity;
    expect(sum(report.moves, (m) => m.net)).to.equal(equityChange);
    for (const m of report.moves) expect(m.net).to.equal(m.pnlChange - m.fundingPaid);
    const [eth, btc] = report.moves;
    // Long 2 ETH, +$240 each; short 0.1 BTC, +$1,800 each.
    expect(eth.pnlChange).to.equal(480n * WAD);
    expect(btc.pnlChange).to.equal(-180n * WAD);
  });

  it("charges funding to both legs: each is on the crowded side of its market", function () {
    for (const m of report.moves) {
      expect(m.fundingPaid, m.name).to.be.greaterThan(0n);
      expect(m.fundingPaid, m.name).to.be.lessThan(WAD / 100n); // tiny skew: under a cent in 8 hours
    }
  });

  it("moves the pool's NAV against the trader's equity, net of the skew premium's change", function () {
    const poolChange = (report.after.poolTotalAssets - report.before.poolTotalAssets) * TO_WAD;
    const traderChange = report.after.account.equity - report.before.account.equity;
    // The pool's value nets the premium closing the skew would pay (DESIGN §11); it moves with the price.
    let premiumChange = 0n;
    for (const t of SESSION.trades) {
      const skewScale = DEFAULT_MARKETS[Number(t.marketId)].skewScale;
      premiumChange +=
        skewPremium(t.sizeDelta, priceOf(report.after, t.marketId), skewScale) -
        skewPremium(t.sizeDelta, priceOf(report.before, t.marketId), skewScale);
    }
    const gap = poolChange + traderChange + premiumChange;
    // totalAssets is floored to whole USDC units and rounds PnL and funding in the protocol's favour.
    expect(gap < 0n ? -gap : gap).to.be.at.most(TO_WAD + 100n);
    expect(report.after.poolBalance).to.equal(report.before.poolBalance);
  });
});

describe("simulate: formatting", function () {
  it("formats USD, sizes, changes and ratios for people", function () {
    expect(formatUsd(1_234_567_891n * 10n ** 16n)).to.equal("$12,345,678.91");
    expect(formatUsd(-5n * 10n ** 15n)).to.equal("-$0.01"); // half away from zero
    expect(formatUsd(-4n * 10n ** 15n)).to.equal("$0.00"); // no negative zero
    expect(formatUsd(480n * WAD, { signed: true })).to.equal("+$480.00");
    expect(formatUsd(10_000_000_000n, { decimals: 6 })).to.equal("$10,000.00");
    expect(formatSize(-WAD / 10n)).to.equal("-0.1000");
    expect(formatChange(3000n, 3240n)).to.equal("+8.00%");
    expect(formatRatio(10_293n * WAD, 633n * WAD)).to.equal("16.26x");
    expect(formatRatio(1n, 0n)).to.equal("∞");
  });

  it("sets the slippage limit above the fill for buys and below it for sells", function () {
    expect(acceptablePrice(3000n * WAD, 1n, 100n)).to.equal(3030n * WAD);
    expect(acceptablePrice(60_000n * WAD, -1n, 100n)).to.equal(59_400n * WAD);
  });
});
