/**
 * `summary.json` and the verdict: the headline figures of a run as plain JSON (amounts as exact decimal strings in
 * USD), and the lines that open the terminal output and the report. The verdict never hides a loss: if the protocol's
 * side (LPs and the insurance fund) lost money, if an adversary made money, if there was bad debt, or if conservation
 * failed, the first lines say so: each adversary's line (what it made and from whom, or what stopped it), then the
 * protocol's, losses first within each.
 *
 * Nothing here depends on the wall clock or the file system: the same seed gives the same file.
 */
import { formatUsd } from "../../common/format";
import { adversariesJson, adversaryLine } from "./adversaries";
import { fmt } from "../units";
import type { Headline, KindBreakdown, Reconciliation, SimulationResult, VariantResult } from "../types";

const usdc = (units: bigint): string => fmt(units, 6);
const usdWad = (wad: bigint): string => fmt(wad, 18);
const money = (units: bigint): string => formatUsd(units, { decimals: 6 });
const moneyWad = (wad: bigint): string => formatUsd(wad);
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export type Severity = "loss" | "warning" | "ok";

export interface VerdictLine {
  severity: Severity;
  text: string;
}

/** The verdict of one variant: protocol result, bad debt, conservation, in that order. */
export function variantVerdict(v: VariantResult): VerdictLine[] {
  const h = v.headline;
  const lines: VerdictLine[] = v.adversaries.map(adversaryLine);
  if (h.protocolPnl < 0n) {
    lines.push({
      severity: "loss",
      text:
        `THE PROTOCOL LOST MONEY: LPs and the insurance fund are down ${money(-h.protocolPnl)} ` +
        `(LPs ${money(h.lpPnl)}, insurance fund ${money(h.insurancePnl)}) at the final prices.`,
    });
  } else {
    lines.push({
      severity: "ok",
      text:
        `The protocol did not lose money: LPs and the insurance fund made ${money(h.protocolPnl)} ` +
        `(LPs ${money(h.lpPnl)}, insurance fund ${money(h.insurancePnl)}) at the final prices.`,
    });
  }
  if (h.badDebt > 0n) {
    lines.push({
      severity: h.poolWriteOff > 0n || h.unrecovered > 0n ? "loss" : "warning",
      text:
        `BAD DEBT: ${money(h.badDebt)} — the insurance fund paid ${money(h.insuranceDraw)}, ` +
        `LPs wrote off ${money(h.poolWriteOff)}, ${money(h.unrecovered)} unrecovered.`,
    });
  } else {
    lines.push({ severity: "ok", text: "No bad debt: every liquidated account still covered its losses." });
  }
  const c = v.conservation;
  if (c.ok) {
    lines.push({
      severity: "ok",
      text:
        `Conservation holds: vault USDC ${money(c.vaultTokenBalance)} = Σ account balances + pool + insurance = ` +
        `Σ deposits − Σ withdrawals (difference 0 units, tolerance ${c.tolerance} units)` +
        (c.tokens.length
          ? `; ${c.tokens.map((t) => t.symbol).join(" and ")}: vault = Σ accounts = in − out.`
          : "."),
    });
  } else {
    lines.push({
      severity: "loss",
      text:
        `CONSERVATION VIOLATED: vault USDC − ledgers = ${c.ledgerGap} units, deposits − ledgers = ${c.depositGap} ` +
        `units, on-chain account sum − Σ accounts = ${c.accountSumGap} units` +
        (c.tokens.some((t) => !t.ok)
          ? `; fails for ${c.tokens
              .filter((t) => !t.ok)
              .map((t) => t.symbol)
              .join(", ")}.`
          : "."),
    });
  }
  return lines;
}

/** The verdict of a run: every variant's lines, labelled when there are several, the worst first. */
export function verdict(result: SimulationResult): VerdictLine[] {
  const many = result.variants.length > 1;
  // Each adversary's line comes first (what it made and from whom, or what stopped it), then the protocol's.
  const lines = result.variants.flatMap((v) =>
    variantVerdict(v).map((l, k) => ({
      l: { ...l, text: many ? `[${v.variant.label}] ${l.text}` : l.text },
      adversary: k < v.adversaries.length,
    })),
  );
  const damping = dampingEffect(result);
  if (damping) lines.push({ l: dampingLine(damping), adversary: false });
  const rank: Record<Severity, number> = { loss: 0, warning: 1, ok: 2 };
  const key = (x: (typeof lines)[number]) => (x.adversary ? 0 : 3) + rank[x.l.severity];
  return lines
    .map((x, i) => ({ x, i }))
    .sort((a, b) => key(a.x) - key(b.x) || a.i - b.i)
    .map(({ x }) => x.l);
}

/** Cascade damping's effect, when a run has a damping-on and a damping-off variant of the same market (`cascade`). */
export function dampingEffect(result: SimulationResult) {
  const on = result.variants.find((v) => v.variant.damping === "on");
  const off = result.variants.find((v) => v.variant.damping === "off");
  if (!on || !off) return undefined;
  return {
    badDebtOn: on.headline.badDebt,
    badDebtOff: off.headline.badDebt,
    notionalOn: on.headline.liquidatedNotional,
    notionalOff: off.headline.liquidatedNotional,
  };
}

const signed = (x: bigint, f: (v: bigint) => string) => (x < 0n ? `-${f(-x)}` : `+${f(x)}`);

/** "Damping changed bad debt by … and liquidated notional by …": a warning when damping left more bad debt. */
function dampingLine(d: NonNullable<ReturnType<typeof dampingEffect>>): VerdictLine {
  const worse = d.badDebtOn > d.badDebtOff;
  return {
    severity: worse ? "warning" : "ok",
    text:
      `${worse ? "CASCADE DAMPING LEFT MORE BAD DEBT" : "Cascade damping left no more bad debt"}: it changed bad ` +
      `debt by ${signed(d.badDebtOn - d.badDebtOff, money)} (on ${money(d.badDebtOn)}, off ${money(d.badDebtOff)}) ` +
      `and liquidated notional by ${signed(d.notionalOn - d.notionalOff, moneyWad)} (on ${moneyWad(d.notionalOn)}, ` +
      `off ${moneyWad(d.notionalOff)}).`,
  };
}

function headlineJson(h: Headline) {
  return {
    trades: h.trades,
    rejectedTransactions: h.rejected,
    rejections: h.rejections,
    liquidations: h.liquidations,
    fullLiquidations: h.fullLiquidations,
    accountsLiquidated: h.accountsLiquidated,
    liquidatedNotionalUsd: usdWad(h.liquidatedNotional),
    liquidationsDeferredByCap: h.capped,
    penaltiesUsd: usdc(h.penalties),
    collateralLiquidations: {
      count: h.collateralLiquidations,
      repaidUsd: usdc(h.collateralRepaid),
      seizedValueUsd: usdWad((h.collateralSeizedValue / 10n ** 12n) * 10n ** 12n),
    },
    keeperRewardsUsd: usdc(h.keeperRewards),
    tradingFeesUsd: usdWad(h.fees),
    fundingSettledUsd: usdWad(h.fundingSettled),
    badDebtUsd: usdc(h.badDebt),
    insuranceDrawUsd: usdc(h.insuranceDraw),
    poolWriteOffUsd: usdc(h.poolWriteOff),
    unrecoveredDebtUsd: usdc(h.unrecovered),
    insuranceFund: {
      startUsd: usdc(h.insuranceStart),
      endUsd: usdc(h.insuranceEnd),
      minUsd: usdc(h.insuranceMin),
    },
    poolNav: { startUsd: usdc(h.poolNavStart), endUsd: usdc(h.poolNavEnd), minUsd: usdc(h.poolNavMin) },
    lp: {
      depositsUsd: usdc(h.lpDeposits),
      redemptionsUsd: usdc(h.lpRedemptions),
      pnlUsd: usdc(h.lpPnl),
      withdrawalRequests: h.lpRequests,
      redemptions: h.lpRedemptionCount,
    },
    insurancePnlUsd: usdc(h.insurancePnl),
    protocolPnlUsd: usdc(h.protocolPnl),
    traders: {
      depositsUsd: usdc(h.traderDeposits),
      tokenDepositsValueUsd: usdWad(h.traderTokenDepositsValue),
      withdrawalsUsd: usdc(h.traderWithdrawals),
      finalEquityUsd: usdWad(h.traderEquity),
      pnlUsd: usdWad(h.traderPnl),
    },
    prices: Object.fromEntries(
      Object.entries(h.prices).map(([symbol, p]) => [
        symbol,
        {
          start: round6(p.start),
          end: round6(p.end),
          min: round6(p.min),
          max: round6(p.max),
          maxDrawdown: round6(p.maxDrawdown),
          maxHourlyDrop: round6(p.maxHourlyDrop),
        },
      ]),
    ),
    simulatedSeconds: h.duration,
    transactions: h.transactions,
  };
}

/** Traders' PnL + the protocol's result, and the terms that sum to it exactly (USD, exact decimal strings). */
function reconciliationJson(r: Reconciliation) {
  return {
    traderPnlUsd: usdWad(r.traderPnl),
    protocolPnlUsd: usdWad(r.protocolPnl),
    sumUsd: usdWad(r.sum),
    termsUsd: Object.fromEntries(Object.entries(r.terms).map(([k, t]) => [k, usdWad(t)])),
  };
}

function kindJson(k: KindBreakdown) {
  return {
    traders: k.traders,
    accounts: k.accounts,
    liquidations: k.liquidations,
    tradersLiquidated: k.tradersLiquidated,
    penaltiesUsd: usdc(k.penalties),
    badDebtUsd: usdc(k.badDebt),
    depositedUsd: usdc(k.deposited),
    withdrawnUsd: usdc(k.withdrawn),
    finalEquityUsd: usdWad(k.finalEquity),
    pnlUsd: usdWad(k.pnl),
    ...(k.collateralNeeded
      ? {
          collateralNeededUsd: {
            crossMargin: usdWad(k.collateralNeeded.cross),
            isolated: usdWad(k.collateralNeeded.isolated),
          },
        }
      : {}),
  };
}

function variantJson(v: VariantResult) {
  const c = v.conservation;
  return {
    label: v.variant.label,
    margin: v.variant.margin,
    tradersKeepTrading: v.variant.dynamic,
    cascadeDamping: v.variant.damping,
    liquidationCapPerWindowUsd: Object.fromEntries(
      Object.entries(v.liquidationCap).map(([s, cap]) => [s, usdWad(cap)]),
    ),
    verdict: variantVerdict(v).map((l) => l.text),
    immediateTrades: v.variant.immediateTrades,
    adversaries: adversariesJson(v),
    headline: headlineJson(v.headline),
    reconciliation: reconciliationJson(v.reconciliation),
    byTraderKind: Object.fromEntries(v.kinds.map((k) => [k.kind, kindJson(k)])),
    keeper: {
      checks: v.keeper.checks,
      liquidatableCalls: v.keeper.checkCalls,
      sent: v.keeper.sent,
      succeeded: v.keeper.succeeded,
      lost: v.keeper.lost,
      skipped: v.keeper.skipped,
      capped: v.keeper.capped,
      failed: v.keeper.failed,
      rewardsUsd: usdc(v.keeper.rewards),
    },
    conservation: {
      ok: c.ok,
      vaultTokenBalanceUsd: usdc(c.vaultTokenBalance),
      totalAccountBalanceUsd: usdc(c.totalAccountBalance),
      sumOfKnownAccountsUsd: usdc(c.sumOfKnownAccounts),
      poolBalanceUsd: usdc(c.poolBalance),
      insuranceBalanceUsd: usdc(c.insuranceBalance),
      depositsUsd: {
        traders: usdc(c.flows.traderDeposits),
        lps: usdc(c.flows.lpDeposits),
        insurance: usdc(c.flows.insuranceFunding),
        keeperRepayments: usdc(c.flows.keeperRepayments),
      },
      withdrawalsUsd: { traders: usdc(c.flows.traderWithdrawals), lps: usdc(c.flows.lpRedemptions) },
      netDepositsUsd: usdc(c.netDeposits),
      ledgerGapUnits: c.ledgerGap.toString(),
      depositGapUnits: c.depositGap.toString(),
      accountSumGapUnits: c.accountSumGap.toString(),
      toleranceUnits: c.tolerance.toString(),
      eventFlowsMatch: (Object.keys(c.flows) as (keyof typeof c.flows)[]).every(
        (k) => c.flows[k] === c.eventFlows[k],
      ),
      markToMarketGapUsd: usdWad(c.markToMarketGapWad),
      tokens: Object.fromEntries(
        c.tokens.map((t) => [
          t.symbol,
          {
            ok: t.ok,
            vaultTokenBalance: fmt(t.vaultTokenBalance, t.decimals),
            totalAccountBalance: fmt(t.totalAccountBalance, t.decimals),
            deposited: fmt(t.flows.deposited, t.decimals),
            withdrawn: fmt(t.flows.withdrawn, t.decimals),
            seized: fmt(t.flows.seized, t.decimals),
          },
        ]),
      ),
    },
  };
}

/** The differences between the two variants of a side-by-side scenario (second minus first, and the ratio). */
function dampingJson(d: NonNullable<ReturnType<typeof dampingEffect>>) {
  return {
    badDebtChangeUsd: usdc(d.badDebtOn - d.badDebtOff),
    liquidatedNotionalChangeUsd: usdWad(d.notionalOn - d.notionalOff),
  };
}

function comparisonJson(result: SimulationResult) {
  if (result.variants.length !== 2) return undefined;
  const [a, b] = result.variants;
  const pair = (x: number | bigint, y: number | bigint) => ({
    [a.variant.key]: x.toString(),
    [b.variant.key]: y.toString(),
  });
  const kinds = Object.fromEntries(
    a.kinds.map((ka) => {
      const kb = b.kinds.find((k) => k.kind === ka.kind) as KindBreakdown;
      return [
        ka.kind,
        {
          liquidations: pair(ka.liquidations, kb.liquidations),
          tradersLiquidated: pair(ka.tradersLiquidated, kb.tradersLiquidated),
          penaltiesUsd: { [a.variant.key]: usdc(ka.penalties), [b.variant.key]: usdc(kb.penalties) },
          badDebtUsd: { [a.variant.key]: usdc(ka.badDebt), [b.variant.key]: usdc(kb.badDebt) },
          pnlUsd: { [a.variant.key]: usdWad(ka.pnl), [b.variant.key]: usdWad(kb.pnl) },
          ...(ka.collateralNeeded && kb.collateralNeeded
            ? {
                collateralNeededUsd: {
                  [a.variant.key]: usdWad(
                    a.variant.margin === "cross" ? ka.collateralNeeded.cross : ka.collateralNeeded.isolated,
                  ),
                  [b.variant.key]: usdWad(
                    b.variant.margin === "cross" ? kb.collateralNeeded.cross : kb.collateralNeeded.isolated,
                  ),
                },
              }
            : {}),
        },
      ];
    }),
  );
  return {
    variants: [a.variant.key, b.variant.key],
    liquidations: pair(a.headline.liquidations, b.headline.liquidations),
    liquidatedNotionalUsd: {
      [a.variant.key]: usdWad(a.headline.liquidatedNotional),
      [b.variant.key]: usdWad(b.headline.liquidatedNotional),
    },
    badDebtUsd: { [a.variant.key]: usdc(a.headline.badDebt), [b.variant.key]: usdc(b.headline.badDebt) },
    protocolPnlUsd: {
      [a.variant.key]: usdc(a.headline.protocolPnl),
      [b.variant.key]: usdc(b.headline.protocolPnl),
    },
    minPrice: Object.fromEntries(
      Object.keys(a.headline.prices).map((s) => [
        s,
        pair(round6(a.headline.prices[s].min), round6(b.headline.prices[s].min)),
      ]),
    ),
    byTraderKind: kinds,
  };
}

/** The content of summary.json. */
export function buildSummary(result: SimulationResult) {
  const lines = verdict(result);
  return {
    schema: "keel-simulation-summary/1",
    scenario: result.scenario.name,
    title: result.scenario.title,
    description: result.scenario.description,
    seed: result.seed,
    accounts: result.accounts,
    steps: result.steps,
    verdict: lines.map((l) => l.text),
    protocolLostMoney: result.variants.some((v) => v.headline.protocolPnl < 0n),
    badDebt: result.variants.some((v) => v.headline.badDebt > 0n),
    conservationOk: result.variants.every((v) => v.conservation.ok),
    schedule: result.schedule,
    ...(result.replay ? { replay: result.replay } : {}),
    ...(result.settings ? { settings: result.settings } : {}),
    variants: Object.fromEntries(result.variants.map((v) => [v.variant.key, variantJson(v)])),
    ...(result.variants.length === 2 ? { comparison: comparisonJson(result) } : {}),
    ...(dampingEffect(result) ? { damping: dampingJson(dampingEffect(result)!) } : {}),
  };
}

export type Summary = ReturnType<typeof buildSummary>;

/** summary.json's text: two-space indented, with a final newline. */
export const summaryText = (result: SimulationResult): string =>
  `${JSON.stringify(buildSummary(result), null, 2)}\n`;

export { money, moneyWad };
