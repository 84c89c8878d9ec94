/**
 * Conditional orders (DESIGN §21): limit, stop-loss, take-profit. Triggered by the latest price, published after the
 * commit, at one feed unit (1e-8 USD) either side of the trigger; settled at that price if the fill satisfies the
 * order's limit; cancellable by the owner (fee refunded) and, once the protected position is gone, by anyone.
 */
import { expect } from "chai";
import type { Interface } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { assetKey } from "../../../deploy/config";
import {
  ETH,
  TRADER_DEPOSIT,
  WAD,
  accountIdOf,
  latestTime,
  tradeWithModel,
  txTime,
} from "../../shared/fixtures";
import { FEE, MAX, conditionalOrderId, modelOf, ordersFixture, postAt } from "./shared";
import type { OrdersSystem } from "./shared";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

const LIMIT = 1;
const STOP_LOSS = 2;
const TAKE_PROFIT = 3;
const UNIT = 10n ** 10n; // one 8-decimal feed unit in WAD
const ETH_KEY = assetKey("ETH");
const iface = (c: { interface: Interface }) => c.interface;

/** Commits a conditional order of `alice` in a block at `at`. */
async function commitConditional(
  sys: OrdersSystem,
  who: HardhatEthersSigner,
  at: bigint,
  sizeDelta: bigint,
  trigger: bigint,
  kind: number,
  limit = sizeDelta > 0n ? MAX : 0n,
) {
  const accountId = accountIdOf(who.address);
  await time.setNextBlockTimestamp(at);
  const tx = await sys.orderBook
    .connect(who)
    .commitConditionalOrder(accountId, ETH, sizeDelta, limit, trigger, kind);
  return { tx, accountId, orderId: conditionalOrderId(accountId, ETH, kind) };
}

/** The fixture with Alice long 2 ETH (opened while immediate trades were on), and its model. */
async function longFixture() {
  const sys = await ordersFixture();
  const model = modelOf(sys);
  await sys.clearinghouse.setImmediateTrades(ETH, true);
  await tradeWithModel(sys, model, sys.alice, ETH, WAD(2));
  await sys.clearinghouse.setImmediateTrades(ETH, false);
  return { sys, model };
}

describe("Conditional orders", function () {
  it("a limit buy triggers at its price, not one unit above, and fills at the latest price", async function () {
    const sys = await loadFixture(ordersFixture);
    const model = modelOf(sys);
    const t0 = (await latestTime()) + 10n;
    const { tx, accountId, orderId } = await commitConditional(sys, sys.alice, t0, WAD(2), WAD(2_990), LIMIT);
    await expect(tx)
      .to.emit(sys.orderBook, "ConditionalOrderCommitted")
      .withArgs(orderId, LIMIT, WAD(2_990), false);
    model.withdraw(accountId, FEE);
    await postAt(sys.ethFeed, "2990.00000001", t0 + 1n);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x"))
      .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNotTriggered")
      .withArgs(orderId, WAD(2_990) + UNIT, WAD(2_990), false);
    await postAt(sys.ethFeed, 2_990, t0 + 3n);
    const settle = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x");
    model.setPrice(Number(ETH), WAD(2_990));
    const ref = model.trade(accountId, Number(ETH), WAD(2), await txTime(settle));
    await expect(settle)
      .to.emit(sys.orderBook, "OrderSettled")
      .withArgs(orderId, accountId, ETH, WAD(2), WAD(2_990), t0 + 3n, ref.fill, FEE, sys.keeper.address);
    expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(model.balance(accountId));
  });

  it("is triggered only by a price published after the commit", async function () {
    const sys = await loadFixture(ordersFixture);
    const t0 = (await latestTime()) + 10n;
    await postAt(sys.ethFeed, 2_980, t0 - 5n);
    const { orderId } = await commitConditional(sys, sys.alice, t0, WAD(2), WAD(2_990), LIMIT);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x"))
      .to.be.revertedWithCustomError(sys.oracle, "OrderPriceNotPublishedAfter")
      .withArgs(ETH_KEY, t0 - 5n, t0);
  });

  it("a fill worse than the order's limit cancels it with the slippage error", async function () {
    const sys = await loadFixture(ordersFixture);
    const t0 = (await latestTime()) + 10n;
    const { accountId, orderId } = await commitConditional(
      sys,
      sys.alice,
      t0,
      WAD(2),
      WAD(2_990),
      LIMIT,
      WAD(2_990),
    );
    await postAt(sys.ethFeed, 2_990, t0 + 1n);
    // fill = 2,990 * (1 + 2 / 200,000), rounded up.
    const fill = WAD(2_990) + (WAD(2_990) * 2n + 199_999n) / 200_000n;
    const reason = iface(sys.clearinghouse).encodeErrorResult("ClearinghouseSlippageExceeded", [
      WAD(2),
      fill,
      WAD(2_990),
    ]);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x"))
      .to.emit(sys.orderBook, "OrderCancelled")
      .withArgs(orderId, accountId, ETH, reason, FEE, sys.keeper.address);
  });

  it("a long's stop-loss triggers at its price, not one unit above, and closes the position", async function () {
    const { sys, model } = await loadFixture(longFixture);
    const t0 = (await latestTime()) + 10n;
    const { accountId, orderId } = await commitConditional(
      sys,
      sys.alice,
      t0,
      -WAD(2),
      WAD(2_900),
      STOP_LOSS,
    );
    model.withdraw(accountId, FEE);
    await postAt(sys.ethFeed, "2900.00000001", t0 + 1n);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x"))
      .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNotTriggered")
      .withArgs(orderId, WAD(2_900) + UNIT, WAD(2_900), false);
    await postAt(sys.ethFeed, 2_900, t0 + 3n);
    const settle = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x");
    model.setPrice(Number(ETH), WAD(2_900));
    model.trade(accountId, Number(ETH), -WAD(2), await txTime(settle));
    expect((await sys.clearinghouse.position(accountId, ETH)).size).to.equal(0n);
    expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(model.balance(accountId));
  });

  it("a long's take-profit triggers at its price, not one unit below", async function () {
    const { sys } = await loadFixture(longFixture);
    const t0 = (await latestTime()) + 10n;
    const { orderId } = await commitConditional(sys, sys.alice, t0, -WAD(2), WAD(3_100), TAKE_PROFIT);
    await postAt(sys.ethFeed, "3099.99999999", t0 + 1n);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x"))
      .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNotTriggered")
      .withArgs(orderId, WAD(3_100) - UNIT, WAD(3_100), true);
    await postAt(sys.ethFeed, 3_100, t0 + 3n);
    await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, "0x")).to.emit(
      sys.orderBook,
      "OrderSettled",
    );
  });

  it("a stop-loss or take-profit must reduce a position, and the kind and trigger must be valid", async function () {
    const sys = await loadFixture(ordersFixture);
    const id = accountIdOf(sys.alice.address);
    await expect(
      sys.orderBook.connect(sys.alice).commitConditionalOrder(id, ETH, -WAD(2), 0n, WAD(2_900), STOP_LOSS),
    )
      .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNothingToProtect")
      .withArgs(id, ETH, 0n, -WAD(2));
    await expect(sys.orderBook.connect(sys.alice).commitConditionalOrder(id, ETH, WAD(2), MAX, WAD(2_900), 4))
      .to.be.revertedWithCustomError(sys.orderBook, "OrderBookInvalidConditionalOrder")
      .withArgs(4, WAD(2_900));
    await expect(sys.orderBook.connect(sys.alice).commitConditionalOrder(id, ETH, WAD(2), MAX, 0n, LIMIT))
      .to.be.revertedWithCustomError(sys.orderBook, "OrderBookInvalidConditionalOrder")
      .withArgs(LIMIT, 0n);
  });

  describe("#cancelOrder", function () {
    it("by the owner at any time, the fee refunded", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { accountId, orderId } = await commitConditional(sys, sys.alice, t0, WAD(2), WAD(2_990), LIMIT);
      await expect(sys.orderBook.connect(sys.alice).cancelOrder(orderId))
        .to.emit(sys.orderBook, "OrderCancelled")
        .withArgs(orderId, accountId, ETH, "0x", FEE, sys.alice.address);
      expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(TRADER_DEPOSIT);
    });

    it("by anyone only once the protected position is gone, the fee to the caller", async function () {
      const { sys } = await loadFixture(longFixture);
      const t0 = (await latestTime()) + 10n;
      const { accountId, orderId } = await commitConditional(
        sys,
        sys.alice,
        t0,
        -WAD(2),
        WAD(2_900),
        STOP_LOSS,
      );
      await expect(sys.orderBook.connect(sys.bob).cancelOrder(orderId))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNotCancellable")
        .withArgs(orderId, sys.bob.address);
      await sys.clearinghouse.setImmediateTrades(ETH, true);
      await sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(2), 0n);
      const reason = iface(sys.orderBook).encodeErrorResult("OrderBookNothingToProtect", [
        accountId,
        ETH,
        0n,
        -WAD(2),
      ]);
      await expect(sys.orderBook.connect(sys.bob).cancelOrder(orderId))
        .to.emit(sys.orderBook, "OrderCancelled")
        .withArgs(orderId, accountId, ETH, reason, FEE, sys.bob.address);
      expect(await sys.vault.balanceOf(accountIdOf(sys.bob.address), sys.usdc)).to.equal(
        TRADER_DEPOSIT + FEE,
      );
    });

    it("a limit order cannot be cancelled by a stranger", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitConditional(sys, sys.alice, t0, WAD(2), WAD(2_990), LIMIT);
      await expect(sys.orderBook.connect(sys.bob).cancelOrder(orderId))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookNotCancellable")
        .withArgs(orderId, sys.bob.address);
    });
  });
});
