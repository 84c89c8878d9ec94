/**
 * report.html: one self-contained file (inline CSS and SVG charts, no script, no external resource) that opens
 * offline in any browser. The verdict comes first: a loss, bad debt or a conservation failure is the first thing on
 * the page and in its title.
 */
import { ADVERSARY_COLUMNS, adversaryRows } from "./adversaries";
import { formatFixed, formatUsd } from "../../common/format";
import { NO_CAP } from "../scenarios/definitions";
import { CRASH_GAP_SHARE } from "../market";
import {
  CORRELATION,
  DAMPED_CAP_SHARE_OF_COLLATERAL,
  FINE_STEPS_AFTER_CRASH,
  FINE_TICK_SECONDS,
  IMPACT_DEPTH_MULTIPLE,
  IMPACT_HALF_LIFE_SECONDS,
  STEP_SECONDS,
} from "../scenarios/definitions";
import type { SimulationResult, VariantResult } from "../types";
import type { Chart } from "./charts";
import { verdict } from "./summary";
import { headlineRows } from "./tables";

export const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const money = (units: bigint): string => formatUsd(units, { decimals: 6 });
const moneyWad = (wad: bigint): string => formatUsd(wad);
const signedWad = (wad: bigint): string => formatUsd(wad, { signed: true });

export const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1000px; padding: 16px 24px 48px; color: #222; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin-top: 20px; }
.verdict { border-radius: 6px; padding: 10px 14px; margin: 0 0 6px; font-size: 15px; line-height: 1.45; }
.verdict p { margin: 2px 0; }
.verdict.loss { background: #fdecea; border: 2px solid #c62828; color: #7f1010; font-weight: bold; }
.verdict.warning { background: #fff8e1; border: 2px solid #f9a825; color: #6d4c00; }
.verdict.ok { background: #e8f5e9; border: 1px solid #66bb6a; color: #1b5e20; }
.meta { color: #555; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f5f5f5; }
tr.section td { background: #fafafa; font-weight: bold; text-align: left; color: #444; }
td.alarm { color: #b71c1c; font-weight: bold; }
figure { margin: 12px 0 24px; } figcaption { font-size: 13px; color: #555; max-width: 900px; margin-top: 4px; }
figure svg { max-width: 100%; height: auto; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
details summary { cursor: pointer; color: #1f5fa8; }
ul { font-size: 14px; line-height: 1.5; }
`;

function table(
  headers: string[],
  rows: (string[] | { section: string })[],
  alarms?: (boolean[] | undefined)[],
): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>`;
  const body = rows
    .map((r, i) => {
      if (!Array.isArray(r))
        return `<tr class="section"><td colspan="${headers.length}">${esc(r.section)}</td></tr>`;
      const alarm = alarms?.[i];
      return `<tr>${r.map((c, j) => `<td${j > 0 && alarm?.[j - 1] ? ' class="alarm"' : ""}>${esc(c)}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<table>${head}\n${body}</table>`;
}

function adversaryTable(result: SimulationResult): string {
  const rows = adversaryRows(result);
  if (rows.length === 0) return "";
  return `<h2>Adversaries</h2>\n${table(ADVERSARY_COLUMNS, rows)}\n`;
}

function headlineTable(result: SimulationResult): string {
  const rows: (string[] | { section: string })[] = [];
  const alarms: (boolean[] | undefined)[] = [];
  for (const r of headlineRows(result)) {
    if (r.section) {
      rows.push({ section: r.section });
      alarms.push(undefined);
    }
    rows.push([r.label.replace(/^ +/, (indent) => "\u00a0".repeat(indent.length)), ...r.values]);
    alarms.push(r.alarm);
  }
  return table(["", ...result.variants.map((v) => v.variant.label)], rows, alarms);
}

function conservationTable(result: SimulationResult): string {
  const vs = result.variants;
  const row = (label: string, f: (v: VariantResult) => string): string[] => [label, ...vs.map(f)];
  const c = (v: VariantResult) => v.conservation;
  return table(
    ["USDC (settlement token)", ...vs.map((v) => v.variant.label)],
    [
      row("vault token balance (usdc.balanceOf(vault))", (v) => money(c(v).vaultTokenBalance)),
      row("Σ account balances (vault.totalAccountBalance)", (v) => money(c(v).totalAccountBalance)),
      row("  = Σ balanceOf over every known account", (v) => money(c(v).sumOfKnownAccounts)),
      row("pool ledger (vault.poolBalance)", (v) => money(c(v).poolBalance)),
      row("insurance ledger (vault.insuranceBalance)", (v) => money(c(v).insuranceBalance)),
      row("ledgers: Σ balances + pool + insurance", (v) => money(c(v).ledgerTotal)),
      row("deposits: traders", (v) => money(c(v).flows.traderDeposits)),
      row("deposits: LPs", (v) => money(c(v).flows.lpDeposits)),
      row("deposits: insurance funding", (v) => money(c(v).flows.insuranceFunding)),
      row("deposits: keeper repayments (liquidateCollateral)", (v) => money(c(v).flows.keeperRepayments)),
      row("withdrawals: traders", (v) => money(c(v).flows.traderWithdrawals)),
      row("withdrawals: LP redemptions", (v) => money(c(v).flows.lpRedemptions)),
      row("Σ deposits − Σ withdrawals", (v) => money(c(v).netDeposits)),
      row("vault balance − ledgers (units)", (v) => c(v).ledgerGap.toString()),
      row("(Σ deposits − Σ withdrawals) − ledgers (units)", (v) => c(v).depositGap.toString()),
      row("on-chain Σ − Σ over accounts (units)", (v) => c(v).accountSumGap.toString()),
      row("flows recorded = flows in the Vault's events", (v) =>
        (Object.keys(c(v).flows) as (keyof VariantResult["conservation"]["flows"])[]).every(
          (k) => c(v).flows[k] === c(v).eventFlows[k],
        )
          ? "yes"
          : "NO",
      ),
      row("stated rounding tolerance (units)", (v) => c(v).tolerance.toString()),
      ...tokenRows(result),
      row("result", (v) => (c(v).ok ? "holds" : "VIOLATED")),
      row(
        "zero-sum at marks: Σ equity + keeper + pool value + insurance − net deposits",
        (v) => `${formatUsd(c(v).markToMarketGapWad, { dp: 6 })} (${c(v).markToMarketGapWad} wei)`,
      ),
    ],
  );
}

/** Per collateral token: vault balance, Σ accounts, and deposited − withdrawn − seized. */
function tokenRows(result: SimulationResult): string[][] {
  const symbols = [...new Set(result.variants.flatMap((v) => v.conservation.tokens.map((t) => t.symbol)))];
  return symbols.flatMap((symbol) => {
    const cell = (v: VariantResult, f: (t: VariantResult["conservation"]["tokens"][number]) => string) => {
      const t = v.conservation.tokens.find((x) => x.symbol === symbol);
      return t ? f(t) : "–";
    };
    const amount = (x: bigint, decimals: number) => formatFixed(x, { decimals, dp: Math.min(decimals, 8) });
    return [
      [
        `${symbol}: vault balance = Σ accounts`,
        ...result.variants.map((v) =>
          cell(
            v,
            (t) =>
              `${amount(t.vaultTokenBalance, t.decimals)} = ${amount(t.totalAccountBalance, t.decimals)}`,
          ),
        ),
      ],
      [
        `${symbol}: deposited − withdrawn − seized`,
        ...result.variants.map((v) =>
          cell(
            v,
            (t) =>
              `${amount(t.flows.deposited, t.decimals)} − ${amount(t.flows.withdrawn, t.decimals)} − ${amount(t.flows.seized, t.decimals)}${t.ok ? " ✓" : " ✗"}`,
          ),
        ),
      ],
    ];
  });
}

function kindsTable(result: SimulationResult): string {
  const rows: (string[] | { section: string })[] = [];
  for (const v of result.variants) {
    if (result.variants.length > 1) rows.push({ section: v.variant.label });
    for (const k of v.kinds) {
      rows.push([
        k.kind === "hedger" ? "hedgers (long/short pairs)" : "directional traders",
        String(k.traders),
        String(k.accounts),
        String(k.liquidations),
        String(k.tradersLiquidated),
        money(k.penalties),
        money(k.badDebt),
        signedWad(k.pnl),
        k.collateralNeeded
          ? `${moneyWad(k.collateralNeeded.cross)} / ${moneyWad(k.collateralNeeded.isolated)}`
          : "–",
      ]);
    }
  }
  return table(
    [
      "",
      "traders",
      "accounts",
      "liquidations",
      "traders liquidated",
      "penalties",
      "bad debt",
      "PnL",
      "collateral needed cross / isolated",
    ],
    rows,
  );
}

function keeperTable(result: SimulationResult): string {
  const vs = result.variants;
  const row = (label: string, f: (v: VariantResult) => string): string[] => [label, ...vs.map(f)];
  const rejections = [...new Set(vs.flatMap((v) => Object.keys(v.headline.rejections)))].sort();
  return table(
    ["", ...vs.map((v) => v.variant.label)],
    [
      row("accounts checked (Σ over rounds)", (v) => String(v.keeper.checks)),
      row("liquidatable(uint256[]) calls", (v) => String(v.keeper.checkCalls)),
      row("liquidations sent / succeeded", (v) => `${v.keeper.sent} / ${v.keeper.succeeded}`),
      row("deferred by the cap (capped)", (v) => String(v.keeper.capped)),
      row("failed", (v) => String(v.keeper.failed)),
      row("rewards", (v) => money(v.keeper.rewards)),
      row("liquidation cap per window", (v) =>
        Object.entries(v.liquidationCap)
          .map(([s, cap]) => `${s} ${cap >= NO_CAP ? "none" : moneyWad(cap)}`)
          .join(", "),
      ),
      ...rejections.map((name) => row(`refused: ${name}`, (v) => String(v.headline.rejections[name] ?? 0))),
    ],
  );
}

function tradersTable(v: VariantResult): string {
  return table(
    [
      "trader",
      "kind",
      "style",
      "leverage",
      "accounts",
      "deposited",
      "withdrawn",
      "final equity",
      "liquidations",
    ],
    v.traders.map((t) => [
      t.label,
      t.kind,
      t.style,
      `${t.leverage.toFixed(2)}x`,
      String(t.accounts),
      money(t.deposited),
      money(t.withdrawn),
      moneyWad(t.finalEquity),
      String(t.liquidations),
    ]),
  );
}

function assumptions(result: SimulationResult): string {
  const items = [
    `Time: steps of ${STEP_SECONDS / 3600} hour; ${result.steps} steps (${(result.steps / 24).toFixed(1)} days). Every transaction is mined in its own block with a simulated timestamp (one second apart), so funding accrues with simulated time and a seed replays exactly.`,
    `Prices: geometric Brownian motion, ETH 80% and BTC 60% annual volatility, no drift, correlation ${CORRELATION}; scheduled jumps: ${
      result.schedule
        .filter((e) => e.event.startsWith("jump"))
        .map((e) => `hour ${e.step}: ${esc(e.event.replace("jump: ", ""))}`)
        .join("; ") || "none"
    }.`,
    result.scenario.crash
      ? `Crash: both assets fall 35% within one hour (log terms: ${Math.round(CRASH_GAP_SHARE * 100)}% of the fall at once, the rest evenly), on top of the diffusion; prices are posted every ${FINE_TICK_SECONDS / 60} minutes during the crash hour and the ${FINE_STEPS_AFTER_CRASH - 1} hours after it, hourly otherwise.`
      : "No crash.",
    `Liquidation impact: liquidations that close longs sell, closing shorts buys; the net notional moves the asset's price by −notional / depth in log terms, depth = ${IMPACT_DEPTH_MULTIPLE} × the notional the traders' first books put on that market, decaying with a ${IMPACT_HALF_LIFE_SECONDS / 60}-minute half-life. Ordinary trades have no impact beyond the protocol's own skew premium.`,
    "Traders: 60% directional (conservative 1.5–3x, swing 3–6x with a stop at margin ratio 1.6, degen 7–9.5x without one; 65% long), 40% hedgers (long one asset, short the other at equal notional, 3–8x gross, rebalanced now and then). Collateral is log-uniform between $5,000 and $60,000 of value; 30% of the directional traders post half of it in WETH or WBTC (counted at the oracle price times the token's haircut weight), everyone else USDC only.",
    "LPs: deposit three times the traders' collateral in total; now and then request a withdrawal of 10–40% of their shares, redeem it after the pool's delay within its window (or cancel it when it expired), or add liquidity. The insurance fund starts with 5% of the traders' collateral.",
    "Keeper: the keeper bot's own code (scripts/keeper/, run in process) in process: after every price update it scans the new logs for accounts, checks them with liquidatable(uint256[]), sends liquidate for each hit, then repays the debt of accounts left with debt and collateral tokens to take the collateral at its discount (Vault.liquidateCollateral) and settles what collateral cannot cover (Vault.settleBadDebt). Its wallet starts with USDC worth 20% of the traders' collateral.",
    result.scenario.name === "cascade"
      ? `Cascade damping "on": maxLiquidationNotionalPerWindow = ${Math.round(DAMPED_CAP_SHARE_OF_COLLATERAL * 100)}% of the traders' collateral per market per window; "off": no effective cap. The contracts no longer enforce the cap (DESIGN §10.6), so both runs liquidate alike.`
      : "Cascade damping: none (removed, DESIGN §10.6); the stored per-window cap is not enforced.",
    "Protocol result: the LPs' result (final NAV + redeemed − deposited) plus the insurance fund's (final balance − funding), at the final oracle prices. Traders' PnL is their final equity (including unrealized PnL and funding owed) plus withdrawals minus deposits.",
  ];
  return `<ul>${items.map((i) => `<li>${i}</li>`).join("\n")}</ul>`;
}

export function renderHtml(result: SimulationResult, charts: Chart[]): string {
  const lines = verdict(result);
  const worst = (["loss", "warning"] as const).find((s) => lines.some((l) => l.severity === s)) ?? "ok";
  const titlePrefix = worst === "loss" ? "LOSS — " : worst === "warning" ? "WARNING — " : "";
  const title = `${titlePrefix}Keel simulation: ${result.scenario.title} (seed ${result.seed})`;
  const groups = (["loss", "warning", "ok"] as const)
    .map((severity) => ({ severity, lines: lines.filter((l) => l.severity === severity) }))
    .filter((g) => g.lines.length > 0);
  const verdictHtml = groups
    .map(
      (g) =>
        `<div class="verdict ${g.severity}">${g.lines.map((l) => `<p>${esc(l.text)}</p>`).join("")}</div>`,
    )
    .join("\n");
  const durationHours = result.variants[0]?.headline.duration / 3600;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${verdictHtml}
<h1>Keel simulation report — ${esc(result.scenario.title)}</h1>
<p class="meta">scenario <code>${esc(result.scenario.name)}</code> · seed ${result.seed} · ${result.accounts} trader accounts · ${result.steps} steps (${durationHours.toFixed(1)} simulated hours) · network <code>${esc(result.network)}</code></p>
<p>${esc(result.scenario.description)}</p>

${adversaryTable(result)}
<h2>Headline figures</h2>
${headlineTable(result)}

<h2>Charts</h2>
${charts
  .map(
    (c) => `<figure id="${c.id}">
<h3>${esc(c.title)}</h3>
${c.svg}
<figcaption>${esc(c.caption).replace(/`([^`]+)`/g, "<code>$1</code>")}</figcaption>
</figure>`,
  )
  .join("\n")}

<h2>By kind of trader</h2>
${kindsTable(result)}
<p class="meta">"Collateral needed" (static books only): the smallest collateral that would have carried the first books through this run's prices without a liquidation, per cross-margin account (one per trader) and per isolated subaccount (one per position), summed; funding and fees excluded.</p>

<h2>Conservation</h2>
<p>At the end of the run, for USDC: the Vault's token balance must equal the sum of its ledgers (every account's signed balance, the pool, the insurance fund), and both must equal what entered the Vault minus what left it. Every ledger move is an integer transfer between ledgers, so the stated tolerance is 0 units.</p>
${conservationTable(result)}

<h2>Keeper and refused transactions</h2>
${keeperTable(result)}

<h2>Traders</h2>
${result.variants
  .map(
    (
      v,
    ) => `<details${result.variants.length === 1 ? " open" : ""}><summary>${esc(v.variant.label)}: ${v.traders.length} traders</summary>
${tradersTable(v)}
</details>`,
  )
  .join("\n")}

<h2>Model and assumptions</h2>
${assumptions(result)}

<h2>Files</h2>
<ul>
<li><a href="summary.json">summary.json</a>: the headline figures (amounts as exact decimal strings, USD).</li>
<li><a href="events.csv">events.csv</a>: every trade, liquidation (and each position it closed), bad-debt settlement, deposit, withdrawal and pool flow, with block, transaction and amounts.</li>
</ul>
</body>
</html>
`;
}
