import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, USDC, WAD, accountIdOf, fundedFixture, mintAndApprove, setPrice } from "../shared/fixtures";
import { LOCAL_COLLATERALS, assetKey } from "../../deploy/config";
import * as ref from "../shared/collateral";

/*
 * Attack: collateral liquidation of a healthy account (issue 13, item 8b).
 *
 * Set-up: Gina posts 10 WETH (24,000 USD at its 0.8 haircut) and no USDC, goes long 5 ETH at 3,000 and closes at
 * 2,900: she owes ~515 USDC (the loss and the fees) and has no position. Her WETH covers that debt 45 times over.
 *  1. A keeper calls `liquidateCollateral(gina, WETH, debt)`: it repays her debt and takes WETH worth debt × 1.05.
 * Measured: the keeper's profit (value of the WETH received at the oracle price minus the USDC repaid) = Gina's loss.
 *
 * Red run on the unchanged code: the keeper took 25.52 USD from Gina, who was never at risk. After the fix an
 * account without positions is open to collateral liquidation only once its weighted collateral is below its debt
 * × (1 + collateralLiquidationBuffer) (DESIGN §12, §18.20); the keeper's call reverts and nobody profits.
 */

const [WETH] = LOCAL_COLLATERALS;
const TO_WAD = 10n ** 12n;
/** The Vault's default collateral liquidation buffer (DESIGN §12): 10%. */
const BUFFER = WAD("0.1");

async function healthyFixture() {
  const sys = await fundedFixture();
  const [, , , , , gina, keeper] = sys.signers;
  await sys.weth.mint(gina.address, WAD(10));
  await sys.weth.connect(gina).approve(await sys.vault.getAddress(), ethers.MaxUint256);
  await sys.vault.connect(gina).deposit(0, await sys.weth.getAddress(), WAD(10));
  await sys.clearinghouse.connect(gina).trade(0, ETH, WAD(5), ethers.MaxUint256);
  await setPrice(sys.ethFeed, "2900");
  await sys.clearinghouse.connect(gina).trade(0, ETH, -WAD(5), 0n);
  await mintAndApprove(sys, keeper, USDC(1_000_000), await sys.vault.getAddress());
  return { ...sys, gina, keeper };
}

/**
 * A stable-priced token (18 decimals, 18-decimal feed at 1 USD, weight 1, no discount): its haircut value in WAD is
 * its balance in wei, so the threshold can be hit to the unit. Mia posts `amount` of it and owes a trading loss.
 */
async function stableFixture() {
  const sys = await fundedFixture();
  const [, , , , , , keeper, mia] = sys.signers;
  const token = await ethers.deployContract("MockERC20", ["STB", "STB", 18]);
  const feed = await ethers.deployContract("MockV3Aggregator", [18, WAD(1)]);
  await sys.oracle.setFeed(assetKey("STB"), await feed.getAddress(), 86_400, 1n, WAD(1_000));
  await sys.vault.setCollateral(await token.getAddress(), assetKey("STB"), WAD(1), 0n, WAD(1_000_000));
  await token.mint(mia.address, WAD(10_000));
  await token.connect(mia).approve(await sys.vault.getAddress(), ethers.MaxUint256);
  await sys.vault.connect(mia).deposit(0, await token.getAddress(), WAD(10_000));
  await sys.clearinghouse.connect(mia).trade(0, ETH, WAD(5), ethers.MaxUint256);
  await setPrice(sys.ethFeed, "2900");
  await sys.clearinghouse.connect(mia).trade(0, ETH, -WAD(5), 0n);
  await mintAndApprove(sys, keeper, USDC(1_000_000), await sys.vault.getAddress());
  return { ...sys, keeper, mia, token };
}

describe("Attack: collateral liquidation of a healthy account", function () {
  it("gives a keeper nothing from an account that closed at a loss while its WETH covers the debt many times", async function () {
    const { vault, clearinghouse, weth, gina, keeper } = await loadFixture(healthyFixture);
    const id = accountIdOf(gina.address);
    const debt = -(await vault.balanceOf(id, await vault.settlementToken()));
    expect(debt).to.be.greaterThan(0n);
    expect(await clearinghouse.positionCount(id)).to.equal(0n);
    // Reference: the WETH's haircut value dwarfs the debt.
    const haircut = ref.collateralValue(WAD(10), WETH.decimals, WAD(2900), WETH.weight);
    expect(haircut).to.be.greaterThan(debt * TO_WAD * 40n);

    const wethBefore = await weth.balanceOf(keeper.address);
    const usdcBefore = await ethers.getContractAt("MockERC20", await vault.settlementToken());
    const paidBefore = await usdcBefore.balanceOf(keeper.address);
    await vault
      .connect(keeper)
      .liquidateCollateral(id, await weth.getAddress(), debt)
      .catch(() => undefined);
    const seized = (await weth.balanceOf(keeper.address)) - wethBefore;
    const repaid = paidBefore - (await usdcBefore.balanceOf(keeper.address));
    // The keeper's profit: the seized WETH at the oracle price minus what it repaid (USD, WAD).
    const profit = (seized * WAD(2900)) / WAD(1) - repaid * TO_WAD;
    console.log(`      keeper's profit: ${ethers.formatUnits(profit, 18)} USD`);
    expect(profit).to.be.at.most(0n);
    await expect(vault.connect(keeper).liquidateCollateral(id, await weth.getAddress(), debt))
      .to.be.revertedWithCustomError(vault, "VaultCollateralNotLiquidatable")
      .withArgs(id);
  });

  it("opens an account without positions to collateral liquidation one unit below debt × (1 + buffer), not at it", async function () {
    const { vault, keeper, mia, token } = await loadFixture(stableFixture);
    const id = accountIdOf(mia.address);
    const debt = -(await vault.balanceOf(id, await vault.settlementToken()));
    // Reference threshold (WAD USD), rounded down: the keeper, who profits, gets the benefit of no doubt.
    const required = (debt * TO_WAD * (WAD(1) + BUFFER)) / WAD(1);
    const address = await token.getAddress();
    // Weight 1 at 1 USD: the haircut value in WAD equals the balance in wei.
    await vault.connect(mia).withdraw(0, address, WAD(10_000) - required);
    expect(ref.collateralValue(required, 18, WAD(1), WAD(1))).to.equal(required);
    await expect(vault.connect(keeper).liquidateCollateral(id, address, USDC(1)))
      .to.be.revertedWithCustomError(vault, "VaultCollateralNotLiquidatable")
      .withArgs(id);
    await vault.connect(mia).withdraw(0, address, 1n);
    await expect(vault.connect(keeper).liquidateCollateral(id, address, USDC(1))).to.emit(
      vault,
      "CollateralLiquidated",
    );
  });
});
