/**
 * The keeper: one round discovers accounts from logs, checks them, and acts. Free of any process concern (no CLI,
 * no timers, no files, no signals), so the long-running bot (`npm run keeper`, cli.ts) and the simulation run
 * exactly the same code.
 *
 *   const keeper = new Keeper({ clearinghouse, vault, signer, logger });
 *   await keeper.scanLogs(deployBlock, latest);            // discover accounts from Deposited / TradeExecuted
 *   const outcomes = await keeper.checkAndLiquidate();     // one round: liquidate, then collateral and bad debt
 *
 * One round (`checkAndLiquidate`) runs its passes in order:
 *   0. settle the transactions still in flight from earlier rounds;
 *   1. liquidation: batch `liquidatable(uint256[])` over every tracked account (checks.ts), then `liquidate` each hit
 *      that holds positions (actions/liquidate.ts);
 *   2. auto-deleveraging (deleverage.ts), on the markets of the `deleverageMarkets` option (every market by default):
 *      `deleverage` the best-ranked position of a side over its cap (actions/deleverage.ts);
 *   3. debts (debts.ts): the accounts that may owe settlement tokens get `Vault.liquidateCollateral`
 *      (actions/liquidateCollateral.ts) or `Vault.settleBadDebt` (actions/settleBadDebt.ts).
 *
 * Every action is one `KeeperAction` (action.ts) run by one executor (executor.ts) over one sender (sender.ts). A
 * new action (settling orders, say) is one more `KeeperAction` and one more pass here: a method that chooses its plans
 * and hands them to `executor.run`, called from `checkAndLiquidate`.
 *
 * Imports point one way: keeper → passes (checks, discovery, debts) → actions → executor/sender → chain → errors, log,
 * tracker, units, types.
 */
import { DeleverageAction } from "./actions/deleverage";
import { LiquidateAction } from "./actions/liquidate";
import { LiquidateCollateralAction } from "./actions/liquidateCollateral";
import { SkipNotes } from "./actions/notes";
import { SettleBadDebtAction } from "./actions/settleBadDebt";
import { KeeperChain } from "./chain";
import { findLiquidatable } from "./checks";
import { DebtPassRunner, DebtWatch } from "./debts";
import { deleveragePass } from "./deleverage";
import { scanLogs } from "./discovery";
import { ActionExecutor } from "./executor";
import { resolveOptions } from "./options";
import type { KeeperConfig, ResolvedKeeperOptions } from "./options";
import { TxSender } from "./sender";
import { AccountTracker } from "./tracker";
import { newStats } from "./types";
import type { DebtOutcome, DeleverageOutcome, KeeperOutcome, KeeperStats, LiquidationOutcome } from "./types";

export class Keeper {
  readonly tracker: AccountTracker;
  readonly stats: KeeperStats = newStats();
  readonly options: ResolvedKeeperOptions;

  private readonly chain: KeeperChain;
  private readonly executor: ActionExecutor;
  private readonly debtWatch: DebtWatch;
  private readonly debts: DebtPassRunner;
  private readonly liquidation: LiquidateAction;
  private readonly deleverageAction: DeleverageAction;

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

  /** Accounts the debt pass checks (may owe settlement tokens), ascending. */
  debtAccounts(): bigint[] {
    return this.debtWatch.ids();
  }

  /** Adds an account to the debt pass's watch list (idempotent). Bounded by `maxDebtAccounts`: oldest dropped. */
  watchDebt(accountId: bigint, block = -1): void {
    this.debtWatch.watch(accountId, block);
  }

  /**
   * Reads `Deposited` and `TradeExecuted` logs of blocks `fromBlock..toBlock` (inclusive) into the tracker, and puts
   * the accounts of `Liquidated` logs on the debt pass's watch list. Returns the accounts seen for the first time.
   */
  scanLogs(fromBlock: number, toBlock: number): Promise<bigint[]> {
    return scanLogs(this.chain, this.tracker, this.debtWatch, fromBlock, toBlock);
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
    const markets = await this.deleverageMarkets();
    const deleverages = markets.length > 0 ? await this.deleverage(markets) : [];
    const debts = await this.processDebts();
    return [...settled, ...liquidations, ...deleverages, ...debts];
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
