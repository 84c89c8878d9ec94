/**
 * What a simulation run records. Amounts on the protocol's ledgers are exact `bigint`s (settlement-token units, 6
 * decimals, or WAD where named); the `number` fields exist for charts only.
 */
import type { SimKeeperStats } from "./pipeline/keeper";
import type { TraderKind, TraderStyle } from "./population";
import type { ScenarioSpec, VariantSpec } from "./scenarios/definitions";
import type { Flows, TokenFlows } from "./world";

export const MARGIN_BUCKETS = ["< 1 (liquidatable)", "1 – 1.5", "1.5 – 2", "2 – 3", "3 – 5", "≥ 5"] as const;
export type MarginBucket = (typeof MARGIN_BUCKETS)[number];

/** One price update. */
export interface TickRecord {
  step: number;
  /** Seconds since the start of the run. */
  offset: number;
  /** USD per asset symbol (chart values). */
  prices: Record<string, number>;
  /** The oracle price per asset symbol, exactly (WAD). */
  priceWad: Record<string, bigint>;
  /** Log price impact of liquidations per asset symbol, when the tick's price was set. */
  impact: Record<string, number>;
  /** Liquidations sent by the keeper after this price update, and the notional they closed (USD, WAD). */
  liquidations: number;
  liquidatedNotional: bigint;
  event?: string;
}

/** The state at the end of one step. */
export interface StepRecord {
  step: number;
  /** Seconds since the start of the run (end of the step's last tick). */
  offset: number;
  prices: Record<string, number>;
  /** Accounts with positions per margin-ratio bucket (equity / maintenance margin). */
  marginBuckets: Record<MarginBucket, number>;
  /** Trader accounts without positions. */
  flatAccounts: number;
  /** Quantiles of the margin ratio over accounts with positions (null when none). */
  marginQuantiles: { p10: number; p50: number; p90: number } | null;
  trades: number;
  liquidations: number;
  /** Σ notional closed by the step's liquidations, USD (WAD). */
  liquidatedNotional: bigint;
  /** Liquidation attempts refused by the window cap (cascade damping) in this step. */
  capped: number;
  /** Settlement units. */
  insurance: bigint;
  poolBalance: bigint;
  /** `LiquidityPool.totalAssets()`. */
  poolNav: bigint;
  /** Cumulative bad debt, insurance draws, pool write-offs, unrecovered debt (settlement units). */
  badDebt: bigint;
  insuranceDraw: bigint;
  poolWriteOff: bigint;
  unrecovered: bigint;
  /** LP deposits minus redemptions so far (settlement units): `poolNav - lpNetDeposits` is the LPs' result. */
  lpNetDeposits: bigint;
  /** Open-interest notional (both sides) and skew notional (signed) per symbol, USD (WAD). */
  openInterest: Record<string, bigint>;
  skew: Record<string, bigint>;
}

export type SimEventType =
  | "trade"
  | "liquidation"
  | "position_liquidated"
  | "bad_debt"
  | "collateral_liquidation"
  | "deposit"
  | "withdrawal"
  | "pool_deposit"
  | "pool_redemption"
  | "insurance_funding"
  | "order_committed"
  | "order_settled"
  | "order_cancelled";

/** One protocol event, as a row of events.csv. Amount fields are exact decimal strings in their unit. */
export interface SimEvent {
  variant: string;
  step: number;
  /** Seconds since the start of the run (block timestamp - start). */
  time: number;
  block: number;
  logIndex: number;
  txHash: string;
  type: SimEventType;
  contract: "Clearinghouse" | "Vault" | "OrderBook";
  accountId: string;
  /** The agent the account belongs to (`trader-03`, `keeper`), or the address for pool/insurance flows. */
  agent: string;
  subaccount: string;
  market: string;
  /** Trade: sizeDelta; position_liquidated: sizeClosed (WAD base units, signed). */
  size: string;
  /** Fill or oracle price, USD. */
  price: string;
  /** |size| * price (trade, position_liquidated) or Σ notional closed (liquidation), USD. */
  notionalUsd: string;
  feeUsd: string;
  realizedPnlUsd: string;
  fundingUsd: string;
  /** Settlement-token amounts, USDC. */
  accountDeltaUsdc: string;
  penaltyUsdc: string;
  keeperRewardUsdc: string;
  badDebtUsdc: string;
  insuranceDrawUsdc: string;
  poolWriteOffUsdc: string;
  unrecoveredUsdc: string;
  amountUsdc: string;
  /** Deposits, withdrawals and collateral liquidations of a non-settlement token: its symbol and amount. */
  token: string;
  tokenAmount: string;
  /** Liquidation: fraction closed (0..1). */
  fraction: string;
  /** Liquidation: equity and maintenance margin before, USD. */
  equityBeforeUsd: string;
  maintenanceMarginBeforeUsd: string;
  /** Who earned a liquidation's reward or an order's settlement fee (a cancelled order's refund: its owner). */
  feeRecipient: string;
  /** A cancelled order: the reason's custom error (empty: cancelled by its owner). */
  reason: string;
}

/** The ledger check at the end of a run (settlement units). */
export interface Conservation {
  /** `usdc.balanceOf(vault)`. */
  vaultTokenBalance: bigint;
  /** `vault.totalAccountBalance(usdc)`: the on-chain sum of every account's (signed) settlement balance. */
  totalAccountBalance: bigint;
  /** Σ `vault.balanceOf(account, usdc)` over every account the simulation knows (traders' and the keeper's). */
  sumOfKnownAccounts: bigint;
  poolBalance: bigint;
  insuranceBalance: bigint;
  /** What the simulation sent in and took out. */
  flows: Flows;
  /** The same flows summed from the Vault's events (Deposited, Withdrawn, PoolFunded, PoolDefunded, InsuranceFunded). */
  eventFlows: Flows;
  /** Σ deposits - Σ withdrawals (the simulation's ledger). */
  netDeposits: bigint;
  /** `totalAccountBalance + poolBalance + insuranceBalance`. */
  ledgerTotal: bigint;
  /** `vaultTokenBalance - ledgerTotal`: must be 0. */
  ledgerGap: bigint;
  /** `netDeposits - ledgerTotal`: must be 0. */
  depositGap: bigint;
  /** `totalAccountBalance - sumOfKnownAccounts`: must be 0. */
  accountSumGap: bigint;
  /** Rounding allowed by the check (settlement units): every ledger move is an exact integer transfer. */
  tolerance: bigint;
  /** The same check for every non-settlement collateral token (token units). */
  tokens: TokenConservation[];
  ok: boolean;
  /**
   * Zero-sum at marks (WAD): Σ trader equity + keeper balance + pool value + insurance - net deposits. Not exactly 0:
   * equity and pool value round in the protocol's favour, per position.
   */
  markToMarketGapWad: bigint;
  /** The keeper's settlement balance in the Vault (its rewards), settlement units. */
  keeperBalance: bigint;
  /** The OrderBook's balance: settlement fees of pending orders (settlement units). */
  escrowBalance: bigint;
  /** The pool's value as the zero-sum check counts it. */
  poolAtMarks: PoolValueAtMarks;
}

/** The pool's value at marks (WAD), and its parts. */
export interface PoolValueAtMarks {
  /** `poolBalance * 1e12 + unrealized + premium`. */
  value: bigint;
  /** `poolExposure()`'s unrealized value. */
  unrealized: bigint;
  /** The skew premium closing every market's skew would pay, which `LiquidityPool.poolValue()` nets (DESIGN §11). */
  premium: bigint;
}

export interface TokenConservation {
  symbol: string;
  decimals: number;
  /** `token.balanceOf(vault)`. */
  vaultTokenBalance: bigint;
  /** `vault.totalAccountBalance(token)`. */
  totalAccountBalance: bigint;
  /** Σ `vault.balanceOf(account, token)` over the known accounts. */
  sumOfKnownAccounts: bigint;
  /** What the simulation deposited and withdrew, and what the keeper's collateral liquidations took out. */
  flows: TokenFlows;
  /** The same from the Vault's events (Deposited, Withdrawn, CollateralLiquidated). */
  eventFlows: TokenFlows;
  ok: boolean;
}

export interface PriceStats {
  start: number;
  end: number;
  min: number;
  max: number;
  /** Largest fall from a running peak (fraction). */
  maxDrawdown: number;
  /** Largest fall within any one hour (fraction). */
  maxHourlyDrop: number;
}

/** Outcomes by kind of trader (directional, hedger). */
export interface KindBreakdown {
  kind: TraderKind;
  traders: number;
  accounts: number;
  liquidations: number;
  /** Traders with at least one liquidated account. */
  tradersLiquidated: number;
  penalties: bigint;
  badDebt: bigint;
  deposited: bigint;
  withdrawn: bigint;
  /** Σ equity at the end (WAD). */
  finalEquity: bigint;
  /** Σ (final equity + withdrawn - deposited), WAD. */
  pnl: bigint;
  /**
   * Static books only: the smallest collateral (USD, WAD) that would have carried the first books through this run's
   * prices without a liquidation, in cross margin (one account per trader) and isolated (one subaccount per position):
   * `max(IM at opening, max over ticks of (maintenance margin - unrealized PnL))` per account, summed. Funding and fees
   * excluded.
   */
  collateralNeeded?: { cross: bigint; isolated: bigint };
}

export interface Headline {
  trades: number;
  rejected: number;
  rejections: Record<string, number>;
  liquidations: number;
  fullLiquidations: number;
  accountsLiquidated: number;
  liquidatedNotional: bigint;
  /** Liquidation attempts deferred by the window cap. */
  capped: number;
  penalties: bigint;
  keeperRewards: bigint;
  fees: bigint;
  /** Funding settled by positions (paid > 0), WAD. */
  fundingSettled: bigint;
  badDebt: bigint;
  insuranceDraw: bigint;
  poolWriteOff: bigint;
  unrecovered: bigint;
  insuranceStart: bigint;
  insuranceEnd: bigint;
  insuranceMin: bigint;
  poolNavStart: bigint;
  poolNavEnd: bigint;
  poolNavMin: bigint;
  lpDeposits: bigint;
  lpRedemptions: bigint;
  /** `poolNavEnd + lpRedemptions - lpDeposits` (settlement units). */
  lpPnl: bigint;
  /** `insuranceEnd - insuranceFunding`. */
  insurancePnl: bigint;
  /** `lpPnl + insurancePnl`: what the protocol's side (LPs and insurance fund) made or lost. */
  protocolPnl: bigint;
  /** USDC deposited and withdrawn by traders (settlement units). */
  traderDeposits: bigint;
  traderWithdrawals: bigint;
  /** USD value of the collateral tokens traders deposited, at the oracle price when they did (WAD). */
  traderTokenDepositsValue: bigint;
  /** Σ final equity of the traders (WAD; collateral tokens at their haircut value). */
  traderEquity: bigint;
  /**
   * Σ final equity with collateral tokens at their full oracle value, + withdrawals - deposits (tokens at their value
   * when deposited), WAD: a trader holding WETH through a fall loses on the WETH too.
   */
  traderPnl: bigint;
  /** `Vault.liquidateCollateral` calls that went through, USDC the keeper repaid, and the value it received. */
  collateralLiquidations: number;
  collateralRepaid: bigint;
  collateralSeizedValue: bigint;
  lpRequests: number;
  lpRedemptionCount: number;
  prices: Record<string, PriceStats>;
  /** Simulated seconds. */
  duration: number;
  transactions: number;
}

/**
 * Why traders' PnL and the protocol's result do not sum to zero (WAD): `sum = traderPnl + protocolPnl` equals the
 * sum of `terms` exactly (scripts/sim/pipeline/reconciliation.ts). Each term is signed as it adds to the sum.
 */
export interface Reconciliation {
  traderPnl: bigint;
  /** LPs + insurance fund (`Headline.protocolPnl`, in WAD). */
  protocolPnl: bigint;
  sum: bigint;
  terms: {
    /** Collateral tokens traders deposited: value at the final prices (held or taken by keepers) − value deposited. */
    collateralPriceMoves: bigint;
    /** − the rewards credited to the keeper's account. */
    keeperRewards: bigint;
    /** − (the tokens keepers took, at final prices, − the USDC they repaid). */
    keeperCollateralLiquidations: bigint;
    /** − the settlement fees escrowed by the OrderBook for orders still pending (paid by traders, not yet earned). */
    pendingOrderFees: bigint;
    /** − the skew premium `LiquidityPool.poolValue()` keeps out of the NAV (DESIGN §11). */
    skewPremium: bigint;
    /** − bad debt booked and not yet through the waterfall, beyond what the insurance fund holds. */
    pendingBadDebt: bigint;
    /** NAV (`totalAssets`, floored at zero) − `poolValue()`: what the floor hides of a pool worth less than nothing. */
    navFloor: bigint;
    /** The conservation check's mark-to-market gap − the NAV's flooring to whole settlement units. */
    rounding: bigint;
  };
}

export interface VariantResult {
  variant: VariantSpec;
  /** Liquidation cap per window per market in force (USD, WAD). */
  liquidationCap: Record<string, bigint>;
  ticks: TickRecord[];
  steps: StepRecord[];
  events: SimEvent[];
  headline: Headline;
  conservation: Conservation;
  reconciliation: Reconciliation;
  kinds: KindBreakdown[];
  keeper: SimKeeperStats;
  /** Per trader: final state, for the report's tables. */
  traders: TraderOutcome[];
  /** What each adversary made and from whom (pipeline/adversaries.ts); empty without adversaries. */
  adversaries: AdversaryOutcome[];
}

/** An adversary's result in one variant (WAD amounts). */
export interface AdversaryOutcome {
  label: string;
  strategy: string;
  /** Trades executed on its account (immediate, or its orders' settlements). */
  trades: number;
  /** Market orders committed, and updates it let pass while one was pending. */
  orders: number;
  waited: number;
  /** Trading fees paid (to the pool), settlement fees escrowed (to the keeper). */
  tradingFees: bigint;
  settlementFees: bigint;
  /** Final equity + withdrawals − deposits. */
  profit: bigint;
  /** `profit + fees`: what the strategy took from its counterparty before paying for the attempt. */
  gross: bigint;
  paidBy: string;
  /** What it gained (+) or paid (−) outside Keel (a spot round trip), included in `profit`; undefined: nothing. */
  outside?: bigint;
  /** The agent's own record of its attack (its tests read it; summary.json does not). */
  record?: unknown;
}

export interface TraderOutcome {
  label: string;
  kind: TraderKind;
  style: TraderStyle;
  leverage: number;
  accounts: number;
  deposited: bigint;
  withdrawn: bigint;
  finalEquity: bigint;
  liquidations: number;
}

export interface SimulationResult {
  scenario: ScenarioSpec;
  seed: number;
  accounts: number;
  steps: number;
  network: string;
  variants: VariantResult[];
  /** The scenario's exogenous path events (jumps, crash). */
  schedule: { step: number; event: string }[];
  /** What history the market replayed (`--prices`, `history-crash`), when it did. */
  replay?: ReplayInfo;
  /** Parameters changed from the deployed values (`--set`, a sweep's value). */
  settings?: { name: string; value: number }[];
}

/** The history a run replayed: the file, its rows' dates, whether it was rescaled, and the windows chosen. */
export interface ReplayInfo {
  file: string;
  from: string;
  to: string;
  rescaled: boolean;
  windows?: { from: string; to: string; drawdown: number }[];
}
