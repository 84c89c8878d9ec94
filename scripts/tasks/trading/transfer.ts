/** `deposit` and `withdraw`: collateral into and out of one of the signer's subaccounts. */
import { IERC20Metadata__factory } from "../../../typechain-types";
import { exact, parsePositive } from "../../common/units";
import type { TaskContext, TokenInfo } from "../frame/context";
import { ownAccount, resolveToken } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { ensureAllowance, send } from "../frame/tx";
import { tokenAmount } from "./show";

export interface TransferArgs {
  amount: string;
  token?: string;
  subaccount?: string;
}

/** What `deposit` and `withdraw` print: the amount moved and the account's balance after it. */
async function transferOutput(
  ctx: TaskContext,
  t: {
    verb: string;
    into: boolean;
    token: TokenInfo;
    amount: bigint;
    subaccount: bigint;
    accountId: bigint;
    txHash: string;
  },
): Promise<TaskOutput> {
  const { token, amount, accountId } = t;
  const balance = await ctx.vault.balanceOf(accountId, token.address);
  return {
    lines: [
      `${t.verb} ${tokenAmount(amount, token)} ${t.into ? "into" : "from"} ${ctx.signerAddress} / subaccount ${t.subaccount}.`,
      `  account balance: ${tokenAmount(balance, token)}`,
      `  tx ${t.txHash}`,
    ],
    json: {
      accountId,
      token: token.address,
      symbol: token.symbol,
      amount: exact(amount, token.decimals),
      balance: exact(balance, token.decimals),
      txHash: t.txHash,
    },
  };
}

export async function deposit(ctx: TaskContext, args: TransferArgs): Promise<TaskOutput> {
  const token = await resolveToken(ctx, args.token);
  const { subaccount, accountId } = ownAccount(ctx, args.subaccount);
  const erc20 = IERC20Metadata__factory.connect(token.address, ctx.signer);
  const wallet = await erc20.balanceOf(ctx.signerAddress);
  const amount = args.amount === "max" ? wallet : parsePositive(args.amount, token.decimals, "--amount");
  if (amount === 0n) throw new Error(`the wallet ${ctx.signerAddress} holds no ${token.symbol}`);
  if (wallet < amount) {
    throw new Error(
      `the wallet holds ${tokenAmount(wallet, token)}, less than the ${tokenAmount(amount, token)} to deposit ` +
        "(on a local chain, npx hardhat mock:mint gives it more)",
    );
  }
  await ensureAllowance(ctx, token.address, ctx.addresses.vault, amount);
  const receipt = await send(ctx.vault.deposit(subaccount, token.address, amount));
  return transferOutput(ctx, {
    verb: "Deposited",
    into: true,
    token,
    amount,
    subaccount,
    accountId,
    txHash: receipt.hash,
  });
}

export async function withdraw(ctx: TaskContext, args: TransferArgs): Promise<TaskOutput> {
  const token = await resolveToken(ctx, args.token);
  const { subaccount, accountId } = ownAccount(ctx, args.subaccount);
  const before = await ctx.vault.balanceOf(accountId, token.address);
  let amount: bigint;
  if (args.amount === "max") {
    if (before <= 0n) throw new Error(`the account holds no ${token.symbol}`);
    amount = before;
  } else {
    amount = parsePositive(args.amount, token.decimals, "--amount");
  }
  const receipt = await send(ctx.vault.withdraw(subaccount, token.address, amount));
  return transferOutput(ctx, {
    verb: "Withdrew",
    into: false,
    token,
    amount,
    subaccount,
    accountId,
    txHash: receipt.hash,
  });
}
