/** Transactions of a task: approvals when an allowance is short, and reading events back from receipts. */
import type { ContractTransactionReceipt, Interface, LogDescription } from "ethers";
import { IERC20Metadata__factory } from "../../../typechain-types";
import { send } from "../../common/send";
import type { TaskContext } from "./context";

export { send };

/** Approves `spender` for at least `amount` of `token` if the allowance is short. */
export async function ensureAllowance(
  ctx: TaskContext,
  token: string,
  spender: string,
  amount: bigint,
): Promise<void> {
  const erc20 = IERC20Metadata__factory.connect(token, ctx.signer);
  if ((await erc20.allowance(ctx.signerAddress, spender)) >= amount) return;
  await send(erc20.approve(spender, amount));
}

/** Decodes the first log of `receipt` that `iface` knows under `eventName`. */
export function findEvent(
  receipt: ContractTransactionReceipt,
  iface: Interface,
  eventName: string,
): LogDescription | undefined {
  for (const log of receipt.logs) {
    try {
      const parsed = iface.parseLog(log);
      if (parsed?.name === eventName) return parsed;
    } catch {
      // another contract's event
    }
  }
  return undefined;
}
