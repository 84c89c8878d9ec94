/** What the Clearinghouse's unit tests share: the funded fixture with its model, a trade helper, state comparison. */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TRADER_DEPOSIT, WAD, accountIdOf, fundedFixture, setPrice, txTime } from "../../shared/fixtures";
import { DEFAULT_RISK } from "../../../deploy/config";
import { KeelModel, localModel } from "../../shared/model";
import * as math from "../../shared/math";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

export const MAX = ethers.MaxUint256;
export const name = (s: string) => ethers.encodeBytes32String(s);
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const GUARDIAN = ethers.id("GUARDIAN");

type Sys = Awaited<ReturnType<typeof fundedFixture>>;

/** The risk parameters as plain bigints, from a config object or the contract's struct. */
export const riskOf = (r: { [K in keyof typeof DEFAULT_RISK]: bigint | number }) =>
  Object.fromEntries(Object.keys(DEFAULT_RISK).map((k) => [k, BigInt(r[k as keyof typeof DEFAULT_RISK])]));

/** Opens the funded fixture with a model that already knows the traders' deposits. */
export async function setup() {
  const sys = await loadFixture(fundedFixture);
  const model = localModel();
  for (const t of [sys.alice, sys.bob, sys.carol]) model.deposit(accountIdOf(t.address), TRADER_DEPOSIT);
  model.pool = await sys.vault.poolBalance(); // the LP's deposit, an input of the fixture
  return { sys, model };
}

/** Sends a trade with no price limit and applies it to the model at the block time it landed in. */
export async function trade(
  sys: Sys,
  model: KeelModel,
  who: HardhatEthersSigner,
  marketId: bigint,
  delta: bigint,
  sub = 0n,
) {
  const tx = await sys.clearinghouse.connect(who).trade(sub, marketId, delta, delta > 0n ? MAX : 0n);
  const ref = model.trade(accountIdOf(who.address, sub), Number(marketId), delta, await txTime(tx));
  return { tx, ref };
}

/** Posts new ETH and BTC prices (USD) on the feeds and gives them to the model. */
export async function movePrices(sys: Sys, model: KeelModel, eth: number, btc: number) {
  await setPrice(sys.ethFeed, eth);
  await setPrice(sys.btcFeed, btc);
  model.setPrice(0, WAD(eth));
  model.setPrice(1, WAD(btc));
}

export function expectState(actual: math.AccountStateRef, expected: math.AccountStateRef) {
  expect({
    equity: actual.equity,
    collateralValue: actual.collateralValue,
    unrealizedPnl: actual.unrealizedPnl,
    pendingFunding: actual.pendingFunding,
    initialMargin: actual.initialMargin,
    maintenanceMargin: actual.maintenanceMargin,
    freeCollateral: actual.freeCollateral,
    liquidatable: actual.liquidatable,
  }).to.deep.equal(expected);
}
