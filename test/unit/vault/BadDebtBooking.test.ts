import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, USDC, WAD, accountIdOf, fundedFixture, mintAndApprove, setPrice } from "../../shared/fixtures";
import { LOCAL_COLLATERALS } from "../../../deploy/config";
import * as ref from "../../shared/collateral";
import * as math from "../../shared/math";

/*
 * The Vault's booked bad debt (DESIGN §10.5, §18.18) through the paths that change it besides a liquidation and
 * `settleBadDebt` (those are in CollateralLiquidation.test.ts and BadDebtSettlement.test.ts beside this file and test/attacks/hiddenBadDebt.test.ts):
 * repayments by the owner and by third parties, collateral deposits by the owner; and the collateral liquidation
 * buffer's bounds (§12, §18.20). Expected bookings come from the reference `debt - floor(haircut value) / toWad`,
 * never from the Vault.
 */

const [WETH] = LOCAL_COLLATERALS;
const { TO_WAD } = math;

/** Dave (10 WETH, long 60 ETH) closed out at 2,500: he owes more than his WETH covers at haircut value. */
async function closedOutFixture() {
  const sys = await fundedFixture();
  const [, , , , , dave, keeper, payer] = sys.signers;
  const vaultAddress = await sys.vault.getAddress();
  await sys.weth.mint(dave.address, WAD(20));
  await sys.weth.connect(dave).approve(vaultAddress, ethers.MaxUint256);
  await sys.vault.connect(dave).deposit(0, await sys.weth.getAddress(), WAD(10));
  await sys.clearinghouse.connect(dave).trade(0, ETH, WAD(60), ethers.MaxUint256);
  await setPrice(sys.ethFeed, "2500");
  await sys.clearinghouse.connect(keeper).liquidate(accountIdOf(dave.address));
  for (const who of [dave, payer]) await mintAndApprove(sys, who, USDC(100_000), vaultAddress);
  return { ...sys, dave, payer, id: accountIdOf(dave.address) };
}

type Ctx = Awaited<ReturnType<typeof closedOutFixture>>;

async function debtOf(ctx: Ctx): Promise<bigint> {
  return -(await ctx.vault.balanceOf(ctx.id, await ctx.usdc.getAddress()));
}

/** The reference booking of Dave's account holding `weth` at 2,500. */
const bookingOf = (debt: bigint, weth: bigint): bigint =>
  math.max(0n, debt - ref.collateralValue(weth, WETH.decimals, WAD(2500), WETH.weight) / TO_WAD);

describe("Vault: booked bad debt", function () {
  it("books debt minus the WETH's haircut value at the close-out", async function () {
    const ctx = await loadFixture(closedOutFixture);
    const booked = bookingOf(await debtOf(ctx), WAD(10));
    expect(booked).to.be.greaterThan(0n);
    expect(await ctx.vault.badDebtBooked(ctx.id)).to.equal(booked);
    expect(await ctx.vault.pendingBadDebt()).to.equal(booked);
  });

  it("caps the booking at what is still owed as the owner repays, one unit either side, and clears it at zero debt", async function () {
    const ctx = await loadFixture(closedOutFixture);
    const usdc = await ctx.usdc.getAddress();
    const debt = await debtOf(ctx);
    const booked = bookingOf(debt, WAD(10));
    // Repaying down to exactly the booked amount changes nothing; one unit more caps it one unit lower.
    await ctx.vault.connect(ctx.dave).deposit(0, usdc, debt - booked);
    expect(await ctx.vault.badDebtBooked(ctx.id)).to.equal(booked);
    await expect(ctx.vault.connect(ctx.dave).deposit(0, usdc, 1n))
      .to.emit(ctx.vault, "BadDebtBooked")
      .withArgs(ctx.id, booked - 1n, booked - 1n);
    await ctx.vault.connect(ctx.dave).deposit(0, usdc, booked - 1n);
    expect(await debtOf(ctx)).to.equal(0n);
    expect(await ctx.vault.badDebtBooked(ctx.id)).to.equal(0n);
    expect(await ctx.vault.pendingBadDebt()).to.equal(0n);
  });

  it("lowers the booking when a third party repays in the settlement token, and refuses its WETH", async function () {
    const ctx = await loadFixture(closedOutFixture);
    const usdc = await ctx.usdc.getAddress();
    const booked = bookingOf(await debtOf(ctx), WAD(10));
    await ctx.vault.connect(ctx.payer).depositFor(ctx.id, usdc, await debtOf(ctx));
    expect(booked).to.be.greaterThan(0n);
    expect(await ctx.vault.badDebtBooked(ctx.id)).to.equal(0n);
    const weth = await ctx.weth.getAddress();
    await expect(ctx.vault.connect(ctx.payer).depositFor(ctx.id, weth, 1n))
      .to.be.revertedWithCustomError(ctx.vault, "VaultDepositForNotSettlement")
      .withArgs(ctx.id, weth);
  });

  it("lowers the booking by the haircut value of WETH the owner deposits", async function () {
    const ctx = await loadFixture(closedOutFixture);
    const debt = await debtOf(ctx);
    await ctx.vault.connect(ctx.dave).deposit(0, await ctx.weth.getAddress(), WAD(1));
    // Incremental: the booking falls by floor(value of 1 WETH) / toWad, which here equals a full re-mark.
    expect(await ctx.vault.badDebtBooked(ctx.id)).to.equal(bookingOf(debt, WAD(11)));
    await ctx.vault.connect(ctx.dave).deposit(0, await ctx.weth.getAddress(), WAD(9));
    expect(await ctx.vault.badDebtBooked(ctx.id)).to.equal(0n);
  });

  it("subtracts from the pool's value only what the insurance fund cannot pay", async function () {
    const ctx = await loadFixture(closedOutFixture);
    const booked = bookingOf(await debtOf(ctx), WAD(10));
    const [unrealized] = await ctx.pool.poolExposure();
    const nav = async () => ((await ctx.vault.poolBalance()) * TO_WAD + unrealized) / TO_WAD;
    const insurance = await ctx.vault.insuranceBalance();
    expect(await ctx.pool.totalAssets()).to.equal((await nav()) - (booked - insurance));
    // Seeding the fund with exactly the rest: the pool's value carries none of it.
    await ctx.vault.connect(ctx.payer).fundInsurance(booked - insurance);
    expect(await ctx.pool.totalAssets()).to.equal(await nav());
  });

  it("accepts a collateral liquidation buffer of 100% and refuses one wei more", async function () {
    const { vault } = await loadFixture(fundedFixture);
    expect(await vault.collateralLiquidationBuffer()).to.equal(ref.COLLATERAL_LIQUIDATION_BUFFER);
    await expect(vault.setCollateralLiquidationBuffer(WAD(1)))
      .to.emit(vault, "CollateralLiquidationBufferSet")
      .withArgs(WAD(1));
    await expect(vault.setCollateralLiquidationBuffer(WAD(1) + 1n))
      .to.be.revertedWithCustomError(vault, "VaultInvalidCollateralParameter")
      .withArgs(ethers.ZeroAddress, ethers.encodeBytes32String("collateralLiquidationBuffer"), WAD(1) + 1n);
  });
});
