/**
 * The hazard matrix, caps and margin: the open-interest cap against a pumped price and withdrawing unrealized
 * profit. One named test per hazard, each asserting the exact custom error (with its arguments) or the invariant the
 * hazard threatens; expected values come from the references in test/shared/, never from the contract under test.
 * docs/SECURITY.md maps every hazard to its test.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, USDC, WAD, accountIdOf, fundedFixture, latestTime } from "../shared/fixtures";
import { DEFAULT_MARKETS } from "../../deploy/config";
import * as math from "../shared/math";
import { MAX, TO_WAD, RISK, at, modelOf, trade, deposit, setEth } from "./shared";

describe("Hazard matrix: caps and margin", function () {
  /* CAPS AND MARGIN */

  it("open-interest cap against a pumped price: the pool cap binds on the notional at the new price, reductions stay open", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
    await deposit(sys, model, sys.alice, USDC(90_000));
    await trade(sys, model, sys.alice, ETH, WAD(100)); // 300,000 USD of long open interest
    await setEth(sys, model, "12000"); // pumped: 1,200,000 USD against a pool of ~1,000,000
    const increased = model.markets[0].longOI + WAD("0.1");
    const notional = math.divCeil(increased * model.markets[0].price, math.WAD);
    const cap = (model.pool * TO_WAD * RISK.maxOpenInterestToPool) / math.WAD;
    expect(notional).to.be.greaterThan(cap);
    await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, WAD("0.1"), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePoolOpenInterestCapExceeded")
      .withArgs(ETH, notional, cap);
    // Reducing the long side is never capped; nor is opening the short side, far below the cap.
    await trade(sys, model, sys.alice, ETH, -WAD(10));
    await trade(sys, model, sys.bob, ETH, -WAD("0.1"));
    expect((await sys.lens.market(ETH)).longOpenInterest).to.equal(model.markets[0].longOI);
    // Base units are capped too, at any price: 2x the cap in one trade is refused before any price is read.
    const tooBig = 2n * DEFAULT_MARKETS[0].maxOpenInterest + 1n;
    await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, tooBig, MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseOpenInterestCapExceeded")
      .withArgs(ETH, tooBig, DEFAULT_MARKETS[0].maxOpenInterest);
  });

  it("withdrawing unrealized profit below initial margin: the balance must cover it and equity must stay >= IM", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
    const dave = sys.signers[5];
    const id = accountIdOf(dave.address);
    const usdc = await sys.usdc.getAddress();
    await deposit(sys, model, dave, USDC(7_000));
    await trade(sys, model, dave, ETH, WAD(20)); // 60,000 USD: IM 6,000
    await setEth(sys, model, "3150"); // +5%: about 3,000 USD of unrealized profit
    const t = (await latestTime()) + 10n;
    const state = model.accountState(id, t);
    const balance = model.balance(id);
    expect(state.unrealizedPnl).to.be.greaterThan(WAD(2_000));
    // 1. Unrealized profit is not cash: no withdrawal beyond the settlement balance.
    await expect(at(t, () => sys.vault.connect(dave).withdraw(0, usdc, balance + 1n)))
      .to.be.revertedWithCustomError(sys.vault, "VaultInsufficientBalance")
      .withArgs(id, usdc, balance, balance + 1n);
    // 2. Within the balance, one unit above the free collateral takes equity below IM.
    const t2 = t + 1n;
    const s2 = model.accountState(id, t2);
    const free = math.divFloor(s2.equity - s2.initialMargin, TO_WAD);
    expect(free).to.be.lessThan(balance);
    const after = model.accountState(id, t2, balance - free - 1n);
    await expect(at(t2, () => sys.vault.connect(dave).withdraw(0, usdc, free + 1n)))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientMargin")
      .withArgs(id, after.equity, after.initialMargin);
    // 3. Exactly the free collateral goes; equity stays at or above IM.
    const t3 = t2 + 1n;
    const s3 = model.accountState(id, t3);
    const free3 = math.divFloor(s3.equity - s3.initialMargin, TO_WAD);
    await expect(at(t3, () => sys.vault.connect(dave).withdraw(0, usdc, free3))).to.emit(
      sys.vault,
      "Withdrawn",
    );
    model.withdraw(id, free3);
    const left = await sys.clearinghouse.accountState(id);
    expect(left.equity).to.equal(model.accountState(id, t3).equity);
    expect(left.equity).to.be.at.least(left.initialMargin);
  });
});
