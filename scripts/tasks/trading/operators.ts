/**
 * `operator:set`: the signer approves (or with `--revoke` revokes) an operator on one of its subaccounts: the operator
 * may trade (`trade --account-id …`, through `Clearinghouse.tradeFor`) and place and cancel orders for it, never
 * withdraw (DESIGN §4). `operator:check`: whether an address is an operator of an account.
 */
import type { TaskContext } from "../frame/context";
import { parseAddress, targetAccount } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { findEvent, send } from "../frame/tx";
import type { AccountArgs } from "../frame/lookup";

export async function setOperator(
  ctx: TaskContext,
  args: { operator: string; subaccount?: string; revoke: boolean; dryRun: boolean },
): Promise<TaskOutput> {
  const operator = parseAddress(args.operator, "--operator");
  const { accountId, subaccount } = targetAccount(ctx, { subaccount: args.subaccount });
  if (operator === ctx.signerAddress)
    throw new Error("--operator is the signer itself: an owner needs no approval to trade its own accounts");
  const approved = !args.revoke;
  const verb = approved ? "approve" : "revoke";
  const was = await ctx.clearinghouse.isOperator(accountId, operator);
  const json = { accountId, owner: ctx.signerAddress, subaccount, operator, approved, wasApproved: was };
  const where = `${ctx.signerAddress} / subaccount ${subaccount}`;
  if (args.dryRun) {
    await ctx.clearinghouse.setOperator.staticCall(subaccount, operator, approved);
    return {
      lines: [
        `Dry run: would ${verb} operator ${operator} on ${where} (now ${was ? "approved" : "not approved"}).`,
      ],
      json: { dryRun: true, ...json },
    };
  }
  const receipt = await send(ctx.clearinghouse.setOperator(subaccount, operator, approved));
  if (!findEvent(receipt, ctx.clearinghouse.interface, "OperatorSet"))
    throw new Error(`no OperatorSet event in ${receipt.hash}`);
  const net = ctx.hre.network.name === "hardhat" ? "" : ` --network ${ctx.hre.network.name}`;
  return {
    lines: [
      approved
        ? `Approved ${operator} as an operator of ${where}: it may trade and place or cancel orders for the ` +
          "account, never withdraw."
        : `Revoked ${operator} on ${where}: its trades and new orders for the account are refused, and its pending ` +
          "orders are cancelled when settled.",
      ...(approved
        ? [
            `  it trades with: npx hardhat trade --owner ${ctx.signerAddress} --subaccount ${subaccount} --market ETH --size 0.1 --from <operator>${net}`,
          ]
        : []),
      `  tx ${receipt.hash}`,
    ],
    json: { ...json, txHash: receipt.hash },
  };
}

export async function checkOperator(
  ctx: TaskContext,
  args: AccountArgs & { operator: string },
): Promise<TaskOutput> {
  const operator = parseAddress(args.operator, "--operator");
  const account = targetAccount(ctx, args);
  const approved = await ctx.clearinghouse.isOperator(account.accountId, operator);
  const isOwner = operator === account.owner;
  return {
    lines: [
      isOwner
        ? `${operator} owns ${account.owner} / subaccount ${account.subaccount}: it needs no approval.`
        : `${operator} is ${approved ? "" : "not "}an operator of ${account.owner} / subaccount ${account.subaccount}` +
          ` (account id ${account.accountId}).`,
    ],
    json: { accountId: account.accountId, operator, approved, owner: isOwner },
  };
}
