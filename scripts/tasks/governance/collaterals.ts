/** `admin:collaterals` (the collateral tokens and their parameters) and `admin:set-collateral`. */
import { ethers } from "ethers";
import { formatFixed, formatPercent, formatUsd } from "../../common/format";
import { heading, renderTable } from "../../common/table";
import type { Row } from "../../common/table";
import { exact, parseDecimal, parseWad } from "../../common/units";
import type { TaskContext } from "../frame/context";
import { assetSymbol, listTokens, resolveToken } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { RISK_ADMIN, adminCall } from "./call";
import type { AdminCallArgs } from "./call";

export async function adminCollaterals(ctx: TaskContext): Promise<TaskOutput> {
  const tokens = (await listTokens(ctx)).slice(1);
  const rows: Row[] = [];
  const json: unknown[] = [];
  for (const t of tokens) {
    const [config, total] = await Promise.all([
      ctx.vault.collateralConfig(t.address),
      ctx.vault.totalAccountBalance(t.address),
    ]);
    let price = "-";
    try {
      price = formatUsd(await ctx.oracle.price(config.asset));
    } catch {
      price = "unavailable";
    }
    rows.push([
      t.symbol,
      t.address,
      String(t.decimals),
      assetSymbol(config.asset),
      price,
      formatPercent(config.weight, { dp: 2 }),
      formatPercent(config.liquidationDiscount, { dp: 2 }),
      formatFixed(BigInt(total), { decimals: t.decimals, dp: 4 }),
      formatFixed(config.depositCap, { decimals: t.decimals, dp: 4 }),
    ]);
    json.push({
      token: t.address,
      symbol: t.symbol,
      decimals: t.decimals,
      asset: assetSymbol(config.asset),
      weight: exact(config.weight, 18),
      liquidationDiscount: exact(config.liquidationDiscount, 18),
      depositCap: exact(config.depositCap, t.decimals),
      totalDeposited: exact(BigInt(total), t.decimals),
    });
  }
  const max = await ctx.vault.maxCollateralsPerAccount();
  return {
    lines: [
      ...heading("Collateral tokens"),
      `  settlement token: ${ctx.settlement.symbol} ${ctx.settlement.address} (${ctx.settlement.decimals} decimals, at par)`,
      ...renderTable(
        [
          "token",
          { header: "address", align: "left" },
          "decimals",
          "asset",
          "price",
          "weight",
          "liq. discount",
          "deposited",
          "deposit cap",
        ],
        rows,
      ),
      `  at most ${max} collateral tokens per account`,
    ],
    json: { settlementToken: ctx.settlement, collaterals: json, maxCollateralsPerAccount: Number(max) },
  };
}

export interface SetCollateralArgs extends AdminCallArgs {
  token: string;
  asset?: string;
  weight?: string;
  liquidationDiscount?: string;
  depositCap?: string;
}

export async function setCollateral(ctx: TaskContext, args: SetCollateralArgs): Promise<TaskOutput> {
  const token = await resolveToken(ctx, args.token);
  if (token.address === ctx.settlement.address)
    throw new Error("the settlement token is not configured as collateral");
  const listed = (await ctx.vault.collateralTokens())
    .map((a) => ethers.getAddress(a))
    .includes(token.address);
  const current = listed ? await ctx.vault.collateralConfig(token.address) : undefined;
  const need = (name: string): never => {
    throw new Error(`${token.symbol} is not listed yet: --${name} is required`);
  };
  const asset =
    args.asset !== undefined ? ethers.encodeBytes32String(args.asset) : (current?.asset ?? need("asset"));
  const weight =
    args.weight !== undefined ? parseWad(args.weight, "--weight") : (current?.weight ?? need("weight"));
  const discount =
    args.liquidationDiscount !== undefined
      ? parseWad(args.liquidationDiscount, "--liquidation-discount")
      : (current?.liquidationDiscount ?? need("liquidation-discount"));
  const cap =
    args.depositCap !== undefined
      ? parseDecimal(args.depositCap, token.decimals, "--deposit-cap")
      : (current?.depositCap ?? need("deposit-cap"));
  const rows: Row[] = [
    ["asset", current ? assetSymbol(current.asset) : "-", assetSymbol(asset)],
    ["weight", current ? formatPercent(current.weight) : "-", formatPercent(weight)],
    [
      "liquidationDiscount",
      current ? formatPercent(current.liquidationDiscount) : "-",
      formatPercent(discount),
    ],
    [
      "depositCap",
      current ? formatFixed(current.depositCap, { decimals: token.decimals, dp: 4 }) : "-",
      formatFixed(cap, { decimals: token.decimals, dp: 4 }),
    ],
  ];
  const data = ctx.vault.interface.encodeFunctionData("setCollateral", [
    token.address,
    asset,
    weight,
    discount,
    cap,
  ] as never);
  const result = await adminCall(
    ctx,
    { description: `Vault.setCollateral(${token.symbol})`, target: ctx.vault, role: RISK_ADMIN, data },
    args,
  );
  return {
    lines: [
      `${token.symbol} ${token.address}${listed ? "" : " (new)"}`,
      ...renderTable(["parameter", "now", "new"], rows),
      ...result.lines,
    ],
    json: { token: token.address, symbol: token.symbol, listed, ...result.json },
  };
}
