/**
 * `account`: an account's collateral (haircut values), its positions with entry price, PnL, funding and the liquidation
 * price of each, and the margin picture (equity, initial and maintenance margin, free collateral, margin ratio).
 */
import { formatFixed, formatPercent, formatSize } from "../../common/format";
import { heading, renderTable } from "../../common/table";
import { WAD, abs, exact, mulWad, toWad } from "../../common/units";
import { POSITION_COLUMNS, accountStateTable } from "../../lib/report";
import { toAccountStateData } from "../../lib/system";
import type { AccountStateData } from "../../lib/system";
import type { IClearinghouseLens } from "../../../typechain-types";
import type { TaskContext, TokenInfo } from "../frame/context";
import { assetSymbol, listMarkets, resolveAccountId, resolveToken } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { side, signedUsd, usd } from "./show";

export interface AccountArgs {
  address?: string;
  subaccount?: string;
  accountId?: string;
}

interface CollateralLine {
  token: TokenInfo;
  balance: bigint;
  asset?: string;
  price?: bigint;
  weight: bigint;
  /** Haircut value (USD, WAD). */
  value: bigint;
}

interface PositionLine {
  marketId: bigint;
  name: string;
  size: bigint;
  entryPrice: bigint;
  markPrice: bigint;
  notional: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
  /** The price of this market alone at which equity = maintenance margin; undefined when none exists. */
  liquidationPrice?: bigint;
  /** `(liquidationPrice - mark) / mark`, WAD. */
  liquidationDistance?: bigint;
}

/**
 * Liquidation price of one position in a cross-margined account: move this market's price alone (every other price
 * fixed, funding ignored) until equity meets the maintenance margin. Equity moves by `size + c` per unit of price
 * (`c`: collateral priced by the same asset, haircut included) and the maintenance margin by `mmf * |size|`, so
 * `p* = p + (MM - E) / (size + c - mmf * |size|)`. None when that price is not positive.
 */
export function liquidationPrice(args: {
  price: bigint;
  size: bigint;
  mmf: bigint;
  sameAssetCollateral: bigint;
  equity: bigint;
  maintenanceMargin: bigint;
}): bigint | undefined {
  const slope = args.size + args.sameAssetCollateral - mulWad(args.mmf, abs(args.size));
  if (slope === 0n) return undefined;
  const target = args.price + ((args.maintenanceMargin - args.equity) * WAD) / slope;
  return target > 0n ? target : undefined;
}

/** The account's settlement balance (at par) and each collateral token it holds, priced and haircut. */
async function readCollateral(
  ctx: TaskContext,
  accountId: bigint,
  heldTokens: string[],
): Promise<CollateralLine[]> {
  const settlementBalance = await ctx.vault.balanceOf(accountId, ctx.settlement.address);
  const collateral: CollateralLine[] = [
    {
      token: ctx.settlement,
      balance: settlementBalance,
      weight: WAD,
      price: WAD,
      value: toWad(settlementBalance, ctx.settlement.decimals),
    },
  ];
  for (const address of heldTokens) {
    const token = await resolveToken(ctx, address);
    const [balance, config] = await Promise.all([
      ctx.vault.balanceOf(accountId, address),
      ctx.vault.collateralConfig(address),
    ]);
    const price = await ctx.oracle.price(config.asset);
    const balanceWad = toWad(balance, token.decimals);
    collateral.push({
      token,
      balance,
      asset: assetSymbol(config.asset),
      price,
      weight: config.weight,
      value: mulWad(mulWad(balanceWad, price), config.weight),
    });
  }

  return collateral;
}

/** Each open position with its mark price, notional and liquidation price. */
async function readPositions(
  ctx: TaskContext,
  views: IClearinghouseLens.PositionViewStructOutput[],
  collateral: CollateralLine[],
  state: AccountStateData,
): Promise<PositionLine[]> {
  const refs = await listMarkets(ctx);
  const positions: PositionLine[] = [];
  for (const v of views) {
    const ref = refs.find((r) => r.marketId === v.marketId)!;
    const markPrice = (await ctx.lens.market(v.marketId)).oraclePrice;
    const sameAsset = collateral
      .filter((c) => c.asset !== undefined && c.asset === ref.symbol)
      .reduce((sum, c) => sum + mulWad(toWad(c.balance, c.token.decimals), c.weight), 0n);
    const liq = liquidationPrice({
      price: markPrice,
      size: v.size,
      mmf: ref.params.mmf,
      sameAssetCollateral: sameAsset,
      equity: state.equity,
      maintenanceMargin: state.maintenanceMargin,
    });
    positions.push({
      marketId: v.marketId,
      name: ref.name,
      size: v.size,
      entryPrice: v.entryPrice,
      markPrice,
      notional: mulWad(abs(v.size), markPrice),
      unrealizedPnl: v.unrealizedPnl,
      pendingFunding: v.pendingFunding,
      liquidationPrice: liq,
      liquidationDistance: liq === undefined ? undefined : ((liq - markPrice) * WAD) / markPrice,
    });
  }

  return positions;
}

interface AccountView {
  accountId: bigint;
  owner: string;
  subaccount: bigint;
  state: AccountStateData;
  collateral: CollateralLine[];
  positions: PositionLine[];
}

function accountLines({ accountId, owner, subaccount, state, collateral, positions }: AccountView): string[] {
  return [
    ...heading(`Account ${owner} / subaccount ${subaccount}`),
    `  account id ${accountId}`,
    "",
    "  Collateral",
    ...renderTable(
      ["token", "balance", "price", "weight", "value"],
      collateral.map((c) => [
        c.token.symbol,
        formatFixed(c.balance, { decimals: c.token.decimals, dp: Math.min(c.token.decimals, 6) }),
        c.asset === undefined ? "(par)" : usd(c.price!),
        formatPercent(c.weight, { dp: 0 }),
        usd(c.value),
      ]),
    ),
    "",
    "  Positions",
    ...(positions.length === 0
      ? ["  (no open positions)"]
      : renderTable(
          [...POSITION_COLUMNS, { header: "liq. price" }, { header: "distance" }],
          positions.map((p) => [
            p.name,
            side(p.size),
            formatSize(p.size),
            usd(p.entryPrice),
            usd(p.markPrice),
            usd(p.notional),
            signedUsd(p.unrealizedPnl),
            usd(p.pendingFunding, 4),
            p.liquidationPrice === undefined ? "none" : usd(p.liquidationPrice),
            p.liquidationDistance === undefined
              ? "-"
              : formatPercent(p.liquidationDistance, { dp: 2, signed: true }),
          ]),
        )),
    ...(positions.length === 0
      ? []
      : [
          "  liq. price: this market's price, all others fixed, at which equity falls to the maintenance margin",
        ]),
    "",
    "  Margin",
    ...accountStateTable(state),
  ];
}

function accountJson({ accountId, owner, subaccount, state, collateral, positions }: AccountView) {
  const marginRatio =
    state.maintenanceMargin === 0n ? undefined : (state.equity * WAD) / state.maintenanceMargin;
  return {
    accountId,
    owner,
    subaccount,
    collateral: collateral.map((c) => ({
      token: c.token.address,
      symbol: c.token.symbol,
      balance: exact(c.balance, c.token.decimals),
      asset: c.asset ?? null,
      price: c.price === undefined ? null : exact(c.price, 18),
      weight: exact(c.weight, 18),
      value: exact(c.value, 18),
    })),
    positions: positions.map((p) => ({
      marketId: p.marketId,
      market: p.name,
      side: side(p.size),
      size: exact(p.size, 18),
      entryPrice: exact(p.entryPrice, 18),
      markPrice: exact(p.markPrice, 18),
      notional: exact(p.notional, 18),
      unrealizedPnl: exact(p.unrealizedPnl, 18),
      pendingFunding: exact(p.pendingFunding, 18),
      liquidationPrice: p.liquidationPrice === undefined ? null : exact(p.liquidationPrice, 18),
      liquidationDistance: p.liquidationDistance === undefined ? null : exact(p.liquidationDistance, 18),
    })),
    equity: exact(state.equity, 18),
    collateralValue: exact(state.collateralValue, 18),
    unrealizedPnl: exact(state.unrealizedPnl, 18),
    pendingFunding: exact(state.pendingFunding, 18),
    initialMargin: exact(state.initialMargin, 18),
    maintenanceMargin: exact(state.maintenanceMargin, 18),
    freeCollateral: exact(state.freeCollateral, 18),
    marginRatio: marginRatio === undefined ? null : exact(marginRatio, 18),
    liquidatable: state.liquidatable,
  };
}

export async function account(ctx: TaskContext, args: AccountArgs): Promise<TaskOutput> {
  const { accountId, owner, subaccount } = resolveAccountId(ctx, args);
  const [stateRaw, views, heldTokens] = await Promise.all([
    ctx.clearinghouse.accountState(accountId),
    ctx.lens.positions(accountId),
    ctx.vault.accountCollaterals(accountId),
  ]);
  const state = toAccountStateData(stateRaw);
  const collateral = await readCollateral(ctx, accountId, heldTokens);
  const positions = await readPositions(ctx, views, collateral, state);
  const view = { accountId, owner, subaccount, state, collateral, positions };
  return { lines: accountLines(view), json: accountJson(view) };
}
