import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "./scripts/tasks/keeper";

/** The compiler version; `solc` in package.json is pinned to exactly this version. */
const SOLC_VERSION = "0.8.28";

// Offline compiler: no download is possible on the build machines, so Hardhat is handed the
// soljson.js of the pinned npm `solc` package instead of fetching a native binary.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const compilerPath = path.join(__dirname, "node_modules", "solc", "soljson.js");
  return { compilerPath, isSolcJs: true, version: args.solcVersion, longVersion: `${args.solcVersion}+solcjs` };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      viaIR: true,
      metadata: { bytecodeHash: "none" },
    },
  },
  paths: { ignition: "deploy" },
  networks: {
    hardhat: {},
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
  },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "1" },
};

export default config;
