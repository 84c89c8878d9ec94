/**
 * Attack: a keeper forces an order's refusal with too little gas (the 63/64 rule, EIP-150).
 *
 * A settlement whose trade is refused cancels the order and still pays the keeper (DESIGN §21). A call forwards at
 * most 63/64 of the gas left, so a keeper that sends just too little gas makes the inner trade run out of gas while
 * the OrderBook keeps 1/64 to finish: without a guard the order would be cancelled as "refused" (empty reason), the
 * keeper paid, and a trader's order silently dropped — e.g. by a keeper that holds the other side.
 *
 * Set-up: the local stack with ETH on orders only; Alice commits a 2 ETH buy; the first round after it lands.
 * 1. The keeper settles with gas limits from 120,000 up, 2,000 apart, until the transaction succeeds.
 * Expected: every attempt either reverts (the order stays pending; `OrderBookInsufficientGas` when the trade ran out)
 * or fills; none cancels the order. Measured: with the guard it fires from 288,000 (gas before the trade 215,634,
 * after 3,233) and the order fills at 328,000 (307,301 used). Measured without the guard (the guard commented out):
 * no attempt cancelled here either, because the 1/64 kept back (about 3,400 gas) cannot pay the keeper's fee, so the
 * out-of-gas attempt reverts as a whole. The attack needs a trade that costs about 2M gas (1/64 ≈ 30,000 pays the
 * fee and the event): an account near the 32-position bound, which this two-market stack cannot build; the guard
 * (an empty revert or less than 1/16 of the gas left) covers that case, and this test keeps it from regressing.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { latestTime } from "../shared/fixtures";
import { WAD } from "../shared/fixtures";
import { commitAt, ordersFixture, postAt, proofOf } from "../unit/orders/shared";

describe("Attack: forcing an order's refusal with too little gas", function () {
  it("an order never ends cancelled because the keeper sent too little gas", async function () {
    const sys = await loadFixture(ordersFixture);
    // Each failed attempt is mined a second after the last: accept the round for the whole search (the default
    // `maxPriceAge` of 15 s would end it with `OrderBookPriceTooOld` long before the limit that fills).
    await sys.orderBook.setMaxPriceAge(3_600);
    const t0 = (await latestTime()) + 10n;
    const { orderId } = await commitAt(sys, sys.alice, t0, WAD(2), { lifetime: 3_600n });
    const round = await postAt(sys.ethFeed, 3_050, t0 + 1n);

    let outOfGas = 0;
    let outcome = "";
    for (let gasLimit = 120_000; gasLimit < 1_000_000 && outcome === ""; gasLimit += 2_000) {
      try {
        const receipt = await (
          await sys.orderBook.connect(sys.keeper).settleOrder(orderId, proofOf(round), { gasLimit })
        ).wait();
        const names = receipt!.logs.map((l) => sys.orderBook.interface.parseLog(l)?.name).filter(Boolean);
        outcome = names.includes("OrderSettled") ? "settled" : "cancelled";
      } catch (e) {
        const data = (e as { data?: string }).data;
        if (
          data &&
          data.length >= 10 &&
          sys.orderBook.interface.parseError(data)?.name === "OrderBookInsufficientGas"
        )
          outOfGas++;
        expect((await sys.orderBook.order(orderId)).accountId, `pending after a failed attempt`).to.not.equal(
          0n,
        );
      }
    }
    expect(outcome).to.equal("settled");
    // The guard fired: some limits left the trade out of gas inside a settlement that could otherwise have finished.
    expect(outOfGas).to.be.greaterThan(0);
  });
});
