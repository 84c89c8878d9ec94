import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import type { SolcBuild } from "hardhat/types/builtin-tasks";
import "@nomicfoundation/hardhat-toolbox";
import "./scripts/tasks/keeper";
import "./scripts/tasks/trader";
import "./scripts/tasks/orders";
import "./scripts/tasks/pool";
import "./scripts/tasks/admin";
import "./scripts/tasks/mock";
import "./scripts/tasks/simulate";

/**
 * EDR, the in-process network's EVM, allocates through mimalloc, which by default hands freed memory back to the OS
 * after 10 ms and takes page faults to get it again: on the 2-core build machines that was a quarter of a simulation's
 * CPU time (740k page faults in the default run, 120k without purging; docs/SIMULATION.md "Speed"). Memory freed is
 * kept for reuse instead (the process keeps its peak). And EDR frees a call's opcode trace (100–200 MB for a batch
 * read of 200 accounts) on another thread than the one that built it: with reclaim-on-free that thread takes the
 * memory over and reuses it, instead of the allocator growing into fresh pages the kernel must zero (200 × 100 run:
 * 43.7 → 39.4 s, four runs each). Read when EDR loads, after this file; a value set in the environment wins.
 */
process.env.MIMALLOC_PURGE_DELAY ??= "-1";
process.env.MIMALLOC_ABANDONED_RECLAIM_ON_FREE ??= "1";

/** The compiler version; `solc` in package.json is pinned to exactly this version. */
const SOLC_VERSION = "0.8.28";

// Offline compiler: no download is possible on the build machines, so Hardhat is handed the
// soljson.js of the pinned npm `solc` package instead of fetching a native binary.
subtask(
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  async (args: { solcVersion: string }, _hre, runSuper): Promise<SolcBuild> => {
    // Hardhat types every task's result as `any`; this subtask's is a SolcBuild.
    if (args.solcVersion !== SOLC_VERSION) return (await runSuper()) as SolcBuild;
    const compilerPath = path.join(__dirname, "node_modules", "solc", "soljson.js");
    return {
      compilerPath,
      isSolcJs: true,
      version: args.solcVersion,
      longVersion: `${args.solcVersion}+solcjs`,
    };
  },
);

/**
 * Real networks, each present only when its RPC URL and a deployer key are set in the environment (never in the repo):
 * the RPC URL from `<PREFIX>_RPC_URL`, the key from `<PREFIX>_PRIVATE_KEY`, else `DEPLOYER_PRIVATE_KEY`. The names are
 * hardhat-verify's chain names, so `--verify` and `npx hardhat verify` find the explorers.
 */
const REAL_NETWORKS = [
  { name: "arbitrumOne", chainId: 42161, prefix: "ARBITRUM" },
  { name: "base", chainId: 8453, prefix: "BASE" },
];
const realNetworks: NonNullable<HardhatUserConfig["networks"]> = {};
for (const n of REAL_NETWORKS) {
  const url = process.env[`${n.prefix}_RPC_URL`];
  const key = process.env[`${n.prefix}_PRIVATE_KEY`] || process.env.DEPLOYER_PRIVATE_KEY;
  if (url && key) realNetworks[n.name] = { url, chainId: n.chainId, accounts: [key] };
}

/** `hardhat node` and the in-process network run as chain 31337 unless HARDHAT_CHAIN_ID says otherwise (tests). */
const hardhatChainId = process.env.HARDHAT_CHAIN_ID ? Number(process.env.HARDHAT_CHAIN_ID) : undefined;

/**
 * `hardhat coverage` compiles instrumented sources with the legacy pipeline: instrumented via-IR builds attribute hits
 * to the wrong lines (measured: `super.deposit` in LiquidityPool reported as never run). Production builds, the gas
 * snapshot and the EIP-170 check use via-IR. It is decided here, in the configuration, because solidity-coverage
 * instruments via-IR builds differently; the task is the first argument that is not a flag (`hardhat coverage …`), so
 * `hardhat test --grep coverage` keeps via-IR.
 */
const coverage = process.argv.slice(2).find((arg) => !arg.startsWith("-")) === "coverage";

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      viaIR: !coverage,
      metadata: { bytecodeHash: "none" },
    },
  },
  paths: { ignition: "deploy" },
  networks: {
    hardhat: hardhatChainId === undefined ? {} : { chainId: hardhatChainId },
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    ...realNetworks,
  },
  // hardhat-verify: one Etherscan (API v2) key serves Arbiscan and Basescan.
  etherscan: { apiKey: process.env.ETHERSCAN_API_KEY ?? "" },
  sourcify: { enabled: false },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "1" },
};

export default config;
