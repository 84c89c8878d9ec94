/**
 * Attack: the pool's value ignores the skew premium it owes (issue 13, item 4).
 *
 * Set-up: an honest LP holds $1M of the pool, the attacker $1M, and the attacker has a matured withdrawal request for
 * all its shares. The attacker also trades from its own account.
 * 1. The attacker opens a 600 ETH long ($1.8M). It pays the skew premium `P * d^2 / (2 * skewScale)` ($5,400) and
 *    the taker fee into the pool's cash; valued at the oracle price the long is worth that much less, so the pool's
 *    value rises by the premium (plus the fee).
 * 2. In the next block it redeems its shares at that inflated value.
 * 3. It closes the long: the close pays the premium back to it (the skew is closed), out of the honest LP's pool.
 *
 * Measured on the unfixed code (the red commit): the attacker ended +$1,797.28 after both taker fees, the honest LP
 * -$2,050.04. After the fix the pool is valued net of `P * skew^2 / (2 * skewScale)`: the attacker pays two fees and
 * gets back only its half of the pool's part of the first one: attacker -$902.72, honest LP +$649.96.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, USDC, WAD, accountIdOf, fundedFixture, mintAndApprove, setPrice } from "../shared/fixtures";
import { LOCAL_WITHDRAWAL_DELAY } from "../../deploy/config";

const ANY_BUY_PRICE = ethers.MaxUint256;
const ANY_SELL_PRICE = 0n;
const LP_CAPITAL = USDC(1_000_000);
const MARGIN = USDC(300_000);
const SIZE = WAD(600);

async function attackerWithMaturedRequestFixture() {
  const sys = await fundedFixture();
  const attacker = sys.signers[6];
  await mintAndApprove(sys, attacker, LP_CAPITAL + MARGIN, await sys.pool.getAddress());
  await sys.usdc.connect(attacker).approve(await sys.vault.getAddress(), ethers.MaxUint256);
  await sys.pool.connect(attacker).deposit(LP_CAPITAL, attacker.address);
  await sys.vault.connect(attacker).deposit(0, await sys.usdc.getAddress(), MARGIN);
  await sys.pool.connect(attacker).requestWithdraw(await sys.pool.balanceOf(attacker.address));
  await time.increase(LOCAL_WITHDRAWAL_DELAY);
  // Fresh feed rounds (the heartbeat is 24 h).
  await setPrice(sys.ethFeed, 3_000);
  await setPrice(sys.btcFeed, 60_000);
  return { ...sys, attacker };
}

describe("Attack: open, redeem, close against the skew premium", function () {
  it("opening a large position, redeeming and closing does not profit the LP who trades", async function () {
    const { pool, vault, usdc, clearinghouse, lp, attacker } = await loadFixture(
      attackerWithMaturedRequestFixture,
    );
    const attackerId = accountIdOf(attacker.address);
    const wealth = async () =>
      (await usdc.balanceOf(attacker.address)) + (await vault.balanceOf(attackerId, usdc));
    const lpShares = await pool.balanceOf(lp.address);
    const attackerBefore =
      (await wealth()) + (await pool.convertToAssets((await pool.withdrawalRequest(attacker)).shares));
    const lpBefore = await pool.convertToAssets(lpShares);

    // 1. Open, 2. redeem, 3. close, in consecutive blocks.
    await clearinghouse.connect(attacker).trade(0, ETH, SIZE, ANY_BUY_PRICE);
    const shares = (await pool.withdrawalRequest(attacker)).shares;
    await pool.connect(attacker).redeem(shares, attacker.address, attacker.address);
    // 3. Close.
    await clearinghouse.connect(attacker).trade(0, ETH, -SIZE, ANY_SELL_PRICE);

    expect(await pool.balanceOf(attacker.address)).to.equal(0n);
    expect((await clearinghouse.position(attackerId, ETH)).size).to.equal(0n);
    const attackerGain = (await wealth()) - attackerBefore;
    const lpGain = (await pool.convertToAssets(lpShares)) - lpBefore;
    expect(attackerGain).to.be.lessThanOrEqual(0n);
    expect(lpGain).to.be.greaterThanOrEqual(0n);
  });
});
