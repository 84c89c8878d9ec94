import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  BTC,
  ETH,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  mintAndApprove,
  setPrice,
  txTime,
} from "../../shared/fixtures";
import { localModel } from "../../shared/model";

/**
 * The seeds' claim: cross margin lets a hedge's winning leg carry its losing leg. One account long ETH and short BTC
 * at equal notional survives a 20% fall of both; the same positions in two subaccounts, each funded with half the
 * collateral, leave the long subaccount liquidatable.
 */
describe("Cross margin: a hedged book through a 20% fall", function () {
  const COLLATERAL = USDC(12_000);
  const ETH_SIZE = WAD(10); // 30,000 USD at 3,000
  const BTC_SIZE = -WAD("0.5"); // 30,000 USD at 60,000

  async function scenario() {
    const sys = await loadFixture(fundedFixture);
    const [, , , , , cross, isolated] = sys.signers;
    const usdc = await sys.usdc.getAddress();
    const model = localModel();
    model.pool = await sys.vault.poolBalance();
    const crossId = accountIdOf(cross.address, 0n);
    const longId = accountIdOf(isolated.address, 1n);
    const shortId = accountIdOf(isolated.address, 2n);
    for (const who of [cross, isolated])
      await mintAndApprove(sys, who, COLLATERAL, await sys.vault.getAddress());
    await sys.vault.connect(cross).deposit(0, usdc, COLLATERAL);
    await sys.vault.connect(isolated).deposit(1, usdc, COLLATERAL / 2n);
    await sys.vault.connect(isolated).deposit(2, usdc, COLLATERAL / 2n);
    model.deposit(crossId, COLLATERAL);
    model.deposit(longId, COLLATERAL / 2n);
    model.deposit(shortId, COLLATERAL / 2n);

    const MAX = 2n ** 255n;
    const legs: [typeof cross, bigint, bigint, bigint][] = [
      [cross, 0n, ETH, ETH_SIZE],
      [cross, 0n, BTC, BTC_SIZE],
      [isolated, 1n, ETH, ETH_SIZE],
      [isolated, 2n, BTC, BTC_SIZE],
    ];
    for (const [who, sub, market, size] of legs) {
      const tx = await sys.clearinghouse.connect(who).trade(sub, market, size, size > 0n ? MAX : 0n);
      model.trade(accountIdOf(who.address, sub), Number(market), size, await txTime(tx));
    }
    await setPrice(sys.ethFeed, "2400");
    await setPrice(sys.btcFeed, "48000");
    model.setPrice(0, WAD(2400));
    model.setPrice(1, WAD(48_000));
    const now = BigInt((await sys.clearinghouse.runner!.provider!.getBlock("latest"))!.timestamp);
    return { sys, model, crossId, longId, shortId, now };
  }

  it("keeps the cross-margin account healthy", async function () {
    const { sys, model, crossId, now } = await scenario();
    const expected = model.accountState(crossId, now);
    const state = await sys.clearinghouse.accountState(crossId);
    expect(state.equity).to.equal(expected.equity);
    expect(state.maintenanceMargin).to.equal(expected.maintenanceMargin);
    expect(state.liquidatable).to.equal(false);
    // The legs offset: the loss on ETH (~6,000) is the gain on BTC (~6,000); equity stays near 12,000 less costs.
    expect(expected.equity).to.be.greaterThan(WAD(11_900));
    expect(expected.maintenanceMargin).to.equal(WAD(2_400)); // 5% of 24,000 + 24,000
  });

  it("leaves the isolated long subaccount liquidatable and the short one healthy", async function () {
    const { sys, model, longId, shortId, now } = await scenario();
    const long = model.accountState(longId, now);
    const short = model.accountState(shortId, now);
    expect(long.liquidatable).to.equal(true);
    expect(short.liquidatable).to.equal(false);
    expect(await sys.clearinghouse.liquidatable([longId, shortId])).to.deep.equal([true, false]);
    const onChain = await sys.clearinghouse.accountState(longId);
    expect(onChain.equity).to.equal(long.equity);
    expect(onChain.maintenanceMargin).to.equal(long.maintenanceMargin);
    // 6,000 of collateral against a ~6,000 loss: equity near zero, far below the 1,200 maintenance margin.
    expect(long.equity).to.be.lessThan(WAD(100));
    expect(long.maintenanceMargin).to.equal(WAD(1_200));
  });
});
