/**
 * The keeper's command line, as a user runs it: a bad start (no `--network`, a bad option, no node) prints one line,
 * `error: …`, on stderr and exits with status 1, without a stack trace.
 */
import { spawn } from "node:child_process";
import { expect } from "chai";
import { ROOT, freePort, withTimeout } from "./node";

/** Runs `npx hardhat keeper <args>` to its end: exit status, stdout and stderr. */
async function keeper(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn("npx", ["hardhat", "keeper", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await withTimeout(
    new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c))),
    60_000,
    "the keeper to exit",
  );
  return { code, stdout, stderr, lines: stderr.split("\n").filter((l) => l.trim() !== "") };
}

describe("Keeper command line: bad starts", function () {
  this.timeout(120_000);

  it("prints one line of error and exits 1: no --network, a bad option, no node", async function () {
    const closedPort = await freePort(); // nothing listens there once freePort has closed it
    const [noNetwork, badOption, noNode] = await Promise.all([
      keeper(["--metrics-port", "0"]),
      keeper(["--network", "localhost", "--batch-size", "0"]),
      keeper(["--network", "localhost", "--metrics-port", "0"], {
        LOCALHOST_RPC_URL: `http://127.0.0.1:${closedPort}`,
      }),
    ]);
    for (const run of [noNetwork, badOption, noNode]) {
      expect(run.code, run.stderr).to.equal(1);
      expect(run.lines, run.stderr).to.have.length(1);
      expect(run.lines[0]).to.match(/^error: /);
      expect(run.stderr + run.stdout).to.not.match(/^\s+at /m); // no stack frame
    }
    expect(noNetwork.lines[0]).to.include('pass "--network localhost"');
    expect(badOption.lines[0]).to.equal("error: --batch-size must be a positive integer, got 0");
    expect(noNode.lines[0]).to.include("is the node running?");
  });
});
