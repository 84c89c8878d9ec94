/**
 * The hazard matrix, liquidation: self-liquidation, the equity == MM boundary, a blocklisted account, dust positions
 * and the gas of a liquidation at maxPositionsPerAccount. One named test per hazard, each asserting the exact custom
 * error (with its arguments) or the invariant the hazard threatens; expected values come from the references in
 * test/shared/, never from the contract under test. docs/SECURITY.md maps every hazard to its test.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { MockV3Aggregator } from "../../typechain-types";
import {
  ETH,
  POOL_LIQUIDITY,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  mintAndApprove,
  txTime,
  tokenStack,
} from "../shared/fixtures";
import { DEFAULT_MARKETS, LOCAL_FEEDS, assetKey, toMarketParams } from "../../deploy/config";
import * as math from "../shared/math";
import * as ref from "../shared/collateral";
import { KeelModel, localModel } from "../shared/model";
import { MAX, TO_WAD, RISK, ETH_KEY, ETH_MIN, ETH_MAX, at, modelOf, trade, deposit, setEth } from "./shared";

describe("Hazard matrix: liquidation", function () {
  /* LIQUIDATION */

  it("self-liquidation at a fixed price: the owner's accounts together end with less, never more", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
    const dave = sys.signers[5];
    const [main, risky] = [accountIdOf(dave.address, 0n), accountIdOf(dave.address, 1n)];
    await deposit(sys, model, dave, USDC(1_000), 1n);
    await trade(sys, model, dave, ETH, WAD(3), 1n);
    await setEth(sys, model, "2750");
    const t = (await latestTime()) + 1n;
    const expected = model.previewLiquidation(risky, t, RISK);
    expect(expected.before.liquidatable).to.equal(true);
    const total = (m: KeelModel) => m.accountState(main, t).equity + m.accountState(risky, t).equity;
    const before = total(model);

    // The same liquidation by a third party, for comparison.
    const snapshot = await takeSnapshot();
    await at(t, () => sys.clearinghouse.connect(sys.carol).liquidate(risky));
    const byOther =
      (await sys.clearinghouse.accountState(main)).equity +
      (await sys.clearinghouse.accountState(risky)).equity;
    await snapshot.restore();

    const tx = await at(t, () => sys.clearinghouse.connect(dave).liquidate(risky));
    const r = model.liquidate(risky, main, await txTime(tx), RISK);
    expect(r).to.deep.equal(expected);
    await expect(tx)
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(risky, dave.address, r));
    const bySelf =
      (await sys.clearinghouse.accountState(main)).equity +
      (await sys.clearinghouse.accountState(risky)).equity;
    expect(bySelf).to.equal(total(model));
    // The owner keeps the keeper reward, which never exceeds the penalty it pays: no gain at a fixed price.
    expect(r.keeperReward).to.be.at.most(r.penalty);
    expect(bySelf - byOther).to.equal(r.keeperReward * TO_WAD);
    expect(bySelf).to.be.at.most(before);
    expect(before - bySelf).to.be.at.least((r.penalty - r.keeperReward) * TO_WAD);
  });

  it("equity == MM boundary: liquidate refuses at equality with ClearinghouseNotLiquidatable and proceeds one wei of price below", async function () {
    const sys = await loadFixture(fundedFixture);
    // An 18-decimal feed, so the price can move by one wei.
    const feed = await ethers.deployContract("MockV3Aggregator", [18, WAD(3000)]);
    await sys.oracle.setFeed(ETH_KEY, await feed.getAddress(), 86_400, ETH_MIN, ETH_MAX);
    const model = modelOf(sys);
    const dave = sys.signers[5];
    const victim = accountIdOf(dave.address);
    await deposit(sys, model, dave, USDC(400));
    // Opposite positions keep the skew at zero, so no funding moves the threshold between blocks.
    await trade(sys, model, dave, ETH, WAD(1));
    await trade(sys, model, sys.bob, ETH, -WAD(1));
    const gap = (p: bigint) => {
      model.setPrice(0, p);
      const st = model.accountState(victim, 0n);
      return st.equity - st.maintenanceMargin;
    };
    let [lo, hi] = [WAD(1000), WAD(3000)];
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (gap(mid) >= 0n) hi = mid;
      else lo = mid;
    }
    expect(gap(hi)).to.equal(0n); // equity == MM exactly at `hi`
    await feed.updateAnswer(hi);
    model.setPrice(0, hi);
    const s = model.accountState(victim, 0n);
    expect(await sys.clearinghouse.isLiquidatable(victim)).to.equal(false);
    expect((await sys.clearinghouse.previewLiquidation(victim)).liquidatable).to.equal(false);
    await expect(sys.clearinghouse.connect(sys.carol).liquidate(victim))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseNotLiquidatable")
      .withArgs(victim, s.equity, s.maintenanceMargin);
    await feed.updateAnswer(hi - 1n);
    model.setPrice(0, hi - 1n);
    expect(await sys.clearinghouse.isLiquidatable(victim)).to.equal(true);
    const t = (await latestTime()) + 1n;
    const expected = model.previewLiquidation(victim, t, RISK);
    await expect(at(t, () => sys.clearinghouse.connect(sys.carol).liquidate(victim)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(victim, sys.carol.address, expected));
  });

  it("liquidation of a blacklisted account (a mock token with a blocklist) still works: no token moves inside a liquidation", async function () {
    const [, lp, victim, keeper] = await ethers.getSigners();
    const token = await ethers.deployContract("MockBlocklistToken");
    const stack = await tokenStack(await token.getAddress());
    const { vault, clearinghouse, pool, ethFeed } = stack;
    const tokenAddress = await token.getAddress();
    await token.mint(lp.address, POOL_LIQUIDITY);
    await token.connect(lp).approve(await pool.getAddress(), MAX);
    await pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
    await token.mint(victim.address, USDC(1_000));
    await token.connect(victim).approve(await vault.getAddress(), MAX);
    await vault.connect(victim).deposit(0, tokenAddress, USDC(1_000));
    const model = localModel();
    model.pool = POOL_LIQUIDITY;
    const [victimId, keeperId] = [accountIdOf(victim.address), accountIdOf(keeper.address)];
    model.deposit(victimId, USDC(1_000));
    await trade(stack, model, victim, ETH, WAD(3));
    // The issuer blocks both the liquidated account's owner and the keeper.
    await token.setBlocked(victim.address, true);
    await token.setBlocked(keeper.address, true);
    await ethFeed.updateAnswer(ethers.parseUnits("2750", 8));
    model.setPrice(0, WAD(2750));
    const heldBefore = await token.balanceOf(await vault.getAddress());
    const t = (await latestTime()) + 1n;
    const expected = model.previewLiquidation(victimId, t, RISK);
    expect(expected.before.liquidatable).to.equal(true);
    await expect(at(t, () => clearinghouse.connect(keeper).liquidate(victimId)))
      .to.emit(clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(victimId, keeper.address, expected));
    model.liquidate(victimId, keeperId, t, RISK);
    // The reward is a ledger credit to the blocked keeper; the tokens never moved.
    expect(expected.keeperReward).to.be.greaterThan(0n);
    expect(await vault.balanceOf(keeperId, tokenAddress)).to.equal(model.balance(keeperId));
    expect(await vault.balanceOf(victimId, tokenAddress)).to.equal(model.balance(victimId));
    expect(await token.balanceOf(await vault.getAddress())).to.equal(heldBefore);
    // Only the token's own transfers are blocked.
    await expect(vault.connect(keeper).withdraw(0, tokenAddress, 1n))
      .to.be.revertedWithCustomError(token, "MockBlocklisted")
      .withArgs(keeper.address);
  });

  it("dust positions (min notional, forced full close): no position below the minimum survives a trade or a liquidation", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
    const min = DEFAULT_MARKETS[0].minPositionNotional; // 10 USD
    const alice = accountIdOf(sys.alice.address);
    // Opening below the minimum: 0.003 ETH at 3,000 USD is 9 USD.
    await expect(sys.clearinghouse.connect(sys.bob).trade(0, ETH, WAD("0.003"), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePositionBelowMinimum")
      .withArgs(ETH, WAD(9), min);
    // Reducing to a remainder below it.
    await trade(sys, model, sys.alice, ETH, WAD(1));
    await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD("0.997"), 0n))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghousePositionBelowMinimum")
      .withArgs(ETH, WAD(9), min);
    // Exactly the minimum is a position; closing everything is always allowed.
    const exact = math.divCeil(min * math.WAD, model.markets[0].price);
    await trade(sys, model, sys.alice, ETH, exact - WAD(1));
    expect((await sys.lens.positions(alice))[0].size).to.equal(exact);
    await trade(sys, model, sys.alice, ETH, -exact);
    expect(await sys.lens.positions(alice)).to.have.length(0);

    // A liquidation that would leave dust closes everything.
    await trade(sys, model, sys.alice, ETH, WAD(30));
    const params = { ...DEFAULT_MARKETS[0], minPositionNotional: WAD(50_000) };
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(ETH, toMarketParams(params))));
    model.markets[0].params = params;
    await setEth(sys, model, "2750");
    const t = (await latestTime()) + 1n;
    // Without the dust rule the same state would close only part of the position.
    const withoutRule = localModel();
    Object.assign(withoutRule, structuredClone({ ...model }));
    withoutRule.markets[0].params = { ...params, minPositionNotional: 0n };
    expect(withoutRule.previewLiquidation(alice, t, RISK).fraction).to.be.lessThan(WAD(1));
    const expected = model.previewLiquidation(alice, t, RISK);
    expect(expected.fraction).to.equal(WAD(1));
    await expect(at(t, () => sys.clearinghouse.connect(sys.bob).liquidate(alice)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(alice, sys.bob.address, expected));
    expect(await sys.lens.positions(alice)).to.have.length(0);
  });

  it("gas at maxPositionsPerAccount (liquidation fits in 25% of 2^24 gas): 32 positions and 4 collateral tokens, partial and full", async function () {
    const BUDGET = 2n ** 24n / 4n; // 4,194,304
    const sys = await loadFixture(fundedFixture);
    const dave = sys.signers[5];
    const id = accountIdOf(dave.address);
    const max = RISK.maxPositionsPerAccount;
    // Markets 2 .. max-1 on assets of their own, at 100 USD.
    const feeds: MockV3Aggregator[] = [sys.ethFeed, sys.btcFeed];
    const answers = [LOCAL_FEEDS[0].initialAnswer, LOCAL_FEEDS[1].initialAnswer];
    for (let i = 2; i < max; i++) {
      const key = assetKey(`M${i}`);
      const feed = await ethers.deployContract("MockV3Aggregator", [8, 100n * 10n ** 8n]);
      await sys.oracle.setFeed(key, await feed.getAddress(), 86_400, 1n, ref.MAX_UINT128);
      await sys.clearinghouse.addMarket(toMarketParams({ ...DEFAULT_MARKETS[0], symbol: `M${i}` }));
      await sys.clearinghouse.setImmediateTrades(i, true);
      feeds.push(feed);
      answers.push(100n * 10n ** 8n);
    }
    // Four non-settlement collateral tokens held (the per-account bound), each priced by its own feed.
    const tokens = [sys.weth, sys.wbtc];
    for (const symbol of ["X1", "X2"]) {
      const token = await ethers.deployContract("MockERC20", [symbol, symbol, 18]);
      await sys.vault.setCollateral(
        await token.getAddress(),
        assetKey("M2"),
        WAD("0.5"),
        0n,
        ref.MAX_UINT128,
      );
      tokens.push(token);
    }
    for (const token of tokens) {
      await token.mint(dave.address, 10n ** 18n);
      await token.connect(dave).approve(await sys.vault.getAddress(), MAX);
      await sys.vault.connect(dave).deposit(0, await token.getAddress(), 10n ** 6n);
    }
    expect(await sys.vault.accountCollaterals(id)).to.have.length(4);
    await mintAndApprove(sys, dave, USDC(4_000), await sys.vault.getAddress());
    await sys.vault.connect(dave).deposit(0, await sys.usdc.getAddress(), USDC(4_000));
    // 32 longs of about 1,000 USD each: about 8x leverage.
    for (let i = 0; i < max; i++) {
      const price = ref.priceToWad(answers[i], 8);
      await sys.clearinghouse.connect(dave).trade(0, i, (WAD(1_000) * math.WAD) / price, MAX);
    }
    expect(await sys.clearinghouse.positionCount(id)).to.equal(BigInt(max));
    const extra = await sys.clearinghouse.addMarket(toMarketParams({ ...DEFAULT_MARKETS[0], symbol: "M2" }));
    await extra.wait();
    await sys.clearinghouse.setImmediateTrades(max, true);
    await expect(sys.clearinghouse.connect(dave).trade(0, max, WAD(10), MAX))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseTooManyPositions")
      .withArgs(id, BigInt(max), BigInt(max));

    const measure = async (dropPermille: bigint) => {
      for (const [i, feed] of feeds.entries())
        await feed.updateAnswer((answers[i] * (1_000n - dropPermille)) / 1_000n);
      expect(await sys.clearinghouse.isLiquidatable(id)).to.equal(true);
      const preview = await sys.clearinghouse.previewLiquidation(id);
      const receipt = await (
        await sys.clearinghouse.connect(sys.bob).liquidate(id, { gasLimit: 2n ** 24n })
      ).wait();
      return { gas: receipt!.gasUsed, fraction: preview.fraction };
    };
    const snapshot = await takeSnapshot();
    const partial = await measure(100n);
    await snapshot.restore();
    const full = await measure(250n);
    expect(partial.fraction).to.be.lessThan(WAD(1));
    expect(full.fraction).to.equal(WAD(1));
    console.log(
      `      liquidation of ${max} positions + 4 collateral tokens: partial ${partial.gas} gas, full ${full.gas} gas (budget ${BUDGET})`,
    );
    expect(partial.gas).to.be.at.most(BUDGET);
    expect(full.gas).to.be.at.most(BUDGET);
  });
});
