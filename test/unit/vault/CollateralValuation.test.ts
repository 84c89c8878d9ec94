/**
 * Multi-collateral: haircut valuation across token and feed decimals, and its rounding.
 * Set-up: collateralContext.ts and collateralFixtures.ts; after every step the Vault must hold, per token,
 * exactly Σ account balances (+ pool + insurance for the settlement token).
 */
import { expect } from "chai";
import { ETH, WAD, accountIdOf } from "../../shared/fixtures";
import { assetKey } from "../../../deploy/config";
import * as ref from "../../shared/collateral";
import {
  MAX128,
  WETH_CONFIG,
  load,
  collateralFixture,
  mintToken,
  depositToken,
  movePrice,
  listToken,
  setAnswer,
  expectConservation,
} from "./collateralContext";
import { MATRIX_ANSWERS, MATRIX, matrixFixture } from "./collateralFixtures";

describe("Multi-collateral", function () {
  describe("valuation: the decimals matrix", function () {
    for (const [i, c] of MATRIX.entries()) {
      it(`values one whole ${c.decimals}-decimal token priced by a ${c.feedDecimals}-decimal feed at exactly price × weight`, async function () {
        const ctx = await load(matrixFixture);
        const listed = ctx.listed[i];
        const address = await listed.token.getAddress();
        const id = accountIdOf(ctx.leo.address, BigInt(i + 1));
        expect((await ctx.vault.collateralConfig(address)).decimals).to.equal(BigInt(c.decimals));

        const one = 10n ** BigInt(c.decimals);
        await depositToken(ctx, ctx.leo, listed.token, one, BigInt(i + 1));
        const price = ref.priceToWad(MATRIX_ANSWERS[c.feedDecimals], c.feedDecimals);
        const expected = ref.collateralValue(one, c.decimals, price, c.weight);
        // One whole token is worth P · weight in WAD whatever the decimals of the token and of the feed.
        expect(expected).to.equal((price * c.weight) / WAD(1));
        expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
        const state = await ctx.clearinghouse.accountState(id);
        expect(state.collateralValue).to.equal(expected);
        expect(state.equity).to.equal(expected);
        await expectConservation(ctx);
      });
    }

    it("values the whole cap of 2^128 − 1 units at the oracle's highest price without overflow and refuses one unit more", async function () {
      const ctx = await load(matrixFixture);
      for (const [i, listed] of ctx.listed.entries()) {
        const address = await listed.token.getAddress();
        const id = accountIdOf(ctx.leo.address, BigInt(100 + i));
        // The oracle's bound is 2^128 − 1 WAD; an 8-decimal feed gets as close to it as its unit allows.
        const answer = listed.feedDecimals === 18 ? MAX128 : MAX128 / 10n ** 10n;
        await setAnswer(ctx, listed, answer);
        await ctx.vault.setCollateral(address, assetKey(listed.symbol), listed.weight, 0n, MAX128);
        await depositToken(ctx, ctx.leo, listed.token, MAX128, BigInt(100 + i));
        await mintToken(ctx, listed.token, ctx.mia, 1n);
        await expect(ctx.vault.connect(ctx.mia).deposit(0, address, 1n))
          .to.be.revertedWithCustomError(ctx.vault, "VaultDepositCapExceeded")
          .withArgs(address, MAX128 + 1n, MAX128);

        const price = ref.priceToWad(answer, listed.feedDecimals);
        const expected = ref.collateralValue(MAX128, listed.decimals, price, listed.weight);
        expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
        expect((await ctx.clearinghouse.accountState(id)).equity).to.equal(expected);
      }
      await expectConservation(ctx);
    });

    it("sums four tokens held at their caps and the highest price, each rounded down on its own, without overflow", async function () {
      const ctx = await load(matrixFixture);
      const id = accountIdOf(ctx.leo.address, 200n);
      const eighteen = ctx.listed.filter((l) => l.feedDecimals === 18);
      expect(eighteen.map((l) => l.decimals)).to.deep.equal([6, 8, 18, 24]);
      let expected = 0n;
      for (const listed of eighteen) {
        await setAnswer(ctx, listed, MAX128);
        await ctx.vault.setCollateral(
          await listed.token.getAddress(),
          assetKey(listed.symbol),
          listed.weight,
          0n,
          MAX128,
        );
        await depositToken(ctx, ctx.leo, listed.token, MAX128, 200n);
        expected += ref.collateralValue(MAX128, listed.decimals, MAX128, listed.weight);
      }
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
      expect((await ctx.clearinghouse.accountState(id)).collateralValue).to.equal(expected);
      await expectConservation(ctx);
    });
  });

  describe("valuation: haircut rounding", function () {
    it("values 1 wei of an 18-decimal token at 1.2 USD and weight 0.8 at 0 (0.96 rounded down), and 2 wei at 1", async function () {
      const ctx = await load(collateralFixture);
      const low = await listToken(ctx, "LOW", 18, 8, 120_000_000n, WAD("0.8"), WAD(1_000));
      const id = accountIdOf(ctx.leo.address);
      expect(ref.collateralValue(1n, 18, WAD("1.2"), WAD("0.8"))).to.equal(0n);
      expect(ref.collateralValue(2n, 18, WAD("1.2"), WAD("0.8"))).to.equal(1n);

      await depositToken(ctx, ctx.leo, low.token, 1n);
      // The account holds the token (it counts towards the set) but it is worth nothing.
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, 0n, true]);
      expect((await ctx.clearinghouse.accountState(id)).collateralValue).to.equal(0n);
      await depositToken(ctx, ctx.leo, low.token, 1n);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, 1n, true]);
      await expectConservation(ctx);
    });

    it("rounds 1 wei of WETH at 3,012.34567891 USD and weight 0.8 down to 2,409 WAD wei", async function () {
      const ctx = await load(collateralFixture);
      await movePrice(ctx, ETH, "3012.34567891");
      const id = accountIdOf(ctx.leo.address);
      await depositToken(ctx, ctx.leo, ctx.weth, 1n);
      const expected = ref.collateralValue(1n, 18, WAD("3012.34567891"), WETH_CONFIG.weight);
      expect(expected).to.equal(2_409n); // 2,409.876543128 rounded down
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, expected, true]);
      await expectConservation(ctx);
    });

    it("rounds each held token down on its own: the value is the sum of the floors, not the floor of the sum", async function () {
      const ctx = await load(collateralFixture);
      await movePrice(ctx, ETH, "3012.34567891");
      const low = await listToken(ctx, "LOW", 18, 8, 120_000_000n, WAD("0.8"), WAD(1_000));
      const id = accountIdOf(ctx.leo.address);
      await depositToken(ctx, ctx.leo, ctx.weth, 1n);
      await depositToken(ctx, ctx.leo, low.token, 1n);
      // 2,409.876543128 + 0.96 WAD wei: the floors sum to 2,409, the floor of the sum would be 2,410.
      const weth = ref.collateralValue(1n, 18, WAD("3012.34567891"), WETH_CONFIG.weight);
      const lowValue = ref.collateralValue(1n, 18, WAD("1.2"), WAD("0.8"));
      const floorOfSum =
        (WAD("3012.34567891") * WETH_CONFIG.weight + WAD("1.2") * WAD("0.8")) / (WAD(1) * WAD(1));
      expect([weth, lowValue, floorOfSum]).to.deep.equal([2_409n, 0n, 2_410n]);
      expect(await ctx.vault.accountCollateral(id)).to.deep.equal([0n, weth + lowValue, true]);
      expect((await ctx.clearinghouse.accountState(id)).collateralValue).to.equal(2_409n);
      await expectConservation(ctx);
    });
  });
});
