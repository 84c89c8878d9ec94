/**
 * `Clearinghouse.deleverage(accountId, marketId)` (DESIGN §11.1): closes the best-ranked profitable position of a
 * market side whose net PnL is over its cap, at the oracle price. `ClearinghouseDeleverageNotNeeded` (another caller
 * brought the side under its cap), `ClearinghouseDeleverageIneligible` (the ranking changed) and
 * `ClearinghouseAccountLiquidatable` (it is the liquidation pass's now) are expected: `lost` or `skipped`.
 */
import { ethers } from "ethers";
import type { TransactionReceipt } from "ethers";
import { actionEvents } from "../action";
import type { ActionPlan, ActionResult, KeeperAction, ParsedReceipt, Winner } from "../action";
import type { KeeperChain } from "../chain";
import type { SendOverrides } from "../sender";
import type { DeleverageOutcome } from "../types";
import { decimalWad, usdFields } from "../../common/format";
import { addressTopic, latestAccountLog, receiptEvent } from "./winners";

/** Topic 0 of `Clearinghouse.Deleveraged(uint256 indexed accountId, uint256 indexed marketId, address indexed keeper, ...)`. */
export const DELEVERAGED_TOPIC = ethers.id(
  "Deleveraged(uint256,uint256,address,int256,uint256,int256,int256,int256,uint256)",
);

export interface DeleveragePlan extends ActionPlan {
  marketId: bigint;
  /** The position's rank score (WAD), as `previewDeleverage` computed it. */
  score: bigint;
}

export class DeleverageAction implements KeeperAction<DeleveragePlan> {
  readonly kind = "deleverage" as const;
  readonly events = actionEvents("deleverage", "deleveraged");
  readonly expectedReverts: ReadonlySet<string> = new Set([
    "ClearinghouseDeleverageNotNeeded",
    "ClearinghouseDeleverageIneligible",
    "ClearinghouseAccountLiquidatable",
  ]);

  constructor(private readonly chain: KeeperChain) {}

  plan(accountId: bigint, marketId: bigint, score: bigint, checkedAt: number): DeleveragePlan {
    const fields = { marketId, score: decimalWad(score) };
    return { accountId, marketId, score, checkedAt, fields, context: { marketId } };
  }

  estimate(plan: DeleveragePlan): Promise<bigint> {
    return this.chain.clearinghouse.deleverage.estimateGas(plan.accountId, plan.marketId);
  }

  send(plan: DeleveragePlan, overrides: SendOverrides) {
    return this.chain.clearinghouse.deleverage(plan.accountId, plan.marketId, overrides);
  }

  replay(plan: DeleveragePlan, blockTag: number): Promise<unknown> {
    return this.chain.clearinghouse.deleverage.staticCall(plan.accountId, plan.marketId, { blockTag });
  }

  /** The latest `Deleveraged` of the account in any market (the plan's market is not known here). */
  async findWinner(accountId: bigint, fromBlock: number, toBlock: number): Promise<Winner | undefined> {
    const address = await this.chain.clearinghouseAddress();
    const log = await latestAccountLog(this.chain, address, DELEVERAGED_TOPIC, accountId, fromBlock, toBlock);
    if (!log) return undefined;
    const caller = addressTopic(log.topics[3]);
    return { caller, txHash: log.transactionHash, block: log.blockNumber, event: "Deleveraged" };
  }

  async parse(plan: DeleveragePlan, receipt: TransactionReceipt): Promise<ParsedReceipt> {
    const address = await this.chain.clearinghouseAddress();
    const event = receiptEvent(this.chain.clearinghouse, address, receipt, plan.accountId, "Deleveraged");
    this.count("succeeded");
    const sizeClosed = event?.sizeClosed ?? 0n;
    const outcome: DeleverageOutcome = {
      action: "deleverage",
      accountId: plan.accountId,
      marketId: plan.marketId,
      status: "succeeded",
      txHash: receipt.hash,
      block: receipt.blockNumber,
      sizeClosed,
    };
    return {
      outcome,
      level: "info",
      fields: {
        marketId: plan.marketId,
        sizeClosed: decimalWad(sizeClosed),
        ...usdFields("price", event?.price),
        ...usdFields("realizedPnl", event?.realizedPnl),
        ...usdFields("sidePnl", event?.sidePnl),
        ...usdFields("cap", event?.cap),
      },
    };
  }

  count(result: ActionResult): void {
    if (result !== "capped") this.chain.stats.deleverages[result]++;
  }
}
