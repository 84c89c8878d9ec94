/**
 * The keeper as a long-running process: the action behind `npx hardhat keeper` (scripts/tasks/keeper.ts).
 *
 * Wires the process-free pieces together: addresses from the Ignition deployment, the key from
 * `KEEPER_PRIVATE_KEY`, the checkpoint file, the metrics server, the polling loop, and the signals (SIGINT/SIGTERM:
 * finish the round in progress, write the checkpoint, close the metrics server, exit 0; a second signal exits at
 * once with code 130).
 */
import path from "node:path";
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  Clearinghouse__factory,
  OrderBook__factory,
  PriceOracle__factory,
  Vault__factory,
} from "../../typechain-types";
import { Keeper } from "./keeper";
import { errorMessage } from "../common/errors";
import { isLogLevel, jsonLogger } from "./log";
import { AccountTracker } from "./tracker";
import type { KeeperLogger } from "./log";
import { defaultDeploymentId, readIgnitionDeployment, requireDeployedCode } from "../common/deployment";
import type { KeeperDeployment } from "../common/deployment";
import { keeperMetrics, startMetricsServer } from "./metrics";
import type { MetricsServer } from "./metrics";
import { KeeperRunner } from "./runner";
import { KeeperConfigError, resolveKeeperSigner } from "./signer";
import { makeCheckpoint, resumeCheckpoint, saveCheckpoint } from "./state";
import { decimalField } from "../common/format";

export { KEY_ENV } from "./signer";

/** The task's parameters, as Hardhat passes them (camelCase). */
export interface KeeperTaskArgs {
  deploymentId?: string;
  stateFile?: string;
  metricsPort: number;
  batchSize: number;
  pollInterval: number;
  fromBlock?: number;
  reorgDepth: number;
  maxBlockRange: number;
  txTimeout: number;
  logLevel: string;
  once: boolean;
  /** Smallest profit (USD, decimal string) for which a collateral liquidation is sent; default "0". */
  minProfit?: string;
  /** Most settlement tokens (whole tokens, decimal string) one liquidateCollateral repays; default no cap. */
  maxRepay?: string;
  /** Markets to auto-deleverage: "all" (default), "none", or market ids separated by commas ("0,1"). */
  deleverage?: string;
  /** Settle and cancel orders: "on" (default) or "off". */
  orders?: string;
}

/** `--orders`: "on" (default) or "off". */
export function parseOrdersFlag(value: string | undefined): boolean {
  const text = (value ?? "on").trim().toLowerCase();
  if (text === "on") return true;
  if (text === "off") return false;
  return fail(`--orders must be "on" or "off", got ${value}`);
}

/** `--deleverage`: "all", "none" or comma-separated market ids. */
export function parseDeleverageMarkets(value: string | undefined): readonly bigint[] | "all" {
  const text = (value ?? "all").trim();
  if (text === "all") return "all";
  if (text === "none") return [];
  const ids = text.split(",").map((part) => part.trim());
  if (ids.some((id) => !/^\d+$/.test(id))) {
    fail(`--deleverage must be "all", "none" or market ids such as 0,1, got ${value}`);
  }
  return [...new Set(ids.map((id) => BigInt(id)))];
}

const fail = (message: string): never => {
  throw new KeeperConfigError(message);
};

function validateArgs(args: KeeperTaskArgs): void {
  const positive = (name: string, value: number) =>
    Number.isInteger(value) && value > 0
      ? undefined
      : fail(`--${name} must be a positive integer, got ${value}`);
  const nonNegative = (name: string, value: number) =>
    Number.isInteger(value) && value >= 0
      ? undefined
      : fail(`--${name} must be a non-negative integer, got ${value}`);
  positive("batch-size", args.batchSize);
  positive("poll-interval", args.pollInterval);
  positive("max-block-range", args.maxBlockRange);
  positive("tx-timeout", args.txTimeout);
  nonNegative("reorg-depth", args.reorgDepth);
  if (!Number.isInteger(args.metricsPort) || args.metricsPort < 0 || args.metricsPort > 65535) {
    fail(`--metrics-port must be 0..65535, got ${args.metricsPort}`);
  }
  if (args.fromBlock !== undefined) nonNegative("from-block", args.fromBlock);
  if (!isLogLevel(args.logLevel))
    fail(`--log-level must be debug, info, warn or error, got ${args.logLevel}`);
  if (args.minProfit !== undefined && !DECIMAL.test(args.minProfit)) {
    fail(`--min-profit must be a non-negative USD amount such as 0 or 2.5, got ${args.minProfit}`);
  }
  if (args.maxRepay !== undefined && (!DECIMAL.test(args.maxRepay) || !/[1-9]/.test(args.maxRepay))) {
    fail(`--max-repay must be a positive settlement-token amount such as 5000, got ${args.maxRepay}`);
  }
  parseDeleverageMarkets(args.deleverage);
  parseOrdersFlag(args.orders);
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** A decimal string in units of `decimals` decimals; fails if it has more decimals than that. */
function parseAmount(name: string, value: string, decimals: number): bigint {
  try {
    return ethers.parseUnits(value, decimals);
  } catch {
    return fail(`--${name} ${value} has more than ${decimals} decimals`);
  }
}

/**
 * The task's action: runs the keeper; on any failure prints one line, `error: <message>`, on stderr and sets the exit
 * status to 1 (no stack trace; `KEEL_DEBUG=1` prints it too).
 */
export async function keeperMain(args: KeeperTaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  try {
    await runKeeperTask(args, hre);
  } catch (err) {
    const message = errorMessage(err);
    const unreachable = /HH108|cannot connect to the network|ECONNREFUSED/i.test(message);
    const hint = !unreachable
      ? ""
      : hre.network.name === "localhost"
        ? " (is the node running? Start one with `npx hardhat node`, or point LOCALHOST_RPC_URL at it)"
        : ` (check the RPC URL of network "${hre.network.name}")`;
    console.error(`error: ${message}${hint}`);
    if (process.env.KEEL_DEBUG === "1") console.error(err);
    process.exitCode = 1;
  }
}

export async function runKeeperTask(args: KeeperTaskArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  validateArgs(args);
  if (hre.network.name === "hardhat") {
    fail(
      'the keeper needs a chain that outlives it: run a node (npx hardhat node) and pass "--network localhost", ' +
        "or any configured network",
    );
  }
  const logger = jsonLogger({ minLevel: args.logLevel as "debug" | "info" | "warn" | "error" });
  const { chainId, deploymentId, deployment, signer } = await connect(args, hre, logger);
  const provider = hre.ethers.provider;
  const stateFile = path.resolve(args.stateFile ?? `keeper-state.${chainId}.json`);
  const start = await resumeCheckpoint({
    stateFile,
    chainId,
    clearinghouse: deployment.clearinghouse,
    firstBlock: args.fromBlock ?? deployment.deployBlock ?? 0,
    provider,
    logger,
  });

  // Collateral liquidation repays debt from the keeper's wallet: amounts in the settlement token's decimals.
  const vault = Vault__factory.connect(deployment.vault, signer);
  const settlementDecimals = Number(await vault.settlementDecimals());
  const tracker = new AccountTracker(start.accounts);
  const orders = parseOrdersFlag(args.orders);
  const keeper = new Keeper({
    clearinghouse: Clearinghouse__factory.connect(deployment.clearinghouse, signer),
    vault,
    signer,
    logger,
    tracker,
    debtAccounts: start.debtAccounts,
    minProfitUsd: parseAmount("min-profit", args.minProfit ?? "0", 18),
    maxRepayPerTx:
      args.maxRepay === undefined ? undefined : parseAmount("max-repay", args.maxRepay, settlementDecimals),
    errorInterfaces: [PriceOracle__factory.createInterface()],
    deleverageMarkets: parseDeleverageMarkets(args.deleverage),
    orderBook: deployment.orderBook ? OrderBook__factory.connect(deployment.orderBook, signer) : undefined,
    orders,
    pendingOrders: start.pendingOrders,
    batchSize: args.batchSize,
    maxBlockRange: args.maxBlockRange,
    receiptTimeoutMs: args.txTimeout,
    receiptPollMs: Math.min(250, args.pollInterval),
  });

  const writeCheckpoint = async (lastScannedBlock: number): Promise<void> => {
    const block = lastScannedBlock >= 0 ? await provider.getBlock(lastScannedBlock) : null;
    saveCheckpoint(
      stateFile,
      makeCheckpoint({
        chainId,
        deploymentId,
        clearinghouse: deployment.clearinghouse,
        vault: deployment.vault,
        lastScannedBlock,
        lastScannedBlockHash: block?.hash ?? undefined,
        accounts: tracker.ids(),
        debtAccounts: keeper.debtAccounts(),
        pendingOrders: keeper.pendingOrders(),
      }),
    );
  };
  const runner = new KeeperRunner({
    keeper,
    provider,
    logger,
    startBlock: start.startBlock,
    pollIntervalMs: args.pollInterval,
    reorgDepth: args.reorgDepth,
    maxBlockRange: args.maxBlockRange,
    checkpoint: writeCheckpoint,
  });
  const metrics = await serveMetrics(args.metricsPort, keeper, runner);

  const keeperAddress = await signer.getAddress();
  const settlement = await keeper.settlementToken();
  const settlementBalance = await keeper.settlementWalletBalance();
  logger.log("info", "started", {
    network: hre.network.name,
    chainId,
    deploymentId,
    clearinghouse: deployment.clearinghouse,
    vault: deployment.vault,
    keeper: keeperAddress,
    balanceEth: decimalField(await provider.getBalance(keeperAddress), 18),
    settlementToken: settlement.address,
    settlementBalanceUsdc: decimalField(settlementBalance, settlementDecimals),
    minProfitUsd: args.minProfit ?? "0",
    maxRepayUsdc: args.maxRepay,
    deleverage: args.deleverage ?? "all",
    orders: keeper.ordersEnabled ? "on" : orders ? "off (no OrderBook in the deployment)" : "off",
    orderBook: deployment.orderBook,
    pendingOrders: keeper.pendingOrders().length,
    stateFile,
    resumed: start.resumed,
    startBlock: start.startBlock,
    accountsTracked: tracker.size,
    metrics: metrics?.url,
    batchSize: args.batchSize,
    pollIntervalMs: args.pollInterval,
    once: args.once,
  });
  if (settlementBalance === 0n) {
    logger.log("warn", "no_settlement_funds", {
      keeper: keeperAddress,
      settlementToken: settlement.address,
      message:
        "the keeper's wallet holds no settlement tokens (USDC): it liquidates positions and settles bad debt, but " +
        "cannot repay debt with liquidateCollateral until it is funded",
    });
  }

  const failure = await runUntilStopped(args.once, runner, logger, async () => {
    try {
      if (runner.lastScannedBlock >= start.startBlock) await writeCheckpoint(runner.lastScannedBlock);
    } catch (err) {
      logger.log("error", "checkpoint_failed", { stateFile, error: errorMessage(err) });
    }
    await metrics?.close();
  });
  logger.log(failure ? "error" : "info", "stopped", {
    lastScannedBlock: runner.lastScannedBlock,
    accountsTracked: tracker.size,
    sent: keeper.stats.sent,
    succeeded: keeper.stats.succeeded,
    lost: keeper.stats.lost,
    failed: keeper.stats.failed,
    rewardsUsdc: decimalField(keeper.stats.rewards, settlementDecimals),
    collateralLiquidated: keeper.stats.collateralLiquidations.succeeded,
    collateralRepaidUsdc: decimalField(keeper.stats.collateralRepaid, settlementDecimals),
    badDebtSettled: keeper.stats.badDebtSettlements.succeeded,
    debtAccounts: keeper.debtAccounts().length,
    ordersSettled: keeper.stats.orders.settled,
    ordersCancelled: keeper.stats.orders.cancelled,
    orderFeesUsdc: decimalField(keeper.stats.orderFees, settlementDecimals),
    pendingOrders: keeper.pendingOrders().length,
    error: failure ? errorMessage(failure) : undefined,
  });
  if (failure) fail(`keeper round failed: ${errorMessage(failure)}`);
}

/** The chain id, the Ignition deployment (checked to be on this chain) and the keeper's signer. */
async function connect(args: KeeperTaskArgs, hre: HardhatRuntimeEnvironment, logger: KeeperLogger) {
  const provider = hre.ethers.provider;
  const { chainId } = await provider.getNetwork();
  const deploymentId = args.deploymentId ?? defaultDeploymentId(chainId);
  let deployment: KeeperDeployment;
  try {
    deployment = readIgnitionDeployment(hre.config.paths.ignition, deploymentId);
    await requireDeployedCode(provider, deployment, { network: hre.network.name, chainId });
  } catch (err) {
    return fail((err as Error).message);
  }
  const signer = await resolveKeeperSigner(hre, chainId, logger);
  return { chainId, deploymentId, deployment, signer };
}

/** Serves /metrics on 127.0.0.1 (`port` 0: not at all). */
async function serveMetrics(
  port: number,
  keeper: Keeper,
  runner: KeeperRunner,
): Promise<MetricsServer | undefined> {
  if (port === 0) return undefined;
  try {
    return await startMetricsServer({
      port,
      collect: () =>
        keeperMetrics(keeper.stats, {
          accountsTracked: keeper.tracker.size,
          lastBlock: runner.lastScannedBlock,
          inFlight: keeper.inFlightCount(),
          loopErrors: runner.loopErrors,
          debtAccounts: keeper.debtAccounts().length,
          pendingOrders: keeper.pendingOrders().length,
        }),
    });
  } catch (err) {
    return fail(
      `cannot serve metrics on 127.0.0.1:${port}: ${errorMessage(err)} (use --metrics-port 0 to disable)`,
    );
  }
}

/**
 * Runs one round (`once`) or rounds until SIGINT/SIGTERM (a second signal exits at once with code 130), then
 * `cleanUp`. Returns what made a round throw, if anything.
 */
async function runUntilStopped(
  once: boolean,
  runner: KeeperRunner,
  logger: KeeperLogger,
  cleanUp: () => Promise<void>,
): Promise<unknown> {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (runner.stopped) {
      logger.log("warn", "forced_exit", { signal });
      process.exit(130);
    }
    logger.log("info", "stopping", { signal });
    runner.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failure: unknown;
  try {
    if (once) await runner.round();
    else await runner.run();
  } catch (err) {
    failure = err;
  } finally {
    await cleanUp();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return failure;
}
