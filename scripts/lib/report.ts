/**
 * Terminal reports of Keel state: an account's margin picture, its positions, the markets, and before/after
 * comparisons. Each function returns lines; the caller decides where they go.
 */
import {
  formatChange,
  formatFixed,
  formatPercent,
  formatRatio,
  formatSide,
  formatSize,
  formatUsd,
} from "../common/format";
import { renderTable } from "../common/table";
import type { Column, Row } from "../common/table";
import type { AccountStateData, MarketData, PositionData, Snapshot } from "./system";

/** Decimals shown for funding: a few hours of funding on a small skew is well below a cent. */
export const FUNDING_DP = 4;
/** Settlement-token (USDC) decimals. */
export const SETTLEMENT_DECIMALS = 6;

const usd = (v: bigint) => formatUsd(v);
const signedUsd = (v: bigint) => formatUsd(v, { signed: true });
const funding = (v: bigint) => formatUsd(v, { dp: FUNDING_DP });
const signedFunding = (v: bigint) => formatUsd(v, { dp: FUNDING_DP, signed: true });
const usdc = (v: bigint) => formatUsd(v, { decimals: SETTLEMENT_DECIMALS });
const signedUsdc = (v: bigint) => formatUsd(v, { decimals: SETTLEMENT_DECIMALS, signed: true });

/** `equity / maintenanceMargin` (DESIGN §9: liquidatable below 1). */
export const marginRatio = (s: AccountStateData): string => formatRatio(s.equity, s.maintenanceMargin);

/** The WAD notional `|size| * price`, rounded down. */
export const notional = (size: bigint, price: bigint): bigint =>
  ((size < 0n ? -size : size) * price) / 10n ** 18n;

const marketName = (markets: MarketData[], marketId: bigint): string =>
  markets.find((m) => m.marketId === marketId)?.name ?? `market ${marketId}`;

const oraclePrice = (markets: MarketData[], marketId: bigint): bigint => {
  const m = markets.find((x) => x.marketId === marketId);
  if (!m) throw new Error(`no market ${marketId}`);
  return m.oraclePrice;
};

const side = formatSide;

/** The rows of an AccountState, with the value formatter of each. */
const ACCOUNT_ROWS: { label: string; value: (s: AccountStateData) => bigint; format: "usd" | "funding" }[] = [
  { label: "equity", value: (s) => s.equity, format: "usd" },
  { label: "collateral value", value: (s) => s.collateralValue, format: "usd" },
  { label: "unrealized PnL", value: (s) => s.unrealizedPnl, format: "usd" },
  { label: "pending funding (owed)", value: (s) => s.pendingFunding, format: "funding" },
  { label: "initial margin", value: (s) => s.initialMargin, format: "usd" },
  { label: "maintenance margin", value: (s) => s.maintenanceMargin, format: "usd" },
  { label: "free collateral", value: (s) => s.freeCollateral, format: "usd" },
];

/** An AccountState as a two-column table, with the margin ratio and whether it is liquidatable. */
export function accountStateTable(s: AccountStateData): string[] {
  const rows: Row[] = ACCOUNT_ROWS.map((r) => [
    r.label,
    r.format === "usd" ? usd(r.value(s)) : funding(r.value(s)),
  ]);
  rows.push(["margin ratio (equity / MM)", marginRatio(s)], ["liquidatable", s.liquidatable ? "YES" : "no"]);
  return renderTable(["account", "value"], rows);
}

/** Two AccountStates side by side with the change of each number. */
export function accountComparisonTable(before: AccountStateData, after: AccountStateData): string[] {
  const rows: Row[] = ACCOUNT_ROWS.map((r) => {
    const fmt = r.format === "usd" ? usd : funding;
    const change = r.format === "usd" ? signedUsd : signedFunding;
    return [r.label, fmt(r.value(before)), fmt(r.value(after)), change(r.value(after) - r.value(before))];
  });
  rows.push(
    ["margin ratio (equity / MM)", marginRatio(before), marginRatio(after), ""],
    ["liquidatable", before.liquidatable ? "YES" : "no", after.liquidatable ? "YES" : "no", ""],
  );
  return renderTable(["account", "before", "after", "change"], rows);
}

/** The columns of a positions table (the `account` task adds the liquidation price and distance). */
export const POSITION_COLUMNS: Column[] = [
  { header: "market", align: "left" },
  { header: "side", align: "left" },
  ...["size", "entry price", "mark price", "notional", "unrealized PnL", "funding owed"].map((header) => ({
    header,
  })),
];

/** Open positions: size, entry and mark price, notional, PnL and funding owed, with a total row. */
export function positionsTable(positions: PositionData[], markets: MarketData[]): string[] {
  if (positions.length === 0) return ["  (no open positions)"];
  const rows: Row[] = positions.map((p) => {
    const price = oraclePrice(markets, p.marketId);
    return [
      marketName(markets, p.marketId),
      side(p.size),
      formatSize(p.size),
      usd(p.entryPrice),
      usd(price),
      usd(notional(p.size, price)),
      signedUsd(p.unrealizedPnl),
      funding(p.pendingFunding),
    ];
  });
  const sum = (f: (p: PositionData) => bigint) => positions.reduce((acc, p) => acc + f(p), 0n);
  rows.push("separator", [
    "total",
    "",
    "",
    "",
    "",
    usd(sum((p) => notional(p.size, oraclePrice(markets, p.marketId)))),
    signedUsd(sum((p) => p.unrealizedPnl)),
    funding(sum((p) => p.pendingFunding)),
  ]);
  return renderTable(POSITION_COLUMNS, rows);
}

/** Markets: oracle price, skew, open interest and the current funding rate. */
export function marketsTable(markets: MarketData[]): string[] {
  return renderTable(
    ["market", "oracle price", "skew", "long OI", "short OI", "funding / day"],
    markets.map((m) => [
      m.name,
      usd(m.oraclePrice),
      formatFixed(m.skew, { dp: 4, signed: true }),
      formatSize(m.longOpenInterest),
      formatSize(m.shortOpenInterest),
      formatPercent(m.fundingRatePerDay, { dp: 6, signed: true }),
    ]),
  );
}

/** What one market's position did between two snapshots. USD values in WAD. */
export interface MarketMove {
  marketId: bigint;
  name: string;
  priceBefore: bigint;
  priceAfter: bigint;
  /** Change of the position's unrealized PnL. */
  pnlChange: bigint;
  /** Funding the position accrued (positive: paid by the account). */
  fundingPaid: bigint;
  /** `pnlChange - fundingPaid`: what the move did to equity through this market. */
  net: bigint;
}

/** Per-market PnL and funding between two snapshots of the same account (positions matched by market). */
export function marketMoves(before: Snapshot, after: Snapshot): MarketMove[] {
  const ids = [...new Set([...before.positions, ...after.positions].map((p) => p.marketId))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const find = (s: Snapshot, id: bigint) => s.positions.find((p) => p.marketId === id);
  return ids.map((marketId) => {
    const b = find(before, marketId);
    const a = find(after, marketId);
    const pnlChange = (a?.unrealizedPnl ?? 0n) - (b?.unrealizedPnl ?? 0n);
    const fundingPaid = (a?.pendingFunding ?? 0n) - (b?.pendingFunding ?? 0n);
    return {
      marketId,
      name: marketName(after.markets, marketId),
      priceBefore: oraclePrice(before.markets, marketId),
      priceAfter: oraclePrice(after.markets, marketId),
      pnlChange,
      fundingPaid,
      net: pnlChange - fundingPaid,
    };
  });
}

/** The per-market moves as a table with a total row. */
export function marketMovesTable(moves: MarketMove[]): string[] {
  const rows: Row[] = moves.map((m) => [
    m.name,
    usd(m.priceBefore),
    usd(m.priceAfter),
    formatChange(m.priceBefore, m.priceAfter),
    signedUsd(m.pnlChange),
    funding(m.fundingPaid),
    signedFunding(m.net),
  ]);
  const sum = (f: (m: MarketMove) => bigint) => moves.reduce((acc, m) => acc + f(m), 0n);
  rows.push("separator", [
    "total",
    "",
    "",
    "",
    signedUsd(sum((m) => m.pnlChange)),
    funding(sum((m) => m.fundingPaid)),
    signedFunding(sum((m) => m.net)),
  ]);
  return renderTable(
    ["market", "price before", "price after", "move", "PnL change", "funding paid", "equity effect"],
    rows,
  );
}

/** The pool between two snapshots: NAV (`totalAssets`), its settlement ledger and the insurance fund. */
export function poolComparisonTable(before: Snapshot, after: Snapshot): string[] {
  const row = (label: string, f: (s: Snapshot) => bigint): Row => [
    label,
    usdc(f(before)),
    usdc(f(after)),
    signedUsdc(f(after) - f(before)),
  ];
  return renderTable(
    ["pool", "before", "after", "change"],
    [
      row("totalAssets (NAV)", (s) => s.poolTotalAssets),
      row("settlement ledger", (s) => s.poolBalance),
      row("insurance fund", (s) => s.insuranceBalance),
    ],
  );
}

/** `+ $1.00` / `- $1.00`: a term of a sum written out. */
const term = (v: bigint, dp: number): string => `${v < 0n ? "-" : "+"} ${formatUsd(v < 0n ? -v : v, { dp })}`;

/**
 * `equity = collateral + unrealized PnL - pending funding` (DESIGN §9) written out with the account's numbers, and
 * whether it reproduces `accountState.equity` exactly.
 */
export function equityIdentity(s: AccountStateData): string[] {
  const implied = s.collateralValue + s.unrealizedPnl - s.pendingFunding;
  const verdict =
    implied === s.equity
      ? "= accountState.equity ✓"
      : `≠ accountState.equity = ${formatUsd(s.equity, { dp: FUNDING_DP })} ✗`;
  return [
    "  equity = collateral value + unrealized PnL - funding owed",
    `         = ${usd(s.collateralValue)} ${term(s.unrealizedPnl, 2)} ${term(-s.pendingFunding, FUNDING_DP)}` +
      ` = ${formatUsd(implied, { dp: FUNDING_DP })} ${verdict}`,
  ];
}
