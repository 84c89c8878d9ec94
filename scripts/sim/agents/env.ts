/**
 * What the simulation's agents share: the world they see when they act (`AgentEnv`), the markets and collateral tokens
 * as the simulation reads them, and the small conversions and reads every agent uses.
 */
import type { MockERC20 } from "../../../typechain-types";
import type { AccountStateData, PositionData, System } from "../../lib/system";
import { toAccountStateData, toPositionData } from "../../lib/system";
import type { Flows, Sender, TokenFlows } from "../world";

export const WAD = 10n ** 18n;
/** Settlement-token units (6 decimals) to WAD. */
export const TO_WAD = 10n ** 12n;
export const MAX_UINT = 2n ** 256n - 1n;

export interface MarketInfo {
  marketId: bigint;
  symbol: string;
  imf: bigint;
  mmf: bigint;
  takerFee: bigint;
  minPositionNotional: bigint;
}

/** A listed non-settlement collateral token. */
export interface TokenInfo {
  symbol: string;
  address: string;
  contract: MockERC20;
  decimals: number;
  /** The market whose oracle price values it (same asset). */
  marketId: bigint;
  /** `weight` (haircut, WAD). */
  weight: bigint;
}

/** What an agent sees of the world when it acts. */
export interface AgentEnv {
  sys: System;
  sender: Sender;
  markets: MarketInfo[];
  /** The listed collateral tokens by symbol (`WETH`, `WBTC`). */
  tokens: Map<string, TokenInfo>;
  /** The oracle price just pushed to a market's feed (WAD). */
  price(marketId: bigint): bigint;
  flows: Flows;
  tokenFlows: Map<string, TokenFlows>;
  /** Timestamp of the next block. */
  now(): number;
}

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);
/** `|size| * price` (WAD). */
export const notionalOf = (size: bigint, price: bigint): bigint => (abs(size) * price) / WAD;
/** USD (WAD) as a float, for decisions that need a ratio. */
export const usd = (wad: bigint): number => Number(wad / 10n ** 12n) / 1e6;
export const toWad = (x: number): bigint => BigInt(Math.round(x * 1e6)) * 10n ** 12n;

export const halfOf = (size: bigint): bigint => size / 2n;

export function marketInfo(env: AgentEnv, marketId: bigint): MarketInfo {
  const m = env.markets.find((x) => x.marketId === marketId);
  if (!m) throw new Error(`unknown market ${marketId}`);
  return m;
}

export const readState = async (env: AgentEnv, accountId: bigint): Promise<AccountStateData> =>
  toAccountStateData(await env.sys.clearinghouse.accountState(accountId));

export const readPositions = async (env: AgentEnv, accountId: bigint): Promise<PositionData[]> =>
  (await env.sys.lens.positions(accountId)).map(toPositionData);
