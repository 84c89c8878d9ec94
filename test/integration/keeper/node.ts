/**
 * Shared helpers of the keeper end-to-end tests: child processes in their own process groups (a `hardhat node`, an
 * Ignition deployment, keeper processes), polling with deadlines, free ports, the keeper's /metrics and JSON log
 * lines, and `startLocalChain`, which starts a node on a free port and deploys the LocalStack on it.
 *
 * Every process started through a `Processes` set is killed by its `killAll()`; `LocalChain.close()` kills them and
 * removes the deployment folder deploy/deployments/<deploymentId>.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import type { HDNodeWallet } from "ethers";
import {
  Clearinghouse__factory,
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  OrderBook__factory,
  Vault__factory,
} from "../../../typechain-types";
import { parsePrometheus } from "../../../scripts/keeper/metrics";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const HOST = "127.0.0.1";
export const MNEMONIC = "test test test test test test test test test test test junk";
export const USDC = (n: number | string) => ethers.parseUnits(String(n), 6);
export const WAD = (n: number | string) => ethers.parseUnits(String(n), 18);
export const FEED = (n: number | string) => ethers.parseUnits(String(n), 8);
export const ETH_MARKET = 0n;
export const BTC_MARKET = 1n;
export { accountIdOf as idOf } from "../../../scripts/common/accounts";
const VERBOSE = process.env.KEEPER_E2E_VERBOSE === "1";

/* PROCESSES */

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Everything written to stdout, split into lines (when started with `keepLines`). */
  lines: string[];
  /** The last 64 KiB of stderr and stdout, for failure messages. */
  tail: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The processes one test file started; `killAll` ends them all (their whole process groups). */
export class Processes {
  readonly procs: Proc[] = [];

  /** Starts `npx <args>` in the repository, in a process group of its own. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv = {}, keepLines = false): Proc {
    // A process group of its own (detached) so the whole npx → hardhat tree can be signalled at once.
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.HARDHAT_CHAIN_ID; // the test's node is chain 31337 (the keeper's local-chain defaults)
    const child = spawn("npx", args, {
      cwd: ROOT,
      env: childEnv,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let tail = "";
    const keep = (s: string) => {
      tail = (tail + s).slice(-65_536);
      if (VERBOSE) process.stderr.write(`[${name}] ${s}`);
    };
    const lines: string[] = [];
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => {
      // Always drained: a node logging every RPC call would block on a full pipe otherwise.
      const text = partial + chunk.toString();
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      if (keepLines) lines.push(...parts);
      keep(chunk.toString());
    });
    child.stderr.on("data", (chunk: Buffer) => keep(chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const proc: Proc = { name, child, lines, tail: () => tail, exited };
    this.procs.push(proc);
    return proc;
  }

  /** SIGKILLs every process group started here and waits (bounded) for them to exit. */
  async killAll(): Promise<void> {
    for (const proc of this.procs) signalGroup(proc, "SIGKILL");
    await Promise.all(
      this.procs.map((p) => withTimeout(p.exited, 10_000, `${p.name} to exit`).catch(() => undefined)),
    );
  }
}

/** Signals the process group of a started process (no-op once the group is gone). */
export function signalGroup(proc: Proc, signal: NodeJS.Signals): void {
  if (proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // ESRCH: the group has exited
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns a value other than undefined, or throws after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => T | undefined | Promise<T | undefined>,
  context = "",
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${(lastError as Error).message})` : "";
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${detail}${context ? `\n${context}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A port the OS says is free on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function rpcAnswers(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
  });
  const body = (await res.json()) as { result?: string };
  return body.result === "0x7a69";
}

/** The keeper's /metrics, parsed (`name` or `name{label="value"}` → value). */
export async function getMetrics(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://${HOST}:${port}/metrics`);
  expect(res.status).to.equal(200);
  expect(res.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

export interface LogLine {
  level: string;
  event: string;
  [key: string]: unknown;
}
/** The JSON log lines a process wrote on stdout (started with `keepLines`). */
export const jsonLines = (proc: Proc): LogLine[] =>
  proc.lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LogLine);

/* A NODE WITH THE LOCAL STACK */

export interface LocalChain {
  port: number;
  rpcUrl: string;
  deploymentId: string;
  deploymentDir: string;
  provider: ethers.JsonRpcProvider;
  /** The node's 20 default accounts (the test mnemonic), connected to `provider`. */
  wallets: HDNodeWallet[];
  /** The address of future `<module>#<name>` (the module may build its core in a submodule). */
  at(name: string): string;
  /** The LocalStack's contracts, connected to the admin (wallet 0). */
  contracts(): ReturnType<typeof connectLocalStack>;
  /** Kills every process of `procs` and removes the deployment folder. */
  close(): Promise<void>;
}

/**
 * Starts `hardhat node` on a free port (its own process group, in `procs`) and deploys the LocalStack on it with
 * `hardhat ignition deploy` under the deployment id `<prefix>-<port>`.
 */
export async function startLocalChain(procs: Processes, prefix: string): Promise<LocalChain> {
  const port = await freePort();
  const rpcUrl = `http://${HOST}:${port}`;
  const deploymentId = `${prefix}-${port}`;
  const deploymentDir = path.join(ROOT, "deploy", "deployments", deploymentId);
  // The provider exists only once the stack is deployed: a failed start cleans up without one.
  const cleanUp = async (provider?: ethers.JsonRpcProvider) => {
    await procs.killAll();
    provider?.destroy();
    fs.rmSync(deploymentDir, { recursive: true, force: true });
    try {
      fs.rmdirSync(path.dirname(deploymentDir)); // deploy/deployments, only if this test left it empty
    } catch {
      // not empty (other deployments) or already gone
    }
  };
  try {
    const node = procs.start("node", ["hardhat", "node", "--hostname", HOST, "--port", String(port)]);
    await waitFor(
      "hardhat node to answer eth_chainId",
      60_000,
      async () => ((await rpcAnswers(rpcUrl)) ? true : undefined),
      node.tail(),
    );
    const deploy = procs.start(
      "deploy",
      [
        "hardhat",
        "ignition",
        "deploy",
        "deploy/modules/LocalStack.ts",
        "--network",
        "localhost",
        "--deployment-id",
        deploymentId,
      ],
      // Chain 31337 deploys without a confirmation prompt; the variable answers it should that ever change.
      { LOCALHOST_RPC_URL: rpcUrl, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "yes" },
    );
    const { code } = await withTimeout(deploy.exited, 90_000, "ignition deploy");
    expect(code, `ignition deploy failed:\n${deploy.tail()}`).to.equal(0);
  } catch (err) {
    await cleanUp();
    throw err;
  }

  const provider = new ethers.JsonRpcProvider(rpcUrl, 31337, {
    staticNetwork: true,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  const wallets = Array.from({ length: 20 }, (_, i) =>
    ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider),
  );
  const deployed = JSON.parse(
    fs.readFileSync(path.join(deploymentDir, "deployed_addresses.json"), "utf8"),
  ) as Record<string, string>;
  const at = (name: string): string => {
    const matches = Object.keys(deployed).filter((id) => id.endsWith(`#${name}`));
    const id = matches.find((m) => m.startsWith("LocalStack#")) ?? matches[0];
    expect(id, `${name} in ${Object.keys(deployed).join(", ")}`).to.be.a("string");
    return deployed[id];
  };
  return {
    port,
    rpcUrl,
    deploymentId,
    deploymentDir,
    provider,
    wallets,
    at,
    contracts: () => connectLocalStack(at, wallets[0]),
    close: () => cleanUp(provider),
  };
}

function connectLocalStack(at: (name: string) => string, admin: HDNodeWallet) {
  return {
    usdc: MockERC20__factory.connect(at("USDC"), admin),
    weth: MockERC20__factory.connect(at("WETH"), admin),
    wbtc: MockERC20__factory.connect(at("WBTC"), admin),
    vault: Vault__factory.connect(at("Vault"), admin),
    clearinghouse: Clearinghouse__factory.connect(at("Clearinghouse"), admin),
    pool: LiquidityPool__factory.connect(at("LiquidityPool"), admin),
    ethFeed: MockV3Aggregator__factory.connect(at("ETHUsdFeed"), admin),
    btcFeed: MockV3Aggregator__factory.connect(at("BTCUsdFeed"), admin),
    orderBook: OrderBook__factory.connect(at("OrderBook"), admin),
  };
}

/** Waits for a transaction and checks it succeeded. */
export async function mined(
  tx: Promise<ethers.ContractTransactionResponse>,
): Promise<ethers.TransactionReceipt> {
  const receipt = await (await tx).wait();
  expect(receipt?.status).to.equal(1);
  return receipt!;
}

/** `npx hardhat keeper --network localhost` against `chain`, its checkpoint in `stateFile`, metrics on `metricsPort`. */
export function keeperArgs(
  chain: LocalChain,
  stateFile: string,
  metricsPort: number,
  extra: string[] = [],
): string[] {
  return [
    "hardhat",
    "keeper",
    "--network",
    "localhost",
    "--deployment-id",
    chain.deploymentId,
    "--state-file",
    stateFile,
    "--metrics-port",
    String(metricsPort),
    "--poll-interval",
    "200",
    ...extra,
  ];
}
