/**
 * The headline figures as rows (label, one value per variant), shared by the terminal table and report.html.
 */
import { formatUsd } from "../../common/format";
import type { Reconciliation, SimulationResult, VariantResult } from "../types";

const money = (units: bigint): string => formatUsd(units, { decimals: 6 });
const signedMoney = (units: bigint): string => formatUsd(units, { decimals: 6, signed: true });
const moneyWad = (wad: bigint): string => formatUsd(wad);
const signedMoneyWad = (wad: bigint): string => formatUsd(wad, { signed: true });
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const price = (x: number): string =>
  `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export interface HeadlineRow {
  label: string;
  values: string[];
  /** Rows that say something went wrong get flagged when the value is not zero. */
  alarm?: boolean[];
  section?: string;
}

/**
 * Why traders' PnL and the protocol's result do not cancel: their sum, then the terms that make it up (each signed as
 * it adds to the sum; the terms sum to it exactly, scripts/sim/pipeline/reconciliation.ts). Pending bad debt and the
 * NAV's floor at zero are listed only when some variant has them.
 */
export function reconciliationRows(result: SimulationResult): HeadlineRow[] {
  const vs = result.variants;
  const term = (label: string, key: keyof Reconciliation["terms"], always = true): HeadlineRow[] =>
    always || vs.some((v) => v.reconciliation.terms[key] !== 0n)
      ? [{ label: `    ${label}`, values: vs.map((v) => signedMoneyWad(v.reconciliation.terms[key])) }]
      : [];
  return [
    {
      label: "  traders' PnL + protocol result, made of:",
      values: vs.map((v) => signedMoneyWad(v.reconciliation.sum)),
    },
    ...term("collateral tokens' price moves", "collateralPriceMoves"),
    ...term("keeper rewards and order fees", "keeperRewards"),
    ...term("keeper's collateral liquidations (taken − repaid)", "keeperCollateralLiquidations"),
    ...term("settlement fees of pending orders", "pendingOrderFees", false),
    ...term("skew premium held out of pool NAV", "skewPremium"),
    ...term("bad debt booked, not yet settled", "pendingBadDebt", false),
    ...term("pool NAV floored at zero", "navFloor", false),
    ...term("rounding (in the protocol's favour)", "rounding"),
  ];
}

export function headlineRows(result: SimulationResult): HeadlineRow[] {
  const vs = result.variants;
  const row = (
    label: string,
    f: (v: VariantResult) => string,
    section?: string,
    alarm?: (v: VariantResult) => boolean,
  ): HeadlineRow => ({
    label,
    values: vs.map(f),
    alarm: alarm ? vs.map(alarm) : undefined,
    section,
  });
  const assets = Object.keys(vs[0].headline.prices);
  return [
    row(
      "protocol result (LPs + insurance)",
      (v) => signedMoney(v.headline.protocolPnl),
      "Result",
      (v) => v.headline.protocolPnl < 0n,
    ),
    row(
      "  LPs (NAV + redeemed − deposited)",
      (v) => signedMoney(v.headline.lpPnl),
      undefined,
      (v) => v.headline.lpPnl < 0n,
    ),
    row(
      "  insurance fund",
      (v) => signedMoney(v.headline.insurancePnl),
      undefined,
      (v) => v.headline.insurancePnl < 0n,
    ),
    row("traders' PnL (equity + withdrawn − deposited)", (v) => signedMoneyWad(v.headline.traderPnl)),
    ...reconciliationRows(result),
    row(
      "bad debt",
      (v) => money(v.headline.badDebt),
      "Losses",
      (v) => v.headline.badDebt > 0n,
    ),
    row(
      "  paid by the insurance fund",
      (v) => money(v.headline.insuranceDraw),
      undefined,
      (v) => v.headline.insuranceDraw > 0n,
    ),
    row(
      "  written off against the pool",
      (v) => money(v.headline.poolWriteOff),
      undefined,
      (v) => v.headline.poolWriteOff > 0n,
    ),
    row(
      "  unrecovered (left as debt)",
      (v) => money(v.headline.unrecovered),
      undefined,
      (v) => v.headline.unrecovered > 0n,
    ),
    row(
      "liquidations (full closes)",
      (v) => `${v.headline.liquidations} (${v.headline.fullLiquidations})`,
      "Liquidations",
    ),
    row("accounts liquidated", (v) => String(v.headline.accountsLiquidated)),
    row("notional liquidated", (v) => moneyWad(v.headline.liquidatedNotional)),
    row("liquidations deferred by the cap", (v) => String(v.headline.capped)),
    row(
      "penalties paid / keeper rewards",
      (v) => `${money(v.headline.penalties)} / ${money(v.headline.keeperRewards)}`,
    ),
    row(
      "collateral liquidations (USDC repaid / value taken)",
      (v) =>
        `${v.headline.collateralLiquidations} (${money(v.headline.collateralRepaid)} / ${moneyWad(v.headline.collateralSeizedValue)})`,
    ),
    row(
      "insurance fund start → end (min)",
      (v) =>
        `${money(v.headline.insuranceStart)} → ${money(v.headline.insuranceEnd)} (${money(v.headline.insuranceMin)})`,
      "Pool and insurance",
    ),
    row(
      "pool NAV start → end (min)",
      (v) =>
        `${money(v.headline.poolNavStart)} → ${money(v.headline.poolNavEnd)} (${money(v.headline.poolNavMin)})`,
    ),
    row(
      "LP deposits / redemptions",
      (v) => `${money(v.headline.lpDeposits)} / ${money(v.headline.lpRedemptions)}`,
    ),
    row("trades (refused transactions)", (v) => `${v.headline.trades} (${v.headline.rejected})`, "Activity"),
    row(
      "trading fees / funding settled",
      (v) => `${moneyWad(v.headline.fees)} / ${moneyWad(v.headline.fundingSettled)}`,
    ),
    row(
      "trader deposits: USDC + tokens / withdrawals",
      (v) =>
        `${money(v.headline.traderDeposits)} + ${moneyWad(v.headline.traderTokenDepositsValue)} / ${money(v.headline.traderWithdrawals)}`,
    ),
    ...assets.map((a, i) =>
      row(
        `${a} start → end (min; max hourly drop)`,
        (v) => {
          const p = v.headline.prices[a];
          return `${price(p.start)} → ${price(p.end)} (${price(p.min)}; ${pct(p.maxHourlyDrop)})`;
        },
        i === 0 ? "Market" : undefined,
      ),
    ),
    row(
      "conservation",
      (v) => (v.conservation.ok ? "holds (0 units)" : "VIOLATED"),
      "Checks",
      (v) => !v.conservation.ok,
    ),
  ];
}
