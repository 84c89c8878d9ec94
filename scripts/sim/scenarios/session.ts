/**
 * `npm run simulate -- --scenario session`: a short scripted Keel session on a fresh local stack (the other scenarios
 * of `npm run simulate` are the agent-based simulation and risk report, scripts/sim/pipeline/).
 *
 *   1. deploy the local stack (Ignition `LocalStack`);
 *   2. an LP deposits 1,000,000 USDC into the pool;
 *   3. a trader deposits 10,000 USDC into subaccount 0 and, cross-margined in that one account, opens a 2 ETH long
 *      and a 0.1 BTC short, each with a 1% slippage limit around `previewTrade`'s fill price;
 *   4. prints the account and its positions ("before");
 *   5. moves ETH +8% and BTC +3%, lets 8 hours pass, re-posts the feeds so they are fresh;
 *   6. prints the account "after" and what changed: PnL and funding per market, equity, margin ratio, pool NAV.
 *
 * Runs on the in-process Hardhat network and against a node (`npx hardhat node`, then
 * `npm run simulate -- --scenario session --network localhost`; there the chain is rolled back afterwards, see
 * scripts/sim/rollback.ts). `runSession` is exported for tests and returns every number it printed.
 */
import hre from "hardhat";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { feedAnswer, increaseTime, latestTimestamp, moveFeed, refreshFeed } from "../../common/devchain";
import { formatChange, formatFixed, formatSize, formatUsd, shortAddress } from "../../common/format";
import { send } from "../../common/send";
import { heading, renderTable } from "../../common/table";
import { BPS } from "../../common/units";
import {
  accountComparisonTable,
  accountStateTable,
  equityIdentity,
  marketMoves,
  marketMovesTable,
  marketsTable,
  poolComparisonTable,
  positionsTable,
} from "../../lib/report";
import type { MarketMove } from "../../lib/report";
import { deployLocalStack, readMarkets, readSnapshot, requireDevChain } from "../../lib/system";
import type { Snapshot, System, SystemAddresses } from "../../lib/system";

const usdcUnits = (amount: string): bigint => ethers.parseUnits(amount, 6);
const usdcAmount = (units: bigint): string => formatFixed(units, { decimals: 6, dp: 2 });
const wad = (amount: string): bigint => ethers.parseUnits(amount, 18);

/** The session's script. Sizes and prices are WAD, token amounts are USDC units (6 decimals). */
export const SESSION = {
  lpDeposit: usdcUnits("1000000"),
  traderDeposit: usdcUnits("10000"),
  subaccount: 0n,
  /** Slippage tolerance around the previewed fill price, in basis points (100 = 1%). */
  slippageBps: 100n,
  trades: [
    { marketId: 0n, sizeDelta: wad("2") }, // long 2 ETH
    { marketId: 1n, sizeDelta: wad("-0.1") }, // short 0.1 BTC
  ],
  priceMoves: [
    { asset: "ETH", feed: "ethFeed", changeBps: 800n }, // +8%
    { asset: "BTC", feed: "btcFeed", changeBps: 300n }, // +3%
  ] as { asset: string; feed: "ethFeed" | "btcFeed"; changeBps: bigint }[],
  /** Time that passes after the price move (seconds). */
  elapsed: 8 * 60 * 60,
};

/** One executed trade with the numbers behind it (WAD; `accountDelta` in USDC units). */
export interface TradeRecord {
  marketId: bigint;
  sizeDelta: bigint;
  previewFillPrice: bigint;
  acceptablePrice: bigint;
  fillPrice: bigint;
  fee: bigint;
  /** Net change of the account's settlement balance (USDC units): minus the fee here. */
  accountDelta: bigint;
}

/** Everything the session did and printed. */
export interface SessionReport {
  network: string;
  chainId: bigint;
  addresses: SystemAddresses;
  lp: string;
  lpShares: bigint;
  trader: string;
  accountId: bigint;
  trades: TradeRecord[];
  before: Snapshot;
  after: Snapshot;
  moves: MarketMove[];
  /** Seconds between the "before" and "after" snapshots. */
  elapsedSeconds: number;
}

export interface SessionOptions {
  /** Where the report's lines go; `console.log` by default. */
  log?: (line: string) => void;
}

/**
 * The worst price the trader accepts for a fill expected at `fillPrice`: `slippageBps` above it for a buy, below
 * it for a sell. Rounded toward the expected fill, so the limit never grants more than the tolerance.
 */
export function acceptablePrice(fillPrice: bigint, sizeDelta: bigint, slippageBps: bigint): bigint {
  if (sizeDelta > 0n) return (fillPrice * (BPS + slippageBps)) / BPS;
  return (fillPrice * (BPS - slippageBps) + BPS - 1n) / BPS;
}

/** Runs the scripted session against `runtime`'s network and returns what it did. */
export async function runSession(
  runtime: HardhatRuntimeEnvironment = hre,
  { log = console.log }: SessionOptions = {},
): Promise<SessionReport> {
  const print = (lines: string | string[]) => (Array.isArray(lines) ? lines : [lines]).forEach((l) => log(l));
  const chainId = await requireDevChain(runtime);
  print(`Keel — scripted session on network "${runtime.network.name}" (chain ${chainId})`);

  // 1. Deploy.
  print(heading("1. Deploy the local stack (Ignition module LocalStack)"));
  const sys = await deployLocalStack(runtime);
  print(
    renderTable(
      ["contract", { header: "address", align: "left" }],
      Object.entries<string>(sys.addresses).map(([name, address]) => [name, address]),
    ),
  );
  const markets = await sys.clearinghouse.marketCount();
  print(`  ${markets} markets listed; USDC has ${await sys.usdc.decimals()} decimals`);

  const lp = sys.signers[1];
  const trader = sys.signers[2];
  if (!lp || !trader) throw new Error("the network needs at least 3 unlocked accounts (admin, LP, trader)");

  // 2. LP liquidity.
  print(heading("2. LP deposits into the pool"));
  const poolAddress = await sys.pool.getAddress();
  await fund(sys, lp, SESSION.lpDeposit, poolAddress);
  await send(sys.pool.connect(lp).deposit(SESSION.lpDeposit, lp.address));
  const lpShares = await sys.pool.balanceOf(lp.address);
  const shareDecimals = Number(await sys.pool.decimals());
  print(
    `  LP ${shortAddress(lp.address)} deposited ${usdcAmount(SESSION.lpDeposit)} USDC ` +
      `for ${formatFixed(lpShares, { decimals: shareDecimals, dp: 2 })} ${await sys.pool.symbol()} shares`,
  );
  print(`  pool totalAssets: ${formatUsd(await sys.pool.totalAssets(), { decimals: 6 })}`);

  // 3. Trader: collateral, then two positions in one cross-margined account.
  print(heading("3. Trader deposits collateral and opens positions (one cross-margin account)"));
  const vaultAddress = await sys.vault.getAddress();
  await fund(sys, trader, SESSION.traderDeposit, vaultAddress);
  await send(
    sys.vault.connect(trader).deposit(SESSION.subaccount, sys.addresses.usdc, SESSION.traderDeposit),
  );
  const accountId = await sys.lens.accountIdOf(trader.address, SESSION.subaccount);
  print(
    `  trader ${shortAddress(trader.address)} deposited ${usdcAmount(SESSION.traderDeposit)} USDC ` +
      `into subaccount ${SESSION.subaccount}`,
  );
  print(`  account id (owner << 96 | subaccount): ${ethers.toBeHex(accountId, 32)}`);

  const trades: TradeRecord[] = [];
  for (const { marketId, sizeDelta } of SESSION.trades) {
    trades.push(await openTrade(sys, trader, accountId, marketId, sizeDelta));
  }
  const listed = await readMarkets(sys);
  const nameOf = (marketId: bigint) =>
    listed.find((m) => m.marketId === marketId)?.name ?? `market ${marketId}`;
  print("");
  print(
    renderTable(
      [
        "trade",
        { header: "side", align: "left" },
        "size",
        "preview fill",
        `limit (${formatFixed(SESSION.slippageBps, { decimals: 2, dp: 2 })}%)`,
        "fill price",
        "fee",
      ],
      trades.map((t) => [
        nameOf(t.marketId),
        t.sizeDelta > 0n ? "BUY" : "SELL",
        formatSize(t.sizeDelta < 0n ? -t.sizeDelta : t.sizeDelta),
        formatUsd(t.previewFillPrice),
        formatUsd(t.acceptablePrice),
        formatUsd(t.fillPrice),
        formatUsd(t.fee),
      ]),
    ),
  );

  // 4. Before.
  const before = await readSnapshot(sys, accountId);
  printSnapshot(print, "4. Before the move", before);

  // 5. Prices move, time passes, feeds are re-posted so they are not stale.
  print(heading("5. Market moves"));
  for (const { asset, feed, changeBps } of SESSION.priceMoves) {
    const decimals = Number(await sys[feed].decimals());
    const old = await feedAnswer(sys[feed]);
    const next = await moveFeed(sys[feed], changeBps);
    print(
      `  ${asset}: ${formatUsd(old, { decimals })} → ${formatUsd(next, { decimals })} (${formatChange(old, next)})`,
    );
  }
  const from = await latestTimestamp(runtime);
  const to = await increaseTime(runtime, SESSION.elapsed);
  print(`  time: +${formatDuration(to - from)} (${isoTime(from)} → ${isoTime(to)})`);
  for (const { feed } of SESSION.priceMoves) await refreshFeed(sys[feed]);
  print("  feeds re-posted at the new time (fresh for the oracle's heartbeat check)");

  // 6. After, and what changed.
  const after = await readSnapshot(sys, accountId);
  printSnapshot(print, "6. After the move", after);

  const moves = marketMoves(before, after);
  print(heading(`Summary: ${formatDuration(after.timestamp - before.timestamp)} between the snapshots`));
  print(marketMovesTable(moves));
  print(
    "  funding paid > 0 is paid by the account: longs pay while the skew is long, shorts while it is short",
  );
  print("");
  print(accountComparisonTable(before.account, after.account));
  print("");
  print(equityIdentity(after.account));
  print("");
  print(poolComparisonTable(before, after));
  const traderChange = after.account.equity - before.account.equity;
  const poolChange = (after.poolTotalAssets - before.poolTotalAssets) * 10n ** 12n;
  print(
    `  the pool is the counterparty: NAV ${formatUsd(poolChange, { signed: true })} ` +
      `against the trader's equity ${formatUsd(traderChange, { signed: true })}`,
  );
  print("");

  return {
    network: runtime.network.name,
    chainId,
    addresses: sys.addresses,
    lp: lp.address,
    lpShares,
    trader: trader.address,
    accountId,
    trades,
    before,
    after,
    moves,
    elapsedSeconds: after.timestamp - before.timestamp,
  };
}

/** Mints mock USDC to `who` and approves `spender` for it. */
async function fund(sys: System, who: HardhatEthersSigner, amount: bigint, spender: string): Promise<void> {
  await send(sys.usdc.mint(who.address, amount));
  await send(sys.usdc.connect(who).approve(spender, amount));
}

/** Previews a trade, sets the slippage limit around the previewed fill and executes it. */
async function openTrade(
  sys: System,
  trader: HardhatEthersSigner,
  accountId: bigint,
  marketId: bigint,
  sizeDelta: bigint,
): Promise<TradeRecord> {
  const [previewFillPrice] = await sys.clearinghouse.previewTrade(accountId, marketId, sizeDelta);
  const limit = acceptablePrice(previewFillPrice, sizeDelta, SESSION.slippageBps);
  const receipt = await send(
    sys.clearinghouse.connect(trader).trade(SESSION.subaccount, marketId, sizeDelta, limit),
  );
  const [event] = await sys.clearinghouse.queryFilter(
    sys.clearinghouse.filters.TradeExecuted(accountId, marketId),
    receipt.blockNumber,
    receipt.blockNumber,
  );
  if (!event) throw new Error(`no TradeExecuted event in ${receipt.hash}`);
  return {
    marketId,
    sizeDelta,
    previewFillPrice,
    acceptablePrice: limit,
    fillPrice: event.args.fillPrice,
    fee: event.args.fee,
    accountDelta: event.args.accountDelta,
  };
}

function printSnapshot(print: (lines: string | string[]) => void, title: string, s: Snapshot): void {
  print(heading(`${title} (block ${s.blockNumber}, ${isoTime(s.timestamp)})`));
  print(marketsTable(s.markets));
  print("");
  print(accountStateTable(s.account));
  print("");
  print(positionsTable(s.positions, s.markets));
}

const isoTime = (timestamp: number): string => new Date(timestamp * 1000).toISOString().replace(".000Z", "Z");

function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || (!h && !m) ? `${s}s` : ""].filter(Boolean).join(" ");
}
