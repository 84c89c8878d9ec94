/**
 * Account figures the app derives from `accountState` and the Vault's balances: how much of a token can be withdrawn
 * (DESIGN §15: a withdrawal leaves the balance non-negative and, with positions or debt, equity >= initial margin).
 * Pure: no ethers, no DOM.
 */
import { WAD } from "./stress";

/**
 * The most of a token that can be withdrawn: its whole balance when the account has no position and no debt,
 * otherwise no more than keeps equity at initial margin. `valuePerUnit` is the USD value (WAD) one raw unit of the
 * token adds to equity: `10^(18 - decimals)` for the settlement token, `price × weight / 10^decimals` otherwise.
 */
export function maxWithdrawable(p: {
  balance: bigint;
  freeCollateral: bigint;
  hasPositionsOrDebt: boolean;
  valuePerUnitWad: bigint;
}): bigint {
  if (p.balance <= 0n) return 0n;
  if (!p.hasPositionsOrDebt) return p.balance;
  if (p.freeCollateral <= 0n || p.valuePerUnitWad <= 0n) return 0n;
  const byMargin = (p.freeCollateral * WAD) / p.valuePerUnitWad;
  return byMargin < p.balance ? byMargin : p.balance;
}

/** The equity one raw unit of a token adds (WAD × WAD scale, see `maxWithdrawable`). */
export function valuePerUnitWad(decimals: number, priceWad = WAD, weightWad = WAD): bigint {
  return (priceWad * weightWad) / 10n ** BigInt(decimals);
}
