/**
 * Attack: front-running a recapitalisation gift (review of issue 13's `recapitalize`).
 *
 * `recapitalize(assets)` credits the pool ledger without minting shares: a gift, pro rata, to the LPs of the moment.
 * If it is accepted while deposits are open, whoever deposits just before the gift lands owns part of the pool when it
 * does, and takes that part of the gift from the LPs it was meant for.
 *
 * Set-up: an honest LP holds the whole $1,000,000 pool (no positions open, so the pool is worth its cash).
 * 1. A donor sends `recapitalize($100,000)`. The attacker sees it in the mempool and deposits $1,000,000 first.
 * 2. The gift lands; the attacker's shares now claim half of it.
 *
 * Measured on the unfixed code (the red run): the attacker's $1,000,000 claimed $1,049,999.999999 (+$49,999.999999)
 * and the honest LP's claim was $1,049,999.999999 instead of $1,099,999.999999: the attacker took $50,000 of the
 * $100,000 gift from the LP it was meant for.
 * After the fix `recapitalize` is refused while deposits are open (`PoolRecapitalizeRefused(value, minimum, supply)`):
 * the donor deposits instead and gets shares, the attacker's deposit is an ordinary one and gains nothing (≤ 0 after
 * rounding), and the honest LP keeps exactly what it had.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { POOL_LIQUIDITY, USDC, fundedFixture, mintAndApprove } from "../shared/fixtures";
import { assetsForShares, minimumDepositValue, sharesForAssets } from "../shared/poolValue";

const ATTACKER_DEPOSIT = USDC(1_000_000);
const GIFT = USDC(100_000);

async function giftInTheMempoolFixture() {
  const sys = await fundedFixture();
  const [attacker, donor] = sys.signers.slice(6, 8);
  await mintAndApprove(sys, attacker, ATTACKER_DEPOSIT, await sys.pool.getAddress());
  await mintAndApprove(sys, donor, GIFT, await sys.pool.getAddress());
  return { ...sys, attacker, donor };
}

describe("Attack: front-running a recapitalisation gift", function () {
  it("a deposit placed just before a gift takes no part of it from the LPs", async function () {
    const { pool, lp, attacker, donor } = await loadFixture(giftInTheMempoolFixture);
    const lpShares = await pool.balanceOf(lp.address);
    const supply = lpShares;
    // Reference: the pool holds its cash only; the attacker's deposit is priced at it.
    const attackerShares = sharesForAssets(ATTACKER_DEPOSIT, supply, POOL_LIQUIDITY);
    const lpClaimBefore = assetsForShares(lpShares, supply, POOL_LIQUIDITY);
    expect(await pool.convertToAssets(lpShares)).to.equal(lpClaimBefore);

    // 1. The attacker's deposit lands first.
    await pool.connect(attacker).deposit(ATTACKER_DEPOSIT, attacker.address);
    expect(await pool.balanceOf(attacker.address)).to.equal(attackerShares);
    const valueBefore = POOL_LIQUIDITY + ATTACKER_DEPOSIT;
    const supplyBefore = supply + attackerShares;

    // 2. The gift is refused while deposits are open: the donor is told the value, the minimum and the supply.
    await expect(pool.connect(donor).recapitalize(GIFT))
      .to.be.revertedWithCustomError(pool, "PoolRecapitalizeRefused")
      .withArgs(valueBefore, minimumDepositValue(supplyBefore), supplyBefore);

    // The attacker gains nothing; the honest LP keeps exactly its claim.
    const attackerClaim = await pool.convertToAssets(attackerShares);
    expect(attackerClaim).to.equal(assetsForShares(attackerShares, supplyBefore, valueBefore));
    expect(attackerClaim - ATTACKER_DEPOSIT).to.be.lessThanOrEqual(0n);
    expect(await pool.convertToAssets(lpShares)).to.equal(
      assetsForShares(lpShares, supplyBefore, valueBefore),
    );
    expect(await pool.convertToAssets(lpShares)).to.be.greaterThanOrEqual(lpClaimBefore);
  });
});
