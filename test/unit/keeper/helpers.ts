/**
 * Shared set-up of the keeper tests: the task arguments, the network fixtures and the keepers built on them.
 */
import fs from "node:fs";
import path from "node:path";
import hre, { ethers } from "hardhat";
import { ETH, FEED, USDC, WAD, accountIdOf as refAccountIdOf, fundedFixture } from "../../shared/fixtures";
import { ordersFixture } from "../orders/shared";
import type { OrdersSystem } from "../orders/shared";
import { Keeper, MemoryLogger } from "../../../scripts/keeper";
import type { KeeperConfig, OrderOutcome } from "../../../scripts/keeper";
import type { KeeperTaskArgs } from "../../../scripts/keeper/cli";

/**
 * Writes `<root>/deployments/<deploymentId>/deployed_addresses.json` with `addresses` (future id → address) and
 * returns the deployment's directory.
 */
export function writeIgnitionAddresses(
  root: string,
  deploymentId: string,
  addresses: Record<string, string>,
): string {
  const dir = path.join(root, "deployments", deploymentId);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "deployed_addresses.json"), JSON.stringify(addresses));
  return dir;
}

export const topicOf = (id: bigint) => ethers.toBeHex(id, 32);

/** The arguments `hardhat keeper` passes (camelCase), with `overrides`: one run, no metrics, quiet. */
export const keeperArgs = (overrides: Partial<KeeperTaskArgs> = {}): KeeperTaskArgs => ({
  metricsPort: 0,
  batchSize: 200,
  pollInterval: 1000,
  reorgDepth: 0,
  maxBlockRange: 2000,
  txTimeout: 1000,
  logLevel: "error",
  once: true,
  ...overrides,
});

/** Alice 9x long ETH (liquidatable after -8%), Bob 2x long (healthy), Carol 9x long on subaccount 1. */
export async function keeperFixture() {
  const sys = await fundedFixture();
  const { clearinghouse, vault, usdc, alice, bob, carol } = sys;
  await clearinghouse.connect(alice).trade(0, ETH, WAD(30), ethers.MaxUint256);
  await clearinghouse.connect(bob).trade(0, ETH, WAD("6.6"), ethers.MaxUint256);
  await vault.connect(carol).deposit(1, await usdc.getAddress(), USDC(10_000));
  await clearinghouse.connect(carol).trade(1, ETH, WAD(30), ethers.MaxUint256);
  await sys.ethFeed.updateAnswer(FEED(2760)); // -8%
  const [keeperA, keeperB] = [sys.signers[10], sys.signers[11]];
  return {
    ...sys,
    keeperA,
    keeperB,
    aliceId: refAccountIdOf(alice.address, 0),
    bobId: refAccountIdOf(bob.address, 0),
    carolId: refAccountIdOf(carol.address, 0),
    carol1Id: refAccountIdOf(carol.address, 1),
  };
}

/** A Keeper on `sys` signing with `signer`, logging to memory, polling receipts every 10 ms. */
export function newKeeper(
  sys: Pick<KeeperConfig, "clearinghouse" | "vault">,
  signer: KeeperConfig["signer"],
  options: Partial<Keeper["options"]> = {},
) {
  const logger = new MemoryLogger();
  const keeper = new Keeper({
    clearinghouse: sys.clearinghouse,
    vault: sys.vault,
    signer,
    logger,
    receiptPollMs: 10,
    ...options,
  });
  return { keeper, logger };
}

/** The liquidation tests' keeper: batches of 2 checks. */
export const makeLiquidationKeeper = (sys: Awaited<ReturnType<typeof keeperFixture>>, signer = sys.keeperA) =>
  newKeeper(sys, signer, { batchSize: 2 });

/**
 * Two accounts with only WETH as collateral, long ETH: Dave 5 WETH and 28 ETH (7x his haircut collateral),
 * Erin 1 WETH and 7.5 ETH (9.4x). ETH then falls 12% to 2,640: both lose their whole position in one
 * liquidation (Dave's equity, ~$430, is under the 1% penalty; Erin's is negative), which leaves the USDC debt on
 * the account because WETH is left. Dave's WETH covers his debt; Erin's does not: the rest is bad debt.
 */
export async function debtFixture() {
  const sys = await fundedFixture();
  const [dave, erin] = [sys.signers[5], sys.signers[6]];
  const weth = await sys.weth.getAddress();
  for (const [who, amount, size] of [
    [dave, WAD(5), WAD(28)],
    [erin, WAD(1), WAD("7.5")],
  ] as const) {
    await sys.weth.mint(who.address, amount);
    await sys.weth.connect(who).approve(await sys.vault.getAddress(), ethers.MaxUint256);
    await sys.vault.connect(who).deposit(0, weth, amount);
    await sys.clearinghouse.connect(who).trade(0, ETH, size, ethers.MaxUint256);
  }
  await sys.ethFeed.updateAnswer(FEED(2640));
  return {
    ...sys,
    dave,
    erin,
    wethAddress: weth,
    daveId: refAccountIdOf(dave.address, 0),
    erinId: refAccountIdOf(erin.address, 0),
    keeperA: sys.signers[10],
    keeperB: sys.signers[11],
  };
}
export type DebtSystem = Awaited<ReturnType<typeof debtFixture>>;

/** The debt tests' keeper, tracking Dave and Erin. */
export const makeDebtKeeper = (
  sys: DebtSystem,
  signer = sys.keeperA,
  options: Partial<Keeper["options"]> = {},
) => {
  const made = newKeeper(sys, signer, options);
  made.keeper.tracker.add(sys.daveId);
  made.keeper.tracker.add(sys.erinId);
  return made;
};
export const fund = async (sys: DebtSystem, who: { address: string }, amount: bigint) =>
  sys.usdc.mint(who.address, amount);
export const usdcOf = async (sys: DebtSystem, id: bigint) =>
  sys.vault.balanceOf(id, await sys.usdc.getAddress());

/**
 * The orders fixture (test/unit/orders/shared.ts) for the keeper's order tests, with the OrderBook accepting settlement
 * prices up to its bound (1 h) instead of 15 s: a keeper round reads and estimates in wall-clock time, and the chain's
 * clock follows it (many seconds under coverage's instrumentation), so a 15 s age would make these tests depend on the
 * machine's speed. The age check itself is tested in test/unit/orders and test/attacks/staleRoundOption.test.ts.
 */
export async function keeperOrdersFixture() {
  const sys = await ordersFixture();
  await sys.orderBook.setMaxPriceAge(3_600);
  return sys;
}

/** A keeper with the order pass (signer 10, unfunded: its subaccount 0 holds only the fees it earns). */
export function orderKeeper(sys: OrdersSystem, options: Partial<KeeperConfig> = {}) {
  const logger = new MemoryLogger();
  const keeper = new Keeper({
    clearinghouse: sys.clearinghouse,
    vault: sys.vault,
    orderBook: sys.orderBook,
    signer: sys.signers[10],
    logger,
    receiptPollMs: 10,
    deleverageMarkets: [],
    ...options,
  });
  return { keeper, logger, keeperId: refAccountIdOf(sys.signers[10].address) };
}

/** Scans every block so far, then runs one keeper round; its order outcomes. */
export async function orderRound(keeper: Keeper): Promise<OrderOutcome[]> {
  await keeper.scanLogs(0, await ethers.provider.getBlockNumber());
  return (await keeper.checkAndLiquidate()).filter(
    (o): o is OrderOutcome => o.action === "settleOrder" || o.action === "cancelOrder",
  );
}

/** Runs `body` and returns how many `eth_call`s to a function with `selector` it sent to the Hardhat network. */
export async function countCalls(selector: string, body: () => Promise<void>): Promise<number> {
  const provider = hre.network.provider as unknown as {
    send: (method: string, params?: unknown[]) => Promise<unknown>;
    request: (args: { method: string; params?: unknown[] }) => Promise<unknown>;
  };
  const [send, request] = [provider.send, provider.request];
  let count = 0;
  const counts = (method: string, params?: unknown[]) => {
    const data = (params?.[0] as { data?: string } | undefined)?.data;
    if (method === "eth_call" && data?.startsWith(selector)) count++;
  };
  provider.send = (method, params) => {
    counts(method, params);
    return send.call(provider, method, params);
  };
  provider.request = (args) => {
    counts(args.method, args.params);
    return request.call(provider, args);
  };
  try {
    await body();
  } finally {
    provider.send = send;
    provider.request = request;
  }
  return count;
}
