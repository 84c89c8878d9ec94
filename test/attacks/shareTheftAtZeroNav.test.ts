/**
 * Attack: share theft at NAV <= 0 (issue 13, item 1).
 *
 * Set-up: an honest LP holds the whole $1M pool. A whale goes long ETH and BTC close to the open-interest caps
 * ($990k each, the cap being 1x the pool's cash).
 * 1. Prices rise 60%: the traders' unrealized profit exceeds the pool's cash, so the pool's value is below zero
 *    while its cash is still ~$1.0008M.
 * 2. The attacker deposits 0.001 USDC. With `totalAssets()` floored at 0 it is priced at
 *    `assets * (supply + 10^6) / (0 + 1)`: ~10^21 shares against the honest LP's 10^18.
 * 3. Prices revert: the pool is worth its cash again and the attacker owns ~99.9% of it.
 *
 * Measured on the unfixed code (the red commit): the attacker's 1,000-unit deposit minted 1.000000000001e21 shares
 * against the honest LP's 1e18; after the revert the attacker's claim was $1,003,057.31 (a gain of $1,003,057.31 on
 * $0.001) and the honest LP's $1,003.06, down from $1,004,060.33: the honest LP lost $1,003,057.27.
 * After the fix deposits and mints are refused (`PoolValueTooLow`) while the pool is worth less than its minimum, the
 * attacker holds no share and the honest LP's claim is back to at least what it was.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { BTC, ETH, USDC, WAD, fundedFixture, mintAndApprove, setPrice } from "../shared/fixtures";

const ANY_BUY_PRICE = ethers.MaxUint256;
const DUST = 1_000n; // 0.001 USDC

async function whaleAtTheCapsFixture() {
  const sys = await fundedFixture();
  const [whale, attacker] = sys.signers.slice(6, 8);
  await mintAndApprove(sys, whale, USDC(500_000), await sys.vault.getAddress());
  await sys.vault.connect(whale).deposit(0, await sys.usdc.getAddress(), USDC(500_000));
  // $990k a side, under the caps of 1x the pool's $1M cash.
  await sys.clearinghouse.connect(whale).trade(0, ETH, WAD(330), ANY_BUY_PRICE);
  await sys.clearinghouse.connect(whale).trade(0, BTC, WAD("16.5"), ANY_BUY_PRICE);
  await mintAndApprove(sys, attacker, DUST, await sys.pool.getAddress());
  return { ...sys, whale, attacker };
}

describe("Attack: share theft at NAV <= 0", function () {
  it("a dust deposit while the pool is worth nothing takes nothing from the honest LP", async function () {
    const { pool, vault, ethFeed, btcFeed, lp, attacker } = await loadFixture(whaleAtTheCapsFixture);
    const lpShares = await pool.balanceOf(lp.address);
    const lpClaimBefore = await pool.convertToAssets(lpShares);

    // 1. Prices +60%: traders' profit exceeds the pool's cash.
    await setPrice(ethFeed, 4_800);
    await setPrice(btcFeed, 96_000);
    const [unrealized] = await pool.poolExposure();
    const cash = await vault.poolBalance();
    expect(cash * 10n ** 12n + unrealized).to.be.lessThan(0n);
    expect(cash).to.be.greaterThan(USDC(1_000_000));

    // 2. The attacker tries to deposit 0.001 USDC: refused while the pool is worth less than its minimum.
    expect(await pool.maxDeposit(attacker.address)).to.equal(0n);
    expect(await pool.maxMint(attacker.address)).to.equal(0n);
    await expect(pool.connect(attacker).deposit(DUST, attacker.address)).to.be.revertedWithCustomError(
      pool,
      "PoolValueTooLow",
    );
    await expect(pool.connect(attacker).mint(10n ** 21n, attacker.address)).to.be.revertedWithCustomError(
      pool,
      "PoolValueTooLow",
    );
    const minted = await pool.balanceOf(attacker.address);

    // 3. Prices revert.
    await setPrice(ethFeed, 3_000);
    await setPrice(btcFeed, 60_000);
    const attackerClaim = minted === 0n ? 0n : await pool.convertToAssets(minted);
    const spent = minted === 0n ? 0n : DUST;
    const lpClaimAfter = await pool.convertToAssets(lpShares);

    // The attacker gains nothing; the honest LP keeps at least what it had before the whale's round trip.
    expect(attackerClaim - spent).to.be.lessThanOrEqual(0n);
    expect(lpClaimAfter).to.be.greaterThanOrEqual(lpClaimBefore);
  });
});
