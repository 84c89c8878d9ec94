/**
 * Liveness (issue 13, item 3): nobody is paid to liquidate the accounts that create bad debt.
 *
 * Set-up: Alice (and Bob) hold 30 (31) ETH long on $10,000 each; ETH gaps from $3,000 to $2,600, past every keeper:
 * their equity is below zero and every block they stay open their loss grows and lands on the insurance fund and LPs.
 *
 * Before the fix (commit "Attack test (red)", measured): the keeper's reward is capped at the penalty, which is capped
 * at what the account has left, so liquidating Alice (equity about -$2,050) pays the keeper exactly $0; `minKeeperReward`
 * ($1) means nothing exactly where liquidations matter most, and a rational keeper leaves the account open.
 *
 * After the fix: every liquidation pays at least `minKeeperReward`: the account pays the penalty (raised to the reward
 * when smaller) from what it has; what it cannot pay comes from the insurance fund, else the pool. The owner's own
 * wallet gets no subsidy. The attacker's side: a trader opening the smallest position with the least margin, letting
 * it go under water and liquidating it from a second wallet, loses its whole margin ($1.21) to collect $1: the
 * subsidy is at most `minKeeperReward`, no more than the initial margin of the minimum position (DESIGN §10.4).
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { USDC, WAD, accountIdOf, fundedFixture, mintAndApprove, txTime } from "../shared/fixtures";
import { DEFAULT_MARKETS } from "../../deploy/config";
import {
  RISK,
  expectLedgers,
  liquidate,
  movePrice,
  nextLiquidation,
  trade,
  withModel,
} from "../integration/liquidation/shared";
import * as math from "../shared/math";

async function underwater() {
  const sys = await loadFixture(fundedFixture);
  const model = withModel(sys);
  await trade(sys, model, sys.alice, 0, WAD(30));
  await trade(sys, model, sys.bob, 0, WAD(31));
  await movePrice(sys, model, 0, 2_600);
  return { sys, model, alice: accountIdOf(sys.alice.address), bob: accountIdOf(sys.bob.address) };
}

describe("Attack: nobody is paid to liquidate the accounts that create bad debt", function () {
  it("pays the keeper of an account under water minKeeperReward, from the insurance fund", async function () {
    const { sys, model, alice } = await underwater();
    await mintAndApprove(sys, sys.carol, USDC(5_000), await sys.vault.getAddress());
    await sys.vault.connect(sys.carol).fundInsurance(USDC(5_000));
    model.insurance += USDC(5_000);
    const insuranceBefore = model.insurance;
    const { r } = await liquidate(sys, model, sys.carol, alice);
    expect(r.before.equity).to.be.lessThan(0n);
    expect(r.penalty).to.equal(0n);
    expect(r.keeperReward).to.equal(RISK.minKeeperReward);
    expect(r.subsidyInsurance).to.equal(RISK.minKeeperReward);
    // The fund paid the keeper, then the bad debt.
    expect(insuranceBefore - model.insurance).to.equal(RISK.minKeeperReward + r.insuranceDraw);
  });

  it("takes the subsidy from the pool once the insurance fund is empty", async function () {
    const { sys, model, alice, bob } = await underwater();
    // Alice's bad debt drains the fund (it only holds its share of the trading fees).
    const first = await liquidate(sys, model, sys.carol, alice);
    expect(first.r.poolWriteOff).to.be.greaterThan(0n);
    expect(model.insurance).to.equal(0n);
    const poolBefore = model.pool;
    const { r } = await liquidate(sys, model, sys.carol, bob);
    expect(r.keeperReward).to.equal(RISK.minKeeperReward);
    expect(r.subsidyPool).to.equal(RISK.minKeeperReward);
    // The pool received Bob's realized loss, paid the keeper's subsidy, then wrote off what the fund could not pay.
    const loss = -math.divFloor(
      r.legs.reduce((sum, l) => sum + l.realizedPnl - l.fundingOwed, 0n),
      10n ** 12n,
    );
    expect(model.pool - poolBefore).to.equal(loss - RISK.minKeeperReward - r.poolWriteOff);
  });

  it("pays no subsidy when the owner liquidates its own account", async function () {
    const { sys, model, alice } = await underwater();
    const tx = await sys.clearinghouse.connect(sys.alice).liquidate(alice);
    const r = model.liquidate(alice, alice, await txTime(tx), RISK, { selfLiquidation: true });
    expect(r.keeperReward).to.equal(0n);
    await expect(tx)
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(alice, sys.alice.address, r));
    await expectLedgers(sys, model, [alice]);
  });

  it("farming it from a second wallet loses the attacker more margin than it collects", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = withModel(sys);
    const [attacker, farm] = [sys.signers[5], sys.signers[6]];
    const [victim, keeper] = [accountIdOf(attacker.address), accountIdOf(farm.address)];
    // The smallest position with the least margin the initial-margin check accepts.
    const size = WAD("0.004"); // $12 at $3,000 (min $10)
    const deposit = USDC("1.21");
    expect(size * 3_000n).to.be.at.least(DEFAULT_MARKETS[0].minPositionNotional);
    await mintAndApprove(sys, attacker, deposit, await sys.vault.getAddress());
    await sys.vault.connect(attacker).deposit(0, await sys.usdc.getAddress(), deposit);
    model.deposit(victim, deposit);
    await trade(sys, model, attacker, 0, size);
    // 1. The price gaps past every other keeper: the attacker's account is under water.
    await movePrice(sys, model, 0, 2_690);
    const next = await nextLiquidation(model, victim);
    expect(next.before.equity).to.be.at.most(0n);
    // 2. The attacker's second wallet liquidates it and collects the floor.
    const { r } = await liquidate(sys, model, farm, victim);
    expect(r.keeperReward).to.equal(RISK.minKeeperReward);
    // 3. The attacker's result: the keeper wallet's reward against the margin it lost.
    const profit = model.balance(keeper) + model.balance(victim) - deposit;
    expect(profit).to.be.lessThan(0n);
    expect(profit).to.equal(RISK.minKeeperReward - deposit);
  });
});
