/**
 * The Clearinghouse's ORDER entries (DESIGN §21): only the OrderBook trades at a given price or moves margin between
 * accounts; an order's fee is refused when the settlement balance cannot pay it or the account would be liquidatable.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import {
  ETH,
  WAD,
  accountIdOf,
  latestTime,
  mintAndApprove,
  setPrice,
  tradeWithModel,
} from "../../shared/fixtures";
import { FEE, MAX, commitAt, modelOf, ordersFixture } from "./shared";

const ORDER = ethers.id("ORDER");

describe("ORDER entries", function () {
  it("refuse any caller without the ORDER role, with the role", async function () {
    const sys = await loadFixture(ordersFixture);
    const id = accountIdOf(sys.alice.address);
    await expect(sys.clearinghouse.connect(sys.alice).tradeAt(id, ETH, WAD(1), MAX, WAD(1)))
      .to.be.revertedWithCustomError(sys.clearinghouse, "AccessControlUnauthorizedAccount")
      .withArgs(sys.alice.address, ORDER);
    await expect(sys.clearinghouse.connect(sys.alice).transferMargin(accountIdOf(sys.bob.address), id, 1n))
      .to.be.revertedWithCustomError(sys.clearinghouse, "AccessControlUnauthorizedAccount")
      .withArgs(sys.alice.address, ORDER);
    expect(await sys.clearinghouse.hasRole(ORDER, await sys.orderBook.getAddress())).to.equal(true);
  });

  it("an order's fee is refused when the settlement balance is one unit short of it", async function () {
    const sys = await loadFixture(ordersFixture);
    const dave = sys.signers[8];
    const id = accountIdOf(dave.address);
    await mintAndApprove(sys, dave, FEE, await sys.vault.getAddress());
    await sys.vault.connect(dave).deposit(0, sys.usdc, FEE - 1n);
    const t0 = (await latestTime()) + 10n;
    await expect(commitAt(sys, dave, t0, WAD(1)))
      .to.be.revertedWithCustomError(sys.vault, "VaultInsufficientBalance")
      .withArgs(id, await sys.usdc.getAddress(), FEE - 1n, FEE);
    await sys.vault.connect(dave).deposit(0, sys.usdc, 1n);
    await commitAt(sys, dave, t0 + 5n, WAD(1));
    expect(await sys.vault.balanceOf(id, sys.usdc)).to.equal(0n);
  });

  it("an order's fee is refused while the account is liquidatable", async function () {
    const sys = await loadFixture(ordersFixture);
    const id = accountIdOf(sys.alice.address);
    const model = modelOf(sys);
    await sys.clearinghouse.setImmediateTrades(ETH, true);
    await tradeWithModel(sys, model, sys.alice, ETH, WAD(30));
    await setPrice(sys.ethFeed, 2_760);
    model.setPrice(Number(ETH), WAD(2_760));
    const t0 = (await latestTime()) + 10n;
    const after = model.accountState(id, t0, model.balance(id) - FEE);
    expect(after.liquidatable).to.equal(true);
    await expect(commitAt(sys, sys.alice, t0, -WAD(30), { reduceOnly: true }))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseAccountLiquidatable")
      .withArgs(id, after.equity, after.maintenanceMargin);
  });
});
