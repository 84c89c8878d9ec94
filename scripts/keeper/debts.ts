/**
 * The debt pass: the accounts that may owe settlement tokens (those found liquidatable or liquidated, by anyone, and
 * those left with a debt by earlier rounds) are read with `Vault.accountCollateral`; for each debtor
 * `decideDebtAction` picks `liquidateCollateral` or `settleBadDebt` (or nothing), largest debt first, and the
 * executor sends it. One transaction per account per pass: the next pass sees its effect and continues.
 */
import type { ActionExecutor, InFlight } from "./executor";
import type { KeeperChain } from "./chain";
import { mapLimit } from "../common/ranges";
import { WAD, decideDebtAction } from "./collateral";
import type { DebtActionKind } from "./collateral";
import type { LiquidateCollateralAction } from "./actions/liquidateCollateral";
import type { SkipNotes } from "./actions/notes";
import { newDebtPass, readFailed } from "./actions/pass";
import type { DebtAction, DebtPass } from "./actions/pass";
import type { SettleBadDebtAction } from "./actions/settleBadDebt";
import type { DebtOutcome, KeeperOutcome } from "./types";
import { amountFields } from "../common/format";

/** The accounts that may owe settlement tokens → block they were added at (insertion order: oldest first). */
export class DebtWatch {
  private readonly accounts = new Map<bigint, number>();
  private fullWarned = false;

  constructor(
    private readonly chain: KeeperChain,
    private readonly notes: SkipNotes,
  ) {}

  /** Adds an account (idempotent). Bounded by `maxDebtAccounts`: the longest-watched are dropped. */
  watch(accountId: bigint, block = -1): void {
    if (this.accounts.has(accountId)) return;
    const max = this.chain.options.maxDebtAccounts;
    while (this.accounts.size >= max) {
      const [oldest] = this.accounts.keys();
      this.unwatch(oldest);
      if (!this.fullWarned) {
        this.fullWarned = true;
        this.chain.log("warn", "debt_watch_full", {
          maxDebtAccounts: max,
          dropped: oldest,
          message: "more accounts may owe settlement tokens than the keeper watches; raise maxDebtAccounts",
        });
      }
    }
    this.accounts.set(accountId, block);
  }

  unwatch(accountId: bigint): void {
    this.accounts.delete(accountId);
    this.notes.forget(accountId);
  }

  /** Watched accounts, ascending. */
  ids(): bigint[] {
    return [...this.accounts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Watched accounts, oldest first. */
  inOrder(): bigint[] {
    return [...this.accounts.keys()];
  }
}

interface Debtor {
  accountId: bigint;
  balance: bigint;
  otherValue: bigint;
  hasOther: boolean;
  /** Open positions; undefined when the read failed (tried again next round). */
  positions?: number;
}

export class DebtPassRunner {
  /** The last funds warning (to log it when it changes, not every round). */
  private fundsNote: string | undefined;

  constructor(
    private readonly chain: KeeperChain,
    private readonly executor: ActionExecutor,
    private readonly watch: DebtWatch,
    private readonly collateral: LiquidateCollateralAction,
    private readonly badDebt: SettleBadDebtAction,
  ) {}

  /**
   * The debt pass at `blockTag` (the latest block by default). Accounts that still owe after it stay watched;
   * accounts needing nothing (no debt, or healthy with positions) are dropped until they are liquidatable again.
   */
  async run(blockTag?: number): Promise<DebtOutcome[]> {
    const ids = this.watch.inOrder().filter((id) => !this.executor.busy(id));
    if (ids.length === 0) return [];
    const block = blockTag ?? (await this.chain.latestBlock());
    const debtors = await this.readDebtors(ids, block);
    if (debtors.length === 0) return [];
    const liquidatable = await this.readLiquidatable(debtors, block);
    const plans = this.decide(debtors, liquidatable, block, (await this.chain.settlementToken()).decimals);
    return (await this.act(plans, newDebtPass(block))) as DebtOutcome[];
  }

  /** Balances (one read per account) and, for debtors, open positions; accounts without debt are dropped. */
  private async readDebtors(ids: readonly bigint[], block: number): Promise<Debtor[]> {
    const { chain } = this;
    const concurrency = chain.options.readConcurrency;
    const reads = await mapLimit(ids, concurrency, async (accountId): Promise<Debtor | undefined> => {
      try {
        const [balance, otherValue, hasOther] = await chain.rpc(() =>
          chain.vault.accountCollateral(accountId, { blockTag: block }),
        );
        return { accountId, balance, otherValue, hasOther };
      } catch (err) {
        readFailed(chain, accountId, block, "accountCollateral", err);
        return undefined;
      }
    });
    const debtors: Debtor[] = [];
    for (const read of reads) {
      if (read === undefined) continue;
      if (read.balance >= 0n) this.watch.unwatch(read.accountId);
      else debtors.push(read);
    }
    await mapLimit(debtors, concurrency, async (d) => {
      try {
        d.positions = Number(
          await chain.rpc(() => chain.clearinghouse.positionCount(d.accountId, { blockTag: block })),
        );
      } catch (err) {
        readFailed(chain, d.accountId, block, "positionCount", err);
      }
    });
    return debtors;
  }

  /**
   * The debtors open to collateral liquidation: with positions, `liquidatable`; without, booked bad debt or a
   * haircut collateral value below debt × (1 + buffer) (DESIGN §12).
   */
  private async readLiquidatable(debtors: Debtor[], block: number): Promise<Set<bigint>> {
    const { chain } = this;
    const liquidatable = new Set<bigint>();
    const withPositions = debtors.filter((d) => d.hasOther && (d.positions ?? 0) > 0);
    for (let i = 0; i < withPositions.length; i += chain.options.batchSize) {
      const batch = withPositions.slice(i, i + chain.options.batchSize);
      const ids = batch.map((d) => d.accountId);
      try {
        const flags = await chain.rpc(() => chain.clearinghouse.liquidatable(ids, { blockTag: block }));
        ids.forEach((id, j) => flags[j] && liquidatable.add(id));
      } catch (err) {
        for (const d of batch) {
          readFailed(chain, d.accountId, block, "liquidatable", err);
          d.positions = undefined;
        }
      }
    }
    const closed = debtors.filter((d) => d.positions === 0 && d.hasOther);
    if (closed.length === 0) return liquidatable;
    const buffer = await chain.rpc(() => chain.vault.collateralLiquidationBuffer({ blockTag: block }));
    const toWad = 10n ** BigInt(18 - (await chain.settlementToken()).decimals);
    const booked = await mapLimit(closed, chain.options.readConcurrency, ({ accountId }) =>
      chain.rpc(() => chain.vault.badDebtBooked(accountId, { blockTag: block })).catch(() => 0n),
    );
    closed.forEach((d, j) => {
      if (booked[j] > 0n || d.otherValue < (-d.balance * toWad * (WAD + buffer)) / WAD)
        liquidatable.add(d.accountId);
    });
    return liquidatable;
  }

  /** What each debtor calls for, largest debt first; debtors needing nothing are no longer watched. */
  private decide(
    debtors: readonly Debtor[],
    liquidatable: ReadonlySet<bigint>,
    block: number,
    decimals: number,
  ): { accountId: bigint; action: DebtActionKind; debt: bigint }[] {
    const plans: { accountId: bigint; action: DebtActionKind; debt: bigint }[] = [];
    for (const d of debtors) {
      if (d.positions === undefined) continue; // read failed: try again next round
      const decision = decideDebtAction({
        settlementBalance: d.balance,
        positionCount: d.positions,
        liquidatable: liquidatable.has(d.accountId),
        hasOtherCollateral: d.hasOther,
      });
      if (decision.action !== "none") {
        plans.push({ accountId: d.accountId, action: decision.action, debt: decision.debt });
        continue;
      }
      this.chain.log("debug", "debt_not_actionable", {
        accountId: d.accountId,
        block,
        ...amountFields("debt", -d.balance, decimals, "Usdc"),
        positions: d.positions,
        hasOtherCollateral: d.hasOther,
        reason: decision.reason,
      });
      this.watch.unwatch(d.accountId);
    }
    return plans.sort((a, b) => (a.debt === b.debt ? 0 : a.debt > b.debt ? -1 : 1));
  }

  /** Plans and sends one transaction per debtor, then waits for the receipts. */
  private async act(
    decisions: readonly { accountId: bigint; action: DebtActionKind; debt: bigint }[],
    pass: DebtPass,
  ): Promise<KeeperOutcome[]> {
    const outcomes: KeeperOutcome[] = [];
    const sent: InFlight[] = [];
    for (const { accountId, action, debt } of decisions) {
      const handler: DebtAction = action === "settleBadDebt" ? this.badDebt : this.collateral;
      const plan = await handler.plan(accountId, debt, pass);
      const result = "status" in plan ? plan : await this.executor.start(handler, plan);
      if ("status" in result) outcomes.push(result);
      else sent.push(result);
    }
    await this.noteFunds(pass);
    outcomes.push(...(await this.executor.finish(sent)));
    return outcomes;
  }

  /** Logs (once per change) that the wallet could not repay every debt this pass. */
  private async noteFunds(pass: DebtPass): Promise<void> {
    if (pass.unfunded === 0) {
      this.fundsNote = undefined;
      return;
    }
    const note = `${pass.walletAtStart}:${pass.unfunded}:${pass.shortfall}`;
    const changed = note !== this.fundsNote;
    this.fundsNote = note;
    const settlement = await this.chain.settlementToken();
    this.chain.log(changed ? "warn" : "debug", "insufficient_funds", {
      block: pass.block,
      token: settlement.address,
      symbol: settlement.symbol,
      ...amountFields("wallet", pass.walletAtStart, settlement.decimals, "Usdc"),
      ...amountFields("shortfall", pass.shortfall, settlement.decimals, "Usdc", true),
      accounts: pass.unfunded,
      keeper: await this.chain.keeperAddress(),
      message:
        "the keeper's wallet lacks the settlement tokens to repay these debts with liquidateCollateral; " +
        "send it settlement tokens (USDC)",
    });
  }
}
