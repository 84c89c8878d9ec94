import { expect } from "chai";
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  accountIdOf,
  fundedFixture,
  fundedModel,
  latestTime,
  setPrice,
  tradeWithModel,
  txTime,
} from "../../shared/fixtures";
import { DEFAULT_RISK } from "../../../deploy/config";
import type { KeelModel } from "../../shared/model";
import * as math from "../../shared/math";
import type { LiquidationContext, LiquidationRef } from "../../shared/math";

export type Sys = Awaited<ReturnType<typeof fundedFixture>>;
export const RISK = DEFAULT_RISK;

/** The funded fixture's model (test/shared/fixtures.ts `fundedModel`). */
export const withModel = (sys: Sys): KeelModel => fundedModel(sys);

/** A trade without a price limit, through the contract and the model. */
export const trade = tradeWithModel;

export async function movePrice(sys: Sys, model: KeelModel, marketId: number, usd: number) {
  await setPrice(marketId === 0 ? sys.ethFeed : sys.btcFeed, usd);
  model.setPrice(marketId, ethers.parseUnits(String(usd), 18));
}

/** The reference of a liquidation mined in the next block (one second on). */
export async function nextLiquidation(
  model: KeelModel,
  accountId: bigint,
  risk: typeof RISK = RISK,
  ctx: LiquidationContext = {},
): Promise<LiquidationRef> {
  return model.previewLiquidation(accountId, (await latestTime()) + 1n, risk, ctx);
}

/** Liquidates through the contract and the model, and checks the event and every ledger against the model. */
export async function liquidate(
  sys: Sys,
  model: KeelModel,
  keeper: HardhatEthersSigner,
  accountId: bigint,
  risk: typeof RISK = RISK,
  ctx: LiquidationContext = {},
) {
  const expected = await nextLiquidation(model, accountId, risk, ctx);
  const tx = await sys.clearinghouse.connect(keeper).liquidate(accountId);
  const r = model.liquidate(accountId, accountIdOf(keeper.address), await txTime(tx), risk, ctx);
  expect(r).to.deep.equal(expected);
  await expect(tx)
    .to.emit(sys.clearinghouse, "Liquidated")
    .withArgs(...math.liquidatedEventArgs(accountId, keeper.address, r));
  for (const leg of r.legs) {
    await expect(tx)
      .to.emit(sys.clearinghouse, "PositionLiquidated")
      .withArgs(accountId, leg.marketId, leg.sizeClosed, leg.market.price, leg.realizedPnl, leg.fundingOwed);
  }
  if (r.badDebt > 0n) {
    await expect(tx)
      .to.emit(sys.vault, "BadDebtSettled")
      .withArgs(
        accountId,
        r.badDebt,
        r.insuranceDraw,
        r.poolWriteOff,
        r.badDebt - r.insuranceDraw - r.poolWriteOff,
      );
  } else {
    await expect(tx).not.to.emit(sys.vault, "BadDebtSettled");
  }
  await expectLedgers(sys, model, [accountId, accountIdOf(keeper.address)]);
  return { tx, r };
}

/** Every ledger equals the model, and the Vault holds exactly Σ balances + pool + insurance. */
export async function expectLedgers(sys: Sys, model: KeelModel, accounts: bigint[]) {
  const usdc = await sys.usdc.getAddress();
  for (const id of accounts)
    expect(await sys.vault.balanceOf(id, usdc), `account ${id}`).to.equal(model.balance(id));
  expect(await sys.vault.poolBalance()).to.equal(model.pool);
  expect(await sys.vault.insuranceBalance()).to.equal(model.insurance);
  let sum = 0n;
  for (const v of model.balances.values()) sum += v;
  expect(await sys.vault.totalAccountBalance(usdc)).to.equal(sum);
  expect(await sys.usdc.balanceOf(await sys.vault.getAddress())).to.equal(sum + model.pool + model.insurance);
}
