/**
 * The key the keeper signs with: `KEEPER_PRIVATE_KEY` from the environment (never read from a file); or, on a local
 * development chain (`isLocalChain`: 31337 or 1337) without it, the node's account number `LOCAL_KEEPER_ACCOUNT_INDEX` (19, the last of the 20 accounts
 * `hardhat node` unlocks; `0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199` with the default mnemonic). Never account 0:
 * deployments and the tasks send from account 0 by default, and two senders on one key collide on nonces.
 */
import { ethers } from "ethers";
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { KeeperLogger } from "./log";
import { isLocalChain } from "../common/chains";

export const KEY_ENV = "KEEPER_PRIVATE_KEY";
/** The node account the keeper uses on a local chain when `KEEPER_PRIVATE_KEY` is not set. */
export const LOCAL_KEEPER_ACCOUNT_INDEX = 19;

/** A bad configuration: the CLI prints its message as one line and exits with status 1. */
export class KeeperConfigError extends Error {
  override readonly name = "KeeperConfigError";
}

/** The keeper's signer, connected to the network's provider; throws `KeeperConfigError` when there is none. */
export async function resolveKeeperSigner(
  hre: Pick<HardhatRuntimeEnvironment, "ethers" | "network">,
  chainId: bigint,
  logger: KeeperLogger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signer> {
  const key = env[KEY_ENV]?.trim();
  if (key) {
    try {
      return new ethers.Wallet(key.startsWith("0x") ? key : `0x${key}`, hre.ethers.provider);
    } catch {
      throw new KeeperConfigError(`${KEY_ENV} is not a valid private key (32 bytes, hex)`);
    }
  }
  if (!isLocalChain(chainId)) {
    throw new KeeperConfigError(
      `${KEY_ENV} is not set: the keeper needs the private key of the account that sends liquidations ` +
        `(network "${hre.network.name}", chain ${chainId}). Export it in the environment; it is never read from a file.`,
    );
  }
  const signers = await hre.ethers.getSigners();
  const signer = signers[LOCAL_KEEPER_ACCOUNT_INDEX];
  if (!signer) {
    throw new KeeperConfigError(
      `${KEY_ENV} is not set and network "${hre.network.name}" has ${signers.length} accounts: the keeper's ` +
        `local default is account ${LOCAL_KEEPER_ACCOUNT_INDEX}; set ${KEY_ENV}`,
    );
  }
  logger.log("warn", "using_default_account", {
    address: signer.address,
    accountIndex: LOCAL_KEEPER_ACCOUNT_INDEX,
    message:
      `${KEY_ENV} is not set; chain ${chainId} is a local chain, so the node's account ` +
      `${LOCAL_KEEPER_ACCOUNT_INDEX} is used (not account 0, which deployments and tasks use)`,
  });
  return signer;
}
