import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DEFAULT_MARKETS, toMarketParams } from "../../../deploy/config";
import { BTC, ETH, USDC, WAD, accountIdOf, mintAndApprove, setPrice } from "../../shared/fixtures";
import { Book, TO_WAD, adlFixture } from "../../shared/deleverageBook";
import * as math from "../../shared/math";

/**
 * DESIGN §11.1: what `deleverage` refuses besides the need and the rank (a liquidatable account, profit the pool's
 * cash cannot pay) and what it does not refuse (pause). Expected numbers from the TypeScript reference.
 */
const BTC_PARAMS = {
  ...toMarketParams(DEFAULT_MARKETS[1]),
  maxFundingRatePerDay: 0n,
  takerFee: 0n,
  makerFee: 0n,
};
const DAVE_DEPOSIT = USDC(25_000);

/** The whale 200 ETH long at ~$3,000; dave (signer 6, $25,000) 10 ETH long and 3 BTC short at ~$60,000. */
async function hedgedFixture() {
  const sys = await adlFixture();
  await sys.clearinghouse.setMarketParams(BTC, BTC_PARAMS);
  const dave = sys.signers[6];
  await mintAndApprove(sys, dave, DAVE_DEPOSIT, await sys.vault.getAddress());
  await sys.vault.connect(dave).deposit(0, await sys.usdc.getAddress(), DAVE_DEPOSIT);
  const book = new Book(sys, [sys.whale]);
  book.balances.set(accountIdOf(dave.address), DAVE_DEPOSIT);
  await book.trade(sys.whale, WAD(200));
  await book.trade(dave, WAD(10));
  const btcFill = math.fillPrice(WAD(60_000), 0n, -WAD(3), BTC_PARAMS.skewScale);
  await sys.clearinghouse.connect(dave).trade(0, BTC, -WAD(3), btcFill);
  const btc = math.applyFill(0n, 0n, -WAD(3), btcFill);
  return { sys, book, dave: accountIdOf(dave.address), btc };
}

describe("Deleverage: guards", function () {
  it("refuses a liquidatable account: it is liquidated, and pays the penalty", async function () {
    const { sys, book, dave, btc } = await loadFixture(hedgedFixture);
    await book.setPrice(5_400);
    await setPrice(sys.btcFeed, 75_000);
    expect(book.long().pnl).to.be.greaterThan(book.cap());
    const eth = book.pos(dave);
    const mmf = DEFAULT_MARKETS[0].mmf;
    const equity =
      DAVE_DEPOSIT * TO_WAD +
      math.unrealizedPnl(eth.size, eth.openNotional, book.price) +
      math.unrealizedPnl(btc.newSize, btc.newOpenNotional, WAD(75_000));
    const mm =
      math.marginRequirement(eth.size, book.price, mmf) +
      math.marginRequirement(btc.newSize, WAD(75_000), DEFAULT_MARKETS[1].mmf);
    expect(equity).to.be.lessThan(mm);
    const preview = await sys.clearinghouse.previewDeleverage(dave, ETH);
    expect([preview.needed, preview.eligible]).to.deep.equal([true, false]);
    await expect(sys.clearinghouse.deleverage(dave, ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseAccountLiquidatable")
      .withArgs(dave, equity, mm);
  });

  it("still deleverages while paused: it only reduces risk", async function () {
    const { sys, book } = await loadFixture(hedgedFixture);
    await book.setPrice(5_400);
    await sys.clearinghouse.pause();
    const whale = accountIdOf(sys.whale.address);
    const plan = book.deleveragePlan(whale);
    await expect(sys.clearinghouse.deleverage(whale, ETH))
      .to.emit(sys.clearinghouse, "Deleveraged")
      .withArgs(
        whale,
        ETH,
        sys.admin.address,
        plan.sizeClosed,
        book.price,
        plan.realizedPnl,
        0n,
        book.long().pnl,
        book.cap(),
      );
  });

  it("names the shortfall when one price jump took the profit past the pool's cash", async function () {
    const { sys, book } = await loadFixture(hedgedFixture);
    await book.setPrice(9_000);
    const whale = accountIdOf(sys.whale.address);
    const plan = book.deleveragePlan(whale);
    expect(plan.newSize).to.equal(0n); // the whole position, and still more than the cash
    expect(plan.accountDelta).to.be.greaterThan(book.cash);
    await expect(sys.clearinghouse.deleverage(whale, ETH))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientPoolLiquidity")
      .withArgs(plan.accountDelta, book.cash);
  });
});
