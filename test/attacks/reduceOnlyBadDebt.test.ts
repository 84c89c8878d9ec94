import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, USDC, WAD, accountIdOf, fundedFixture, mintAndApprove, setPrice } from "../shared/fixtures";
import { DEFAULT_MARKETS, toMarketParams } from "../../deploy/config";
import * as math from "../shared/math";

/*
 * Attack: a reduce-only trade whose premium and fee exceed the account's equity (issue 13, item 8a).
 *
 * Set-up: a 30M USDC pool; ETH's skew scale is 1,000,000 and its OI cap 10,000. A whale shorts 8,000 ETH. Tom posts
 * 10,000 USDC and buys 30 ETH (into the skew, at a discount). The risk admin then retunes ETH to a skew scale of
 * 100,000 (the local stack's value) with an OI cap of 4,900 (below the OI already open).
 *  1. ETH falls to 2,800: Tom's equity ~4,700 is above his maintenance margin 4,200, so he may trade.
 *  2. Tom closes his long reduce-only into a skew of −7,970: the fill is ~8% under the oracle, ~6,700 of premium plus
 *     ~39 of fee against ~4,700 of equity.
 * Measured: the debt Tom leaves behind, which the insurance fund and the LPs pay (his loss beyond his deposit).
 *
 * Red run on the unchanged code: Tom walked away owing 2,045.24 USDC, and the local stack's own ETH parameters
 * (OI cap 10,000 / skew scale 100,000 = 10% premium against a 5% mmf) were accepted. After the fix the market setters
 * refuse `maxOpenInterest / skewScale + takerFee > mmf` (ClearinghouseSkewPremiumExceedsMargin with the numbers) and
 * `trade` refuses a reduce-only trade that would end below zero equity (ClearinghouseReduceOnlyBadDebt).
 */

const ETH_PARAMS = toMarketParams(DEFAULT_MARKETS[0]);

async function skewFixture() {
  const sys = await fundedFixture();
  const [, lp, , , , whale, tom] = sys.signers;
  await mintAndApprove(sys, lp, USDC(30_000_000), await sys.pool.getAddress());
  await sys.pool.connect(lp).deposit(USDC(30_000_000), lp.address);
  await sys.clearinghouse.setMarketParams(ETH, {
    ...ETH_PARAMS,
    skewScale: WAD(1_000_000),
    maxOpenInterest: WAD(10_000),
  });
  for (const [who, amount] of [
    [whale, USDC(4_000_000)],
    [tom, USDC(10_000)],
  ] as const) {
    await mintAndApprove(sys, who, amount, await sys.vault.getAddress());
    await sys.vault.connect(who).deposit(0, await sys.usdc.getAddress(), amount);
  }
  await sys.clearinghouse.connect(whale).trade(0, ETH, -WAD(8_000), 0n);
  await sys.clearinghouse.connect(tom).trade(0, ETH, WAD(30), ethers.MaxUint256);
  // Retuned: 4,900 / 100,000 + 0.0005 = 0.0495 <= mmf 0.05, a parameter set the bound accepts.
  await sys.clearinghouse.setMarketParams(ETH, {
    ...ETH_PARAMS,
    skewScale: WAD(100_000),
    maxOpenInterest: WAD(4_900),
  });
  await setPrice(sys.ethFeed, "2800");
  return { ...sys, whale, tom };
}

describe("Attack: reduce-only trade into bad debt", function () {
  it("refuses a reduce-only close whose premium and fee would take the account below zero equity", async function () {
    const { clearinghouse, vault, usdc, tom } = await loadFixture(skewFixture);
    const id = accountIdOf(tom.address);
    const before = await clearinghouse.accountState(id);
    expect(before.liquidatable).to.equal(false);
    // Reference: the close's fill ~8% under the oracle, its premium larger than Tom's equity.
    const skew = WAD(30) - WAD(8_000);
    const fill = math.fillPrice(WAD(2800), skew, -WAD(30), WAD(100_000));
    const premium = ((WAD(2800) - fill) * WAD(30)) / WAD(1);
    expect(premium).to.be.greaterThan(before.equity);

    await clearinghouse
      .connect(tom)
      .trade(0, ETH, -WAD(30), 0n)
      .catch(() => undefined);
    const balance = await vault.balanceOf(id, await usdc.getAddress());
    const positions = await clearinghouse.positionCount(id);
    const debtLeft = positions === 0n && balance < 0n ? -balance : 0n;
    console.log(
      `      debt Tom leaves to the insurance fund and the LPs: ${ethers.formatUnits(debtLeft, 6)} USDC`,
    );
    expect(debtLeft).to.equal(0n);
    await expect(clearinghouse.connect(tom).trade(0, ETH, -WAD(30), 0n)).to.be.revertedWithCustomError(
      clearinghouse,
      "ClearinghouseReduceOnlyBadDebt",
    );
  });

  it("refuses market parameters whose worst skew premium plus taker fee exceeds mmf, one wei of OI cap apart", async function () {
    const { clearinghouse } = await loadFixture(fundedFixture);
    // 49,500 / 1,000,000 + 0.0005 = 0.05 = mmf exactly: accepted.
    const edge = { ...ETH_PARAMS, skewScale: WAD(1_000_000), maxOpenInterest: WAD(49_500) };
    await expect(clearinghouse.setMarketParams(ETH, edge)).to.emit(clearinghouse, "MarketParamsUpdated");
    const over = { ...edge, maxOpenInterest: WAD(49_500) + 1n };
    // The premium term rounds up: 0.0495e18 + 1 wei.
    await expect(clearinghouse.setMarketParams(ETH, over))
      .to.be.revertedWithCustomError(clearinghouse, "ClearinghouseSkewPremiumExceedsMargin")
      .withArgs(over.maxOpenInterest, over.skewScale, over.takerFee, over.mmf);
    // The local stack's former ETH parameters: 10,000 / 100,000 = 10% of premium against a 5% mmf.
    const former = { ...ETH_PARAMS, skewScale: WAD(100_000), maxOpenInterest: WAD(10_000) };
    await expect(clearinghouse.setMarketParams(ETH, former)).to.be.revertedWithCustomError(
      clearinghouse,
      "ClearinghouseSkewPremiumExceedsMargin",
    );
  });
});
