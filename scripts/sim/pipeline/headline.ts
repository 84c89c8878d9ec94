/**
 * Headline totals: the figures of a finished variant, read from the chain at the end (every trader's equity, with
 * collateral tokens at their full oracle value for their PnL; the pool; the insurance fund) and summed from its events
 * and step records (trades, liquidations, penalties, keeper rewards, fees, funding, bad debt, collateral liquidations).
 */
import { ethers } from "ethers";
import type { AccountStateData } from "../../lib/system";
import { toAccountStateData } from "../../lib/system";
import type { AssetModel } from "../market";
import type { Headline, PriceStats, TickRecord } from "../types";
import { TO_WAD, sumUnits, sumWad } from "../units";
import type { EventRecorder } from "./events";
import type { LoopResult } from "./loop";
import type { World } from "./setup";

/** Every trader account's state at the end, and its equity with collateral tokens at their full oracle value (WAD). */
export interface FinalEquity {
  states: Map<bigint, AccountStateData>;
  /** Per account: equity with collateral tokens at their full oracle value instead of their haircut value (WAD). */
  marketEquity: Map<bigint, bigint>;
  /** Σ over trader accounts of their collateral tokens at their full oracle value (WAD). */
  tokenValue: bigint;
}

export async function readFinalEquity(world: World): Promise<FinalEquity> {
  const { sys, known, tokenByAddress, env } = world;
  const states = new Map<bigint, AccountStateData>();
  const marketEquity = new Map<bigint, bigint>();
  let tokenValue = 0n;
  for (const k of known) {
    const state = toAccountStateData(await sys.clearinghouse.accountState(k.accountId));
    states.set(k.accountId, state);
    let equity = state.equity;
    const held = await sys.vault.accountCollaterals(k.accountId);
    if (held.length) {
      const [, haircutValue] = await sys.vault.accountCollateral(k.accountId);
      equity -= haircutValue;
      for (const address of held) {
        const token = tokenByAddress.get(address.toLowerCase());
        if (!token) continue;
        const balance = await sys.vault.balanceOf(k.accountId, address);
        const value = (balance * env.price(token.marketId)) / 10n ** BigInt(token.decimals);
        equity += value;
        tokenValue += value;
      }
    }
    marketEquity.set(k.accountId, equity);
  }
  return { states, marketEquity, tokenValue };
}

export async function buildHeadline(
  world: World,
  recorder: EventRecorder,
  loop: LoopResult,
  final: FinalEquity,
): Promise<Headline> {
  const { sys, flows, traders, lps, tokens, sender, clock, input } = world;
  const { events, cumulative } = recorder;
  const poolNavEnd = await sys.pool.totalAssets();
  const insuranceEnd = await sys.vault.insuranceBalance();

  const liquidationRows = events.filter((e) => e.type === "liquidation");
  const tradeRows = events.filter((e) => e.type === "trade");
  const rejections = Object.fromEntries(
    [...sender.rejections.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const traderEquity = [...final.states.values()].reduce((acc, s) => acc + s.equity, 0n);
  const traderMarketEquity = [...final.marketEquity.values()].reduce((acc, e) => acc + e, 0n);
  const traderDeposits = flows.traderDeposits;
  const traderWithdrawals = flows.traderWithdrawals;
  const traderDepositedValue = traders.reduce((acc, t) => acc + t.depositedValue, 0n);
  const collateralRows = events.filter((e) => e.type === "collateral_liquidation");
  const lpPnl = poolNavEnd + flows.lpRedemptions - flows.lpDeposits;
  const insurancePnl = insuranceEnd - flows.insuranceFunding;

  return {
    trades: tradeRows.length,
    rejected: [...sender.rejections.values()].reduce((a, b) => a + b, 0),
    rejections,
    liquidations: liquidationRows.length,
    fullLiquidations: liquidationRows.filter((e) => e.fraction === "1").length,
    accountsLiquidated: new Set(liquidationRows.map((e) => e.accountId)).size,
    liquidatedNotional: loop.steps.reduce((acc, s) => acc + s.liquidatedNotional, 0n),
    capped: loop.steps.reduce((acc, s) => acc + s.capped, 0),
    penalties: sumUnits(liquidationRows.map((e) => e.penaltyUsdc)),
    keeperRewards: sumUnits(liquidationRows.map((e) => e.keeperRewardUsdc)),
    fees: sumWad(tradeRows.map((e) => e.feeUsd)),
    fundingSettled: sumWad(
      events.filter((e) => e.type === "trade" || e.type === "position_liquidated").map((e) => e.fundingUsd),
    ),
    badDebt: cumulative.badDebt,
    insuranceDraw: cumulative.insuranceDraw,
    poolWriteOff: cumulative.poolWriteOff,
    unrecovered: cumulative.unrecovered,
    insuranceStart: world.insurance,
    insuranceEnd,
    insuranceMin: loop.insuranceMin,
    poolNavStart: world.poolNavStart,
    poolNavEnd,
    poolNavMin: loop.navMin,
    lpDeposits: flows.lpDeposits,
    lpRedemptions: flows.lpRedemptions,
    lpPnl,
    insurancePnl,
    protocolPnl: lpPnl + insurancePnl,
    traderDeposits,
    traderWithdrawals,
    traderTokenDepositsValue: traderDepositedValue - traderDeposits * TO_WAD,
    traderEquity,
    traderPnl: traderMarketEquity + traderWithdrawals * TO_WAD - traderDepositedValue,
    collateralLiquidations: collateralRows.length,
    collateralRepaid: sumUnits(collateralRows.map((e) => e.amountUsdc)),
    collateralSeizedValue: collateralRows.reduce((acc, e) => {
      const token = tokens.get(e.token);
      if (!token) return acc;
      return (
        acc +
        (ethers.parseUnits(e.tokenAmount, token.decimals) * ethers.parseUnits(e.price, 18)) /
          10n ** BigInt(token.decimals)
      );
    }, 0n),
    lpRequests: lps.reduce((acc, l) => acc + l.requests, 0),
    lpRedemptionCount: lps.reduce((acc, l) => acc + l.redemptions, 0),
    prices: priceStats(loop.ticks, input.assets),
    duration: input.path.length ? input.path[input.path.length - 1].offset : 0,
    transactions: clock.transactions,
  };
}

export function priceStats(ticks: TickRecord[], assets: AssetModel[]): Record<string, PriceStats> {
  const out: Record<string, PriceStats> = {};
  for (const a of assets) {
    const series = ticks.map((t) => ({ offset: t.offset, price: t.prices[a.symbol] }));
    if (series.length === 0) continue;
    let peak = series[0].price;
    let maxDrawdown = 0;
    let maxHourlyDrop = 0;
    let j = 0;
    for (let i = 0; i < series.length; i++) {
      const p = series[i].price;
      if (p > peak) peak = p;
      maxDrawdown = Math.max(maxDrawdown, 1 - p / peak);
      // The highest price within the hour before this tick.
      while (series[j].offset < series[i].offset - 3_600) j++;
      let hourPeak = 0;
      for (let k = j; k <= i; k++) hourPeak = Math.max(hourPeak, series[k].price);
      maxHourlyDrop = Math.max(maxHourlyDrop, 1 - p / hourPeak);
    }
    out[a.symbol] = {
      start: series[0].price,
      end: series[series.length - 1].price,
      min: Math.min(...series.map((s) => s.price)),
      max: Math.max(...series.map((s) => s.price)),
      maxDrawdown,
      maxHourlyDrop,
    };
  }
  return out;
}
