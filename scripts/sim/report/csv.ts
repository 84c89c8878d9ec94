/**
 * events.csv: one row per protocol event of the run (every variant), in chain order within a variant.
 * Amounts are exact decimal strings: USD for prices, notionals, fees, PnL and funding (WAD on chain), USDC for
 * settlement-token amounts.
 */
import type { SimEvent, SimulationResult } from "../types";

export const CSV_COLUMNS: (keyof SimEvent)[] = [
  "variant",
  "step",
  "time",
  "block",
  "logIndex",
  "txHash",
  "type",
  "contract",
  "agent",
  "accountId",
  "subaccount",
  "market",
  "size",
  "price",
  "notionalUsd",
  "feeUsd",
  "realizedPnlUsd",
  "fundingUsd",
  "accountDeltaUsdc",
  "fraction",
  "equityBeforeUsd",
  "maintenanceMarginBeforeUsd",
  "penaltyUsdc",
  "keeperRewardUsdc",
  "badDebtUsdc",
  "insuranceDrawUsdc",
  "poolWriteOffUsdc",
  "unrecoveredUsdc",
  "amountUsdc",
  "token",
  "tokenAmount",
  "feeRecipient",
  "reason",
];

const HEADERS: Partial<Record<keyof SimEvent, string>> = { time: "time_s" };

function cell(value: SimEvent[keyof SimEvent]): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function eventsCsv(result: SimulationResult): string {
  const lines = [CSV_COLUMNS.map((c) => HEADERS[c] ?? c).join(",")];
  for (const v of result.variants) {
    for (const e of v.events) lines.push(CSV_COLUMNS.map((c) => cell(e[c])).join(","));
  }
  return `${lines.join("\n")}\n`;
}
