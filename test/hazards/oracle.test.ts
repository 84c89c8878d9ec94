/**
 * The hazard matrix, oracle and valuation: a broken price feed (stale, zero, negative, future, out of bounds), the
 * L2 sequencer and its grace period, and the valuation of collateral across feed and token decimals. One named test
 * per hazard, each asserting the exact custom error (with its arguments) or the invariant the hazard threatens;
 * expected values come from the references in test/shared/, never from the contract under test. docs/SECURITY.md
 * maps every hazard to its test.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  BTC,
  ETH,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  tokenStack,
} from "../shared/fixtures";
import { LOCAL_FEEDS, assetKey } from "../../deploy/config";
import * as ref from "../shared/collateral";
import { MAX, ETH_KEY, HEARTBEAT, ETH_MIN, ETH_MAX, at, modelOf, trade } from "./shared";

/**
 * The oracle gate fixture: Alice is long 5 ETH, Bob short 0.1 BTC (no ETH exposure), Carol flat. Every priced action
 * that touches ETH must stop on a broken ETH feed; Bob's and Carol's must not.
 */
async function gateFixture() {
  const sys = await fundedFixture();
  const model = modelOf(sys);
  await trade(sys, model, sys.alice, ETH, WAD(5));
  await trade(sys, model, sys.bob, BTC, -WAD("0.1"));
  const [, lp] = sys.signers;
  return { ...sys, model, lp };
}

/**
 * Posts a broken ETH answer with `post`, then checks every ETH-priced action and view reverts with `error(t)` (the
 * oracle's error for a block at `t`), and that actions that read no ETH price still work.
 */
async function expectEthGate(
  sys: Awaited<ReturnType<typeof gateFixture>>,
  post: () => Promise<unknown>,
  error: (t: bigint) => [string, unknown[]],
) {
  await post();
  const { clearinghouse, vault, pool, oracle, alice, bob, carol, lp } = sys;
  const usdc = await sys.usdc.getAddress();
  const aliceId = accountIdOf(alice.address);
  const gated: [string, () => Promise<ContractTransactionResponse>][] = [
    ["increasing trade", () => clearinghouse.connect(alice).trade(0, ETH, WAD(1), MAX)],
    ["reducing trade", () => clearinghouse.connect(alice).trade(0, ETH, -WAD(1), 0n)],
    ["new ETH trade", () => clearinghouse.connect(carol).trade(0, ETH, WAD(1), MAX)],
    ["withdrawal against a position", () => vault.connect(alice).withdraw(0, usdc, USDC(1))],
    ["liquidation", () => clearinghouse.connect(bob).liquidate(aliceId)],
    ["LP deposit", () => pool.connect(lp).deposit(USDC(1), lp.address)],
  ];
  for (const [what, send] of gated) {
    const t = (await latestTime()) + 1n;
    const [name, args] = error(t);
    await expect(at(t, send), what)
      .to.be.revertedWithCustomError(oracle, name)
      .withArgs(...args);
  }
  // Views: evaluated at the latest block.
  const [name, args] = error(await latestTime());
  for (const [what, call] of [
    ["accountState", () => clearinghouse.accountState(aliceId)],
    ["isLiquidatable", () => clearinghouse.isLiquidatable(aliceId)],
    ["previewLiquidation", () => clearinghouse.previewLiquidation(aliceId)],
    ["market", () => sys.lens.market(ETH)],
    ["pool totalAssets", () => pool.totalAssets()],
  ] as const) {
    await expect((call as () => Promise<unknown>)(), what)
      .to.be.revertedWithCustomError(oracle, name)
      .withArgs(...args);
  }
  // Not exposed to ETH: Bob still trades BTC, Carol withdraws everything.
  await expect(clearinghouse.connect(bob).trade(0, BTC, WAD("0.05"), MAX)).to.emit(
    clearinghouse,
    "TradeExecuted",
  );
  await expect(vault.connect(carol).withdraw(0, usdc, TRADER_DEPOSIT)).to.emit(vault, "Withdrawn");
}

describe("Hazard matrix: oracle and valuation", function () {
  /* ORACLE */

  it("stale price: every ETH-priced action and view reverts with OracleStalePrice one second past the heartbeat", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    const updatedAt = (await latestTime()) + 1n;
    await at(updatedAt, () => sys.ethFeed.updateAnswer(LOCAL_FEEDS[0].initialAnswer));
    // Exactly one heartbeat old is still fresh; one second later it is stale.
    await expect(
      at(updatedAt + HEARTBEAT, () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)),
    ).to.emit(sys.clearinghouse, "TradeExecuted");
    await expectEthGate(
      sys,
      // BTC keeps its heartbeat: only ETH goes stale.
      () => sys.btcFeed.updateAnswer(LOCAL_FEEDS[1].initialAnswer),
      (t) => ["OracleStalePrice", [ETH_KEY, feed, updatedAt, HEARTBEAT, t]],
    );
  });

  it("zero price: every ETH-priced action and view reverts with OracleNonPositivePrice(asset, feed, 0)", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateAnswer(0),
      () => ["OracleNonPositivePrice", [ETH_KEY, feed, 0n]],
    );
  });

  it("negative price: every ETH-priced action and view reverts with OracleNonPositivePrice(asset, feed, answer)", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateAnswer(-1n),
      () => ["OracleNonPositivePrice", [ETH_KEY, feed, -1n]],
    );
  });

  it("future price: an answer stamped after the block (or at 0) reverts with OracleInvalidTimestamp", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    const future = (await latestTime()) + 10_000n;
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateRoundData(9, LOCAL_FEEDS[0].initialAnswer, future, future),
      (t) => ["OracleInvalidTimestamp", [ETH_KEY, feed, future, t]],
    );
    const again = await loadFixture(gateFixture);
    await expectEthGate(
      again,
      () => again.ethFeed.updateRoundData(9, LOCAL_FEEDS[0].initialAnswer, 0n, 0n),
      (t) => ["OracleInvalidTimestamp", [ETH_KEY, feed, 0n, t]],
    );
  });

  it("out-of-bounds price: one unit of the feed above maxPrice or below minPrice reverts with OraclePriceOutOfBounds", async function () {
    const sys = await loadFixture(gateFixture);
    const feed = await sys.ethFeed.getAddress();
    const above = ETH_MAX / 10n ** 10n + 1n; // 8-decimal answer
    await expectEthGate(
      sys,
      () => sys.ethFeed.updateAnswer(above),
      () => ["OraclePriceOutOfBounds", [ETH_KEY, feed, ref.priceToWad(above, 8), ETH_MIN, ETH_MAX]],
    );
    const again = await loadFixture(gateFixture);
    const below = ETH_MIN / 10n ** 10n - 1n;
    await expectEthGate(
      again,
      () => again.ethFeed.updateAnswer(below),
      () => ["OraclePriceOutOfBounds", [ETH_KEY, feed, ref.priceToWad(below, 8), ETH_MIN, ETH_MAX]],
    );
  });

  /** A sequencer uptime feed (0 decimals, as Chainlink's) on the local stack's oracle, with a one-hour grace period. */
  async function sequencerFixture() {
    const sys = await gateFixture();
    const sequencer = await ethers.deployContract("MockV3Aggregator", [0, 0]);
    const upSince = (await latestTime()) - 2n * 86_400n;
    await sequencer.updateRoundData(1, 0, upSince, upSince);
    await sys.oracle.setSequencerUptimeFeed(await sequencer.getAddress(), 3_600);
    return { ...sys, sequencer };
  }

  it("sequencer down: every priced action and view reverts with OracleSequencerDown, unpriced ones still work", async function () {
    const sys = await loadFixture(sequencerFixture);
    const seq = await sys.sequencer.getAddress();
    const now = await latestTime();
    await sys.sequencer.updateRoundData(2, 1, now, now);
    const { clearinghouse, vault, oracle, alice, bob, carol } = sys;
    const usdc = await sys.usdc.getAddress();
    for (const send of [
      () => clearinghouse.connect(alice).trade(0, ETH, -WAD(1), 0n),
      () => clearinghouse.connect(bob).trade(0, BTC, WAD("0.05"), MAX),
      () => vault.connect(alice).withdraw(0, usdc, USDC(1)),
      () => clearinghouse.connect(carol).liquidate(accountIdOf(alice.address)),
    ]) {
      await expect(send()).to.be.revertedWithCustomError(oracle, "OracleSequencerDown").withArgs(seq, 1n);
    }
    await expect(clearinghouse.accountState(accountIdOf(alice.address)))
      .to.be.revertedWithCustomError(oracle, "OracleSequencerDown")
      .withArgs(seq, 1n);
    // Owing nothing, Carol needs no price: deposits and full withdrawals work while the sequencer is down.
    await expect(vault.connect(carol).withdraw(0, usdc, TRADER_DEPOSIT)).to.emit(vault, "Withdrawn");
    await expect(vault.connect(carol).deposit(0, usdc, USDC(5))).to.emit(vault, "Deposited");
  });

  it("inside the grace period: prices are refused until more than gracePeriod seconds after the sequencer came back", async function () {
    const sys = await loadFixture(sequencerFixture);
    const seq = await sys.sequencer.getAddress();
    const upAt = (await latestTime()) + 1n;
    await at(upAt, () => sys.sequencer.updateRoundData(3, 0, upAt, upAt));
    const lastSecond = upAt + 3_600n;
    await expect(at(lastSecond, () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)))
      .to.be.revertedWithCustomError(sys.oracle, "OracleSequencerGracePeriod")
      .withArgs(seq, upAt, 3_600n, lastSecond);
    await expect(
      at(lastSecond + 1n, () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(1), 0n)),
    ).to.emit(sys.clearinghouse, "TradeExecuted");
  });

  /* VALUATION */

  it("feed and token decimals matrix: one whole token of 6, 8, 18 or 24 decimals on an 8- or 18-decimal feed is worth exactly price × weight", async function () {
    const sys = await loadFixture(fundedFixture);
    const owner = sys.signers[9];
    const answers: Record<number, bigint> = {
      8: 234_567_890_123n, // 2,345.67890123 USD
      18: 2_345_678_901_234_567_891_234n, // 2,345.678901234567891234 USD
    };
    let sub = 0n;
    for (const decimals of [6, 8, 18, 24]) {
      for (const feedDecimals of [8, 18]) {
        const symbol = `D${decimals}F${feedDecimals}`;
        const weight = WAD("0.75");
        const token = await ethers.deployContract("MockERC20", [symbol, symbol, decimals]);
        const feed = await ethers.deployContract("MockV3Aggregator", [feedDecimals, answers[feedDecimals]]);
        await sys.oracle.setFeed(assetKey(symbol), await feed.getAddress(), 86_400, 1n, ref.MAX_UINT128);
        await sys.vault.setCollateral(
          await token.getAddress(),
          assetKey(symbol),
          weight,
          0n,
          ref.MAX_UINT128,
        );
        const one = 10n ** BigInt(decimals);
        await token.mint(owner.address, one + 1n);
        await token.connect(owner).approve(await sys.vault.getAddress(), MAX);
        const id = accountIdOf(owner.address, sub);
        await sys.vault.connect(owner).deposit(sub, await token.getAddress(), one);
        const price = ref.priceToWad(answers[feedDecimals], feedDecimals);
        const expected = ref.collateralValue(one, decimals, price, weight);
        expect(expected, symbol).to.equal((price * weight) / WAD(1)); // one whole token: exactly price × weight
        expect((await sys.clearinghouse.accountState(id)).collateralValue, symbol).to.equal(expected);
        // One more base unit adds its own value, rounded down on the whole holding.
        await sys.vault.connect(owner).deposit(sub, await token.getAddress(), 1n);
        expect((await sys.clearinghouse.accountState(id)).collateralValue, `${symbol} + 1 unit`).to.equal(
          ref.collateralValue(one + 1n, decimals, price, weight),
        );
        // Token amounts never round: the whole holding comes back.
        await expect(
          sys.vault.connect(owner).withdraw(sub, await token.getAddress(), one + 1n),
        ).to.changeTokenBalance(token, owner, one + 1n);
        sub++;
      }
    }
    // The settlement token: 6 and 18 decimals are taken at par; more than 18 is refused at construction.
    for (const decimals of [6, 18]) {
      const token = await ethers.deployContract("MockERC20", ["S", "S", decimals]);
      const stack = await tokenStack(await token.getAddress());
      await token.mint(owner.address, 10n ** BigInt(decimals));
      await token.connect(owner).approve(await stack.vault.getAddress(), MAX);
      await stack.vault.connect(owner).deposit(0, await token.getAddress(), 10n ** BigInt(decimals));
      expect((await stack.clearinghouse.accountState(accountIdOf(owner.address))).collateralValue).to.equal(
        WAD(1),
      );
    }
    const wide = await ethers.deployContract("MockERC20", ["W", "W", 19]);
    await expect(
      ethers.deployContract("Vault", [
        sys.admin.address,
        await wide.getAddress(),
        await sys.oracle.getAddress(),
      ]),
    )
      .to.be.revertedWithCustomError(sys.vault, "VaultInvalidCollateralParameter")
      .withArgs(await wide.getAddress(), ethers.encodeBytes32String("decimals"), 19n);
  });
});
