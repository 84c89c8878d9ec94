/**
 * Account ids (DESIGN §4): `accountId = (uint256(owner) << 96) | subaccount`. An owner has 2^96 subaccounts, each a
 * separate cross-margin account. Written once here; the keeper, the simulation, the tasks and the tests import it.
 */
import { ethers } from "ethers";

/** Bits of an account id that hold the subaccount. */
export const SUBACCOUNT_BITS = 96n;
/** The largest subaccount number, 2^96 - 1. */
export const MAX_SUBACCOUNT = (1n << SUBACCOUNT_BITS) - 1n;

/** The account id of `owner`'s `subaccount` (0 by default). Throws on an invalid address or subaccount. */
export function accountIdOf(owner: string, subaccount: bigint | number = 0n): bigint {
  const sub = BigInt(subaccount);
  if (sub < 0n || sub > MAX_SUBACCOUNT) throw new Error(`subaccount ${sub} is outside 0..2^96-1`);
  return (BigInt(ethers.getAddress(owner)) << SUBACCOUNT_BITS) | sub;
}

/** The owner (checksummed) and subaccount packed in an account id. */
export function splitAccountId(accountId: bigint): { owner: string; subaccount: bigint } {
  if (accountId < 0n || accountId >> 256n !== 0n) throw new Error(`account id ${accountId} is not a uint256`);
  return {
    owner: ethers.getAddress(ethers.toBeHex(accountId >> SUBACCOUNT_BITS, 20)),
    subaccount: accountId & MAX_SUBACCOUNT,
  };
}

/** The owner address packed in an account id. */
export const ownerOf = (accountId: bigint): string => splitAccountId(accountId).owner;

/** The subaccount packed in an account id. */
export const subaccountOf = (accountId: bigint): bigint => accountId & MAX_SUBACCOUNT;

/** Whether two account ids belong to the same owner. */
export const sameOwner = (a: bigint, b: bigint): boolean => a >> SUBACCOUNT_BITS === b >> SUBACCOUNT_BITS;

/** A command-line account id, in decimal or hex; it must carry an owner. `what` names the option in errors. */
export function parseAccountId(value: string, what = "--account-id"): bigint {
  const clean = String(value).trim();
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(clean)) throw new Error(`${what}: "${value}" is not an account id`);
  const id = BigInt(clean);
  if (id >> 256n !== 0n) throw new Error(`${what}: "${value}" is larger than a uint256`);
  if (id >> SUBACCOUNT_BITS === 0n)
    throw new Error(`${what} ${value} has no owner (its top 160 bits are zero)`);
  return id;
}

/** A command-line subaccount number (0 when omitted). */
export function parseSubaccount(value: string | undefined, what = "--subaccount"): bigint {
  if (value === undefined) return 0n;
  const clean = String(value).trim();
  if (!/^\d+$/.test(clean) || BigInt(clean) > MAX_SUBACCOUNT)
    throw new Error(`${what} must be an integer from 0 to 2^96-1, got "${value}"`);
  return BigInt(clean);
}
