import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  ETH,
  BTC,
  POOL_LIQUIDITY,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  mintAndApprove,
  setPrice,
} from "../shared/fixtures";
import { LOCAL_COLLATERALS, LOCAL_WITHDRAWAL_DELAY } from "../../deploy/config";
import * as ref from "../shared/collateral";

/*
 * Attack: bad debt kept off the books (issue 13, item 5).
 *
 * Set-up: two LPs with 1,000,000 USDC each in the pool; the attacker LP has a matured withdrawal request for all of
 * its shares. Dave posts 10 WETH (no USDC) and goes long 60 ETH at 3,000.
 *  1. ETH falls to 2,500 and a keeper closes Dave out. He owes ~30,090 USDC and still holds 10 WETH (worth 25,000,
 *     20,000 at its 0.8 haircut), so the Vault skips the loss waterfall.
 *     (b) variant: before the close-out, the attacker `depositFor`s 1 wei of WETH into a USDC-only account that is
 *     about to go under, so its close-out skips the waterfall too and `settleBadDebt` reverts while the wei is held.
 *  2. The attacker redeems its whole request at the NAV of that moment.
 *  3. Keepers take the collateral and `settleBadDebt` writes the rest off against the pool.
 * Measured: what the attacker received minus what the honest LP's equal shares are worth after step 3.
 *
 * Red run on the unchanged code (commit "Attack test (red)"): (a) the attacker exited with 6,316.50 USDC more than
 * the honest LP's equal stake was worth afterwards (the whole loss landed on the LP who stayed); (b) 2,033.84 USDC. After the fix the close-out books the uncovered debt in the same transaction
 * (`pendingBadDebt`), the pool's NAV drops at once, `depositFor` accepts only the settlement token, and the attacker
 * ends with no more than the honest LP.
 */

const [WETH] = LOCAL_COLLATERALS;
const TO_WAD = 10n ** 12n;

async function attackFixture() {
  const sys = await fundedFixture();
  const [, , , , , attacker, dave, keeper, erin] = sys.signers;
  const poolAddress = await sys.pool.getAddress();
  await mintAndApprove(sys, attacker, POOL_LIQUIDITY, poolAddress);
  await sys.pool.connect(attacker).deposit(POOL_LIQUIDITY, attacker.address);
  await sys.pool.connect(attacker).requestWithdraw(await sys.pool.balanceOf(attacker.address));
  // Dave: 10 WETH, long 60 ETH. Erin: 10,000 USDC, long 1.5 BTC at 60,000 (90,000 notional).
  await sys.weth.mint(dave.address, WAD(10));
  await sys.weth.connect(dave).approve(await sys.vault.getAddress(), ethers.MaxUint256);
  await sys.vault.connect(dave).deposit(0, await sys.weth.getAddress(), WAD(10));
  await sys.clearinghouse.connect(dave).trade(0, ETH, WAD(60), ethers.MaxUint256);
  await mintAndApprove(sys, erin, USDC(10_000), await sys.vault.getAddress());
  await sys.vault.connect(erin).deposit(0, await sys.usdc.getAddress(), USDC(10_000));
  await sys.clearinghouse.connect(erin).trade(0, BTC, WAD("1.5"), ethers.MaxUint256);
  await mintAndApprove(sys, keeper, USDC(1_000_000), await sys.vault.getAddress());
  // The attacker's request matures; the feeds post fresh rounds.
  await time.increase(LOCAL_WITHDRAWAL_DELAY);
  await setPrice(sys.ethFeed, "3000");
  await setPrice(sys.btcFeed, "60000");
  return { ...sys, attacker, dave, keeper, erin };
}

type Ctx = Awaited<ReturnType<typeof attackFixture>>;

/** Step 2 and 3: the attacker redeems, keepers clear the account; returns the attacker's gain over the honest LP. */
async function redeemThenRealize(ctx: Ctx, victim: HardhatEthersSigner, hasWeth: boolean): Promise<bigint> {
  const { pool, vault, attacker, keeper, lp } = ctx;
  const id = accountIdOf(victim.address);
  const shares = (await pool.withdrawalRequest(attacker.address)).shares;
  const before = await ctx.usdc.balanceOf(attacker.address);
  await pool.connect(attacker).redeem(shares, attacker.address, attacker.address);
  const received = (await ctx.usdc.balanceOf(attacker.address)) - before;
  // Keepers take whatever WETH is left and the rest of the debt goes through the waterfall.
  if (hasWeth || (await vault.balanceOf(id, await ctx.weth.getAddress())) > 0n) {
    await vault.connect(keeper).liquidateCollateral(id, await ctx.weth.getAddress(), USDC(1_000_000));
  }
  if ((await vault.balanceOf(id, await ctx.usdc.getAddress())) < 0n) await vault.settleBadDebt(id);
  const honest = await pool.convertToAssets(await pool.balanceOf(lp.address));
  expect(shares).to.equal(await pool.balanceOf(lp.address)); // equal stakes: a fair exit gets what the honest LP keeps
  return received - honest;
}

describe("Attack: bad debt kept off the books", function () {
  it("(a) books a closed-out account's uncovered debt at once, so an LP exiting next gets no more than the LP who stays", async function () {
    const ctx = await loadFixture(attackFixture);
    const { clearinghouse, vault, pool, keeper, dave } = ctx;
    const id = accountIdOf(dave.address);
    await setPrice(ctx.ethFeed, "2500");
    await clearinghouse.connect(keeper).liquidate(id);
    expect(await clearinghouse.positionCount(id)).to.equal(0n);

    // Independent reference: the debt minus the WETH at its haircut value, rounded against the pool.
    const debt = -(await vault.balanceOf(id, await ctx.usdc.getAddress()));
    const haircut = ref.collateralValue(WAD(10), WETH.decimals, WAD(2500), WETH.weight);
    const booked = debt - haircut / TO_WAD;
    expect(booked).to.be.greaterThan(0n);
    const insurance = await vault.insuranceBalance();
    expect(booked).to.be.greaterThan(insurance);
    const pending = await Promise.resolve()
      .then(() => vault.pendingBadDebt())
      .catch(() => 0n);
    // The pool's value without the booking, from its ledger and its exposure (DESIGN §11).
    const [unrealized] = await pool.poolExposure();
    const cash = await vault.poolBalance();
    const nav = await pool.totalAssets();

    const gain = await redeemThenRealize(ctx, dave, true);
    console.log(`      attacker's gain over the honest LP: ${ethers.formatUnits(gain, 6)} USDC`);
    expect(gain).to.be.at.most(0n);
    // The NAV lost the uncovered debt the insurance fund cannot pay in the liquidation's own transaction.
    expect(pending).to.equal(booked);
    expect(nav).to.equal(((cash - (booked - insurance)) * TO_WAD + unrealized) / TO_WAD);
  });

  it("(b) refuses a third party's WETH deposit, so 1 wei cannot keep an underwater account's debt off the books", async function () {
    const ctx = await loadFixture(attackFixture);
    const { clearinghouse, vault, keeper, erin, attacker } = ctx;
    const id = accountIdOf(erin.address);
    const weth = await ctx.weth.getAddress();
    await ctx.weth.mint(attacker.address, 1n);
    await ctx.weth.connect(attacker).approve(await vault.getAddress(), ethers.MaxUint256);
    // The grief: 1 wei of WETH into Erin's account before she goes under.
    const griefed = await vault
      .connect(attacker)
      .depositFor(id, weth, 1n)
      .then(
        () => true,
        () => false,
      );
    await setPrice(ctx.btcFeed, "52000");
    await clearinghouse.connect(keeper).liquidate(id);
    if (griefed) {
      await expect(vault.settleBadDebt(id)).to.be.revertedWithCustomError(vault, "VaultBadDebtNotSettleable");
    }
    const gain = await redeemThenRealize(ctx, erin, false);
    console.log(`      attacker's gain over the honest LP: ${ethers.formatUnits(gain, 6)} USDC`);
    expect(gain).to.be.at.most(0n);
    expect(griefed).to.equal(false);
    await expect(vault.connect(attacker).depositFor(id, weth, 1n))
      .to.be.revertedWithCustomError(vault, "VaultDepositForNotSettlement")
      .withArgs(id, weth);
  });
});
