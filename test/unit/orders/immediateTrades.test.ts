/**
 * Immediate trades per market (DESIGN §21): off, `trade` and `tradeFor` are refused and the market trades only
 * through orders; liquidation never depends on the setting.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { DEFAULT_MARKETS, toMarketParams } from "../../../deploy/config";
import { BTC, ETH, WAD, accountIdOf, fundedFixture, setPrice } from "../../shared/fixtures";

const MAX = ethers.MaxUint256;
const RISK_ADMIN = ethers.id("RISK_ADMIN");

describe("Immediate trades", function () {
  it("are on in the local stack and can be turned off and on by the risk admin, with events", async function () {
    const sys = await loadFixture(fundedFixture);
    expect((await sys.clearinghouse.marketConfig(ETH)).trade.immediateTrades).to.equal(true);
    await expect(sys.clearinghouse.setImmediateTrades(ETH, false))
      .to.emit(sys.clearinghouse, "ImmediateTradesSet")
      .withArgs(ETH, false);
    expect((await sys.clearinghouse.marketConfig(ETH)).trade.immediateTrades).to.equal(false);
    await expect(sys.clearinghouse.setImmediateTrades(ETH, true))
      .to.emit(sys.clearinghouse, "ImmediateTradesSet")
      .withArgs(ETH, true);
  });

  it("refuses a caller without the risk-admin role and an unknown market", async function () {
    const sys = await loadFixture(fundedFixture);
    await expect(sys.clearinghouse.connect(sys.alice).setImmediateTrades(ETH, false))
      .to.be.revertedWithCustomError(sys.clearinghouse, "AccessControlUnauthorizedAccount")
      .withArgs(sys.alice.address, RISK_ADMIN);
    await expect(sys.clearinghouse.setImmediateTrades(7, true))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseUnknownMarket")
      .withArgs(7);
  });

  it("off: trade and tradeFor revert with the market, the other market still trades", async function () {
    const sys = await loadFixture(fundedFixture);
    await sys.clearinghouse.setImmediateTrades(ETH, false);
    await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseImmediateTradesDisabled")
      .withArgs(ETH);
    const id = accountIdOf(sys.alice.address);
    await expect(sys.clearinghouse.connect(sys.alice).tradeFor(id, ETH, -WAD(1), 0n))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseImmediateTradesDisabled")
      .withArgs(ETH);
    await expect(sys.clearinghouse.connect(sys.alice).trade(0, BTC, WAD("0.01"), MAX)).to.emit(
      sys.clearinghouse,
      "TradeExecuted",
    );
  });

  it("a market listed by addMarket starts with immediate trades off", async function () {
    const sys = await loadFixture(fundedFixture);
    await sys.clearinghouse.addMarket(toMarketParams({ ...DEFAULT_MARKETS[0], symbol: "ETH" }));
    expect((await sys.clearinghouse.marketConfig(2)).trade.immediateTrades).to.equal(false);
  });

  it("off: liquidation still closes an unhealthy account", async function () {
    const sys = await loadFixture(fundedFixture);
    // 30 ETH long on $10,000: 9x; an 8% drop takes equity below maintenance.
    await sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(30), MAX);
    await sys.clearinghouse.setImmediateTrades(ETH, false);
    await setPrice(sys.ethFeed, 2_760);
    const id = accountIdOf(sys.alice.address);
    expect(await sys.clearinghouse.isLiquidatable(id)).to.equal(true);
    await expect(sys.clearinghouse.connect(sys.bob).liquidate(id)).to.emit(sys.clearinghouse, "Liquidated");
  });
});
