/**
 * Attack: LPs withdraw the cash a winning trader needs (issue 13, item 6).
 *
 * The withdrawal reserve was Σ over sides of max(0, side PnL): a winner and a loser on the same side net out, so the
 * reserve reads zero while the winner is owed its whole profit.
 * Set-up: a $300k pool. A winner goes long 30 ETH at $3,000; the price rises to $4,000 and a loser goes long 30 ETH
 * there; the price settles at $3,500. The long side's PnL nets to about zero; the winner is up ~$15k.
 * 1. The LP (who knows) requests its whole position and, after the delay, redeems all it is allowed to.
 * 2. The winner closes: the pool's cash no longer covers its profit and the close reverts.
 *
 * Measured on the unfixed code (the red commit): the reserve read $0 and the LP took all but the $1 it left of the
 * pool's cash; the winner's close, owed $15,010.64, then reverted with
 * `ClearinghouseInsufficientPoolLiquidity(15010641992, 1000000)`.
 * After the fix the reserve bounds what every winner could claim and the winner's close is paid.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, USDC, WAD, deployFixture, mintAndApprove, setPrice } from "../shared/fixtures";
import { LOCAL_WITHDRAWAL_DELAY } from "../../deploy/config";

const ANY_BUY_PRICE = ethers.MaxUint256;
const ANY_SELL_PRICE = 0n;

async function nettedSideFixture() {
  const sys = await deployFixture();
  const [, lp, winner, loser] = sys.signers;
  await mintAndApprove(sys, lp, USDC(300_000), await sys.pool.getAddress());
  await sys.pool.connect(lp).deposit(USDC(300_000), lp.address);
  for (const trader of [winner, loser]) {
    await mintAndApprove(sys, trader, USDC(50_000), await sys.vault.getAddress());
    await sys.vault.connect(trader).deposit(0, await sys.usdc.getAddress(), USDC(50_000));
  }
  await sys.clearinghouse.connect(winner).trade(0, ETH, WAD(30), ANY_BUY_PRICE);
  await setPrice(sys.ethFeed, 4_000);
  await sys.clearinghouse.connect(loser).trade(0, ETH, WAD(30), ANY_BUY_PRICE);
  await setPrice(sys.ethFeed, 3_500);
  return { ...sys, lp, winner, loser };
}

describe("Attack: withdrawing the cash a winner needs", function () {
  it("after the LP withdraws all it may, the winning trader's close is still paid", async function () {
    const { pool, clearinghouse, ethFeed, lp, winner } = await loadFixture(nettedSideFixture);

    // 1. The LP exits with everything the reserve lets go.
    await pool.connect(lp).requestWithdraw(await pool.balanceOf(lp.address));
    await time.increase(LOCAL_WITHDRAWAL_DELAY);
    await setPrice(ethFeed, 3_500);
    // All but one dollar of what the reserve frees (funding accrues between the view and the block).
    const withdrawable = (await pool.maxWithdraw(lp.address)) - USDC(1);
    expect(withdrawable).to.be.greaterThan(0n);
    await pool.connect(lp).withdraw(withdrawable, lp.address, lp.address);

    // 2. The winner closes and is paid.
    await expect(clearinghouse.connect(winner).trade(0, ETH, -WAD(30), ANY_SELL_PRICE)).to.emit(
      clearinghouse,
      "TradeExecuted",
    );
  });
});
