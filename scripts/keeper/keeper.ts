/**
 * The keeper: one round discovers accounts from logs, checks them, and acts. Free of any process concern (no CLI,
 * no timers, no files, no signals), so the long-running bot (`npm run keeper`, cli.ts) and the simulation run
 * exactly the same code.
 *
 *   const keeper = new Keeper({ clearinghouse, vault, orderBook, signer, logger });
 *   await keeper.scanLogs(deployBlock, latest);            // discover accounts from Deposited / TradeExecuted
 *   const outcomes = await keeper.checkAndLiquidate();     // one round: liquidate, then collateral and bad debt
 *
 * One round (`checkAndLiquidate`) runs its passes in order:
 *   0. settle the transactions still in flight from earlier rounds;
 *   1. liquidation: batch `liquidatable(uint256[])` over every tracked account (checks.ts), then `liquidate` each hit
 *      that holds positions (actions/liquidate.ts);
 *   2. orders (orderPass.ts, when the keeper has an OrderBook and the `orders` option is on): for at most
 *      `maxOrdersPerRound` pending orders (oldest first, learnt from the OrderBook's logs: orders.ts), `cancelOrder`
 *      the expired market orders (actions/cancelOrder.ts) and `settleOrder` the settleable ones
 *      (actions/settleOrder.ts): a market order with the first round published after its commit, a conditional
 *      order once the oracle price crosses its trigger. Each earns the order's settlement fee;
 *   3. auto-deleveraging (deleverage.ts), on the markets of the `deleverageMarkets` option (every market by default):
 *      `deleverage` the best-ranked position of a side over its cap (actions/deleverage.ts);
 *   4. debts (debts.ts): the accounts that may owe settlement tokens get `Vault.liquidateCollateral`
 *      (actions/liquidateCollateral.ts) or `Vault.settleBadDebt` (actions/settleBadDebt.ts).
 *
 * Every action is one `KeeperAction` (action.ts) run by one executor (executor.ts) over one sender (sender.ts). A
 * new action is one more `KeeperAction` and one more pass here (as the order pass): a method that chooses its plans
 * and hands them to `executor.run`, called from `checkAndLiquidate`.
 *
 * Imports point one way: keeper → passes (checks, discovery, debts) → actions → executor/sender → chain → errors, log,
 * tracker, units, types.
 */
import { DeleverageAction } from "./actions/deleverage";
import { LiquidateAction } from "./actions/liquidate";
import { LiquidateCollateralAction } from "./actions/liquidateCollateral";
import { CancelOrderAction } from "./actions/cancelOrder";
import { SkipNotes } from "./actions/notes";
import { SettleOrderAction } from "./actions/settleOrder";
import { SettleBadDebtAction } from "./actions/settleBadDebt";
import { KeeperChain } from "./chain";
import { findLiquidatable } from "./checks";
import { DebtPassRunner, DebtWatch } from "./debts";
import { deleveragePass } from "./deleverage";
import { scanLogs } from "./discovery";
import { ActionExecutor } from "./executor";
import { resolveOptions } from "./options";
import { OrderPass } from "./orderPass";
import { PositionWatch } from "./positionWatch";
import { OrderTracker } from "./orders";
import type { KeeperConfig, ResolvedKeeperOptions } from "./options";
import { TxSender } from "./sender";
import { AccountTracker } from "./tracker";
import { newStats } from "./types";
import type {
  DebtOutcome,
  DeleverageOutcome,
  KeeperOutcome,
  KeeperStats,
  LiquidationOutcome,
  OrderOutcome,
} from "./types";

export class Keeper {
  readonly tracker: AccountTracker;
  /** The pending orders learnt from the OrderBook's logs (empty without an OrderBook or with `orders` off). */
  readonly orders: OrderTracker;
  readonly stats: KeeperStats = newStats();
  readonly options: ResolvedKeeperOptions;

  private readonly chain: KeeperChain;
  private readonly executor: ActionExecutor;
  private readonly debtWatch: DebtWatch;
  private readonly debts: DebtPassRunner;
  private readonly liquidation: LiquidateAction;
  private readonly deleverageAction: DeleverageAction;
  private readonly orderPass: OrderPass;
  /** The position sizes the order pass keeps between its reads, with the logs that change them. */
  private readonly positions = new PositionWatch();

  constructor(config: KeeperConfig) {
    this.options = resolveOptions(config);
    this.chain = new KeeperChain(config, this.options, this.stats);
    this.tracker = config.tracker ?? new AccountTracker();
    const sender = new TxSender(this.chain);
    const notes = new SkipNotes(this.chain);
    this.executor = new ActionExecutor(this.chain, sender);
    this.debtWatch = new DebtWatch(this.chain, notes);
    this.liquidation = new LiquidateAction(this.chain);
    this.deleverageAction = new DeleverageAction(this.chain);
    this.orders = new OrderTracker(config.pendingOrders, this.options.maxPendingOrders);
    this.orderPass = new OrderPass(
      this.chain,
      this.executor,
      this.orders,
      new SettleOrderAction(this.chain),
      new CancelOrderAction(this.chain),
      this.positions,
    );
    this.debts = new DebtPassRunner(
      this.chain,
      this.executor,
      this.debtWatch,
      new LiquidateCollateralAction(this.chain, sender, notes),
      new SettleBadDebtAction(this.chain, notes),
    );
    for (const id of config.debtAccounts ?? []) this.watchDebt(id);
  }

  /** The keeper's address (rewards go to its subaccount 0). */
  getAddress(): Promise<string> {
    return this.chain.keeperAddress();
  }

  /** Accounts with a transaction of ours not yet settled. */
  inFlightAccounts(): bigint[] {
    return this.executor.accounts();
  }

  /** Transactions of ours not yet settled, of every action (orders included). */
  inFlightCount(): number {
    return this.executor.size;
  }

  /** Pending order ids the order pass knows, oldest first (saved with the checkpoint). */
  pendingOrders(): bigint[] {
    return this.orders.ids();
  }

  /** Whether the order pass runs: the `orders` option is on and the keeper has an OrderBook. */
  get ordersEnabled(): boolean {
    return this.options.orders && this.chain.orderBook !== undefined;
  }

  /** Accounts the debt pass checks (may owe settlement tokens), ascending. */
  debtAccounts(): bigint[] {
    return this.debtWatch.ids();
  }

  /** Adds an account to the debt pass's watch list (idempotent). Bounded by `maxDebtAccounts`: oldest dropped. */
  watchDebt(accountId: bigint, block = -1): void {
    this.debtWatch.watch(accountId, block);
  }

  /**
   * Reads `Deposited` and `TradeExecuted` logs of blocks `fromBlock..toBlock` (inclusive) into the tracker, puts
   * the accounts of `Liquidated` logs on the debt pass's watch list and, with the order pass on, the OrderBook's
   * order logs into `orders`. Returns the accounts seen for the first time.
   */
  scanLogs(fromBlock: number, toBlock: number): Promise<bigint[]> {
    const orders = this.ordersEnabled ? this.orders : undefined;
    return scanLogs(this.chain, this.tracker, this.debtWatch, fromBlock, toBlock, orders, this.positions);
  }

  /**
   * The tracked accounts (minus those with a transaction in flight) that are liquidatable at `blockTag` and hold
   * positions; liquidatable ones without positions go to the debt pass.
   */
  findLiquidatable(blockTag: number): Promise<bigint[]> {
    const ids = this.tracker.ids().filter((id) => !this.executor.busy(id));
    return findLiquidatable(this.chain, this.debtWatch, ids, blockTag);
  }

  /**
   * One keeper round at `blockTag` (the latest block by default): settles transactions still in flight from an
   * earlier round, checks every tracked account, liquidates each liquidatable one, then runs the debt pass at the
   * latest block. Resolves when every transaction sent in this round is settled or `receiptTimeoutMs` has passed
   * (those stay in flight).
   */
  async checkAndLiquidate(blockTag?: number): Promise<KeeperOutcome[]> {
    const block = blockTag ?? (await this.chain.latestBlock());
    const settled = await this.executor.settleInFlight(block);
    const liquidations = await this.liquidateAccounts(await this.findLiquidatable(block), block);
    const orders = await this.processOrders(block);
    const markets = await this.deleverageMarkets();
    const deleverages = markets.length > 0 ? await this.deleverage(markets) : [];
    const debts = await this.processDebts();
    return [...settled, ...liquidations, ...orders, ...deleverages, ...debts];
  }

  /**
   * The order pass at `blockTag` (the latest block by default): cancels the expired market orders and settles the
   * settleable orders among the oldest `maxOrdersPerRound` pending ones, then waits for the receipts. Nothing when
   * the `orders` option is off or the keeper has no OrderBook.
   */
  async processOrders(blockTag?: number): Promise<OrderOutcome[]> {
    if (!this.ordersEnabled) return [];
    return this.orderPass.run(blockTag ?? (await this.chain.latestBlock()));
  }

  /**
   * Sends `liquidate` for each account (found liquidatable at block `checkedAt`), one after the other with
   * consecutive nonces, then waits for all the receipts together. The accounts go on the debt pass's watch list.
   */
  async liquidateAccounts(accountIds: readonly bigint[], checkedAt: number): Promise<LiquidationOutcome[]> {
    for (const accountId of accountIds) this.watchDebt(accountId, checkedAt);
    const plans = accountIds.map((accountId) => this.liquidation.plan(accountId, checkedAt));
    return (await this.executor.run(this.liquidation, plans)) as LiquidationOutcome[];
  }

  /**
   * The debt pass at `blockTag` (the latest block by default): for each watched account without a transaction in
   * flight that owes settlement tokens, `liquidateCollateral` (largest holding first) or `settleBadDebt`, largest
   * debt first; then waits for the receipts.
   */
  processDebts(blockTag?: number): Promise<DebtOutcome[]> {
    return this.debts.run(blockTag);
  }

  /**
   * Auto-deleveraging on `marketIds` (DESIGN §11.1): while a side is over its cap, `deleverage` the best-ranked
   * eligible position among the tracked accounts (or `accountIds`), at most `maxPerMarket` per market.
   */
  deleverage(
    marketIds: readonly bigint[],
    accountIds: readonly bigint[] = this.tracker.ids(),
    maxPerMarket = 8,
  ): Promise<DeleverageOutcome[]> {
    return deleveragePass(
      this.chain,
      this.executor,
      this.deleverageAction,
      marketIds,
      accountIds,
      maxPerMarket,
    );
  }

  /** The markets of the auto-deleveraging pass: the option's list, or every listed market for `"all"`. */
  async deleverageMarkets(): Promise<readonly bigint[]> {
    const markets = this.options.deleverageMarkets;
    if (markets !== "all") return markets;
    const count = await this.chain.rpc(() => this.chain.clearinghouse.marketCount());
    return Array.from({ length: Number(count) }, (_, i) => BigInt(i));
  }

  /** The keeper wallet's settlement-token balance now (also updates `stats.settlementWalletBalance`). */
  async settlementWalletBalance(): Promise<bigint> {
    const { token } = await this.chain.settlementToken();
    const me = await this.chain.keeperAddress();
    const balance = await this.chain.rpc(() => token.balanceOf(me));
    this.stats.settlementWalletBalance = balance;
    return balance;
  }

  /** The settlement token's address, symbol and decimals (read once). */
  async settlementToken(): Promise<{ address: string; symbol: string; decimals: number }> {
    const { address, symbol, decimals } = await this.chain.settlementToken();
    return { address, symbol, decimals };
  }
}
