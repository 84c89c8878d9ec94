/**
 * Two-step market orders (DESIGN §21): commit with the fee escrowed, settle at the first round after the commit from
 * `committedAt + minDelay` to the deadline (one second either side), the keeper paid; the trade's numbers come from
 * the ledger model (test/shared/model.ts) at the round's price, never from the contract.
 */
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  ETH,
  TRADER_DEPOSIT,
  WAD,
  accountIdOf,
  latestTime,
  mintAndApprove,
  txTime,
} from "../../shared/fixtures";
import { tradeExecutedEventArgs } from "../../shared/math";
import {
  FEE,
  MAX_LIFETIME,
  MIN_DELAY,
  UINT128_MAX,
  commitAt,
  marketOrderId,
  modelOf,
  ordersFixture,
  postAt,
  proofOf,
} from "./shared";

describe("Market orders", function () {
  describe("#commitOrder", function () {
    it("stores the order and escrows the fee into the OrderBook's account, with the event", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { tx, accountId, orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
      await expect(tx)
        .to.emit(sys.orderBook, "OrderCommitted")
        .withArgs(orderId, accountId, ETH, WAD(2), UINT128_MAX, t0 + 60n, false, FEE, sys.alice.address);
      const o = await sys.orderBook.order(orderId);
      expect([o.accountId, o.sizeDelta, o.committedAt, o.deadline, o.fee]).to.deep.equal([
        accountId,
        WAD(2),
        t0,
        t0 + 60n,
        FEE,
      ]);
      expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(TRADER_DEPOSIT - FEE);
      expect(await sys.vault.balanceOf(await sys.orderBook.escrowAccountId(), sys.usdc)).to.equal(FEE);
    });

    it("allows one pending order per account and market", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { accountId, orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
      await expect(commitAt(sys, sys.alice, t0 + 1n, WAD(1)))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookOrderPending")
        .withArgs(orderId, accountId, ETH);
      await commitAt(sys, sys.alice, t0 + 2n, WAD("0.01"), { marketId: BTC });
    });

    it("refuses a stranger, a zero size, an unknown market and a deadline out of bounds (one second apart)", async function () {
      const sys = await loadFixture(ordersFixture);
      const id = accountIdOf(sys.alice.address);
      await expect(sys.orderBook.connect(sys.bob).commitOrder(id, ETH, WAD(1), 0n, 2n ** 40n, false))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookUnauthorized")
        .withArgs(id, sys.bob.address);
      await expect(
        sys.orderBook.connect(sys.alice).commitOrder(id, ETH, 0n, 0n, 2n ** 40n, false),
      ).to.be.revertedWithCustomError(sys.orderBook, "OrderBookZeroSizeDelta");
      await expect(sys.orderBook.connect(sys.alice).commitOrder(id, 9n, WAD(1), 0n, 2n ** 40n, false))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookUnknownMarket")
        .withArgs(9n);
      for (const [lifetime, side] of [
        [MIN_DELAY - 1n, "early"],
        [MAX_LIFETIME + 1n, "late"],
      ] as const) {
        const t = (await latestTime()) + 10n;
        const deadline = t + lifetime;
        await expect(commitAt(sys, sys.alice, t, WAD(1), { lifetime }), side)
          .to.be.revertedWithCustomError(sys.orderBook, "OrderBookInvalidDeadline")
          .withArgs(deadline, t + MIN_DELAY, t + MAX_LIFETIME);
      }
      const t0 = (await latestTime()) + 10n;
      await commitAt(sys, sys.alice, t0, WAD(1), { lifetime: MAX_LIFETIME });
    });

    it("lets an approved operator commit for the account (the fee from its own account), not after revocation", async function () {
      const sys = await loadFixture(ordersFixture);
      const operator = sys.signers[7];
      const id = accountIdOf(sys.alice.address);
      const operatorId = accountIdOf(operator.address);
      await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, true);
      const deadline = (await latestTime()) + 60n;
      // An operator without a balance of its own cannot pay the fee: the account's margin is not its to spend.
      await expect(sys.orderBook.connect(operator).commitOrder(id, ETH, WAD(1), 2n ** 200n, deadline, false))
        .to.be.revertedWithCustomError(sys.vault, "VaultInsufficientBalance")
        .withArgs(operatorId, await sys.usdc.getAddress(), 0n, FEE);
      await mintAndApprove(sys, operator, FEE, await sys.vault.getAddress());
      await sys.vault.connect(operator).deposit(0, await sys.usdc.getAddress(), FEE);
      const accountBalance = await sys.vault.balanceOf(id, await sys.usdc.getAddress());
      await expect(
        sys.orderBook.connect(operator).commitOrder(id, ETH, WAD(1), 2n ** 200n, deadline, false),
      ).to.emit(sys.orderBook, "OrderCommitted");
      const orderId = marketOrderId(id, ETH);
      expect(await sys.orderBook.operatorOf(orderId)).to.equal(operator.address);
      expect(await sys.vault.balanceOf(operatorId, await sys.usdc.getAddress())).to.equal(0n);
      expect(await sys.vault.balanceOf(id, await sys.usdc.getAddress())).to.equal(accountBalance);
      await sys.clearinghouse.connect(sys.alice).setOperator(0, operator.address, false);
      await expect(sys.orderBook.connect(operator).commitOrder(id, BTC, WAD(1), 2n ** 200n, deadline, false))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookUnauthorized")
        .withArgs(id, operator.address);
    });
  });

  describe("#settleOrder", function () {
    it("fills at the first round after the commit, as the model says, and pays the keeper the fee", async function () {
      const sys = await loadFixture(ordersFixture);
      const model = modelOf(sys);
      const t0 = (await latestTime()) + 10n;
      const { accountId, orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
      model.withdraw(accountId, FEE);
      const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
      await postAt(sys.ethFeed, 3_400, t0 + 2n); // a later round the keeper cannot use
      const tx = await sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round));
      model.setPrice(Number(ETH), WAD(3_050));
      const ref = model.trade(accountId, Number(ETH), WAD(2), await txTime(tx));
      await expect(tx)
        .to.emit(sys.clearinghouse, "TradeExecuted")
        .withArgs(...tradeExecutedEventArgs(accountId, ETH, WAD(2), ref));
      await expect(tx)
        .to.emit(sys.orderBook, "OrderSettled")
        .withArgs(orderId, accountId, ETH, WAD(2), WAD(3_050), t0 + 1n, ref.fill, FEE, sys.keeper.address);
      expect(await sys.vault.balanceOf(accountId, sys.usdc)).to.equal(model.balance(accountId));
      expect(await sys.vault.balanceOf(accountIdOf(sys.keeper.address), sys.usdc)).to.equal(FEE);
      expect(await sys.vault.balanceOf(await sys.orderBook.escrowAccountId(), sys.usdc)).to.equal(0n);
      expect((await sys.orderBook.order(orderId)).accountId).to.equal(0n);
    });

    it("refuses a later round than the first after the commit (the keeper cannot choose)", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2));
      await postAt(sys.ethFeed, 3_050, t0 + 1n);
      const later = await postAt(sys.ethFeed, 3_400, t0 + 2n);
      await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(later)))
        .to.be.revertedWithCustomError(sys.oracle, "OrderPriceRoundNotFirst")
        .withArgs(await sys.clearinghouse.marketConfig(ETH).then((c) => c.asset), later, t0 + 1n, t0);
    });

    it("refuses settlement before committedAt + minDelay and accepts it at that second", async function () {
      const sys = await loadFixture(ordersFixture);
      await sys.orderBook.setParams(FEE, 10n, MAX_LIFETIME);
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 20n });
      const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
      await time.setNextBlockTimestamp(t0 + 9n);
      await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round)))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookTooEarly")
        .withArgs(orderId, t0 + 10n, t0 + 9n);
      await time.setNextBlockTimestamp(t0 + 10n);
      await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round))).to.emit(
        sys.orderBook,
        "OrderSettled",
      );
    });

    it("refuses settlement one second after the deadline", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 5n });
      const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
      await time.setNextBlockTimestamp(t0 + 6n);
      await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round)))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookOrderExpired")
        .withArgs(orderId, t0 + 5n, t0 + 6n);
    });

    it("settles exactly at the deadline", async function () {
      const sys = await loadFixture(ordersFixture);
      const t0 = (await latestTime()) + 10n;
      const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 5n });
      const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);
      await time.setNextBlockTimestamp(t0 + 5n);
      await expect(sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round))).to.emit(
        sys.orderBook,
        "OrderSettled",
      );
    });

    it("refuses an unknown order", async function () {
      const sys = await loadFixture(ordersFixture);
      await expect(sys.orderBook.settleOrder(7n, proofOf(2n)))
        .to.be.revertedWithCustomError(sys.orderBook, "OrderBookUnknownOrder")
        .withArgs(7n);
    });
  });
});
