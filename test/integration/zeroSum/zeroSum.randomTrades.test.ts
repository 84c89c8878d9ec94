import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import {
  BTC,
  ETH,
  TRADER_DEPOSIT,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  setPrice,
  txTime,
} from "../../shared/fixtures";
import { localModel } from "../../shared/model";

/**
 * Zero-sum (DESIGN §15.2): after random trades, price moves and funding, closing every position leaves
 * Σ account balances + pool + insurance equal to Σ deposits. Value only moves between ledgers, so the bound is
 * exact at the ledger level; each conversion from WAD to token units rounds against the account (at most one
 * token unit per trade), and that rounding is kept by the pool.
 */
describe("Zero-sum: random trades, price moves and funding, then closing everything", function () {
  const SEEDS = [1, 2, 3];

  for (const seed of SEEDS) {
    it(`conserves every token unit (seed ${seed})`, async function () {
      const sys = await loadFixture(fundedFixture);
      const usdc = await sys.usdc.getAddress();
      const traders = [sys.alice, sys.bob, sys.carol];
      const model = localModel();
      model.pool = await sys.vault.poolBalance();
      for (const t of traders) model.deposit(accountIdOf(t.address), TRADER_DEPOSIT);
      const deposits = model.pool + TRADER_DEPOSIT * 3n;

      const step = fc.record({
        trader: fc.integer({ min: 0, max: 2 }),
        market: fc.integer({ min: 0, max: 1 }),
        // Sizes in 1/1000 units: up to 2 ETH or 0.1 BTC, either side.
        units: fc.integer({ min: -2_000, max: 2_000 }).filter((u) => Math.abs(u) >= 10),
        ethMove: fc.integer({ min: -30, max: 30 }),
        btcMove: fc.integer({ min: -30, max: 30 }),
        wait: fc.integer({ min: 0, max: 6 * 3_600 }),
      });
      const steps = fc.sample(fc.array(step, { minLength: 12, maxLength: 12 }), { seed, numRuns: 1 })[0];
      let ethPrice = 3_000;
      let btcPrice = 60_000;
      for (const s of steps) {
        await time.increase(s.wait);
        ethPrice += s.ethMove;
        btcPrice += s.btcMove * 20;
        await setPrice(sys.ethFeed, ethPrice);
        await setPrice(sys.btcFeed, btcPrice);
        model.setPrice(0, WAD(ethPrice));
        model.setPrice(1, WAD(btcPrice));
        const who = traders[s.trader];
        const delta = (BigInt(s.units) * WAD(1)) / (s.market === 0 ? 1_000n : 20_000n);
        const id = accountIdOf(who.address);
        const pos = model.position(id, s.market);
        const next = pos.size + delta;
        // Skip steps that would leave dust below the minimum notional; everything else must succeed.
        const price = s.market === 0 ? WAD(ethPrice) : WAD(btcPrice);
        if (next !== 0n && ((next < 0n ? -next : next) * price) / WAD(1) < WAD(10)) continue;
        const tx = await sys.clearinghouse
          .connect(who)
          .trade(0, s.market, delta, delta > 0n ? ethers.MaxUint256 : 0n);
        model.trade(id, s.market, delta, await txTime(tx));
      }
      // Close everything.
      for (const who of traders) {
        const id = accountIdOf(who.address);
        for (const market of [ETH, BTC]) {
          const size = model.position(id, Number(market)).size;
          if (size === 0n) continue;
          const tx = await sys.clearinghouse
            .connect(who)
            .trade(0, market, -size, size < 0n ? ethers.MaxUint256 : 0n);
          model.trade(id, Number(market), -size, await txTime(tx));
        }
        expect(await sys.lens.positions(id)).to.have.length(0);
        expect(await sys.vault.balanceOf(id, usdc)).to.equal(model.balance(id));
      }
      let sum = (await sys.vault.poolBalance()) + (await sys.vault.insuranceBalance());
      for (const who of traders) sum += await sys.vault.balanceOf(accountIdOf(who.address), usdc);
      expect(sum).to.equal(deposits);
      expect(await sys.usdc.balanceOf(await sys.vault.getAddress())).to.equal(deposits);
      expect(await sys.vault.totalAccountBalance(usdc)).to.equal(
        sum - (await sys.vault.poolBalance()) - (await sys.vault.insuranceBalance()),
      );
      expect(await sys.vault.poolBalance()).to.equal(model.pool);
      // With every position closed, the pool is worth exactly its ledger.
      expect(await sys.pool.totalAssets()).to.equal(model.poolValue(await latestTime()));
      expect(model.poolValue(await latestTime())).to.equal(model.pool);
    });
  }
});
