/**
 * What the debt actions of one pass share, read lazily and at most once per pass: the keeper wallet's settlement
 * tokens (decreased by what each sent transaction will spend), the collateral tokens' prices and discounts, the gas
 * price, the insurance fund and pool balances; and what the wallet could not repay, for one warning per pass.
 */
import type { ActionPlan, KeeperAction } from "../action";
import type { KeeperChain } from "../chain";
import type { DebtOutcome } from "../types";

/** Reverts of the debt actions that mean "no longer needed" (someone else acted, or the account changed). */
export const DEBT_REVERTS: ReadonlySet<string> = new Set([
  "VaultNoDebt",
  "VaultCollateralNotLiquidatable",
  "VaultBadDebtNotSettleable",
]);

/** A debt action: plans what to send for an account's debt in a pass, or says why nothing is sent. */
export interface DebtAction<P extends ActionPlan = ActionPlan> extends KeeperAction<P> {
  plan(accountId: bigint, debt: bigint, pass: DebtPass): Promise<P | DebtOutcome>;
}

export interface CollateralInfo {
  decimals: number;
  price: bigint;
  discount: bigint;
  symbol?: string;
}

export interface DebtPass {
  block: number;
  /** Settlement tokens left in the wallet for this pass (read once, then decreased by what was sent). */
  wallet?: bigint;
  walletAtStart?: bigint;
  /** Σ debt of accounts the wallet could not (fully) repay this pass, and how many. */
  shortfall: bigint;
  unfunded: number;
  collateral: Map<string, Promise<CollateralInfo>>;
  gasPrice?: Promise<bigint>;
  nativePrice?: Promise<bigint>;
  waterfall?: Promise<bigint>;
}

export const newDebtPass = (block: number): DebtPass => ({
  block,
  shortfall: 0n,
  unfunded: 0,
  collateral: new Map(),
});

/** The settlement tokens the wallet still has for this pass (read once per pass; updates the stats' balance). */
export async function walletLeft(chain: KeeperChain, pass: DebtPass): Promise<bigint> {
  if (pass.wallet === undefined) {
    const { token } = await chain.settlementToken();
    const me = await chain.keeperAddress();
    pass.wallet = await chain.rpc(() => token.balanceOf(me, { blockTag: pass.block }));
    pass.walletAtStart = pass.wallet;
    chain.stats.settlementWalletBalance = pass.wallet;
  }
  return pass.wallet > 0n ? pass.wallet : 0n;
}

/** Decimals, oracle price, discount and symbol of a collateral token (read once per pass). */
export function collateralInfo(chain: KeeperChain, token: string, pass: DebtPass): Promise<CollateralInfo> {
  const key = token.toLowerCase();
  let info = pass.collateral.get(key);
  if (!info) {
    info = (async () => {
      const config = await chain.rpc(() => chain.vault.collateralConfig(token, { blockTag: pass.block }));
      const oracle = await chain.oracle();
      const [price, symbol] = await Promise.all([
        chain.rpc(() => oracle.price(config.asset, { blockTag: pass.block })),
        chain.symbol(token).catch(() => undefined),
      ]);
      return { decimals: Number(config.decimals), price, discount: config.liquidationDiscount, symbol };
    })();
    pass.collateral.set(key, info);
  }
  return info;
}

/** Logs a read of the debt pass that failed (the account is tried again next round). */
export function readFailed(
  chain: KeeperChain,
  accountId: bigint,
  block: number,
  read: string,
  err: unknown,
): void {
  chain.log("error", "debt_check_failed", { accountId, block, read, error: chain.describe(err) });
}
