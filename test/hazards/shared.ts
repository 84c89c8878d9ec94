/**
 * What the hazard matrix's files share: the local stack's constants and the helpers that send an action and
 * apply it to the reference model (test/shared/model.ts) with the block time it landed at.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { accountIdOf, fundedFixture, fundedModel, mintAndApprove, tradeWithModel } from "../shared/fixtures";
import { DEFAULT_RISK, LOCAL_FEEDS, LOCAL_WITHDRAWAL_DELAY, assetKey } from "../../deploy/config";
import type { KeelModel } from "../shared/model";

export const MAX = ethers.MaxUint256;
export { TO_WAD } from "../shared/math";
export const RISK = DEFAULT_RISK;
export const ETH_KEY = assetKey("ETH");
export const HEARTBEAT = BigInt(LOCAL_FEEDS[0].heartbeat);
export const [ETH_MIN, ETH_MAX] = [LOCAL_FEEDS[0].minPrice, LOCAL_FEEDS[0].maxPrice];
export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const GUARDIAN = ethers.id("GUARDIAN");
export const DELAY = BigInt(LOCAL_WITHDRAWAL_DELAY);

export type Funded = Awaited<ReturnType<typeof fundedFixture>>;

/** Sends `send()` in a block at `t` (so errors carrying block.timestamp can be predicted exactly). */
export async function at<T>(t: bigint, send: () => Promise<T>): Promise<T> {
  await time.setNextBlockTimestamp(t);
  return send();
}

/** The funded stack's model (test/shared/fixtures.ts `fundedModel`). */
export const modelOf = (sys: Funded): KeelModel => fundedModel(sys);

/** A trade without a price limit, through the contract and the model. */
export const trade = tradeWithModel;

export async function deposit(
  sys: Funded,
  model: KeelModel,
  who: HardhatEthersSigner,
  amount: bigint,
  sub = 0n,
) {
  await mintAndApprove(sys, who, amount, await sys.vault.getAddress());
  await sys.vault.connect(who).deposit(sub, await sys.usdc.getAddress(), amount);
  model.deposit(accountIdOf(who.address, sub), amount);
}

export async function setEth(sys: Funded, model: KeelModel, usd: string) {
  await sys.ethFeed.updateAnswer(ethers.parseUnits(usd, 8));
  model.setPrice(0, ethers.parseUnits(usd, 18));
}
