/**
 * Orders an operator commits (DESIGN §4, §21): the operator pays their fees from its own account (subaccount 0), an
 * order it committed is refused at settlement once it is revoked, and a conditional order's refund goes back to it;
 * and the settlement price's age bound (`maxPriceAge`) with its admin setter.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, WAD, accountIdOf, latestTime } from "../../shared/fixtures";
import {
  FEE,
  conditionalOrderId,
  marketOrderId,
  operatorFixture,
  ordersFixture,
  postAt,
  proofOf,
} from "./shared";

const LIMIT = 1;

describe("Orders committed by an operator", function () {
  it("after the operator is revoked its order is cancelled at settlement (keeper paid), as the preview says", async function () {
    const sys = await loadFixture(operatorFixture);
    const { orderBook, operator, accountId } = sys;
    const t0 = (await latestTime()) + 10n;
    await time.setNextBlockTimestamp(t0);
    await orderBook.connect(operator).commitOrder(accountId, ETH, WAD(2), ethers.MaxUint256, t0 + 60n, false);
    const orderId = marketOrderId(accountId, ETH);
    expect(await orderBook.orderIdOf(accountId, ETH)).to.equal(orderId);
    await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, false);
    const round = await postAt(sys.ethFeed, 3_000, t0 + 2n);
    const reason = orderBook.interface.encodeErrorResult("OrderBookOperatorRevoked", [
      orderId,
      operator.address,
    ]);
    const preview = await orderBook.previewOrderSettlement(orderId, proofOf(round));
    expect([preview.filled, preview.reason]).to.deep.equal([false, reason]);
    const keeperId = accountIdOf(sys.keeper.address);
    await expect(orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round)))
      .to.emit(orderBook, "OrderCancelled")
      .withArgs(orderId, accountId, ETH, reason, FEE, sys.keeper.address);
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(0n);
    expect(await sys.vault.balanceOf(keeperId, await sys.usdc.getAddress())).to.equal(FEE);
    expect(await orderBook.operatorOf(orderId)).to.equal(ethers.ZeroAddress);
  });

  it("the owner's cancellation of the operator's conditional order refunds the operator, not the account", async function () {
    const sys = await loadFixture(operatorFixture);
    const { orderBook, operator, accountId, operatorId } = sys;
    await orderBook
      .connect(operator)
      .commitConditionalOrder(accountId, ETH, WAD(1), ethers.MaxUint256, WAD(2_900), LIMIT);
    const orderId = conditionalOrderId(accountId, ETH, LIMIT);
    expect(await orderBook.conditionalOrderIdOf(accountId, ETH, LIMIT)).to.equal(orderId);
    const usdc = await sys.usdc.getAddress();
    const accountBalance = await sys.vault.balanceOf(accountId, usdc);
    expect(await sys.vault.balanceOf(operatorId, usdc)).to.equal(0n);
    await expect(orderBook.connect(sys.alice).cancelOrder(orderId))
      .to.emit(orderBook, "OrderCancelled")
      .withArgs(orderId, accountId, ETH, "0x", FEE, operator.address);
    expect(await sys.vault.balanceOf(operatorId, usdc)).to.equal(FEE);
    expect(await sys.vault.balanceOf(accountId, usdc)).to.equal(accountBalance);
  });
});

describe("OrderBook: maxPriceAge", function () {
  it("is 15 s at deployment; the risk admin sets it from 1 s to 1 h, with an event; others cannot", async function () {
    const sys = await loadFixture(ordersFixture);
    const { orderBook } = sys;
    expect(await orderBook.maxPriceAge()).to.equal(15n);
    for (const bad of [0n, 3_601n]) {
      await expect(orderBook.setMaxPriceAge(bad))
        .to.be.revertedWithCustomError(orderBook, "OrderBookInvalidParameter")
        .withArgs(ethers.encodeBytes32String("maxPriceAge"), bad);
    }
    for (const good of [1n, 3_600n]) {
      await expect(orderBook.setMaxPriceAge(good)).to.emit(orderBook, "OrderMaxPriceAgeSet").withArgs(good);
      expect(await orderBook.maxPriceAge()).to.equal(good);
    }
    // The other parameters keep it.
    const [fee, minDelay, maxLifetime] = await orderBook.params();
    await orderBook.setParams(fee, minDelay, maxLifetime);
    expect(await orderBook.maxPriceAge()).to.equal(3_600n);
    await expect(orderBook.connect(sys.alice).setMaxPriceAge(20n)).to.be.revertedWithCustomError(
      orderBook,
      "AccessControlUnauthorizedAccount",
    );
  });
});
