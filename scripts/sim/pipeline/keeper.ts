/**
 * The keeper in the simulation: the `Keeper` of `scripts/keeper/`, the bot's own code, run in process after every
 * price update (liquidations, orders, auto-deleveraging, debts). This is the only file of the simulation that touches the keeper's package: every import from it
 * (the `Keeper` class, its logger, its stats type, the account-id encoding, the revert decoder) goes through here.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Keeper, MemoryLogger, accountIdOf, decodeRevert, errorMessage } from "../../keeper";
import type { KeeperStats } from "../../keeper";
import type { System } from "../../lib/system";
import type { TokenInfo } from "../agents/env";
import type { Flows, TokenFlows } from "../world";

/** Account ids, and the revert decoder the simulation's `Sender` (world.ts) counts refusals with. */
export { accountIdOf, decodeRevert, errorMessage };
export type { KeeperStats };

/** The counters of a keeper's run the report shows. */
export type SimKeeperStats = Pick<
  KeeperStats,
  "checks" | "checkCalls" | "sent" | "succeeded" | "lost" | "skipped" | "capped" | "failed"
> & { rewards: bigint };

/** What one keeper round changes in the simulation's own ledger of flows. */
export interface KeeperLedger {
  flows: Flows;
  tokenFlows: Map<string, TokenFlows>;
  tokenByAddress: Map<string, TokenInfo>;
}

/** The keeper of one variant: scans the new blocks' logs, then liquidates and settles, once per price update. */
export class SimKeeper {
  private readonly keeper: Keeper;
  private scannedTo: number;

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    sys: System,
    signer: HardhatEthersSigner,
    /** The first block of the variant: the keeper discovers accounts from there on. */
    firstBlock: number,
  ) {
    this.keeper = new Keeper({
      clearinghouse: sys.clearinghouse,
      vault: sys.vault,
      orderBook: sys.orderBook,
      signer,
      logger: new MemoryLogger(),
      receiptPollMs: 5,
      retryBaseDelayMs: 5,
    });
    this.scannedTo = firstBlock - 1;
  }

  /**
   * One round: discover the accounts of the blocks mined since the last round, then `checkAndLiquidate`. Records the
   * collateral liquidations' repayments and seizures in `ledger` and returns the liquidations the window cap deferred.
   * A failed action is a bug in the simulation or the keeper, not an outcome: it throws.
   */
  async round(ledger: KeeperLedger): Promise<number> {
    const head = await this.hre.ethers.provider.getBlockNumber();
    if (head > this.scannedTo) {
      await this.keeper.scanLogs(this.scannedTo + 1, head);
      this.scannedTo = head;
    }
    const outcomes = await this.keeper.checkAndLiquidate(head);
    for (const o of outcomes) {
      if (o.action !== "liquidateCollateral" || o.status !== "succeeded") continue;
      ledger.flows.keeperRepayments += o.repaid ?? 0n;
      const token = o.token ? ledger.tokenByAddress.get(o.token.toLowerCase()) : undefined;
      if (token) (ledger.tokenFlows.get(token.symbol) as TokenFlows).seized += o.seized ?? 0n;
    }
    const capped = outcomes.filter((o) => o.action === "liquidate" && o.status === "capped").length;
    const failed = outcomes.filter((o) => o.status === "failed");
    if (failed.length) {
      throw new Error(
        `the keeper failed: ${failed.map((f) => `${f.action} ${f.accountId}: ${f.error}`).join("; ")}`,
      );
    }
    return capped;
  }

  get stats(): SimKeeperStats {
    const stats = this.keeper.stats;
    return {
      checks: stats.checks,
      checkCalls: stats.checkCalls,
      sent: stats.sent,
      succeeded: stats.succeeded,
      lost: stats.lost,
      skipped: stats.skipped,
      capped: stats.capped,
      failed: stats.failed,
      rewards: stats.rewards,
    };
  }
}
