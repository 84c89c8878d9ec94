/**
 * Prometheus metrics for the keeper: the text exposition format (version 0.0.4) rendered from plain samples, and a
 * tiny `node:http` server that serves it on `GET /metrics` (and `GET /healthz`), bound to the loopback interface.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BAD_DEBT_RESULTS, COLLATERAL_RESULTS } from "./collateral";
import type { KeeperStats } from "./types";

export type MetricType = "counter" | "gauge";

export interface MetricSample {
  /** `keel_keeper_checks_total`; counters end in `_total`. */
  name: string;
  help: string;
  type: MetricType;
  value: number | bigint;
  /** Label values (`{ result: "succeeded" }`); samples of one labelled metric are consecutive and share HELP/TYPE. */
  labels?: Record<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Escapes HELP text as the exposition format requires (backslash and newline). */
const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value (backslash, double quote, newline). */
const escapeLabel = (text: string): string =>
  text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** `{a="x",b="y"}`, or "" without labels. */
function formatLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  for (const [name] of entries) if (!LABEL.test(name)) throw new Error(`invalid label name ${name}`);
  return `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`;
}

/**
 * Renders samples in the Prometheus text exposition format: per metric `# HELP`, `# TYPE`, then one
 * `name{labels} value` line per sample (consecutive samples of one name form one metric family).
 */
export function renderPrometheus(samples: readonly MetricSample[]): string {
  const lines: string[] = [];
  let previous: string | undefined;
  for (const s of samples) {
    if (!NAME.test(s.name)) throw new Error(`invalid metric name ${s.name}`);
    if (s.name !== previous) {
      lines.push(`# HELP ${s.name} ${escapeHelp(s.help)}`);
      lines.push(`# TYPE ${s.name} ${s.type}`);
      previous = s.name;
    }
    const value = typeof s.value === "bigint" ? s.value.toString() : formatNumber(s.value);
    lines.push(`${s.name}${formatLabels(s.labels)} ${value}`);
  }
  return `${lines.join("\n")}\n`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** The keeper's metrics from its counters, the number of tracked accounts and the last scanned block. */
export function keeperMetrics(
  stats: KeeperStats,
  extra: {
    accountsTracked: number;
    lastBlock: number;
    inFlight: number;
    loopErrors: number;
    /** Accounts the debt pass watches (may owe settlement tokens). */
    debtAccounts?: number;
    /** Pending orders the order pass knows. */
    pendingOrders?: number;
  },
): MetricSample[] {
  return [
    m("keel_keeper_accounts_tracked", "gauge", "Accounts the keeper watches.", extra.accountsTracked),
    m(
      "keel_keeper_last_block",
      "gauge",
      "Last block whose logs were scanned (the checkpoint).",
      extra.lastBlock,
    ),
    m(
      "keel_keeper_last_checked_block",
      "gauge",
      "Block of the last liquidatable() check.",
      stats.lastCheckedBlock ?? -1,
    ),
    m(
      "keel_keeper_liquidatable_accounts",
      "gauge",
      "Accounts found liquidatable at the last check.",
      stats.liquidatableAtLastCheck,
    ),
    m(
      "keel_keeper_in_flight_transactions",
      "gauge",
      "Transactions (liquidate, liquidateCollateral, settleBadDebt, deleverage, settleOrder, cancelOrder) sent and " +
        "not yet settled.",
      extra.inFlight,
    ),
    m(
      "keel_keeper_checks_total",
      "counter",
      "Account health checks (one per account per checked block).",
      stats.checks,
    ),
    m("keel_keeper_check_calls_total", "counter", "liquidatable(uint256[]) batch calls.", stats.checkCalls),
    m("keel_keeper_liquidations_sent_total", "counter", "liquidate transactions sent.", stats.sent),
    m(
      "keel_keeper_liquidations_succeeded_total",
      "counter",
      "liquidate transactions mined successfully.",
      stats.succeeded,
    ),
    m(
      "keel_keeper_liquidations_lost_total",
      "counter",
      "Liquidations lost to another keeper that got there first.",
      stats.lost,
    ),
    m(
      "keel_keeper_liquidations_skipped_total",
      "counter",
      "Liquidatable accounts that recovered before our transaction.",
      stats.skipped,
    ),
    m(
      "keel_keeper_liquidations_capped_total",
      "counter",
      "Liquidations refused because a market's liquidation window was full (retried later).",
      stats.capped,
    ),
    m(
      "keel_keeper_liquidations_failed_total",
      "counter",
      "Liquidations that failed for any other reason.",
      stats.failed,
    ),
    m(
      "keel_keeper_rewards_total",
      "counter",
      "Keeper rewards credited to the keeper's subaccount 0 (settlement-token units).",
      stats.rewards,
    ),
    m(
      "keel_keeper_rpc_retries_total",
      "counter",
      "RPC calls retried after a transient failure.",
      stats.rpcRetries,
    ),
    m(
      "keel_keeper_loop_errors_total",
      "counter",
      "Keeper rounds that failed and were retried after a backoff.",
      extra.loopErrors,
    ),
    ...debtMetrics(stats, extra),
    ...orderMetrics(stats, extra.pendingOrders ?? 0),
  ];
}

/** The samples of the debt pass and of auto-deleveraging. */
function debtMetrics(stats: KeeperStats, extra: { debtAccounts?: number }): MetricSample[] {
  const collateral: MetricSample[] = COLLATERAL_RESULTS.map((result) => ({
    name: "keel_keeper_collateral_liquidations_total",
    type: "counter",
    help:
      "liquidateCollateral decisions by result: succeeded (mined), lost (another caller first), skipped (no " +
      "longer needed), unprofitable (discount below gas + min profit), no_funds (no settlement tokens in the " +
      "keeper's wallet), failed. A standing decision not to send counts once per account.",
    value: stats.collateralLiquidations[result],
    labels: { result },
  }));
  const badDebt: MetricSample[] = BAD_DEBT_RESULTS.map((result) => ({
    name: "keel_keeper_bad_debt_settlements_total",
    type: "counter",
    help: "settleBadDebt decisions by result: succeeded, lost, skipped, failed.",
    value: stats.badDebtSettlements[result],
    labels: { result },
  }));
  const deleverages: MetricSample[] = (["succeeded", "lost", "skipped", "failed"] as const).map((result) => ({
    name: "keel_keeper_deleverages_total",
    type: "counter",
    help: "deleverage transactions by result: succeeded, lost, skipped, failed (on the deleverageMarkets option's markets, every market by default).",
    value: stats.deleverages[result],
    labels: { result },
  }));
  return [
    ...collateral,
    m(
      "keel_keeper_collateral_liquidations_sent_total",
      "counter",
      "liquidateCollateral transactions sent.",
      stats.collateralLiquidationsSent,
    ),
    m(
      "keel_keeper_collateral_repaid_total",
      "counter",
      "Settlement tokens the keeper repaid through liquidateCollateral (settlement-token units).",
      stats.collateralRepaid,
    ),
    ...badDebt,
    ...deleverages,
    m(
      "keel_keeper_bad_debt_settled_total",
      "counter",
      "Bad debt the keeper's settleBadDebt transactions ran through the waterfall (settlement-token units).",
      stats.badDebtSettled,
    ),
    m(
      "keel_keeper_debt_accounts",
      "gauge",
      "Accounts the keeper watches for settlement-token debt.",
      extra.debtAccounts ?? 0,
    ),
    m(
      "keel_keeper_settlement_wallet_balance",
      "gauge",
      "Settlement tokens (USDC units) in the keeper's wallet when last read; liquidateCollateral repays from it " +
        "(-1: not read yet).",
      stats.settlementWalletBalance ?? -1n,
    ),
  ];
}

/** The order pass's metrics (DESIGN §21): one counter per result, the fees earned, the pending orders known. */
function orderMetrics(stats: KeeperStats, pendingOrders: number): MetricSample[] {
  const o = stats.orders;
  return [
    m(
      "keel_keeper_pending_orders",
      "gauge",
      "Pending orders the keeper knows (from OrderBook logs).",
      pendingOrders,
    ),
    m("keel_keeper_order_sent_total", "counter", "settleOrder and cancelOrder transactions sent.", o.sent),
    m(
      "keel_keeper_order_settled_total",
      "counter",
      "Orders the keeper settled whose trade filled (settleOrder mined, OrderSettled).",
      o.settled,
    ),
    m(
      "keel_keeper_order_cancelled_total",
      "counter",
      "Orders the keeper ended without a fill, fee earned: expired ones it cancelled, and those whose trade was " +
        "refused at its settlement.",
      o.cancelled,
    ),
    m(
      "keel_keeper_order_skipped_total",
      "counter",
      "Order transactions not needed after all (an expected revert: already settled or cancelled, too early, not " +
        "triggered) and orders whose settlement round cannot be proven (once per order).",
      o.skipped,
    ),
    m("keel_keeper_order_lost_total", "counter", "Orders another caller settled or cancelled first.", o.lost),
    m("keel_keeper_order_failed_total", "counter", "Order transactions that failed unexpectedly.", o.failed),
    m(
      "keel_keeper_order_fees_total",
      "counter",
      "Settlement fees the keeper's order transactions earned (settlement-token units).",
      stats.orderFees,
    ),
  ];
}

/** One unlabelled sample. */
const m = (name: string, type: MetricType, help: string, value: number | bigint): MetricSample => ({
  name,
  type,
  help,
  value,
});

/**
 * Parses the text format back into `series → value`, the series written as in the text: `name` or
 * `name{label="value"}` (enough for tests and quick checks).
 */
export function parsePrometheus(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves `collect()` on `http://<host>:<port>/metrics`. The host must be a loopback address. */
export function startMetricsServer(options: {
  port: number;
  host?: string;
  collect: () => MetricSample[];
}): Promise<MetricsServer> {
  const host = options.host ?? "127.0.0.1";
  if (!["127.0.0.1", "::1", "localhost"].includes(host)) {
    throw new Error(`the metrics server binds to loopback only, not ${host}`);
  }
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (url === "/metrics") {
      let body: string;
      try {
        body = renderPrometheus(options.collect());
      } catch (err) {
        res
          .writeHead(500, { "Content-Type": "text/plain; charset=utf-8" })
          .end(`${(err as Error).message}\n`);
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    if (url === "/healthz") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" }).end("ok\n");
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found; try /metrics\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
