/**
 * `Vault.liquidateCollateral(accountId, token, repayAmount)`: the keeper repays an account's settlement-token debt
 * from its wallet and receives the account's collateral at the token's discount, largest holding first. The
 * repayment is capped by `maxRepayPerTx` and the wallet; it is sent only if the discount beats the gas by
 * `minProfitUsd`. The keeper approves the Vault for its settlement tokens once.
 */
import { ethers } from "ethers";
import type { TransactionReceipt } from "ethers";
import { actionEvents } from "../action";
import type { ActionPlan, ActionResult, ParsedReceipt } from "../action";
import type { KeeperChain } from "../chain";
import {
  collateralProfit,
  gasCostUsd,
  previewCollateralLiquidation,
  rankCollaterals,
  repayAmount,
} from "../collateral";
import type { CollateralLiquidationPreview, HeldCollateral } from "../collateral";
import { errorMessage } from "../../common/errors";
import type { LogFields } from "../log";
import type { SendOverrides, TxSender } from "../sender";
import type { DebtOutcome } from "../types";
import { amountFields, decimalWad, usdFields } from "../../common/format";
import type { SkipNotes } from "./notes";
import { DEBT_REVERTS, collateralInfo, readFailed, walletLeft } from "./pass";
import type { DebtAction, DebtPass } from "./pass";
import { findDebtAction, vaultEvent } from "./winners";

export interface CollateralPlan extends ActionPlan {
  debt: bigint;
  token: string;
  symbol?: string;
  decimals: number;
  price: bigint;
  amount: bigint;
  preview: CollateralLiquidationPreview;
  pass: DebtPass;
}

export class LiquidateCollateralAction implements DebtAction<CollateralPlan> {
  readonly kind = "liquidateCollateral" as const;
  readonly events = actionEvents("collateral_liquidation", "collateral_liquidated");
  readonly expectedReverts = DEBT_REVERTS;
  /** Known allowance of the Vault over the keeper's settlement tokens (undefined: read it). */
  private allowance: bigint | undefined;
  private gasUnpricedWarned = false;

  constructor(
    private readonly chain: KeeperChain,
    private readonly sender: TxSender,
    private readonly notes: SkipNotes,
  ) {}

  /**
   * What to send for `debt` of `accountId`: the largest holding and the repayment, or the outcome of not sending
   * (no collateral, no funds, nothing to seize, approval failed; `failed` when the holdings cannot be read).
   */
  async plan(accountId: bigint, debt: bigint, pass: DebtPass): Promise<CollateralPlan | DebtOutcome> {
    const { chain } = this;
    const { block } = pass;
    const failed = (err: unknown): DebtOutcome => ({
      action: this.kind,
      accountId,
      status: "failed",
      block,
      error: errorMessage(err),
    });
    let tokens: string[];
    try {
      tokens = await chain.rpc(() => chain.vault.accountCollaterals(accountId, { blockTag: block }));
    } catch (err) {
      readFailed(chain, accountId, block, "accountCollaterals", err);
      return failed(err);
    }
    // A token that cannot be priced now (a stale feed, say) would make liquidateCollateral revert: leave it out.
    let unreadable: unknown;
    const held = await Promise.all(
      tokens.map(async (token): Promise<HeldCollateral | undefined> => {
        try {
          const [balance, info] = await Promise.all([
            chain.rpc(() => chain.vault.balanceOf(accountId, token, { blockTag: block })),
            collateralInfo(chain, token, pass),
          ]);
          return { token, balance, ...info };
        } catch (err) {
          unreadable = err;
          readFailed(chain, accountId, block, `collateral ${token}`, err);
          return undefined;
        }
      }),
    );
    const chosen = rankCollaterals(held.filter((c): c is HeldCollateral => c !== undefined))[0];
    const settlement = await chain.settlementToken();
    const usdc = (name: string, value: bigint) => amountFields(name, value, settlement.decimals, "Usdc");
    if (chosen === undefined && unreadable !== undefined) return failed(unreadable);
    if (chosen === undefined) return this.notSent(accountId, block, "no_collateral", usdc("debt", debt));

    const wallet = await walletLeft(chain, pass);
    const amount = repayAmount(debt, wallet, chain.options.maxRepayPerTx);
    const wanted = repayAmount(debt, debt, chain.options.maxRepayPerTx);
    if (amount < wanted) {
      // The wallet, not the per-transaction budget, is what limits this repayment.
      pass.shortfall += wanted - amount;
      pass.unfunded++;
    }
    const context: LogFields = {
      ...usdc("debt", debt),
      token: chosen.token,
      symbol: chosen.symbol,
      ...amountFields("held", chosen.balance, chosen.decimals, "Token"),
      ...usdFields("price", chosen.price),
    };
    if (amount === 0n)
      return this.notSent(accountId, block, "no_funds", { ...context, ...usdc("wallet", wallet) });
    const preview = previewCollateralLiquidation({
      repayAmount: amount,
      debt,
      held: chosen.balance,
      decimals: chosen.decimals,
      price: chosen.price,
      discount: chosen.discount,
      settlementDecimals: settlement.decimals,
    });
    const planned = {
      ...context,
      ...usdc("repayAmount", amount),
      ...usdc("expectedRepaid", preview.repaid),
      ...amountFields("expectedSeized", preview.seized, chosen.decimals, "Token"),
    };
    if (preview.seized === 0n || preview.repaid === 0n) {
      return this.notSent(accountId, block, "nothing_to_seize", planned);
    }
    if (!(await this.ensureAllowance(preview.repaid))) {
      return this.notSent(accountId, block, "approval_failed", context);
    }
    return {
      accountId,
      checkedAt: block,
      debt,
      token: chosen.token,
      symbol: chosen.symbol,
      decimals: chosen.decimals,
      price: chosen.price,
      amount,
      preview,
      pass,
      fields: { ...planned, clamped: preview.clamped },
      context: usdc("debt", debt),
    };
  }

  estimate(plan: CollateralPlan): Promise<bigint> {
    return this.chain.vault.liquidateCollateral.estimateGas(plan.accountId, plan.token, plan.amount);
  }

  /** Sends only if the discount beats the estimated gas by `minProfitUsd`. */
  async afterEstimate(plan: CollateralPlan, gas: bigint): Promise<DebtOutcome | undefined> {
    const gasCost = await this.gasCost(gas, plan.pass);
    const profit = collateralProfit({
      repaid: plan.preview.repaid,
      seized: plan.preview.seized,
      decimals: plan.decimals,
      price: plan.price,
      settlementDecimals: (await this.chain.settlementToken()).decimals,
      gasCostUsd: gasCost,
    });
    plan.fields = { ...plan.fields, profitUsd: decimalWad(profit) };
    if (profit >= this.chain.options.minProfitUsd) return undefined;
    return this.notSent(plan.accountId, plan.checkedAt, "unprofitable", {
      ...plan.fields,
      gasCostUsd: decimalWad(gasCost),
      minProfitUsd: decimalWad(this.chain.options.minProfitUsd),
    });
  }

  send(plan: CollateralPlan, overrides: SendOverrides) {
    return this.chain.vault.liquidateCollateral(plan.accountId, plan.token, plan.amount, overrides);
  }

  afterSend(plan: CollateralPlan): void {
    plan.pass.wallet = (plan.pass.wallet ?? 0n) - plan.preview.repaid;
    if (this.allowance !== undefined && this.allowance !== ethers.MaxUint256)
      this.allowance -= plan.preview.repaid;
    this.notes.forget(plan.accountId);
  }

  replay(plan: CollateralPlan, blockTag: number): Promise<unknown> {
    return this.chain.vault.liquidateCollateral.staticCall(plan.accountId, plan.token, plan.debt, {
      blockTag,
    });
  }

  findWinner(accountId: bigint, fromBlock: number, toBlock: number) {
    return findDebtAction(this.chain, accountId, fromBlock, toBlock);
  }

  async parse(plan: CollateralPlan, receipt: TransactionReceipt): Promise<ParsedReceipt> {
    const { chain } = this;
    const { accountId, debt } = plan;
    const event = await vaultEvent(chain, receipt, accountId, "CollateralLiquidated");
    const repaid = event?.repaid ?? 0n;
    const seized = event?.seized ?? 0n;
    const token = event?.token ?? plan.token;
    this.count("succeeded");
    chain.stats.collateralRepaid += repaid;
    const symbol = await chain.symbol(token).catch(() => undefined);
    const { decimals } = await chain.settlementToken();
    const fields: LogFields = {
      token,
      symbol,
      ...amountFields("repaid", repaid, decimals, "Usdc", true),
      ...amountFields("seized", seized, plan.decimals, "Token", true),
      ...usdFields("price", event?.price),
      ...amountFields("debtBefore", debt, decimals, "Usdc"),
      ...amountFields("debtAfter", debt - repaid, decimals, "Usdc"),
    };
    const outcome: DebtOutcome = {
      action: this.kind,
      accountId,
      status: "succeeded",
      txHash: receipt.hash,
      block: receipt.blockNumber,
      token,
      repaid,
      seized,
    };
    return { outcome, level: "info", fields };
  }

  count(result: ActionResult | "unprofitable" | "no_funds"): void {
    const stats = this.chain.stats;
    if (result === "sent") stats.collateralLiquidationsSent++;
    else if (result !== "capped") stats.collateralLiquidations[result]++;
  }

  private notSent(accountId: bigint, block: number, reason: string, fields: LogFields): DebtOutcome {
    const result =
      reason === "no_funds"
        ? "no_funds"
        : reason === "unprofitable" || reason === "nothing_to_seize"
          ? "unprofitable"
          : "skipped";
    return this.notes.notSent(this, accountId, block, reason, fields, () => this.count(result));
  }

  /**
   * Makes sure the Vault may pull `needed` settlement tokens from the keeper's wallet: approves the maximum once
   * (and waits for it to be mined) when the allowance is short. Returns false if the approval failed.
   */
  private async ensureAllowance(needed: bigint): Promise<boolean> {
    if (this.allowance !== undefined && this.allowance >= needed) return true;
    const { chain } = this;
    const { token, address, symbol } = await chain.settlementToken();
    const vault = await chain.vaultAddress();
    const me = await chain.keeperAddress();
    try {
      this.allowance = await chain.rpc(() => token.allowance(me, vault));
      if (this.allowance >= needed) return true;
      const receipt = await this.sender.sendAndWait((o) => token.approve(vault, ethers.MaxUint256, o));
      this.allowance = ethers.MaxUint256;
      chain.log("info", "settlement_approved", {
        token: address,
        symbol,
        spender: vault,
        txHash: receipt.hash,
        block: receipt.blockNumber,
      });
      return true;
    } catch (err) {
      this.allowance = undefined;
      chain.log("error", "approval_failed", { token: address, spender: vault, error: chain.describe(err) });
      return false;
    }
  }

  /** Gas cost in USD (WAD) at the node's gas price and the oracle's price of `gasPriceAsset`; 0 when unpriced. */
  private async gasCost(gas: bigint, pass: DebtPass): Promise<bigint> {
    const { chain } = this;
    const asset = chain.options.gasPriceAsset;
    if (asset === "") return 0n;
    pass.gasPrice ??= chain
      .rpc(() => chain.provider.getFeeData())
      .then((f) => f.gasPrice ?? f.maxFeePerGas ?? 0n);
    pass.nativePrice ??= (async () => {
      const oracle = await chain.oracle();
      const key = ethers.encodeBytes32String(asset);
      if (!(await chain.rpc(() => oracle.hasFeed(key)))) throw new Error(`the oracle has no ${asset} feed`);
      return chain.rpc(() => oracle.price(key, { blockTag: pass.block }));
    })();
    try {
      const [gasPrice, nativePrice] = await Promise.all([pass.gasPrice, pass.nativePrice]);
      return gasCostUsd(gas, gasPrice, nativePrice);
    } catch (err) {
      if (!this.gasUnpricedWarned) {
        this.gasUnpricedWarned = true;
        chain.log("warn", "gas_cost_unpriced", {
          asset,
          error: errorMessage(err),
          message: "gas is counted as 0 in the profitability check of collateral liquidations",
        });
      }
      return 0n;
    }
  }
}
