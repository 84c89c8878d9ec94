/**
 * Orders that do not fill (DESIGN §21): a trade refused at settlement cancels the order with its reason and still pays
 * the keeper; reduce-only orders; expired orders cancelled by anyone, one second either side of the deadline; the
 * preview equals the settlement.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Interface } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, TRADER_DEPOSIT, WAD, accountIdOf, latestTime, txTime } from "../../shared/fixtures";
import { FEE, commitAt, modelOf, ordersFixture, postAt, proofOf } from "./shared";

const iface = (c: { interface: Interface }) => c.interface;

describe("Order refusals and cancellations", function () {
  it("a refused trade (slippage) cancels the order with the trade's error, and the keeper is paid", async function () {
    const sys = await loadFixture(ordersFixture);
    const t0 = (await latestTime()) + 10n;
    const limit = WAD(3_010);
    const { accountId, orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { limit });
    const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
    const tx = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round));
    // fill = 3,050 * (1 + 2 / 2 / 100,000), rounded up: the premium of the first 2 ETH of skew.
    const fill = WAD(3_050) + (WAD(3_050) * 2n + 200_000n - 1n) / 200_000n;
    const reason = iface(sys.clearinghouse).encodeErrorResult("ClearinghouseSlippageExceeded", [
      WAD(2),
      fill,
      limit,
    ]);
    await expect(tx)
      .to.emit(sys.orderBook, "OrderCancelled")
      .withArgs(orderId, accountId, ETH, reason, FEE, sys.keeper.address);
    await expect(tx).not.to.emit(sys.clearinghouse, "TradeExecuted");
    expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(TRADER_DEPOSIT - FEE);
    expect(await sys.vault.balanceOf(accountIdOf(sys.keeper.address), sys.usdc)).to.equal(FEE);
    expect((await sys.orderBook.order(orderId)).accountId).to.equal(0n);
  });

  it("a reduce-only order that would open or flip is cancelled with OrderBookNotReduceOnly", async function () {
    const sys = await loadFixture(ordersFixture);
    const t0 = (await latestTime()) + 10n;
    const { accountId, orderId } = await commitAt(sys, sys.alice, t0, -WAD(1), { reduceOnly: true });
    const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
    const reason = iface(sys.orderBook).encodeErrorResult("OrderBookNotReduceOnly", [
      accountId,
      ETH,
      0n,
      -WAD(1),
    ]);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round)))
      .to.emit(sys.orderBook, "OrderCancelled")
      .withArgs(orderId, accountId, ETH, reason, FEE, sys.keeper.address);
  });

  it("a reduce-only order that reduces fills, up to a full close", async function () {
    const sys = await loadFixture(ordersFixture);
    const model = modelOf(sys);
    const id = accountIdOf(sys.alice.address);
    await sys.clearinghouse.setImmediateTrades(ETH, true);
    const open = await sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(2), ethers.MaxUint256);
    model.trade(id, Number(ETH), WAD(2), await txTime(open));
    await sys.clearinghouse.setImmediateTrades(ETH, false);
    const t0 = (await latestTime()) + 10n;
    const { orderId } = await commitAt(sys, sys.alice, t0, -WAD(2), { reduceOnly: true });
    model.withdraw(id, FEE);
    const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
    const tx = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round));
    model.setPrice(Number(ETH), WAD(3_050));
    model.trade(id, Number(ETH), -WAD(2), await txTime(tx));
    await expect(tx).to.emit(sys.orderBook, "OrderSettled");
    expect((await sys.clearinghouse.position(id, ETH)).size).to.equal(0n);
    expect(await sys.vault.balanceOf(id, sys.usdc)).to.equal(model.balance(id));
  });

  describe("#cancelOrder", function () {
    it("refuses to cancel at the deadline and cancels one second after it, fee to the caller", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { accountId, orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 5n });
      await time.setNextBlockTimestamp(t0 + 5n);
      await expect(sys.orderBook.connect(sys.bob).cancelOrder(orderId))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNotExpired")
        .withArgs(orderId, t0 + 5n, t0 + 5n);
      await time.setNextBlockTimestamp(t0 + 6n);
      const reason = iface(sys.orderBook).encodeErrorResult("OrderBookOrderExpired", [
        orderId,
        t0 + 5n,
        t0 + 6n,
      ]);
      await expect(sys.orderBook.connect(sys.bob).cancelOrder(orderId))
        .to.emit(sys.orderBook, "OrderCancelled")
        .withArgs(orderId, accountId, ETH, reason, FEE, sys.bob.address);
      expect(await sys.vault.balanceOf(accountIdOf(sys.bob.address), sys.usdc)).to.equal(
        TRADER_DEPOSIT + FEE,
      );
      expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(TRADER_DEPOSIT - FEE);
      // The pair is free for the next order.
      await commitAt(sys, sys.alice, t0 + 7n, WAD(1));
    });

    it("refuses an unknown order", async function () {
      const sys = await loadFixture(ordersFixture);
      await expect(sys.orderBook.cancelOrder(3n))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookUnknownOrder")
        .withArgs(3n);
    });
  });

  describe("#previewOrderSettlement", function () {
    it("equals the settlement: filled, at the round's price, the fill and fee of the trade", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
      const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
      await time.setNextBlockTimestamp(t0 + 3n);
      const preview = await sys.orderBook.previewOrderSettlement(orderId, proofOf(round), {
        blockTag: "pending",
      });
      const tx = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round));
      const receipt = await tx.wait();
      const settled = receipt!.logs
        .map((l) => sys.orderBook.interface.parseLog(l))
        .find((e) => e?.name === "OrderSettled")!;
      const trade = receipt!.logs
        .map((l) => sys.clearinghouse.interface.parseLog(l))
        .find((e) => e?.name === "TradeExecuted")!;
      expect(preview.filled).to.equal(true);
      expect([preview.price, preview.publishedAt, preview.fillPrice]).to.deep.equal([
        settled.args.price,
        settled.args.publishedAt,
        settled.args.fillPrice,
      ]);
      expect(preview.tradeFee).to.equal(trade.args.fee);
      const state = await sys.clearinghouse.accountState(accountIdOf(sys.alice.address));
      expect(preview.afterTrade.equity).to.equal(state.equity);
      expect(preview.afterTrade.initialMargin).to.equal(state.initialMargin);
    });

    it("equals the settlement of a refused trade: the same reason", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      // 40 ETH on $10,000 is 12x: refused for margin.
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(40));
      const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
      await time.setNextBlockTimestamp(t0 + 3n);
      const preview = await sys.orderBook.previewOrderSettlement(orderId, proofOf(round), {
        blockTag: "pending",
      });
      expect(preview.filled).to.equal(false);
      expect(iface(sys.clearinghouse).parseError(preview.reason)!.name).to.equal(
        "ClearinghouseInsufficientMargin",
      );
      const tx = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round));
      const receipt = await tx.wait();
      const cancelled = receipt!.logs
        .map((l) => sys.orderBook.interface.parseLog(l))
        .find((e) => e?.name === "OrderCancelled")!;
      expect(cancelled.args.reason).to.equal(preview.reason);
    });
  });
});
