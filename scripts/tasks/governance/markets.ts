/** `admin:markets` (every market and risk parameter, pause state, roles) and `admin:set-market`. */
import type { IClearinghouse } from "../../../typechain-types";
import { formatFixed, formatPercent, formatUsd } from "../../common/format";
import { heading, renderTable } from "../../common/table";
import type { Row } from "../../common/table";
import { exact, parseDecimal, parseWad } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { listMarkets, resolveMarket } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { RISK_ADMIN, adminCall, kebab } from "./call";
import type { AdminCallArgs } from "./call";
import { ROLE_COLUMNS, rolesRows } from "./roles";

type MarketField = Exclude<keyof IClearinghouse.MarketParamsStruct, "asset">;

/** How each market parameter is given on the command line and shown. */
const MARKET_FIELDS: { field: MarketField; option: string; kind: "fraction" | "base" | "usd" | "seconds" }[] =
  [
    { field: "imf", option: "imf", kind: "fraction" },
    { field: "mmf", option: "mmf", kind: "fraction" },
    { field: "liquidationFee", option: "liquidationFee", kind: "fraction" },
    { field: "takerFee", option: "takerFee", kind: "fraction" },
    { field: "makerFee", option: "makerFee", kind: "fraction" },
    { field: "maxFundingRatePerDay", option: "maxFundingRatePerDay", kind: "fraction" },
    { field: "skewScale", option: "skewScale", kind: "base" },
    { field: "maxOpenInterest", option: "maxOpenInterest", kind: "base" },
    { field: "minPositionNotional", option: "minPositionNotional", kind: "usd" },
    { field: "maxLiquidationNotionalPerWindow", option: "maxLiquidationNotionalPerWindow", kind: "usd" },
    { field: "liquidationWindow", option: "liquidationWindow", kind: "seconds" },
  ];
export const MARKET_OPTIONS = MARKET_FIELDS.map((f) => f.option);

function showField(kind: "fraction" | "base" | "usd" | "seconds", value: bigint): string {
  switch (kind) {
    case "fraction":
      return `${formatPercent(value, { dp: 4 })} (${exact(value, 18)})`;
    case "base":
      return formatFixed(value, { dp: 4 });
    case "usd":
      return formatUsd(value);
    case "seconds":
      return `${value} s`;
  }
}

function jsonField(kind: "fraction" | "base" | "usd" | "seconds", value: bigint): string | number {
  return kind === "seconds" ? Number(value) : exact(value, 18);
}

export async function adminMarkets(ctx: TaskContext): Promise<TaskOutput> {
  const markets = await listMarkets(ctx);
  const risk = await ctx.lens.riskParams();
  const paused = await ctx.clearinghouse.paused();
  const poolPaused = await ctx.pool.paused();
  const rows: Row[] = MARKET_FIELDS.map((f) => [
    f.field,
    ...markets.map((m) => showField(f.kind, BigInt(m.params[f.field]))),
  ]);
  const s = ctx.settlement;
  const lines = [
    ...heading("Market parameters"),
    ...renderTable(["parameter", ...markets.map((m) => `${m.name} (id ${m.marketId})`)], rows),
    ...heading("Risk parameters"),
    ...renderTable(
      ["parameter", "value"],
      [
        ["maxPositionsPerAccount", String(risk.maxPositionsPerAccount)],
        ["insuranceFeeShare", formatPercent(risk.insuranceFeeShare)],
        ["maxOpenInterestToPool", `${formatFixed(risk.maxOpenInterestToPool, { dp: 2 })}x`],
        ["liquidationBuffer", formatPercent(risk.liquidationBuffer)],
        ["keeperShare", formatPercent(risk.keeperShare)],
        ["minKeeperReward", formatUsd(risk.minKeeperReward, { decimals: s.decimals })],
        ["maxKeeperReward", formatUsd(risk.maxKeeperReward, { decimals: s.decimals })],
        ["maxPnlToPool", formatPercent(risk.maxPnlToPool)],
        ["Clearinghouse paused", paused ? "YES" : "no"],
        ["LiquidityPool paused", poolPaused ? "YES" : "no"],
      ],
    ),
    ...heading("Roles"),
    ...renderTable(ROLE_COLUMNS, await rolesRows(ctx)),
  ];
  const json = {
    markets: markets.map((m) => ({
      marketId: m.marketId,
      market: m.name,
      asset: m.symbol,
      ...Object.fromEntries(
        MARKET_FIELDS.map((f) => [f.field, jsonField(f.kind, BigInt(m.params[f.field]))]),
      ),
    })),
    risk: {
      maxPositionsPerAccount: Number(risk.maxPositionsPerAccount),
      insuranceFeeShare: exact(risk.insuranceFeeShare, 18),
      maxOpenInterestToPool: exact(risk.maxOpenInterestToPool, 18),
      liquidationBuffer: exact(risk.liquidationBuffer, 18),
      keeperShare: exact(risk.keeperShare, 18),
      minKeeperReward: exact(risk.minKeeperReward, s.decimals),
      maxKeeperReward: exact(risk.maxKeeperReward, s.decimals),
      maxPnlToPool: exact(risk.maxPnlToPool, 18),
    },
    paused: { clearinghouse: paused, pool: poolPaused },
  };
  return { lines, json };
}

/** `--market` and any of the market options (`imf`, `takerFee`, …) as strings in human units. */
export type SetMarketArgs = AdminCallArgs & { market: string };

export async function setMarket(ctx: TaskContext, args: SetMarketArgs): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const current = market.params;
  const next: Record<string, bigint | string> = { asset: current.asset };
  const changes: Row[] = [];
  for (const f of MARKET_FIELDS) {
    const given = (args as unknown as Record<string, string | undefined>)[f.option];
    const old = BigInt(current[f.field]);
    let value = old;
    if (given !== undefined) {
      value =
        f.kind === "seconds"
          ? parseDecimal(given, 0, `--${kebab(f.option)}`)
          : parseWad(given, `--${kebab(f.option)}`);
      if (value < 0n) throw new Error(`--${kebab(f.option)} must not be negative`);
      if (value !== old) changes.push([f.field, showField(f.kind, old), showField(f.kind, value)]);
    }
    next[f.field] = value;
  }
  if (changes.length === 0) {
    throw new Error(
      `nothing to change: pass at least one of ${MARKET_OPTIONS.map((o) => `--${kebab(o)}`).join(", ")} with a new value`,
    );
  }
  const data = ctx.clearinghouse.interface.encodeFunctionData("setMarketParams", [
    market.marketId,
    next as never,
  ]);
  const result = await adminCall(
    ctx,
    {
      description: `Clearinghouse.setMarketParams(${market.marketId} ${market.name})`,
      target: ctx.clearinghouse,
      role: RISK_ADMIN,
      data,
    },
    args,
  );
  return {
    lines: [
      `${market.name} (id ${market.marketId})`,
      ...renderTable(["parameter", "now", "new"], changes),
      ...result.lines,
    ],
    json: {
      marketId: market.marketId,
      market: market.name,
      changes: changes.map((r) => (r as string[])[0]),
      ...result.json,
    },
  };
}
