/**
 * The values the app's end-to-end test expects, from the project's TypeScript reference (test/shared/math.ts) and the
 * deployment's configuration (deploy/config.ts), never read back from the contracts.
 */
import { DEFAULT_MARKETS, DEFAULT_RISK } from "../../../deploy/config";
import { WAD, accountState, fillPrice, trade, tradeFee } from "../../shared/math";
import type { AccountStateRef, MarketRef, RefPosition } from "../../shared/math";

export const ETH = DEFAULT_MARKETS[0];
export const TO_WAD = 10n ** 12n;

export const marketAt = (price: bigint): MarketRef => ({ params: ETH, price, fundingIndex: 0n });

/** The preview of `delta` on ETH at `price` with `skew` open: fill price and fee (USD, WAD). */
export function previewRef(price: bigint, skew: bigint, delta: bigint) {
  const fill = fillPrice(price, skew, delta, ETH.skewScale);
  return { fill, fee: tradeFee(skew, delta, fill, ETH.makerFee, ETH.takerFee).fee };
}

/**
 * A trade of `delta` by an account holding `position` on ETH at `price` with `skew` open. Funding is zero: the test
 * keeps the market's skew at zero while the trader's position is open (its counterparty is short the same size).
 */
export const tradeRef = (position: RefPosition, skew: bigint, price: bigint, delta: bigint) =>
  trade(position, skew, marketAt(price), delta, TO_WAD, DEFAULT_RISK.insuranceFeeShare);

/** The account state of a settlement balance and one ETH position at `price`. */
export const stateRef = (balance: bigint, position: RefPosition, price: bigint): AccountStateRef =>
  accountState(balance, TO_WAD, [{ position, market: marketAt(price) }]);

/** Margin ratio as the app shows it: maintenance margin / equity (WAD). */
export const ratioRef = (s: AccountStateRef): bigint => (s.maintenanceMargin * WAD) / s.equity;
