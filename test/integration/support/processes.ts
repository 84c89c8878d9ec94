/**
 * Child processes for tests that run Keel the way a user does: a `npx hardhat node` on a free loopback port and
 * `npx hardhat <task> --network localhost` commands against it. Every process runs in its own process group (so the
 * whole npx → node tree can be signalled) and `stopAll` kills every one that is still running.
 * Nothing here talks to anything but 127.0.0.1.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { ethers } from "ethers";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const HOST = "127.0.0.1";
const VERBOSE = process.env.KEEL_TEST_VERBOSE === "1";

const running = new Set<ChildProcess>();

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

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone
  }
}

/** Kills every child process still running (SIGTERM, then SIGKILL after a grace period). */
export async function stopAll(): Promise<void> {
  const children = [...running];
  for (const child of children) signalGroup(child, "SIGTERM");
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            signalGroup(child, "SIGKILL");
            resolve();
          }, 3000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  running.clear();
}

export interface HardhatNode {
  url: string;
  port: number;
  chainId: number;
  provider: ethers.JsonRpcProvider;
  /** The node's log so far (stdout and stderr), for failure messages. */
  log: () => string;
}

/**
 * Starts `npx hardhat node` on a free port, as chain `chainId` (through HARDHAT_CHAIN_ID, read by hardhat.config.ts),
 * and waits until it answers `eth_chainId` with that id.
 */
export async function startNode(chainId = 31337, timeoutMs = 60_000): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = spawn("npx", ["hardhat", "node", "--hostname", HOST, "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_CHAIN_ID: String(chainId) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
    if (VERBOSE) process.stderr.write(`[node ${port}] ${chunk.toString()}`);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result !== undefined) {
        if (Number(body.result) !== chainId)
          throw new Error(`node on ${url} is chain ${Number(body.result)}, not ${chainId}`);
        break;
      }
    } catch (err) {
      if ((err as Error).message.startsWith("node on")) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`hardhat node did not answer on ${url} within ${timeoutMs} ms:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const provider = new ethers.JsonRpcProvider(url, chainId, { staticNetwork: true, cacheTimeout: -1 });
  return { url, port, chainId, provider, log: () => log };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npx hardhat <args>` against the node and collects its output. */
export function hardhat(
  node: HardhatNode,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 90_000,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["hardhat", ...args], {
      cwd: ROOT,
      env: { ...process.env, LOCALHOST_RPC_URL: node.url, HARDHAT_CHAIN_ID: "", ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      signalGroup(child, "SIGKILL");
      reject(
        new Error(`npx hardhat ${args.join(" ")} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      running.delete(child);
      // npm's own warnings are noise here.
      stderr = stderr
        .split("\n")
        .filter((l) => !l.startsWith("npm warn"))
        .join("\n");
      if (VERBOSE) process.stderr.write(`$ npx hardhat ${args.join(" ")}\n${stdout}${stderr}\n`);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a task that must succeed and returns its stdout. */
export async function ok(node: HardhatNode, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await hardhat(node, args, env);
  if (r.code !== 0)
    throw new Error(`npx hardhat ${args.join(" ")} exited with ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a `--json` task that must succeed and parses its output. */
export async function okJson<T = Record<string, unknown>>(node: HardhatNode, args: string[]): Promise<T> {
  const out = await ok(node, [...args, "--json"]);
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(`npx hardhat ${args.join(" ")} --json printed no JSON:\n${out}`);
  }
}

export const rpc = (node: HardhatNode, method: string, params: unknown[] = []): Promise<unknown> =>
  node.provider.send(method, params);
