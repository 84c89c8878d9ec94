/** `liquidate`: liquidates an account below its maintenance margin; the reward goes to the signer's subaccount 0. */
import { formatPercent } from "../../common/format";
import { renderTable } from "../../common/table";
import { exact } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { resolveAccountId } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { findEvent, send } from "../frame/tx";
import type { AccountArgs } from "./account";
import { tokenAmount, usd } from "./show";

export async function liquidate(ctx: TaskContext, args: AccountArgs): Promise<TaskOutput> {
  if (args.accountId === undefined && args.address === undefined) {
    throw new Error(
      "pass the account to liquidate: --account-id <id>, or --address <owner> [--subaccount n]",
    );
  }
  const { accountId } = resolveAccountId(ctx, args);
  const receipt = await send(ctx.clearinghouse.liquidate(accountId));
  const event = findEvent(receipt, ctx.clearinghouse.interface, "Liquidated");
  if (!event) throw new Error(`no Liquidated event in ${receipt.hash}`);
  const e = event.args;
  const s = ctx.settlement;
  return {
    lines: [
      `Liquidated account ${accountId}.`,
      ...renderTable(
        ["liquidation", "value"],
        [
          ["fraction closed", formatPercent(e.fraction as bigint, { dp: 2 })],
          ["equity before", usd(e.equityBefore as bigint)],
          ["maintenance margin before", usd(e.maintenanceMarginBefore as bigint)],
          ["notional closed", usd(e.notionalClosed as bigint)],
          ["penalty", tokenAmount(e.penalty as bigint, s)],
          ["keeper reward (to your subaccount 0)", tokenAmount(e.keeperReward as bigint, s)],
        ],
      ),
      `  tx ${receipt.hash}`,
    ],
    json: {
      accountId,
      keeper: ctx.signerAddress,
      fraction: exact(e.fraction as bigint, 18),
      equityBefore: exact(e.equityBefore as bigint, 18),
      maintenanceMarginBefore: exact(e.maintenanceMarginBefore as bigint, 18),
      notionalClosed: exact(e.notionalClosed as bigint, 18),
      penalty: exact(e.penalty as bigint, s.decimals),
      keeperReward: exact(e.keeperReward as bigint, s.decimals),
      txHash: receipt.hash,
    },
  };
}
