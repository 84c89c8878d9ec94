/**
 * Multi-collateral: the collateral registry (#setCollateral) and the per-account bound (#setMaxCollateralsPerAccount).
 * Set-up: collateralContext.ts and collateralFixtures.ts; after every step the Vault must hold, per token,
 * exactly Σ account balances (+ pool + insurance for the settlement token).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { USDC, WAD, accountIdOf } from "../../shared/fixtures";
import { LOCAL_COLLATERALS, assetKey } from "../../../deploy/config";
import {
  RISK_ADMIN,
  name,
  load,
  collateralFixture,
  mintToken,
  depositToken,
  depositUsdc,
  withdraw,
  listToken,
  expectConservation,
} from "./collateralContext";

describe("Multi-collateral", function () {
  describe("#setCollateral", function () {
    it("lists the local stack's WETH (18 decimals) and WBTC (8 decimals) with their configured parameters", async function () {
      const ctx = await load(collateralFixture);
      const tokens = [await ctx.weth.getAddress(), await ctx.wbtc.getAddress()];
      expect([...(await ctx.vault.collateralTokens())]).to.deep.equal(tokens);
      for (const [i, c] of LOCAL_COLLATERALS.entries()) {
        const config = await ctx.vault.collateralConfig(tokens[i]);
        expect(config.asset).to.equal(assetKey(c.asset));
        expect(config.weight).to.equal(c.weight);
        expect(config.liquidationDiscount).to.equal(c.liquidationDiscount);
        expect(config.depositCap).to.equal(c.depositCap);
        expect(config.decimals).to.equal(BigInt(c.decimals));
        expect(config.index).to.equal(BigInt(i));
      }
      expect(await ctx.vault.maxCollateralsPerAccount()).to.equal(4n);
    });

    it("lists a new token at the next index with the decimals it reports and emits CollateralSet", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Big", "BIG", 24]);
      const address = await token.getAddress();
      await expect(ctx.vault.setCollateral(address, assetKey("ETH"), WAD("0.7"), WAD("0.08"), 123n))
        .to.emit(ctx.vault, "CollateralSet")
        .withArgs(address, [assetKey("ETH"), WAD("0.7"), WAD("0.08"), 123n, 24n, 2n]);
      expect((await ctx.vault.collateralTokens())[2]).to.equal(address);
      expect((await ctx.vault.collateralConfig(address)).decimals).to.equal(24n);
    });

    it("updates a listed token in place, keeping its index and decimals", async function () {
      const ctx = await load(collateralFixture);
      const weth = await ctx.weth.getAddress();
      await expect(ctx.vault.setCollateral(weth, assetKey("ETH"), WAD("0.5"), WAD("0.1"), WAD(5)))
        .to.emit(ctx.vault, "CollateralSet")
        .withArgs(weth, [assetKey("ETH"), WAD("0.5"), WAD("0.1"), WAD(5), 18n, 0n]);
      expect(await ctx.vault.collateralTokens()).to.have.length(2);
    });

    it("accepts a weight of exactly 1 and reverts VaultInvalidCollateralParameter(token, weight, value) for 0 and 1 + 1 wei", async function () {
      const ctx = await load(collateralFixture);
      const weth = await ctx.weth.getAddress();
      const eth = assetKey("ETH");
      for (const weight of [0n, WAD(1) + 1n]) {
        await expect(ctx.vault.setCollateral(weth, eth, weight, WAD("0.05"), 1n))
          .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
          .withArgs(weth, name("weight"), weight);
      }
      await expect(ctx.vault.setCollateral(weth, eth, WAD(1), 0n, 1n)).to.emit(ctx.vault, "CollateralSet");
      await expect(ctx.vault.setCollateral(weth, eth, 1n, WAD("0.05"), 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
    });

    it("accepts a 50% liquidation discount and reverts one wei above it", async function () {
      const ctx = await load(collateralFixture);
      const wbtc = await ctx.wbtc.getAddress();
      const btc = assetKey("BTC");
      // At weight 0.5, weight * (1 + discount) stays <= 1 up to the 50% bound itself.
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.5"), WAD("0.5") + 1n, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(wbtc, name("liquidationDiscount"), WAD("0.5") + 1n);
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.5"), WAD("0.5"), 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.75"), 0n, 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
    });

    it("refuses a discount that would let a collateral liquidation lower the account's equity", async function () {
      const ctx = await load(collateralFixture);
      const wbtc = await ctx.wbtc.getAddress();
      const btc = assetKey("BTC");
      // 0.8 * (1 + 0.25) = 1 is the limit; one wei more of discount is refused.
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.8"), WAD("0.25"), 1n)).to.emit(
        ctx.vault,
        "CollateralSet",
      );
      await expect(ctx.vault.setCollateral(wbtc, btc, WAD("0.8"), WAD("0.25") + 1n, 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(wbtc, name("liquidationDiscount"), WAD("0.25") + 1n);
    });

    it("reverts with VaultInvalidCollateralParameter(token, asset, key) for an asset the oracle has no feed for", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Sol", "SOL", 9]);
      const address = await token.getAddress();
      await expect(ctx.vault.setCollateral(address, assetKey("SOL"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(address, name("asset"), BigInt(assetKey("SOL")));
    });

    it("refuses the settlement token and the zero address as collateral", async function () {
      const ctx = await load(collateralFixture);
      const usdc = await ctx.usdc.getAddress();
      await expect(ctx.vault.setCollateral(usdc, assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(usdc, name("token"), BigInt(usdc));
      await expect(ctx.vault.setCollateral(ethers.ZeroAddress, assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(ethers.ZeroAddress, name("token"), 0n);
    });

    it("refuses a token that reports more than 36 decimals", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Huge", "HUGE", 37]);
      const address = await token.getAddress();
      await expect(ctx.vault.setCollateral(address, assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(address, name("decimals"), 37n);
    });

    it("lists at most 64 tokens and refuses the 65th with VaultInvalidCollateralParameter(token, count, 64)", async function () {
      const ctx = await load(collateralFixture);
      for (let i = 2; i < 64; i++) {
        const token = await ethers.deployContract("MockERC20", [`C${i}`, `C${i}`, 18]);
        await ctx.vault.setCollateral(await token.getAddress(), assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n);
      }
      expect(await ctx.vault.collateralTokens()).to.have.length(64);
      const extra = await ethers.deployContract("MockERC20", ["C64", "C64", 18]);
      await expect(
        ctx.vault.setCollateral(await extra.getAddress(), assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n),
      )
        .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
        .withArgs(await extra.getAddress(), name("count"), 64n);
      // A listed token can still be updated.
      await expect(
        ctx.vault.setCollateral(await ctx.weth.getAddress(), assetKey("ETH"), WAD("0.7"), WAD("0.05"), 1n),
      ).to.emit(ctx.vault, "CollateralSet");
    });

    it("reverts with AccessControlUnauthorizedAccount(caller, RISK_ADMIN) for a caller without the risk admin role", async function () {
      const ctx = await load(collateralFixture);
      expect(RISK_ADMIN).to.equal(ethers.keccak256(ethers.toUtf8Bytes("RISK_ADMIN")));
      await expect(
        ctx.vault
          .connect(ctx.alice)
          .setCollateral(await ctx.weth.getAddress(), assetKey("ETH"), WAD("0.5"), WAD("0.05"), 1n),
      )
        .to.be.revertedWithCustomError(ctx.vault, "AccessControlUnauthorizedAccount")
        .withArgs(ctx.alice.address, RISK_ADMIN);
      await expect(ctx.vault.connect(ctx.alice).setMaxCollateralsPerAccount(8))
        .to.be.revertedWithCustomError(ctx.vault, "AccessControlUnauthorizedAccount")
        .withArgs(ctx.alice.address, RISK_ADMIN);
    });

    it("reads the configuration of an unlisted token as VaultUnsupportedToken(token)", async function () {
      const ctx = await load(collateralFixture);
      const token = await ethers.deployContract("MockERC20", ["Other", "OTH", 18]);
      await expect(ctx.vault.collateralConfig(await token.getAddress()))
        .to.be.revertedWithCustomError(ctx.vault, "VaultUnsupportedToken")
        .withArgs(await token.getAddress());
      await expect(ctx.vault.collateralConfig(await ctx.usdc.getAddress()))
        .to.be.revertedWithCustomError(ctx.vault, "VaultUnsupportedToken")
        .withArgs(await ctx.usdc.getAddress());
    });
  });

  describe("#setMaxCollateralsPerAccount", function () {
    it("accepts 1 to 16, emits MaxCollateralsPerAccountSet and reverts for 0 and 17", async function () {
      const ctx = await load(collateralFixture);
      for (const max of [1, 16]) {
        await expect(ctx.vault.setMaxCollateralsPerAccount(max))
          .to.emit(ctx.vault, "MaxCollateralsPerAccountSet")
          .withArgs(max);
        expect(await ctx.vault.maxCollateralsPerAccount()).to.equal(BigInt(max));
      }
      for (const max of [0, 17]) {
        await expect(ctx.vault.setMaxCollateralsPerAccount(max))
          .to.be.revertedWithCustomError(ctx.vault, "VaultInvalidCollateralParameter")
          .withArgs(ethers.ZeroAddress, name("maxCollateralsPerAccount"), max);
      }
    });

    it("refuses a new token past the bound with VaultTooManyCollaterals(accountId, max), but not more of a held token or USDC", async function () {
      const ctx = await load(collateralFixture);
      const id = accountIdOf(ctx.leo.address);
      await ctx.vault.setMaxCollateralsPerAccount(1);
      await depositToken(ctx, ctx.leo, ctx.weth, WAD(1));
      await mintToken(ctx, ctx.wbtc, ctx.leo, 1n);
      await expect(ctx.vault.connect(ctx.leo).deposit(0, await ctx.wbtc.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultTooManyCollaterals")
        .withArgs(id, 1n);
      await depositToken(ctx, ctx.leo, ctx.weth, 1n);
      await depositUsdc(ctx, ctx.leo, USDC(1));
      await expectConservation(ctx);

      // Emptying WETH frees the slot: the set follows the balances.
      await withdraw(ctx, ctx.leo, ctx.weth, WAD(1) + 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([]);
      await depositToken(ctx, ctx.leo, ctx.wbtc, 1n);
      expect(await ctx.vault.accountCollaterals(id)).to.deep.equal([await ctx.wbtc.getAddress()]);
      // Another subaccount is another account with its own set.
      await depositToken(ctx, ctx.leo, ctx.weth, 1n, 1n);
      await expectConservation(ctx);
    });

    it("lets an account hold exactly the default 4 tokens and refuses a 5th", async function () {
      const ctx = await load(collateralFixture);
      const id = accountIdOf(ctx.leo.address);
      const a = await listToken(ctx, "AAA", 6, 8, 100_000_000n, WAD("0.5"), USDC(1_000));
      const b = await listToken(ctx, "BBB", 24, 18, WAD(2), WAD("0.5"), 10n ** 30n);
      const c = await listToken(ctx, "CCC", 18, 8, 300_000_000n, WAD("0.5"), WAD(1_000));
      for (const token of [ctx.weth, ctx.wbtc, a.token, b.token])
        await depositToken(ctx, ctx.leo, token, 1_000n);
      await mintToken(ctx, c.token, ctx.leo, 1n);
      await expect(ctx.vault.connect(ctx.leo).deposit(0, await c.token.getAddress(), 1n))
        .to.be.revertedWithCustomError(ctx.vault, "VaultTooManyCollaterals")
        .withArgs(id, 4n);
      await expectConservation(ctx);
    });
  });
});
