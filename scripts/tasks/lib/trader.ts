/**
 * Trader tasks: markets, account, deposit, withdraw, trade, close, liquidate. Each returns lines for people and a
 * JSON value for machines (numbers as exact decimal strings in human units: USD, tokens, base units).
 */
import { IERC20Metadata__factory } from "../../../typechain-types";
import type { IClearinghouseLens } from "../../../typechain-types";
import { formatFixed, formatPercent, formatSize, formatUsd, heading, renderTable } from "../../lib/format";
import type { Row } from "../../lib/format";
import { accountStateTable } from "../../lib/report";
import type { AccountStateData } from "../../lib/system";
import {
  assetSymbol,
  ensureAllowance,
  findEvent,
  listMarkets,
  parseSubaccount,
  resolveAccountId,
  resolveMarket,
  resolveToken,
  send,
} from "./context";
import type { TaskContext, TokenInfo } from "./context";
import { ERROR_INTERFACES } from "./context";
import { describeFailure } from "./errors";
import { priceFailureCell } from "./priceFailure";
import type { TaskOutput } from "./run";
import { WAD, abs, exact, parsePercent, parsePositive, parseWad } from "./units";

const usd = (v: bigint, dp = 2) => formatUsd(v, { dp });
const signedUsd = (v: bigint, dp = 2) => formatUsd(v, { dp, signed: true });
const tokenAmount = (v: bigint, t: TokenInfo, dp = Math.min(t.decimals, 6)) =>
  `${formatFixed(v, { decimals: t.decimals, dp })} ${t.symbol}`;
const side = (size: bigint): string => (size > 0n ? "LONG" : size < 0n ? "SHORT" : "-");
const mulWad = (a: bigint, b: bigint) => (a * b) / WAD;

/* MARKETS */

export interface MarketsArgs {
  market?: string;
}

export async function markets(ctx: TaskContext, args: MarketsArgs): Promise<TaskOutput> {
  const refs = args.market ? [await resolveMarket(ctx, args.market)] : await listMarkets(ctx);
  const rows: Row[] = [];
  const json: unknown[] = [];
  const notes: string[] = [];
  for (const ref of refs) {
    let view: IClearinghouseLens.MarketViewStructOutput;
    try {
      view = await ctx.lens.market(ref.marketId);
    } catch (err) {
      // A market whose price is unusable (stale, out of bounds, sequencer down) is listed with a short reason in the
      // table and the whole one under it (not in a cell, which would stretch the table off the screen).
      const failure = describeFailure(err, ERROR_INTERFACES);
      const cell = (failure.revert && priceFailureCell(failure.revert)) ?? "unavailable";
      rows.push([String(ref.marketId), ref.name, `${cell} (see below)`]);
      notes.push(`  ${ref.name}: ${failure.message}`);
      json.push({ marketId: ref.marketId, market: ref.name, error: failure.message });
      continue;
    }
    const p = view.params;
    rows.push([
      String(ref.marketId),
      ref.name,
      usd(view.oraclePrice),
      formatFixed(view.skew, { dp: 4, signed: true }),
      formatSize(view.longOpenInterest),
      formatSize(view.shortOpenInterest),
      formatSize(p.maxOpenInterest, 0),
      formatPercent(view.fundingRatePerDay, { dp: 4, signed: true }),
      `${formatFixed((WAD * WAD) / p.imf, { dp: 1 })}x`,
      `${formatPercent(p.takerFee, { dp: 3 })} / ${formatPercent(p.makerFee, { dp: 3 })}`,
    ]);
    json.push({
      marketId: ref.marketId,
      market: ref.name,
      asset: ref.symbol,
      oraclePrice: exact(view.oraclePrice, 18),
      skew: exact(view.skew, 18),
      longOpenInterest: exact(view.longOpenInterest, 18),
      shortOpenInterest: exact(view.shortOpenInterest, 18),
      maxOpenInterest: exact(p.maxOpenInterest, 18),
      fundingRatePerDay: exact(view.fundingRatePerDay, 18),
      fundingIndex: exact(view.fundingIndex, 18),
      imf: exact(p.imf, 18),
      mmf: exact(p.mmf, 18),
      takerFee: exact(p.takerFee, 18),
      makerFee: exact(p.makerFee, 18),
      skewScale: exact(p.skewScale, 18),
    });
  }
  const lines = [
    ...heading(`Markets (${ctx.hre.network.name}, chain ${ctx.chainId})`),
    ...renderTable(
      [
        "id",
        { header: "market", align: "left" },
        "oracle price",
        "skew",
        "long OI",
        "short OI",
        "OI cap / side",
        "funding / day",
        "max leverage",
        "taker / maker fee",
      ],
      rows,
    ),
    "  funding / day: positive when longs pay shorts (and the pool), negative when shorts pay.",
    ...notes,
  ];
  return { lines, json: { markets: json } };
}

/* ACCOUNT */

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

export async function account(ctx: TaskContext, args: AccountArgs): Promise<TaskOutput> {
  const { accountId, owner, subaccount } = await resolveAccountId(ctx, args);
  const [stateRaw, views, heldTokens] = await Promise.all([
    ctx.clearinghouse.accountState(accountId),
    ctx.lens.positions(accountId),
    ctx.vault.accountCollaterals(accountId),
  ]);
  const state: AccountStateData = {
    equity: stateRaw.equity,
    collateralValue: stateRaw.collateralValue,
    unrealizedPnl: stateRaw.unrealizedPnl,
    pendingFunding: stateRaw.pendingFunding,
    initialMargin: stateRaw.initialMargin,
    maintenanceMargin: stateRaw.maintenanceMargin,
    freeCollateral: stateRaw.freeCollateral,
    liquidatable: stateRaw.liquidatable,
  };

  const settlementBalance = await ctx.vault.balanceOf(accountId, ctx.settlement.address);
  const collateral: CollateralLine[] = [
    {
      token: ctx.settlement,
      balance: settlementBalance,
      weight: WAD,
      price: WAD,
      value: settlementBalance * 10n ** BigInt(18 - ctx.settlement.decimals),
    },
  ];
  for (const address of heldTokens) {
    const token = await resolveToken(ctx, address);
    const [balance, config] = await Promise.all([
      ctx.vault.balanceOf(accountId, address),
      ctx.vault.collateralConfig(address),
    ]);
    const price = await ctx.oracle.price(config.asset);
    const balanceWad = balance * 10n ** BigInt(18 - token.decimals);
    collateral.push({
      token,
      balance,
      asset: assetSymbol(config.asset),
      price,
      weight: config.weight,
      value: mulWad(mulWad(balanceWad, price), config.weight),
    });
  }

  const refs = await listMarkets(ctx);
  const positions: PositionLine[] = [];
  for (const v of views) {
    const ref = refs.find((r) => r.marketId === v.marketId)!;
    const markPrice = (await ctx.lens.market(v.marketId)).oraclePrice;
    const sameAsset = collateral
      .filter((c) => c.asset !== undefined && c.asset === ref.symbol)
      .reduce((sum, c) => sum + mulWad(c.balance * 10n ** BigInt(18 - c.token.decimals), c.weight), 0n);
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

  const marginRatio =
    state.maintenanceMargin === 0n ? undefined : (state.equity * WAD) / state.maintenanceMargin;

  const lines = [
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
          [
            "market",
            { header: "side", align: "left" },
            "size",
            "entry price",
            "mark price",
            "notional",
            "unrealized PnL",
            "funding owed",
            "liq. price",
            "distance",
          ],
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

  const json = {
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
  return { lines, json };
}

/* DEPOSIT / WITHDRAW */

export interface TransferArgs {
  amount: string;
  token?: string;
  subaccount?: string;
}

export async function deposit(ctx: TaskContext, args: TransferArgs): Promise<TaskOutput> {
  const token = await resolveToken(ctx, args.token);
  const subaccount = parseSubaccount(args.subaccount);
  const accountId = (BigInt(ctx.signerAddress) << 96n) | subaccount;
  const erc20 = IERC20Metadata__factory.connect(token.address, ctx.signer);
  const wallet = await erc20.balanceOf(ctx.signerAddress);
  const amount = args.amount === "max" ? wallet : parsePositive(args.amount, token.decimals, "--amount");
  if (amount === 0n) throw new Error(`the wallet ${ctx.signerAddress} holds no ${token.symbol}`);
  if (wallet < amount) {
    throw new Error(
      `the wallet holds ${tokenAmount(wallet, token)}, less than the ${tokenAmount(amount, token)} to deposit`,
    );
  }
  await ensureAllowance(ctx, token.address, ctx.addresses.vault, amount);
  const receipt = await send(ctx.vault.deposit(subaccount, token.address, amount));
  const balance = await ctx.vault.balanceOf(accountId, token.address);
  return {
    lines: [
      `Deposited ${tokenAmount(amount, token)} into ${ctx.signerAddress} / subaccount ${subaccount}.`,
      `  account balance: ${tokenAmount(balance, token)}`,
      `  tx ${receipt.hash}`,
    ],
    json: {
      accountId,
      token: token.address,
      symbol: token.symbol,
      amount: exact(amount, token.decimals),
      balance: exact(balance, token.decimals),
      txHash: receipt.hash,
    },
  };
}

export async function withdraw(ctx: TaskContext, args: TransferArgs): Promise<TaskOutput> {
  const token = await resolveToken(ctx, args.token);
  const subaccount = parseSubaccount(args.subaccount);
  const accountId = (BigInt(ctx.signerAddress) << 96n) | subaccount;
  const before = await ctx.vault.balanceOf(accountId, token.address);
  let amount: bigint;
  if (args.amount === "max") {
    if (before <= 0n) throw new Error(`the account holds no ${token.symbol}`);
    amount = before;
  } else {
    amount = parsePositive(args.amount, token.decimals, "--amount");
  }
  const receipt = await send(ctx.vault.withdraw(subaccount, token.address, amount));
  const balance = await ctx.vault.balanceOf(accountId, token.address);
  return {
    lines: [
      `Withdrew ${tokenAmount(amount, token)} from ${ctx.signerAddress} / subaccount ${subaccount}.`,
      `  account balance: ${tokenAmount(balance, token)}`,
      `  tx ${receipt.hash}`,
    ],
    json: {
      accountId,
      token: token.address,
      symbol: token.symbol,
      amount: exact(amount, token.decimals),
      balance: exact(balance, token.decimals),
      txHash: receipt.hash,
    },
  };
}

/* TRADE / CLOSE */

export interface TradeArgs {
  market: string;
  size?: string;
  slippage: string;
  acceptablePrice?: string;
  subaccount?: string;
}

/** The limit price: the previewed fill moved against the trader by the slippage tolerance (rounded that way too). */
export function acceptablePriceFor(fillPrice: bigint, sizeDelta: bigint, slippage: bigint): bigint {
  return sizeDelta > 0n
    ? (fillPrice * (WAD + slippage) + WAD - 1n) / WAD
    : slippage >= WAD
      ? 0n
      : (fillPrice * (WAD - slippage)) / WAD;
}

async function executeTrade(
  ctx: TaskContext,
  args: {
    market: string;
    sizeDelta: bigint;
    slippage: string;
    acceptablePrice?: string;
    subaccount?: string;
  },
  verb: string,
): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const subaccount = parseSubaccount(args.subaccount);
  const accountId = (BigInt(ctx.signerAddress) << 96n) | subaccount;
  const slippage = parsePercent(args.slippage, "--slippage");
  const [previewFill, previewFee] = await ctx.clearinghouse.previewTrade(
    accountId,
    market.marketId,
    args.sizeDelta,
  );
  const acceptablePrice =
    args.acceptablePrice !== undefined
      ? parsePositive(args.acceptablePrice, 18, "--acceptable-price")
      : acceptablePriceFor(previewFill, args.sizeDelta, slippage);

  const receipt = await send(
    ctx.clearinghouse.trade(subaccount, market.marketId, args.sizeDelta, acceptablePrice),
  );
  const event = findEvent(receipt, ctx.clearinghouse.interface, "TradeExecuted");
  if (!event) throw new Error(`no TradeExecuted event in ${receipt.hash}`);
  const e = event.args;
  const newSize = e.newSize as bigint;
  const newOpenNotional = e.newOpenNotional as bigint;
  const entryPrice = newSize === 0n ? 0n : (newOpenNotional * WAD) / newSize;
  const buy = args.sizeDelta > 0n;

  const rows: Row[] = [
    ["market", market.name],
    ["size", `${formatSize(args.sizeDelta)} (${buy ? "buy" : "sell"})`],
    ["previewed fill price", usd(previewFill, 4)],
    [`acceptable price (${buy ? "max" : "min"})`, usd(acceptablePrice, 4)],
    ["fill price", usd(e.fillPrice as bigint, 4)],
    ["fee", usd(e.fee as bigint, 4)],
    ["realized PnL", signedUsd(e.realizedPnl as bigint, 4)],
    ["funding settled (paid)", usd(e.fundingPaid as bigint, 6)],
    [
      "account balance change",
      formatUsd(e.accountDelta as bigint, { decimals: ctx.settlement.decimals, dp: 6, signed: true }),
    ],
    ["position now", `${side(newSize)} ${formatSize(abs(newSize))}`],
    ["entry price", newSize === 0n ? "-" : usd(entryPrice, 4)],
  ];
  return {
    lines: [
      `${verb} on ${market.name} for ${ctx.signerAddress} / subaccount ${subaccount}.`,
      ...renderTable(["trade", "value"], rows),
      `  tx ${receipt.hash}`,
    ],
    json: {
      accountId,
      marketId: market.marketId,
      market: market.name,
      sizeDelta: exact(args.sizeDelta, 18),
      previewFillPrice: exact(previewFill, 18),
      previewFee: exact(previewFee, 18),
      acceptablePrice: exact(acceptablePrice, 18),
      fillPrice: exact(e.fillPrice as bigint, 18),
      fee: exact(e.fee as bigint, 18),
      realizedPnl: exact(e.realizedPnl as bigint, 18),
      fundingPaid: exact(e.fundingPaid as bigint, 18),
      accountDelta: exact(e.accountDelta as bigint, ctx.settlement.decimals),
      newSize: exact(newSize, 18),
      entryPrice: exact(entryPrice, 18),
      txHash: receipt.hash,
    },
  };
}

export async function trade(ctx: TaskContext, args: TradeArgs): Promise<TaskOutput> {
  if (args.size === undefined)
    throw new Error("--size is required (base units, negative to sell: --size -0.5)");
  const sizeDelta = parseWad(args.size, "--size");
  if (sizeDelta === 0n) throw new Error("--size must not be zero");
  return executeTrade(ctx, { ...args, sizeDelta }, "Traded");
}

export async function close(ctx: TaskContext, args: TradeArgs): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const subaccount = parseSubaccount(args.subaccount);
  const accountId = (BigInt(ctx.signerAddress) << 96n) | subaccount;
  const position = (await ctx.lens.positions(accountId)).find((p) => p.marketId === market.marketId);
  if (!position || position.size === 0n)
    throw new Error(`no open position on ${market.name} in subaccount ${subaccount}`);
  return executeTrade(ctx, { ...args, sizeDelta: -position.size }, "Closed the position");
}

/* LIQUIDATE */

export async function liquidate(ctx: TaskContext, args: AccountArgs): Promise<TaskOutput> {
  if (args.accountId === undefined && args.address === undefined) {
    throw new Error(
      "pass the account to liquidate: --account-id <id>, or --address <owner> [--subaccount n]",
    );
  }
  const { accountId } = await resolveAccountId(ctx, args);
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
