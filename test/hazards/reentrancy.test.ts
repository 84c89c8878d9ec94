/**
 * The hazard matrix, re-entrancy: a token whose transfer hooks re-enter, a price feed that calls back, and every
 * guarded entry point of the Vault and the pool. One named test per hazard, each asserting the exact custom error
 * (with its arguments) or the invariant the hazard threatens; expected values come from the references in
 * test/shared/, never from the contract under test. docs/SECURITY.md maps every hazard to its test.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";
import { ETH, POOL_LIQUIDITY, USDC, WAD, accountIdOf, fundedFixture, tokenStack } from "../shared/fixtures";
import { MAX, ETH_KEY, ETH_MIN, ETH_MAX } from "./shared";

describe("Hazard matrix: re-entrancy", function () {
  /* RE-ENTRANCY */

  it("a token with transfer hooks that re-enters withdraw, trade, liquidate reverts and nothing is lost", async function () {
    const [, lp, victim] = await ethers.getSigners();
    const token = await ethers.deployContract("MockHookToken", [6]);
    const tokenAddress = await token.getAddress();
    const stack = await tokenStack(tokenAddress);
    const { vault, clearinghouse, pool, ethFeed } = stack;
    const [vaultAddress, chAddress] = [await vault.getAddress(), await clearinghouse.getAddress()];
    await token.mint(lp.address, POOL_LIQUIDITY);
    await token.connect(lp).approve(await pool.getAddress(), MAX);
    await pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
    // A victim to liquidate later.
    await token.mint(victim.address, USDC(1_000));
    await token.connect(victim).approve(vaultAddress, MAX);
    await vault.connect(victim).deposit(0, tokenAddress, USDC(1_000));
    await clearinghouse.connect(victim).trade(0, ETH, WAD(3), MAX);
    // The attacker: a contract with an account of its own, called back on every transfer of the token.
    const attacker = await ethers.deployContract("ReentrancyAttacker");
    const attackerAddress = await attacker.getAddress();
    const attackerId = accountIdOf(attackerAddress);
    const victimId = accountIdOf(victim.address);
    await token.mint(attackerAddress, USDC(100_000));
    await attacker.execute(tokenAddress, token.interface.encodeFunctionData("approve", [vaultAddress, MAX]));
    await attacker.execute(
      vaultAddress,
      vault.interface.encodeFunctionData("deposit", [0, tokenAddress, USDC(50_000)]),
    );
    await token.setHook(attackerAddress);

    const withdrawCall = vault.interface.encodeFunctionData("withdraw", [0, tokenAddress, USDC(1_000)]);
    const depositCall = vault.interface.encodeFunctionData("deposit", [0, tokenAddress, USDC(1_000)]);
    const tradeCall = clearinghouse.interface.encodeFunctionData("trade", [0, ETH, WAD(1), MAX]);
    const liquidateCall = clearinghouse.interface.encodeFunctionData("liquidate", [victimId]);
    const state = async () => ({
      held: await token.balanceOf(vaultAddress),
      wallet: await token.balanceOf(attackerAddress),
      attacker: await vault.balanceOf(attackerId, tokenAddress),
      victim: await vault.balanceOf(victimId, tokenAddress),
      pool: await vault.poolBalance(),
      insurance: await vault.insuranceBalance(),
      attackerPositions: (await stack.lens.positions(attackerId)).length,
      victimPositions: (await stack.lens.positions(victimId)).map((p) => p.size),
    });

    // Unarmed, the hook runs on every transfer and changes nothing: withdraw and deposit work.
    await attacker.execute(vaultAddress, withdrawCall);
    await attacker.execute(vaultAddress, depositCall);
    // Each re-entrant call works on its own, outside a transfer (the trade is undone at once).
    await attacker.execute(chAddress, tradeCall);
    await attacker.execute(
      chAddress,
      clearinghouse.interface.encodeFunctionData("trade", [0, ETH, -WAD(1), 0n]),
    );

    await ethFeed.updateAnswer(ethers.parseUnits("2750", 8)); // the victim is now liquidatable
    expect(await clearinghouse.isLiquidatable(victimId)).to.equal(true);
    for (const [what, target, payload] of [
      ["withdraw", vaultAddress, withdrawCall],
      ["trade", chAddress, tradeCall],
      ["liquidate", chAddress, liquidateCall],
    ] as const) {
      // Re-entering from inside a withdrawal's transfer out, and from inside a deposit's transfer in.
      for (const outer of [withdrawCall, depositCall]) {
        const before = await state();
        await attacker.arm(target, payload);
        await expect(attacker.execute(vaultAddress, outer), what).to.be.revertedWithCustomError(
          vault,
          "ReentrancyGuardReentrantCall",
        );
        expect(await state(), `${what}: nothing moved`).to.deep.equal(before);
      }
    }
    expect(await attacker.reentries()).to.equal(0n); // every armed attempt was rolled back with its transaction
    // The victim is still there to be liquidated the normal way.
    await expect(clearinghouse.connect(lp).liquidate(victimId)).to.emit(clearinghouse, "Liquidated");
  });

  it("a price feed that calls back into the Clearinghouse cannot re-enter trade or liquidate", async function () {
    const sys = await loadFixture(fundedFixture);
    const { clearinghouse } = sys;
    const feed = await ethers.deployContract("MockReentrantFeed", [ethers.parseUnits("3000", 8)]);
    await sys.oracle.setFeed(ETH_KEY, await feed.getAddress(), 86_400, ETH_MIN, ETH_MAX);
    const chAddress = await clearinghouse.getAddress();
    const alice = accountIdOf(sys.alice.address);
    await clearinghouse.connect(sys.alice).trade(0, ETH, WAD(30), MAX);
    const calls = [
      clearinghouse.interface.encodeFunctionData("trade", [0, ETH, WAD(1), MAX]),
      clearinghouse.interface.encodeFunctionData("liquidate", [alice]),
    ];
    const positions = async () => (await sys.lens.positions(alice)).map((p) => p.size);
    // Armed, the feed's read inside a trade calls back into the Clearinghouse: the guard refuses it.
    for (const payload of calls) {
      await feed.arm(chAddress, payload);
      await expect(clearinghouse.connect(sys.bob).trade(0, ETH, WAD(1), MAX)).to.be.revertedWithCustomError(
        clearinghouse,
        "ReentrancyGuardReentrantCall",
      );
    }
    await feed.arm(ethers.ZeroAddress, "0x");
    await feed.setAnswer(ethers.parseUnits("2750", 8));
    expect(await clearinghouse.isLiquidatable(alice)).to.equal(true);
    // The same inside a liquidation, and nothing moves.
    for (const payload of calls) {
      await feed.arm(chAddress, payload);
      await expect(clearinghouse.connect(sys.bob).liquidate(alice)).to.be.revertedWithCustomError(
        clearinghouse,
        "ReentrancyGuardReentrantCall",
      );
      await feed.arm(ethers.ZeroAddress, "0x");
      expect(await positions()).to.deep.equal([WAD(30)]);
    }
    // Disarmed, both go through.
    await expect(clearinghouse.connect(sys.bob).liquidate(alice)).to.emit(clearinghouse, "Liquidated");
    await expect(clearinghouse.connect(sys.bob).trade(0, ETH, WAD(1), MAX)).to.emit(
      clearinghouse,
      "TradeExecuted",
    );
  });

  it("every re-entrancy-guarded entry point of the Vault and the pool refuses a call from inside a token transfer", async function () {
    const [, lp] = await ethers.getSigners();
    const token = await ethers.deployContract("MockHookToken", [6]);
    const tokenAddress = await token.getAddress();
    const { vault, pool } = await tokenStack(tokenAddress);
    const [vaultAddress, poolAddress] = [await vault.getAddress(), await pool.getAddress()];
    await token.mint(lp.address, POOL_LIQUIDITY);
    await token.connect(lp).approve(poolAddress, MAX);
    await pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
    const attacker = await ethers.deployContract("ReentrancyAttacker");
    const attackerAddress = await attacker.getAddress();
    const attackerId = accountIdOf(attackerAddress);
    await token.mint(attackerAddress, USDC(100_000));
    for (const spender of [vaultAddress, poolAddress]) {
      await attacker.execute(tokenAddress, token.interface.encodeFunctionData("approve", [spender, MAX]));
    }
    await attacker.execute(
      vaultAddress,
      vault.interface.encodeFunctionData("deposit", [0, tokenAddress, USDC(1_000)]),
    );
    await attacker.execute(
      poolAddress,
      pool.interface.encodeFunctionData("deposit", [USDC(1_000), attackerAddress]),
    );
    await token.setHook(attackerAddress);

    const v = (fn: string, args: unknown[]) =>
      [vaultAddress, (vault.interface as Interface).encodeFunctionData(fn, args)] as const;
    const p = (fn: string, args: unknown[]) =>
      [poolAddress, (pool.interface as Interface).encodeFunctionData(fn, args)] as const;
    const vaultCalls = {
      deposit: v("deposit", [0, tokenAddress, USDC(1)]),
      depositFor: v("depositFor", [attackerId, tokenAddress, USDC(1)]),
      withdraw: v("withdraw", [0, tokenAddress, USDC(1)]),
      fundInsurance: v("fundInsurance", [USDC(1)]),
      liquidateCollateral: v("liquidateCollateral", [attackerId, tokenAddress, USDC(1)]),
      settleBadDebt: v("settleBadDebt", [attackerId]),
      transferSettlement: v("transferSettlement", [attackerId, 1n, -1n, 0n]),
      settleLiquidation: v("settleLiquidation", [attackerId, 0n, attackerId, 0n, 0n, 0n, false]),
      fundPool: v("fundPool", [attackerAddress, USDC(1)]),
      defundPool: v("defundPool", [attackerAddress, USDC(1)]),
    };
    const poolCalls = {
      deposit: p("deposit", [USDC(1), attackerAddress]),
      mint: p("mint", [10n ** 6n, attackerAddress]),
      withdraw: p("withdraw", [USDC(1), attackerAddress, attackerAddress]),
      redeem: p("redeem", [1n, attackerAddress, attackerAddress]),
      requestWithdraw: p("requestWithdraw", [1n]),
      cancelWithdraw: p("cancelWithdraw", []),
    };
    const state = async () => ({
      held: await token.balanceOf(vaultAddress),
      wallet: await token.balanceOf(attackerAddress),
      account: await vault.balanceOf(attackerId, tokenAddress),
      ledgers: [await vault.poolBalance(), await vault.insuranceBalance()],
      shares: [await pool.balanceOf(attackerAddress), await pool.totalSupply()],
    });
    // The Vault's guard: from inside the transfer in of a deposit and the transfer out of a withdrawal.
    const vaultOuters = [vaultCalls.deposit, vaultCalls.withdraw];
    // The pool's guard: from inside the transfer in of an LP deposit.
    const poolOuters = [poolCalls.deposit];
    for (const [outers, calls, guard] of [
      [vaultOuters, vaultCalls, vault],
      [poolOuters, poolCalls, pool],
    ] as const) {
      for (const [name, [target, payload]] of Object.entries(calls)) {
        for (const [outerTarget, outerPayload] of outers) {
          const before = await state();
          await attacker.arm(target, payload);
          await expect(attacker.execute(outerTarget, outerPayload), name).to.be.revertedWithCustomError(
            guard,
            "ReentrancyGuardReentrantCall",
          );
          expect(await state(), `${name}: nothing moved`).to.deep.equal(before);
        }
      }
    }
    expect(await attacker.reentries()).to.equal(0n);
    // Disarmed, the outer calls work.
    await attacker.arm(ethers.ZeroAddress, "0x");
    await token.setHook(ethers.ZeroAddress);
    await attacker.execute(...vaultCalls.deposit);
    await attacker.execute(...poolCalls.deposit);
  });
});
