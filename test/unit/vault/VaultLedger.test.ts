/**
 * The Vault's ledger: who may move it, its guards, #initialize, and accounting (Σ balances + pool + insurance).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  POOL_LIQUIDITY,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  deployFixture,
  fundedFixture,
  setPrice,
} from "../../shared/fixtures";
import { localModel } from "../../shared/model";
import { accountIdOf } from "../../shared/math";
import { ANY_BUY_PRICE, ANY_SELL_PRICE, blockTime } from "./helpers";

describe("Vault", function () {
  describe("ledger moves", function () {
    it("reverts transferSettlement from anyone but the Clearinghouse with VaultUnauthorizedCaller", async function () {
      const { vault, admin, alice } = await loadFixture(fundedFixture);
      const id = accountIdOf(alice.address);
      for (const caller of [alice, admin]) {
        await expect(vault.connect(caller).transferSettlement(id, 1n, -1n, 0n))
          .to.be.revertedWithCustomError(vault, "VaultUnauthorizedCaller")
          .withArgs(caller.address);
      }
    });

    it("reverts fundPool from anyone but the LiquidityPool with VaultUnauthorizedCaller", async function () {
      const { vault, admin, alice } = await loadFixture(fundedFixture);
      for (const caller of [alice, admin]) {
        await expect(vault.connect(caller).fundPool(caller.address, USDC(1)))
          .to.be.revertedWithCustomError(vault, "VaultUnauthorizedCaller")
          .withArgs(caller.address);
      }
    });

    it("reverts defundPool from anyone but the LiquidityPool with VaultUnauthorizedCaller", async function () {
      const { vault, admin, alice } = await loadFixture(fundedFixture);
      for (const caller of [alice, admin]) {
        await expect(vault.connect(caller).defundPool(caller.address, USDC(1)))
          .to.be.revertedWithCustomError(vault, "VaultUnauthorizedCaller")
          .withArgs(caller.address);
      }
    });
  });

  describe("ledger guards (a Vault wired to plain signers as its Clearinghouse and pool)", function () {
    /** A fresh Vault whose Clearinghouse is signer 8 and pool signer 9, with 1,000 USDC in the pool ledger. */
    async function wiredVaultFixture() {
      const { usdc, oracle, admin, signers } = await deployFixture();
      const vault = await ethers.deployContract("Vault", [
        admin.address,
        await usdc.getAddress(),
        await oracle.getAddress(),
      ]);
      const [ch, lp, alice] = [signers[8], signers[9], signers[2]];
      await vault.initialize(ch.address, lp.address);
      await usdc.mint(await vault.getAddress(), USDC(1_000));
      await vault.connect(lp).fundPool(lp.address, USDC(1_000));
      return { vault, usdc, ch, lp, id: accountIdOf(alice.address) };
    }

    it("refuses a transferSettlement whose deltas do not sum to zero, one unit either way", async function () {
      const { vault, ch, id } = await loadFixture(wiredVaultFixture);
      for (const [account, pool, insurance] of [
        [1n, 0n, 0n],
        [1n, -2n, 0n],
        [0n, 0n, -1n],
      ]) {
        await expect(vault.connect(ch).transferSettlement(id, account, pool, insurance))
          .to.be.revertedWithCustomError(vault, "VaultUnbalancedTransfer")
          .withArgs(account, pool, insurance);
      }
    });

    it("moves pool to insurance without touching an account, and refuses to take either below zero", async function () {
      const { vault, ch, id } = await loadFixture(wiredVaultFixture);
      await vault.connect(ch).transferSettlement(id, 0n, -USDC(400), USDC(400));
      expect(await vault.poolBalance()).to.equal(USDC(600));
      expect(await vault.insuranceBalance()).to.equal(USDC(400));
      expect(await vault.balanceOf(id, await vault.settlementToken())).to.equal(0n);
      // A zero move is a no-op.
      await vault.connect(ch).transferSettlement(id, 0n, 0n, 0n);
      expect([await vault.poolBalance(), await vault.insuranceBalance()]).to.deep.equal([
        USDC(600),
        USDC(400),
      ]);
      // One unit more than the ledger holds, either ledger.
      await expect(vault.connect(ch).transferSettlement(id, USDC(400) + 1n, 0n, -(USDC(400) + 1n)))
        .to.be.revertedWithCustomError(vault, "VaultInsufficientInsuranceBalance")
        .withArgs(USDC(400), USDC(400) + 1n);
      await expect(vault.connect(ch).transferSettlement(id, USDC(600) + 1n, -(USDC(600) + 1n), 0n))
        .to.be.revertedWithCustomError(vault, "VaultInsufficientPoolBalance")
        .withArgs(USDC(600), USDC(600) + 1n);
      // Exactly what they hold is fine.
      await vault.connect(ch).transferSettlement(id, USDC(1_000), -USDC(600), -USDC(400));
      expect([await vault.poolBalance(), await vault.insuranceBalance()]).to.deep.equal([0n, 0n]);
      expect(await vault.balanceOf(id, await vault.settlementToken())).to.equal(USDC(1_000));
    });

    it("refuses a settleLiquidation whose deltas and reward do not sum to zero", async function () {
      const { vault, ch, id } = await loadFixture(wiredVaultFixture);
      const keeper = accountIdOf(ch.address);
      await expect(vault.connect(ch).settleLiquidation(id, -5n, keeper, 3n, 1n, 0n, false))
        .to.be.revertedWithCustomError(vault, "VaultUnbalancedLiquidation")
        .withArgs(-5n, 3n, 1n, 0n);
      await expect(vault.connect(ch).settleLiquidation(id, -5n, keeper, 3n, 2n, 1n, false))
        .to.be.revertedWithCustomError(vault, "VaultUnbalancedLiquidation")
        .withArgs(-5n, 3n, 2n, 1n);
      await vault.connect(ch).settleLiquidation(id, -5n, keeper, 3n, 2n, 0n, false);
      const token = await vault.settlementToken();
      expect(await vault.balanceOf(id, token)).to.equal(-5n);
      expect(await vault.balanceOf(keeper, token)).to.equal(3n);
      expect(await vault.poolBalance()).to.equal(USDC(1_000) + 2n);
    });

    it("refuses a defundPool one unit above the pool ledger and pays exactly the ledger", async function () {
      const { vault, usdc, lp } = await loadFixture(wiredVaultFixture);
      await expect(vault.connect(lp).defundPool(lp.address, USDC(1_000) + 1n))
        .to.be.revertedWithCustomError(vault, "VaultInsufficientPoolBalance")
        .withArgs(USDC(1_000), USDC(1_000) + 1n);
      await expect(vault.connect(lp).defundPool(lp.address, USDC(1_000)))
        .to.emit(vault, "PoolDefunded")
        .withArgs(lp.address, USDC(1_000));
      expect(await usdc.balanceOf(lp.address)).to.equal(USDC(1_000));
      expect(await vault.poolBalance()).to.equal(0n);
    });
  });

  describe("#initialize", function () {
    it("reverts with VaultInvalidInitialization when called a second time", async function () {
      const { vault, clearinghouse, pool, admin } = await loadFixture(deployFixture);
      await expect(
        vault.connect(admin).initialize(await clearinghouse.getAddress(), await pool.getAddress()),
      ).to.be.revertedWithCustomError(vault, "VaultInvalidInitialization");
    });

    it("wires a fresh Vault once, emits Initialized and refuses zero addresses", async function () {
      const { usdc, oracle, admin, signers } = await loadFixture(deployFixture);
      const fresh = await ethers.deployContract("Vault", [
        admin.address,
        await usdc.getAddress(),
        await oracle.getAddress(),
      ]);
      const [ch, lp] = [signers[8].address, signers[9].address];
      await expect(fresh.initialize(ethers.ZeroAddress, lp)).to.be.revertedWithCustomError(
        fresh,
        "VaultInvalidInitialization",
      );
      await expect(fresh.initialize(ch, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        fresh,
        "VaultInvalidInitialization",
      );
      await expect(fresh.initialize(ch, lp)).to.emit(fresh, "Initialized").withArgs(ch, lp);
      expect(await fresh.clearinghouse()).to.equal(ch);
      expect(await fresh.liquidityPool()).to.equal(lp);
    });

    it("reverts with AccessControlUnauthorizedAccount for a caller without the admin role", async function () {
      const { usdc, oracle, admin, signers } = await loadFixture(deployFixture);
      const fresh = await ethers.deployContract("Vault", [
        admin.address,
        await usdc.getAddress(),
        await oracle.getAddress(),
      ]);
      const stranger = signers[5];
      await expect(fresh.connect(stranger).initialize(signers[8].address, signers[9].address))
        .to.be.revertedWithCustomError(fresh, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, ethers.ZeroHash);
    });
  });

  describe("accounting", function () {
    it("keeps totalAccountBalance equal to the sum of account balances through deposits and withdrawals", async function () {
      const { vault, usdc, alice, bob, carol } = await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      expect(await vault.totalAccountBalance(token)).to.equal(3n * TRADER_DEPOSIT);

      await vault.connect(alice).deposit(1, token, USDC(500));
      await vault.connect(bob).depositFor(accountIdOf(carol.address, 2n), token, USDC("0.000001"));
      await vault.connect(carol).withdraw(0, token, USDC(4_000));
      expect(await vault.totalAccountBalance(token)).to.equal(
        3n * TRADER_DEPOSIT + USDC(500) + USDC("0.000001") - USDC(4_000),
      );
    });

    it("holds exactly Σ account balances + pool + insurance after deposits, trades and withdrawals", async function () {
      const { vault, usdc, clearinghouse, ethFeed, btcFeed, alice, bob, carol } =
        await loadFixture(fundedFixture);
      const token = await usdc.getAddress();
      const [a0, a1, b0, c0] = [
        accountIdOf(alice.address),
        accountIdOf(alice.address, 1n),
        accountIdOf(bob.address),
        accountIdOf(carol.address),
      ];
      const accounts = [a0, a1, b0, c0];
      const book = localModel({ pool: POOL_LIQUIDITY });
      for (const id of [a0, b0, c0]) book.deposit(id, TRADER_DEPOSIT);
      let tokensIn = POOL_LIQUIDITY + 3n * TRADER_DEPOSIT;

      const check = async () => {
        const balances = await Promise.all(accounts.map((id) => vault.balanceOf(id, token)));
        for (const [i, id] of accounts.entries()) expect(balances[i]).to.equal(book.balance(id));
        const sum = balances.reduce((s, b) => s + b, 0n);
        expect(await vault.totalAccountBalance(token)).to.equal(sum);
        expect(await vault.poolBalance()).to.equal(book.pool);
        expect(await vault.insuranceBalance()).to.equal(book.insurance);
        expect(await usdc.balanceOf(await vault.getAddress())).to.equal(tokensIn);
        expect(tokensIn).to.equal(sum + book.pool + book.insurance);
      };
      const trade = async (who: typeof alice, sub: number, market: bigint, delta: bigint) => {
        const tx = await clearinghouse
          .connect(who)
          .trade(sub, market, delta, delta > 0n ? ANY_BUY_PRICE : ANY_SELL_PRICE);
        book.trade(accountIdOf(who.address, BigInt(sub)), Number(market), delta, await blockTime(tx));
      };

      await vault.connect(alice).deposit(1, token, USDC(3_000));
      book.deposit(a1, USDC(3_000));
      tokensIn += USDC(3_000);
      await check();

      await trade(alice, 0, 0n, WAD(5));
      await trade(bob, 0, 1n, -WAD("0.3"));
      await trade(alice, 1, 1n, WAD("0.1"));
      await check();

      // Prices move: the ETH long loses, the BTC short wins.
      await setPrice(ethFeed, 2_950);
      book.setPrice(0, WAD(2_950));
      await setPrice(btcFeed, 59_000);
      book.setPrice(1, WAD(59_000));

      await trade(alice, 0, 0n, -WAD(2)); // partial close at a loss
      await trade(bob, 0, 1n, WAD("0.3")); // full close at a profit
      await trade(carol, 0, 0n, -WAD(1));
      await check();

      await vault.connect(bob).withdraw(0, token, book.balance(b0));
      tokensIn -= book.balance(b0);
      book.withdraw(b0, book.balance(b0));
      await vault.connect(carol).withdraw(0, token, USDC(2_500));
      tokensIn -= USDC(2_500);
      book.withdraw(c0, USDC(2_500));
      await check();
    });
  });
});
