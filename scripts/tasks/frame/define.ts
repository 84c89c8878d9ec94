/**
 * Declares a Keel task with the options every one of them takes. This file is loaded with hardhat.config.ts, so it
 * imports nothing but Hardhat: the implementations (which need the compiled contracts' TypeChain bindings) are
 * imported when a task runs.
 */
import { task, types } from "hardhat/config";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import type { CommonArgs, TaskContext } from "./context";
import type { TaskOutput } from "./run";

export function keelTask(name: string, description: string): ConfigurableTaskDefinition {
  return task(name, description)
    .addOptionalParam(
      "deploymentId",
      "Ignition deployment to use (deploy/deployments/<id>/deployed_addresses.json); default chain-<chainId>",
      undefined,
      types.string,
    )
    .addOptionalParam(
      "from",
      "Signer: an index into the network's accounts or an address the node can sign for; default account 0",
      undefined,
      types.string,
    )
    .addFlag("json", "Print one JSON document instead of tables (numbers as exact decimal strings)");
}

/** The action of a Keel task: runs `body` in the task frame (context, output, decoded errors, exit code). */
export function action<A extends CommonArgs>(body: (ctx: TaskContext, args: A) => Promise<TaskOutput>) {
  return async (args: A, hre: HardhatRuntimeEnvironment): Promise<void> => {
    const { runTask } = await import("./run");
    await runTask(hre, args, (ctx) => body(ctx, args));
  };
}

/** Shared option descriptions. */
export const HELP = {
  subaccount: "Subaccount (each one is a separate cross-margin account); default 0",
  slippage:
    "Slippage tolerance in percent around the previewed fill price (0.5 = 0.5%); becomes acceptablePrice",
  acceptablePrice: "Explicit worst fill price in USD, instead of --slippage",
  viaTimelock: "Go through the deployment's TimelockController even if the signer holds the role",
  salt: "Timelock operation salt (bytes32 or integer), to repeat a change already executed; default 0",
  dryRun: "Print what would be sent instead of sending it",
  operatedAccountId:
    "Account id of an account you operate (see operator:set), instead of your own subaccount",
  operatedOwner: "Owner of an account you operate (with --subaccount), instead of your own",
};
