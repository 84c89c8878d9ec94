/**
 * Markets, tokens and accounts given on the command line by name: `--market ETH` (or `ETH-PERP`, or an id),
 * `--token WETH` (or an address), `--account-id` or `--address` with `--subaccount`; the account a command acts on
 * (its own, or with `--account-id` / `--owner` one the signer operates).
 */
import { ethers } from "ethers";
import type { IClearinghouse } from "../../../typechain-types";
import { accountIdOf, parseAccountId, parseSubaccount, splitAccountId } from "../../common/accounts";
import { isAddressText, tokenInfo } from "./context";
import type { TaskContext, TokenInfo } from "./context";

export interface MarketRef {
  marketId: bigint;
  /** `ETH` */
  symbol: string;
  /** `ETH-PERP` */
  name: string;
  params: IClearinghouse.MarketParamsStructOutput;
}

/** A bytes32 asset key as its symbol (`ETH`), or the hex when it is not a string. */
export const assetSymbol = (asset: string): string => {
  try {
    return ethers.decodeBytes32String(asset);
  } catch {
    return asset;
  }
};

export async function listMarkets(ctx: TaskContext): Promise<MarketRef[]> {
  const count = await ctx.clearinghouse.marketCount();
  const refs: MarketRef[] = [];
  for (let marketId = 0n; marketId < count; marketId++) {
    const params = await ctx.lens.marketParams(marketId);
    const symbol = assetSymbol(params.asset);
    refs.push({ marketId, symbol, name: `${symbol}-PERP`, params });
  }
  return refs;
}

/** `--market ETH`, `ETH-PERP` or a market id. */
export async function resolveMarket(ctx: TaskContext, market: string): Promise<MarketRef> {
  const markets = await listMarkets(ctx);
  const wanted = market
    .trim()
    .toUpperCase()
    .replace(/-PERP$/, "");
  const found =
    markets.find((m) => m.symbol.toUpperCase() === wanted) ??
    (/^\d+$/.test(wanted) ? markets.find((m) => m.marketId === BigInt(wanted)) : undefined);
  if (!found) {
    throw new Error(
      `no market "${market}"; markets: ${markets.map((m) => `${m.symbol} (id ${m.marketId})`).join(", ")}`,
    );
  }
  return found;
}

/** The settlement token and every listed collateral token. */
export async function listTokens(ctx: TaskContext): Promise<TokenInfo[]> {
  const collateral = await ctx.vault.collateralTokens();
  return [ctx.settlement, ...(await Promise.all(collateral.map((a) => tokenInfo(ctx.signer, a))))];
}

/** `--token USDC` (a symbol, case-insensitive) or an address; the settlement token when omitted. */
export async function resolveToken(ctx: TaskContext, token: string | undefined): Promise<TokenInfo> {
  if (token === undefined) return ctx.settlement;
  if (isAddressText(token)) return tokenInfo(ctx.signer, token);
  const tokens = await listTokens(ctx);
  const found = tokens.find((t) => t.symbol.toLowerCase() === token.toLowerCase());
  if (!found) throw new Error(`no token "${token}"; tokens: ${tokens.map((t) => t.symbol).join(", ")}`);
  return found;
}

/** An address option (`--address`, `--to`): checksummed, or a one-line error naming the option. */
export function parseAddress(value: string, what: string): string {
  if (!isAddressText(value)) throw new Error(`${what}: "${value}" is not an address`);
  return ethers.getAddress(value);
}

/** `--account-id` wins; else `--address` (default: the signer) and `--subaccount`. */
export function resolveAccountId(
  ctx: TaskContext,
  args: { accountId?: string; address?: string; subaccount?: string },
): { accountId: bigint; owner: string; subaccount: bigint } {
  if (args.accountId !== undefined) {
    const accountId = parseAccountId(args.accountId);
    return { accountId, ...splitAccountId(accountId) };
  }
  const owner = args.address === undefined ? ctx.signerAddress : parseAddress(args.address, "--address");
  const subaccount = parseSubaccount(args.subaccount);
  return { accountId: accountIdOf(owner, subaccount), owner, subaccount };
}

/** The signer's own subaccount (`--subaccount`, default 0) and its account id. */
export function ownAccount(ctx: TaskContext, subaccountArg: string | undefined) {
  const subaccount = parseSubaccount(subaccountArg);
  return { subaccount, accountId: accountIdOf(ctx.signerAddress, subaccount) };
}

/** `--account-id`, or `--owner` with `--subaccount`: an account the signer owns or operates; default its own. */
export interface AccountArgs {
  accountId?: string;
  owner?: string;
  subaccount?: string;
}

export interface TargetAccount {
  accountId: bigint;
  owner: string;
  subaccount: bigint;
  /** Whether the signer owns it (else it acts as an operator). */
  own: boolean;
}

/** The account a command acts on: the signer's own subaccount, or one it operates. */
export function targetAccount(ctx: TaskContext, args: AccountArgs): TargetAccount {
  const { accountId, owner, subaccount } = resolveAccountId(ctx, {
    accountId: args.accountId,
    address: args.owner,
    subaccount: args.subaccount,
  });
  return { accountId, owner, subaccount, own: owner === ctx.signerAddress };
}

/** How the task names the account in its first line: `0xabc… / subaccount 0` (and `as operator` when it is). */
export const accountWords = (ctx: TaskContext, a: TargetAccount): string =>
  `${a.owner} / subaccount ${a.subaccount}${a.own ? "" : ` (as operator ${ctx.signerAddress})`}`;
