/**
 * The hazard matrix, liquidity pool: the ERC-4626 first-depositor inflation attack and an LP exiting ahead of a
 * known bad debt. One named test per hazard, each asserting the exact custom error (with its arguments) or the
 * invariant the hazard threatens; expected values come from the references in test/shared/, never from the contract
 * under test. docs/SECURITY.md maps every hazard to its test.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  USDC,
  WAD,
  accountIdOf,
  deployFixture,
  fundedFixture,
  latestTime,
  mintAndApprove,
  txTime,
} from "../shared/fixtures";
import { assetsForShares, sharesForAssets } from "../shared/poolValue";
import { RISK, DELAY, at, modelOf, trade, deposit, setEth } from "./shared";

describe("Hazard matrix: liquidity pool", function () {
  /* LIQUIDITY POOL */

  it("ERC-4626 first-depositor inflation attack leaves the victim whole within ε (one token unit)", async function () {
    const sys = await loadFixture(deployFixture);
    const [attacker, victim] = [sys.signers[5], sys.signers[6]];
    const poolAddress = await sys.pool.getAddress();
    for (const who of [attacker, victim]) await mintAndApprove(sys, who, USDC(300_000), poolAddress);
    // 1. The attacker is first, with one unit.
    const attackerShares = sharesForAssets(1n, 0n, 0n);
    await expect(sys.pool.connect(attacker).deposit(1n, attacker.address))
      .to.emit(sys.pool, "Deposit")
      .withArgs(attacker.address, attacker.address, 1n, attackerShares);
    // 2. ... and donates 100,000 USDC to the Vault and 100,000 to the pool contract: neither is the pool's ledger.
    await sys.usdc.connect(attacker).transfer(await sys.vault.getAddress(), USDC(100_000));
    await sys.usdc.connect(attacker).transfer(poolAddress, USDC(100_000));
    expect(await sys.pool.totalAssets()).to.equal(1n);
    // 3. The victim deposits 10,000 USDC at an unmoved share price.
    const assets = USDC(10_000);
    const victimShares = sharesForAssets(assets, attackerShares, 1n);
    await expect(sys.pool.connect(victim).deposit(assets, victim.address))
      .to.emit(sys.pool, "Deposit")
      .withArgs(victim.address, victim.address, assets, victimShares);
    // 4. After the delay both leave; the victim is whole within one unit, the attacker gets at most its unit back.
    const supply = attackerShares + victimShares;
    const nav = 1n + assets;
    const requested = await txTime(await sys.pool.connect(victim).requestWithdraw(victimShares));
    await sys.pool.connect(attacker).requestWithdraw(attackerShares);
    const victimBack = assetsForShares(victimShares, supply, nav);
    expect(victimBack).to.be.closeTo(assets, 1n);
    await expect(
      at(requested + DELAY, () =>
        sys.pool.connect(victim).redeem(victimShares, victim.address, victim.address),
      ),
    )
      .to.emit(sys.pool, "Withdraw")
      .withArgs(victim.address, victim.address, victim.address, victimBack, victimShares);
    const attackerBack = assetsForShares(attackerShares, attackerShares, nav - victimBack);
    expect(attackerBack).to.be.at.most(1n);
    if (attackerBack > 0n) {
      await sys.pool.connect(attacker).redeem(attackerShares, attacker.address, attacker.address);
    }
    expect(await sys.usdc.balanceOf(victim.address)).to.equal(USDC(300_000) - assets + victimBack);
  });

  it("an LP cannot exit ahead of a known bad debt: no request, no exit; by the time one matures the loss is booked", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
    const [, lp] = sys.signers;
    const dave = sys.signers[5];
    const daveId = accountIdOf(dave.address);
    const shares = await sys.pool.balanceOf(lp.address);
    const supply = await sys.pool.totalSupply();
    await deposit(sys, model, dave, USDC(1_000));
    await trade(sys, model, dave, ETH, WAD(3));
    // The crash makes Dave's loss larger than his collateral: a bad debt everyone can see coming.
    await setEth(sys, model, "2500");
    const tCrash = await latestTime();
    expect(model.accountState(daveId, tCrash).equity).to.be.lessThan(0n);
    // The LP holds no request: it cannot redeem at all...
    await expect(sys.pool.connect(lp).redeem(shares, lp.address, lp.address))
      .to.be.revertedWithCustomError(sys.pool, "PoolWithdrawalExceedsRequest")
      .withArgs(lp.address, shares, 0n);
    // ...and a request made now matures a full delay later.
    const requested = await txTime(await sys.pool.connect(lp).requestWithdraw(shares));
    const t = requested + 1n;
    await expect(at(t, () => sys.pool.connect(lp).redeem(shares, lp.address, lp.address)))
      .to.be.revertedWithCustomError(sys.pool, "PoolWithdrawalNotReady")
      .withArgs(lp.address, requested + DELAY, t);
    // Had it been able to leave now, it would have been paid at a NAV that still counts Dave's unpaid loss.
    const tl = t + 1n;
    const exitAhead = assetsForShares(shares, supply, model.poolValue(tl));
    // Keepers book the loss long before the request matures.
    const r = model.previewLiquidation(daveId, tl, RISK);
    expect(r.badDebt).to.be.greaterThan(0n);
    expect(r.poolWriteOff).to.be.greaterThan(0n); // the insurance fund cannot pay it all: the pool does
    await at(tl, () => sys.clearinghouse.connect(sys.bob).liquidate(daveId));
    model.liquidate(daveId, accountIdOf(sys.bob.address), tl, RISK);
    // At maturity the LP redeems at the NAV after the write-off: its share of the bad debt is in the price.
    const tr = requested + DELAY;
    const assets = assetsForShares(shares, supply, model.poolValue(tr));
    await expect(at(tr, () => sys.pool.connect(lp).redeem(shares, lp.address, lp.address)))
      .to.emit(sys.pool, "Withdraw")
      .withArgs(lp.address, lp.address, lp.address, assets, shares);
    expect(assets).to.be.lessThan(exitAhead);
  });
});
