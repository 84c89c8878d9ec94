/**
 * The metrics (no chain): the Prometheus text and the loopback server.
 */
import http from "node:http";
import { expect } from "chai";
import {
  keeperMetrics,
  parsePrometheus,
  renderPrometheus,
  startMetricsServer,
} from "../../../scripts/keeper/metrics";

describe("Keeper: metrics", function () {
  const stats = {
    checks: 10,
    checkCalls: 2,
    liquidatableAtLastCheck: 1,
    lastCheckedBlock: 99,
    sent: 3,
    succeeded: 2,
    lost: 1,
    skipped: 0,
    capped: 0,
    failed: 0,
    rewards: 123_456_789_012_345_678_901n,
    rpcRetries: 0,
    collateralLiquidations: { succeeded: 3, lost: 1, skipped: 0, unprofitable: 2, no_funds: 1, failed: 0 },
    collateralLiquidationsSent: 4,
    collateralRepaid: 13_074_000_000n,
    badDebtSettlements: { succeeded: 1, lost: 0, skipped: 0, failed: 0 },
    badDebtSettled: 204_000_000n,
    settlementWalletBalance: 6_926_000_000n,
    deleverages: { sent: 2, succeeded: 1, lost: 0, skipped: 1, failed: 0 },
    orders: { sent: 5, settled: 3, cancelled: 1, lost: 0, skipped: 2, failed: 0 },
    orderFees: 4_000_000n,
  };
  const samples = keeperMetrics(stats, {
    accountsTracked: 5,
    lastBlock: 100,
    inFlight: 0,
    loopErrors: 0,
    debtAccounts: 2,
    pendingOrders: 7,
  });

  it("renders the Prometheus text format with HELP and TYPE lines, once per labelled family", function () {
    const text = renderPrometheus(samples);
    const lines = text.trimEnd().split("\n");
    const families = [...new Set(samples.map((s) => s.name))];
    expect(lines.length).to.equal(families.length * 2 + samples.length);
    let i = 0;
    for (const name of families) {
      const family = samples.filter((s) => s.name === name);
      expect(lines[i++]).to.match(new RegExp(`^# HELP ${name} \\S`));
      expect(lines[i++]).to.equal(`# TYPE ${name} ${family[0].type}`);
      for (const sample of family) {
        const labels = sample.labels ? `\\{result="${sample.labels.result}"\\}` : "";
        expect(lines[i++]).to.match(new RegExp(`^${name}${labels} -?\\d+$`));
      }
      if (family[0].type === "counter") expect(name).to.match(/_total$/);
    }
    expect(text).to.contain("keel_keeper_rewards_total 123456789012345678901\n");
    expect(text).to.contain('keel_keeper_collateral_liquidations_total{result="succeeded"} 3\n');
    expect(text).to.contain('keel_keeper_collateral_liquidations_total{result="no_funds"} 1\n');
    expect(text).to.contain('keel_keeper_bad_debt_settlements_total{result="succeeded"} 1\n');
    expect(text).to.contain("keel_keeper_collateral_repaid_total 13074000000\n");
    expect(text).to.contain("keel_keeper_debt_accounts 2\n");
    expect(text).to.contain('keel_keeper_deleverages_total{result="skipped"} 1\n');
    expect(text).to.contain("keel_keeper_order_settled_total 3\n");
    expect(text).to.contain("keel_keeper_order_cancelled_total 1\n");
    expect(text).to.contain("keel_keeper_order_skipped_total 2\n");
    expect(text).to.contain("keel_keeper_order_fees_total 4000000\n");
    expect(text).to.contain("keel_keeper_pending_orders 7\n");
    const parsed = parsePrometheus(text);
    expect(parsed.get('keel_keeper_collateral_liquidations_total{result="unprofitable"}')).to.equal(2);
    expect(parsed.get("keel_keeper_settlement_wallet_balance")).to.equal(6_926_000_000);
    expect(
      renderPrometheus([{ name: "x_total", help: "h", type: "counter", value: 1, labels: { k: 'a"b\\c' } }]),
    ).to.equal('# HELP x_total h\n# TYPE x_total counter\nx_total{k="a\\"b\\\\c"} 1\n');
    const names = samples.map((s) => s.name);
    for (const name of [
      "keel_keeper_accounts_tracked",
      "keel_keeper_checks_total",
      "keel_keeper_liquidations_sent_total",
      "keel_keeper_liquidations_succeeded_total",
      "keel_keeper_liquidations_lost_total",
      "keel_keeper_liquidations_failed_total",
      "keel_keeper_rewards_total",
      "keel_keeper_last_block",
    ]) {
      expect(names).to.include(name);
    }
    expect(renderPrometheus([{ name: "x", help: "a\\b\nc", type: "gauge", value: 1.5 }])).to.equal(
      "# HELP x a\\\\b\\nc\n# TYPE x gauge\nx 1.5\n",
    );
  });

  it("serves /metrics on loopback and 404 elsewhere", async function () {
    const server = await startMetricsServer({ port: 0, collect: () => samples });
    try {
      const get = (p: string) =>
        new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
          http
            .get(`http://127.0.0.1:${server.port}${p}`, (res) => {
              let body = "";
              res.on("data", (c: Buffer) => (body += c.toString()));
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }),
              );
            })
            .on("error", reject);
        });
      const metrics = await get("/metrics");
      expect(metrics.status).to.equal(200);
      expect(metrics.type).to.match(/^text\/plain; version=0\.0\.4/);
      const values = parsePrometheus(metrics.body);
      expect(values.get("keel_keeper_accounts_tracked")).to.equal(5);
      expect(values.get("keel_keeper_liquidations_lost_total")).to.equal(1);
      expect((await get("/nope")).status).to.equal(404);
    } finally {
      await server.close();
    }
    expect(() => startMetricsServer({ port: 0, host: "0.0.0.0", collect: () => [] })).to.throw(/loopback/);
  });
});
