/**
 * The simulation's world: a fresh local stack, the actors (signers) that use it, and the ledger of every token that
 * entered or left the Vault on the simulation's behalf.
 *
 * Actors are deterministic addresses (`keccak256("keel-sim/<label>")`), impersonated on the node and given gas money,
 * so any number of them exists on the in-process network and on `npx hardhat node` alike, and the same seed gives
 * the same account ids (and so the same keeper order) on every run. The stack's deployer (signer 0) is the admin:
 * it mints the mock tokens, pushes the mock feeds and sets market parameters.
 */
import { ethers } from "ethers";
import type { ContractTransactionResponse, Interface, TransactionReceipt } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { decodeRevert, errorMessage } from "../common/errors";
import type { System } from "../lib/system";

/** One party of the simulation, with the signer it sends its transactions with. */
export interface Actor {
  label: string;
  address: string;
  signer: HardhatEthersSigner;
}

/** The deterministic address of an actor label. */
export const actorAddress = (label: string): string =>
  ethers.getAddress(ethers.dataSlice(ethers.id(`keel-sim/${label}`), 12));

/** Gas money of every actor (wei). */
const ACTOR_ETH = ethers.parseEther("1000000");

/** Creates (impersonates and funds with gas) the actors of `labels`. */
export async function createActors(hre: HardhatRuntimeEnvironment, labels: string[]): Promise<Actor[]> {
  const actors: Actor[] = [];
  for (const label of labels) {
    const address = actorAddress(label);
    await hre.network.provider.request({
      method: "hardhat_setBalance",
      params: [address, ethers.toQuantity(ACTOR_ETH)],
    });
    const signer = await hre.ethers.getImpersonatedSigner(address);
    actors.push({ label, address, signer });
  }
  return actors;
}

/** Settlement-token (USDC units) flows into and out of the Vault, as the simulation sent them. */
export interface Flows {
  traderDeposits: bigint;
  traderWithdrawals: bigint;
  lpDeposits: bigint;
  lpRedemptions: bigint;
  insuranceFunding: bigint;
  /** What keepers repaid of accounts' debt to take their collateral (`Vault.liquidateCollateral`). */
  keeperRepayments: bigint;
}

export const emptyFlows = (): Flows => ({
  traderDeposits: 0n,
  traderWithdrawals: 0n,
  lpDeposits: 0n,
  lpRedemptions: 0n,
  insuranceFunding: 0n,
  keeperRepayments: 0n,
});

export const netFlows = (f: Flows): bigint =>
  f.traderDeposits +
  f.lpDeposits +
  f.insuranceFunding +
  f.keeperRepayments -
  f.traderWithdrawals -
  f.lpRedemptions;

/** Flows of one non-settlement collateral token (token units). */
export interface TokenFlows {
  deposited: bigint;
  withdrawn: bigint;
  /** Taken out of accounts by collateral liquidations (to the keeper's wallet). */
  seized: bigint;
}

export const emptyTokenFlows = (): TokenFlows => ({ deposited: 0n, withdrawn: 0n, seized: 0n });

/** What became of one transaction an agent attempted. */
export type SendResult = { ok: true } | { ok: false; error: string };

/**
 * Sends transactions for the agents and counts the ones the protocol refused, by error name. A refusal is an outcome
 * of the simulation (an agent asked for more than its margin allows, the pool's liquidity was short), not a crash.
 */
export class Sender {
  /** Refused transactions by decoded error name. */
  readonly rejections = new Map<string, number>();
  sent = 0;

  constructor(
    private readonly interfaces: Interface[],
    /**
     * Whether a failed transaction throws at the send (the in-process network with `throwOnTransactionFailures`, its
     * default, and automining): its receipt then has nothing to add and is not read.
     */
    private readonly failuresThrow = false,
  ) {}

  async send(tx: () => Promise<ContractTransactionResponse>): Promise<SendResult> {
    try {
      await this.succeeded(await tx());
      this.sent++;
      return { ok: true };
    } catch (err) {
      const revert = decodeRevert(err, this.interfaces);
      if (!revert)
        throw new Error(`transaction failed without a decodable revert: ${errorMessage(err)}`, {
          cause: err,
        });
      this.rejections.set(revert.name, (this.rejections.get(revert.name) ?? 0) + 1);
      return { ok: false, error: revert.name };
    }
  }

  private async succeeded(response: ContractTransactionResponse): Promise<void> {
    if (!this.failuresThrow) await checkReceipt(response);
  }

  /** Sends a transaction that must succeed (setup, feeds). */
  async must(what: string, tx: () => Promise<ContractTransactionResponse>): Promise<void> {
    try {
      await this.succeeded(await tx());
    } catch (err) {
      const revert = decodeRevert(err, this.interfaces);
      throw new Error(`${what} failed: ${revert ? revert.name : errorMessage(err)}`, { cause: err });
    }
  }
}

/**
 * Throws unless a sent transaction succeeded. Its receipt is read once: on an automining node (the in-process network,
 * `hardhat node`) it exists as soon as the send returns (`wait()` would also read the block number for its
 * confirmations); otherwise it is waited for.
 */
async function checkReceipt(response: ContractTransactionResponse): Promise<void> {
  const receipt: TransactionReceipt | null =
    (await response.provider.getTransactionReceipt(response.hash)) ?? (await response.wait());
  if (!receipt || receipt.status !== 1) throw new Error(`transaction ${response.hash} reverted`);
}

/** The interfaces whose custom errors a simulated transaction can revert with. */
export const errorInterfaces = (sys: System): Interface[] => [
  sys.clearinghouse.interface,
  sys.vault.interface,
  sys.pool.interface,
  sys.oracle.interface,
  sys.usdc.interface,
];
