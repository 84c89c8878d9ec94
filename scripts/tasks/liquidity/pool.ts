/**
 * LP tasks: the pool's state and the caller's position, deposit, withdrawal request (escrow, delay, window), and the
 * redemption of a matured request.
 */
import { formatFixed, formatUsd } from "../../common/format";
import { heading, renderTable } from "../../common/table";
import { exact, parsePositive } from "../../common/units";
import type { TaskContext } from "../frame/context";
import type { TaskOutput } from "../frame/run";
import { ensureAllowance, findEvent, send } from "../frame/tx";

const date = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

async function poolState(ctx: TaskContext, owner: string) {
  const [decimals, shares, totalSupply, totalAssets, cash, available, request, delay, window, block] =
    await Promise.all([
      ctx.pool.decimals(),
      ctx.pool.balanceOf(owner),
      ctx.pool.totalSupply(),
      ctx.pool.totalAssets(),
      ctx.vault.poolBalance(),
      ctx.pool.availableLiquidity(),
      ctx.pool.withdrawalRequest(owner),
      ctx.pool.withdrawalDelay(),
      ctx.pool.withdrawalWindow(),
      ctx.hre.ethers.provider.getBlock("latest"),
    ]);
  const requestAssets = request.shares === 0n ? 0n : await ctx.pool.previewRedeem(request.shares);
  const sharesValue = shares === 0n ? 0n : await ctx.pool.previewRedeem(shares);
  return {
    decimals: Number(decimals),
    shares,
    sharesValue,
    totalSupply,
    totalAssets,
    cash,
    available,
    request,
    requestAssets,
    delay,
    window,
    now: BigInt(block!.timestamp),
  };
}

function requestStatus(request: { shares: bigint; unlockTime: bigint; expiry: bigint }, now: bigint): string {
  if (request.shares === 0n) return "none";
  if (now < request.unlockTime) return `waiting until ${date(request.unlockTime)}`;
  if (now < request.expiry) return `redeemable until ${date(request.expiry)}`;
  return `expired at ${date(request.expiry)}: renew it with pool:request-withdraw`;
}

function stateJson(ctx: TaskContext, s: Awaited<ReturnType<typeof poolState>>) {
  const d = ctx.settlement.decimals;
  return {
    owner: ctx.signerAddress,
    shares: exact(s.shares, s.decimals),
    sharesValue: exact(s.sharesValue, d),
    totalShares: exact(s.totalSupply, s.decimals),
    totalAssets: exact(s.totalAssets, d),
    cash: exact(s.cash, d),
    availableLiquidity: exact(s.available, d),
    withdrawalDelay: Number(s.delay),
    withdrawalWindow: Number(s.window),
    request: {
      shares: exact(s.request.shares, s.decimals),
      assets: exact(s.requestAssets, d),
      unlockTime: Number(s.request.unlockTime),
      expiry: Number(s.request.expiry),
      status: requestStatus(s.request, s.now),
    },
  };
}

function stateLines(ctx: TaskContext, s: Awaited<ReturnType<typeof poolState>>): string[] {
  const d = ctx.settlement.decimals;
  const money = (v: bigint) => formatUsd(v, { decimals: d });
  const shares = (v: bigint) => formatFixed(v, { decimals: s.decimals, dp: 6 });
  return renderTable(
    ["pool", "value"],
    [
      ["net asset value (totalAssets)", money(s.totalAssets)],
      ["cash (settlement ledger)", money(s.cash)],
      ["available to withdraw", money(s.available)],
      ["total shares", shares(s.totalSupply)],
      [`your shares (${ctx.signerAddress.slice(0, 8)}…)`, `${shares(s.shares)} ≈ ${money(s.sharesValue)}`],
      [
        "your withdrawal request",
        s.request.shares === 0n ? "none" : `${shares(s.request.shares)} ≈ ${money(s.requestAssets)}`,
      ],
      ["request status", requestStatus(s.request, s.now)],
      ["withdrawal delay / window", `${Number(s.delay) / 3600} h / ${Number(s.window) / 3600} h`],
    ],
  );
}

export async function info(ctx: TaskContext): Promise<TaskOutput> {
  const s = await poolState(ctx, ctx.signerAddress);
  return { lines: [...heading("Liquidity pool"), ...stateLines(ctx, s)], json: stateJson(ctx, s) };
}

export async function poolDeposit(ctx: TaskContext, args: { amount: string }): Promise<TaskOutput> {
  const t = ctx.settlement;
  const amount = parsePositive(args.amount, t.decimals, "--amount");
  await ensureAllowance(ctx, t.address, ctx.addresses.pool, amount);
  const receipt = await send(ctx.pool.deposit(amount, ctx.signerAddress));
  const event = findEvent(receipt, ctx.pool.interface, "Deposit");
  const minted = (event?.args.shares as bigint | undefined) ?? 0n;
  const s = await poolState(ctx, ctx.signerAddress);
  return {
    lines: [
      `Deposited ${formatFixed(amount, { decimals: t.decimals, dp: 2 })} ${t.symbol} into the pool for ` +
        `${formatFixed(minted, { decimals: s.decimals, dp: 6 })} shares.`,
      ...stateLines(ctx, s),
      `  tx ${receipt.hash}`,
    ],
    json: {
      amount: exact(amount, t.decimals),
      sharesMinted: exact(minted, s.decimals),
      ...stateJson(ctx, s),
      txHash: receipt.hash,
    },
  };
}

export async function requestWithdraw(
  ctx: TaskContext,
  args: { shares?: string; amount?: string },
): Promise<TaskOutput> {
  const decimals = Number(await ctx.pool.decimals());
  let shares: bigint;
  if (args.shares === "all" || (args.shares === undefined && args.amount === undefined)) {
    shares = await ctx.pool.balanceOf(ctx.signerAddress);
    if (shares === 0n) throw new Error(`${ctx.signerAddress} holds no pool shares`);
  } else if (args.shares !== undefined) {
    shares = parsePositive(args.shares, decimals, "--shares");
  } else {
    shares = await ctx.pool.previewWithdraw(parsePositive(args.amount!, ctx.settlement.decimals, "--amount"));
  }
  const receipt = await send(ctx.pool.requestWithdraw(shares));
  const s = await poolState(ctx, ctx.signerAddress);
  return {
    lines: [
      `Requested the withdrawal of ${formatFixed(shares, { decimals, dp: 6 })} shares: redeemable from ` +
        `${date(s.request.unlockTime)} until ${date(s.request.expiry)} (pool:withdraw).`,
      ...stateLines(ctx, s),
      `  tx ${receipt.hash}`,
    ],
    json: { sharesRequested: exact(shares, decimals), ...stateJson(ctx, s), txHash: receipt.hash },
  };
}

export async function poolWithdraw(ctx: TaskContext, args: { shares?: string }): Promise<TaskOutput> {
  const decimals = Number(await ctx.pool.decimals());
  const request = await ctx.pool.withdrawalRequest(ctx.signerAddress);
  const shares =
    args.shares === undefined || args.shares === "all"
      ? request.shares
      : parsePositive(args.shares, decimals, "--shares");
  if (shares === 0n)
    throw new Error(`${ctx.signerAddress} has no withdrawal request: pool:request-withdraw first`);
  const receipt = await send(ctx.pool.redeem(shares, ctx.signerAddress, ctx.signerAddress));
  const event = findEvent(receipt, ctx.pool.interface, "Withdraw");
  const assets = (event?.args.assets as bigint | undefined) ?? 0n;
  const t = ctx.settlement;
  const s = await poolState(ctx, ctx.signerAddress);
  return {
    lines: [
      `Redeemed ${formatFixed(shares, { decimals, dp: 6 })} shares for ${formatFixed(assets, { decimals: t.decimals, dp: 2 })} ${t.symbol}.`,
      ...stateLines(ctx, s),
      `  tx ${receipt.hash}`,
    ],
    json: {
      sharesRedeemed: exact(shares, decimals),
      assets: exact(assets, t.decimals),
      ...stateJson(ctx, s),
      txHash: receipt.hash,
    },
  };
}
