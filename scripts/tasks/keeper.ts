/**
 * `npx hardhat keeper --network <network>` (also `npm run keeper -- --network <network>`): the Keel liquidation
 * keeper. `npx hardhat keeper --help` lists the options.
 *
 * Besides `liquidate`, the keeper repays the settlement-token debt that liquidations leave on accounts holding other
 * collateral (`Vault.liquidateCollateral`: it pays USDC from its own wallet and receives the collateral at a
 * discount) and runs what no collateral covers through the loss waterfall (`Vault.settleBadDebt`). For the first it
 * needs USDC in its wallet (it approves the Vault for it once); without any it logs `insufficient_funds` warnings
 * and only liquidates positions and settles bad debt.
 *
 * This file is loaded by hardhat.config.ts, so it only declares the task: the implementation (which needs the
 * compiled contracts' TypeChain bindings) is imported when the task runs, never when the config loads.
 */
import { task, types } from "hardhat/config";
import type { KeeperTaskArgs } from "../keeper/cli";

task(
  "keeper",
  "Runs the Keel liquidation keeper: discovers accounts from Vault/Clearinghouse events, checks them every block " +
    "with liquidatable(uint256[]) and sends liquidate for each liquidatable one; the reward goes to the keeper's " +
    "subaccount 0. Then, for accounts left with a USDC debt: Vault.liquidateCollateral while they hold other " +
    "collateral (the keeper repays the debt with USDC FROM ITS OWN WALLET and receives the collateral at the " +
    "token's liquidation discount, largest holding first; fund the keeper's address with USDC, it approves the " +
    "Vault once; without USDC it warns and skips), else Vault.settleBadDebt. On every market (--deleverage), " +
    "while a side's profit is over its cap against the pool, deleverage the best-ranked position. With --orders on " +
    "(default), settle the OrderBook's pending orders (a market order at the first round published after its " +
    "commit, a conditional order once the price crosses its trigger) and cancel expired ones, earning each " +
    "order's settlement fee. " +
    "Key: env KEEPER_PRIVATE_KEY (on a local chain (31337, 1337) the node's account 19 when unset, never account 0). " +
    "Logs one JSON line per decision on stdout; stops cleanly on SIGINT/SIGTERM.",
)
  .addOptionalParam(
    "deploymentId",
    "Ignition deployment to read the addresses from (deploy/deployments/<id>/deployed_addresses.json); " +
      "default chain-<chainId>",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "stateFile",
    "Checkpoint file (last scanned block and known accounts), resumed on restart when it matches the chain and " +
      "Clearinghouse; default keeper-state.<chainId>.json in the working directory",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "metricsPort",
    "Port of the Prometheus /metrics endpoint on 127.0.0.1; 0 disables it",
    9464,
    types.int,
  )
  .addOptionalParam("batchSize", "Account ids per liquidatable(uint256[]) call", 200, types.int)
  .addOptionalParam("pollInterval", "Milliseconds between polls for a new block", 2000, types.int)
  .addOptionalParam(
    "fromBlock",
    "First block to scan for accounts when there is no usable checkpoint; default the deployment block from the " +
      "Ignition journal, else 0",
    undefined,
    types.int,
  )
  .addOptionalParam(
    "reorgDepth",
    "Blocks re-scanned behind the last scanned block every round, to survive chain reorganisations",
    0,
    types.int,
  )
  .addOptionalParam(
    "maxBlockRange",
    "Widest block range of one eth_getLogs call (and of one checkpoint step)",
    2000,
    types.int,
  )
  .addOptionalParam(
    "txTimeout",
    "Milliseconds to wait for a liquidation's receipt before leaving it in flight and moving on",
    120_000,
    types.int,
  )
  .addOptionalParam(
    "minProfit",
    "Smallest profit in USD (the collateral discount earned minus the estimated gas, valued at the oracle's ETH " +
      "price) for which a liquidateCollateral is sent; 0 = the discount must at least pay for the gas",
    "0",
    types.string,
  )
  .addOptionalParam(
    "maxRepay",
    "Most USDC (whole tokens, e.g. 5000) one liquidateCollateral repays from the keeper's wallet; larger debts " +
      "take several transactions. Default: no cap (the wallet balance is the only limit)",
    undefined,
    types.string,
  )
  .addOptionalParam(
    "deleverage",
    'Markets to auto-deleverage when a side\'s profit is over its cap against the pool (DESIGN §11.1): "all", ' +
      '"none", or market ids such as 0,1',
    "all",
    types.string,
  )
  .addOptionalParam(
    "orders",
    'Settle pending orders and cancel expired ones (DESIGN §21), earning their settlement fees: "on" or "off"',
    "on",
    types.string,
  )
  .addOptionalParam("logLevel", "Lowest level logged: debug, info, warn or error", "info", types.string)
  .addFlag("once", "Process up to the current block (scan, check, liquidate, wait for receipts) and exit")
  .setAction(async (args: KeeperTaskArgs, hre) => {
    const { keeperMain } = await import("../keeper/cli");
    await keeperMain(args, hre);
  });
