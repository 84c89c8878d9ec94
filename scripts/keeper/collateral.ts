/**
 * What the keeper does about an account's settlement-token debt (DESIGN §10, §12), as pure functions of what it read
 * from the chain, so the decision is unit-tested without a chain and the `Keeper` only reads, decides and sends:
 *
 *   - `decideDebtAction`: no debt → nothing; debt and other collateral, while the account is liquidatable or has no
 *     positions → `liquidateCollateral`; debt, no positions and no other collateral → `settleBadDebt`; anything else
 *     waits for the position liquidation (`liquidate`) to come first.
 *   - `rankCollaterals`: which token to take first (the largest value at the oracle price).
 *   - `repayAmount`: the debt, capped by the per-transaction budget and by what the keeper's wallet holds.
 *   - `previewCollateralLiquidation`: `Vault.liquidateCollateral`'s arithmetic, rounding for rounding, so the keeper
 *     knows what it will pay and receive before it sends anything.
 *   - `collateralProfit`: the discount earned minus the gas, in USD.
 */

/** 1e18: prices and USD values are WAD fixed point. */
export const WAD = 10n ** 18n;

/** What the keeper read about one account that has (or had) settlement-token debt. */
export interface AccountDebtStatus {
  /** Settlement-token balance (own decimals); negative is debt. */
  settlementBalance: bigint;
  /** Open positions (`Clearinghouse.positionCount`). */
  positionCount: number;
  /** With positions: `Clearinghouse.isLiquidatable`. Without: haircut collateral value below debt × (1 + buffer). */
  liquidatable: boolean;
  /** Whether the account holds any non-settlement collateral (`Vault.accountCollateral`). */
  hasOtherCollateral: boolean;
}

export type DebtActionKind = "liquidateCollateral" | "settleBadDebt";

/** `result` label values of `keel_keeper_collateral_liquidations_total`. */
export const COLLATERAL_RESULTS = [
  "succeeded",
  "lost",
  "skipped",
  "unprofitable",
  "no_funds",
  "failed",
] as const;
export type CollateralResult = (typeof COLLATERAL_RESULTS)[number];
/** `result` label values of `keel_keeper_bad_debt_settlements_total`. */
export const BAD_DEBT_RESULTS = ["succeeded", "lost", "skipped", "failed"] as const;
export type BadDebtResult = (typeof BAD_DEBT_RESULTS)[number];

/** Why nothing is sent for an account; `watch` says whether the keeper keeps checking it every round. */
export type NoDebtActionReason =
  /** Balance >= 0: nothing owed. */
  | "no_debt"
  /** Debt and other collateral, healthy (with positions) or covered with the buffer (without): ordinary borrowing. */
  | "not_liquidatable"
  /** Debt, positions and no other collateral: `liquidate` closes the positions first (its waterfall covers it). */
  | "positions_open";

export type DebtDecision =
  | { action: "none"; reason: NoDebtActionReason; watch: false }
  | { action: DebtActionKind; debt: bigint; watch: true };

/**
 * The action an account's debt calls for (DESIGN §12): `liquidateCollateral` while it has debt and other collateral
 * and is liquidatable or has no positions; `settleBadDebt` when it has debt and neither positions nor other
 * collateral. An account needing no action is no longer watched: if it becomes liquidatable again the keeper's
 * `liquidatable` pass finds it and puts it back.
 */
export function decideDebtAction(status: AccountDebtStatus): DebtDecision {
  if (status.settlementBalance >= 0n) return { action: "none", reason: "no_debt", watch: false };
  const debt = -status.settlementBalance;
  if (status.hasOtherCollateral) {
    if (!status.liquidatable) {
      return { action: "none", reason: "not_liquidatable", watch: false };
    }
    return { action: "liquidateCollateral", debt, watch: true };
  }
  if (status.positionCount > 0) return { action: "none", reason: "positions_open", watch: false };
  return { action: "settleBadDebt", debt, watch: true };
}

/** One non-settlement token an account holds, with what the keeper needs to price a seizure. */
export interface HeldCollateral {
  token: string;
  /** The account's balance (token units). */
  balance: bigint;
  decimals: number;
  /** Oracle price (USD per whole token, WAD). */
  price: bigint;
  /** `liquidationDiscount` (WAD). */
  discount: bigint;
  /** Optional, for logs. */
  symbol?: string;
}

/** Market value of a balance at the oracle price, no haircut (USD, WAD, rounded down). */
export const collateralMarketValue = (c: Pick<HeldCollateral, "balance" | "decimals" | "price">): bigint =>
  (c.balance * c.price) / 10n ** BigInt(c.decimals);

/** The held tokens, largest market value first (ties by token address, for a stable order); empty balances dropped. */
export function rankCollaterals<T extends HeldCollateral>(held: readonly T[]): T[] {
  return held
    .filter((c) => c.balance > 0n)
    .map((c) => ({ c, value: collateralMarketValue(c) }))
    .sort((a, b) =>
      a.value === b.value
        ? a.c.token.toLowerCase() < b.c.token.toLowerCase()
          ? -1
          : 1
        : a.value > b.value
          ? -1
          : 1,
    )
    .map(({ c }) => c);
}

/**
 * The `repayAmount` to send: the whole debt, capped by the per-transaction budget (undefined: none) and by the
 * keeper's settlement-token wallet balance. 0 means the keeper cannot repay anything.
 */
export function repayAmount(debt: bigint, walletBalance: bigint, maxRepayPerTx?: bigint): bigint {
  let amount = debt < walletBalance ? debt : walletBalance;
  if (maxRepayPerTx !== undefined && maxRepayPerTx < amount) amount = maxRepayPerTx;
  return amount > 0n ? amount : 0n;
}

export interface CollateralLiquidationPreview {
  /** Settlement tokens the keeper pays. */
  repaid: bigint;
  /** Collateral tokens the keeper receives. */
  seized: bigint;
  /** The seizure hit the account's whole holding and the repayment shrank to match. */
  clamped: boolean;
}

const mulDivDown = (a: bigint, b: bigint, d: bigint): bigint => (a * b) / d;
const mulDivUp = (a: bigint, b: bigint, d: bigint): bigint => (a * b + d - 1n) / d;

/**
 * `Vault.liquidateCollateral(accountId, token, repayAmount)` as the contract computes it:
 * `repaid = min(repayAmount, debt)`, `seized = floor(floor(repaid * toWad * (1 + discount)) * 10^decimals / price)`;
 * when that exceeds the holding, `seized = held` and `repaid = ceil(ceil(ceil(held * price / 10^decimals) /
 * (1 + discount)) / toWad)`.
 */
export function previewCollateralLiquidation(p: {
  repayAmount: bigint;
  debt: bigint;
  held: bigint;
  decimals: number;
  price: bigint;
  discount: bigint;
  settlementDecimals: number;
}): CollateralLiquidationPreview {
  const toWad = 10n ** BigInt(18 - p.settlementDecimals);
  const unit = 10n ** BigInt(p.decimals);
  const premium = WAD + p.discount;
  let repaid = p.repayAmount < p.debt ? p.repayAmount : p.debt;
  if (repaid <= 0n || p.price <= 0n) return { repaid: 0n, seized: 0n, clamped: false };
  const seized = mulDivDown(mulDivDown(repaid * toWad, premium, WAD), unit, p.price);
  if (seized <= p.held) return { repaid, seized, clamped: false };
  repaid = mulDivUp(mulDivUp(mulDivUp(p.held, p.price, unit), WAD, premium), 1n, toWad);
  return { repaid, seized: p.held, clamped: true };
}

/**
 * What a collateral liquidation earns, in USD (WAD): the market value of what is seized, minus what is repaid
 * (settlement tokens at par), minus the gas (`gasCostUsd`, WAD). Roughly `repaid * discount - gas`.
 */
export function collateralProfit(p: {
  repaid: bigint;
  seized: bigint;
  decimals: number;
  price: bigint;
  settlementDecimals: number;
  gasCostUsd: bigint;
}): bigint {
  const seizedValue = (p.seized * p.price) / 10n ** BigInt(p.decimals);
  const repaidValue = p.repaid * 10n ** BigInt(18 - p.settlementDecimals);
  return seizedValue - repaidValue - p.gasCostUsd;
}

/** Gas cost in USD (WAD): `gas * gasPrice` wei of the native token at `nativePriceWad` USD per whole token. */
export const gasCostUsd = (gas: bigint, gasPriceWei: bigint, nativePriceWad: bigint): bigint =>
  (gas * gasPriceWei * nativePriceWad) / WAD;
