/** The shapes of the invariant model: symbols, expected errors and outcomes, feeds, withdrawal requests, addresses. */
import type { InvariantModel } from "./index";

export const SYMBOLS = ["ETH", "BTC"] as const;
export type Symbol = (typeof SYMBOLS)[number];

/** A custom error the chain may revert with, with its exact arguments. */
export interface ExpectedError {
  name: string;
  args: unknown[];
}

export type Outcome<T> =
  { ok: true; value: T; next: InvariantModel } | { ok: false; errors: ExpectedError[] };

export const err = (name: string, ...args: unknown[]): ExpectedError => ({ name, args });

/** A Chainlink mock feed as the model sees it: its latest answer and `updatedAt`. */
export interface FeedModel {
  symbol: Symbol;
  /** bytes32 oracle key. */
  asset: string;
  /** Lower-cased feed address. */
  address: string;
  decimals: number;
  heartbeat: bigint;
  minPrice: bigint;
  maxPrice: bigint;
  answer: bigint;
  updatedAt: bigint;
  /** The round id of the last `updateRoundData`/`updateAnswer` (MockV3Aggregator's `latestRound`). */
  round: bigint;
  /** Every round since the deployment (id, answer, `updatedAt`), oldest first: what `getRoundData` returns. */
  rounds: RoundModel[];
}

export interface RoundModel {
  round: bigint;
  answer: bigint;
  updatedAt: bigint;
}

export interface WithdrawalRequestModel {
  shares: bigint;
  unlockTime: bigint;
  expiry: bigint;
}

export interface WindowModel {
  start: bigint;
  used: bigint;
}

export interface Addresses {
  usdc: string;
  weth: string;
  wbtc: string;
  feeds: Record<Symbol, string>;
  lps: string[];
}
