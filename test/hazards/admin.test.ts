/**
 * The hazard matrix, administration: pause and every role-gated function. One named test per hazard, each asserting
 * the exact custom error (with its arguments) or the invariant the hazard threatens; expected values come from the
 * references in test/shared/, never from the contract under test. docs/SECURITY.md maps every hazard to its test.
 */
import { expect } from "chai";
import { artifacts, ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Vault } from "../../typechain-types";
import {
  ETH,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  latestTime,
  txTime,
} from "../shared/fixtures";
import { DEFAULT_MARKETS, toMarketParams } from "../../deploy/config";
import * as math from "../shared/math";
import {
  MAX,
  TO_WAD,
  RISK,
  ETH_KEY,
  DEFAULT_ADMIN_ROLE,
  RISK_ADMIN,
  GUARDIAN,
  DELAY,
  at,
  modelOf,
  trade,
  setEth,
} from "./shared";

describe("Hazard matrix: administration", function () {
  /* ADMINISTRATION */

  it("pause never blocks closing, withdrawing free collateral or liquidation", async function () {
    const sys = await loadFixture(fundedFixture);
    const model = modelOf(sys);
    const [, lp] = sys.signers;
    const usdc = await sys.usdc.getAddress();
    const [aliceId, bobId] = [accountIdOf(sys.alice.address), accountIdOf(sys.bob.address)];
    await trade(sys, model, sys.alice, ETH, WAD(5));
    await trade(sys, model, sys.bob, ETH, WAD(30));
    const requested = await txTime(await sys.pool.connect(lp).requestWithdraw(1_000_000n));
    await sys.clearinghouse.pause();
    await sys.pool.pause();
    // Risk-increasing actions stop: opening, increasing, flipping, LP deposits.
    for (const send of [
      () => sys.clearinghouse.connect(sys.carol).trade(0, ETH, WAD(1), MAX),
      () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX),
      () => sys.clearinghouse.connect(sys.alice).trade(0, ETH, -WAD(6), 0n),
    ]) {
      await expect(send()).to.be.revertedWithCustomError(sys.clearinghouse, "EnforcedPause");
    }
    await expect(sys.pool.connect(lp).deposit(USDC(1), lp.address)).to.be.revertedWithCustomError(
      sys.pool,
      "EnforcedPause",
    );
    // Reducing and closing go on.
    await trade(sys, model, sys.alice, ETH, -WAD(2));
    // Withdrawing free collateral goes on, for an account with a position and one without.
    const t = (await latestTime()) + 1n;
    const st = model.accountState(aliceId, t);
    const free = math.divFloor(st.equity - st.initialMargin, TO_WAD);
    await expect(at(t, () => sys.vault.connect(sys.alice).withdraw(0, usdc, free))).to.emit(
      sys.vault,
      "Withdrawn",
    );
    model.withdraw(aliceId, free);
    await trade(sys, model, sys.alice, ETH, -WAD(3));
    await expect(sys.vault.connect(sys.carol).withdraw(0, usdc, TRADER_DEPOSIT)).to.emit(
      sys.vault,
      "Withdrawn",
    );
    // Liquidation goes on.
    await setEth(sys, model, "2750");
    const tl = (await latestTime()) + 1n;
    const r = model.previewLiquidation(bobId, tl, RISK);
    await expect(at(tl, () => sys.clearinghouse.connect(sys.carol).liquidate(bobId)))
      .to.emit(sys.clearinghouse, "Liquidated")
      .withArgs(...math.liquidatedEventArgs(bobId, sys.carol.address, r));
    // LPs with a matured request leave.
    await expect(
      at(requested + DELAY, () => sys.pool.connect(lp).redeem(1_000_000n, lp.address, lp.address)),
    ).to.emit(sys.pool, "Withdraw");
    await sys.clearinghouse.unpause();
    await expect(sys.clearinghouse.connect(sys.alice).trade(0, ETH, WAD(1), MAX)).to.emit(
      sys.clearinghouse,
      "TradeExecuted",
    );
  });

  it("every role-gated function refuses the wrong caller with the role in the error", async function () {
    const sys = await loadFixture(fundedFixture);
    const { oracle, vault, clearinghouse, pool } = sys;
    const [stranger, riskAdmin, guardian] = [sys.signers[10], sys.signers[11], sys.signers[12]];
    // Holders of one role each, so every function is also tried by someone holding the other roles.
    for (const c of [oracle, vault, clearinghouse, pool]) await c.grantRole(RISK_ADMIN, riskAdmin.address);
    for (const c of [clearinghouse, pool]) await c.grantRole(GUARDIAN, guardian.address);
    const holders: Record<string, HardhatEthersSigner[]> = {
      [DEFAULT_ADMIN_ROLE]: [sys.admin],
      [RISK_ADMIN]: [sys.admin, riskAdmin],
      [GUARDIAN]: [sys.admin, guardian],
    };
    const everyone = [stranger, riskAdmin, guardian, sys.alice];
    const market = toMarketParams(DEFAULT_MARKETS[0]);
    const weth = await sys.weth.getAddress();
    const timelock = await ethers.deployContract("TimelockController", [
      3_600,
      [riskAdmin.address],
      [guardian.address],
      ethers.ZeroAddress,
    ]);
    const [PROPOSER, EXECUTOR, CANCELLER] = [
      await timelock.PROPOSER_ROLE(),
      await timelock.EXECUTOR_ROLE(),
      await timelock.CANCELLER_ROLE(),
    ];
    const salt = ethers.ZeroHash;
    const operation = [
      await pool.getAddress(),
      0n,
      pool.interface.encodeFunctionData("pause"),
      ethers.ZeroHash,
      salt,
    ] as const;
    type Gated = [
      string,
      { interface: { getFunction(n: string): unknown } } & object,
      string,
      unknown[],
      string,
    ];
    const gated: Gated[] = [
      ["PriceOracle", oracle, "setFeed", [ETH_KEY, await sys.ethFeed.getAddress(), 1, 1n, 1n], RISK_ADMIN],
      ["PriceOracle", oracle, "setSequencerUptimeFeed", [ethers.ZeroAddress, 0], DEFAULT_ADMIN_ROLE],
      ["PriceOracle", oracle, "setStalenessBuffer", [600], RISK_ADMIN],
      ["Vault", vault, "initialize", [stranger.address, stranger.address], DEFAULT_ADMIN_ROLE],
      ["Vault", vault, "setCollateral", [weth, ETH_KEY, WAD("0.8"), 0n, 1n], RISK_ADMIN],
      ["Vault", vault, "setMaxCollateralsPerAccount", [4], RISK_ADMIN],
      ["Vault", vault, "setCollateralLiquidationBuffer", [WAD("0.1")], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "addMarket", [market], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "setMarketParams", [ETH, market], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "setRiskParams", [{ ...RISK }], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "setImmediateTrades", [ETH, false], RISK_ADMIN],
      ["Clearinghouse", clearinghouse, "pause", [], GUARDIAN],
      ["Clearinghouse", clearinghouse, "unpause", [], GUARDIAN],
      ["LiquidityPool", pool, "setWithdrawalDelay", [DELAY, 7_200n], RISK_ADMIN],
      ["LiquidityPool", pool, "pause", [], GUARDIAN],
      ["LiquidityPool", pool, "unpause", [], GUARDIAN],
    ];
    for (const [name, c] of [
      ["PriceOracle", oracle],
      ["Vault", vault],
      ["Clearinghouse", clearinghouse],
      ["LiquidityPool", pool],
    ] as const) {
      gated.push([name, c, "grantRole", [RISK_ADMIN, stranger.address], DEFAULT_ADMIN_ROLE]);
      gated.push([name, c, "revokeRole", [RISK_ADMIN, riskAdmin.address], DEFAULT_ADMIN_ROLE]);
    }
    for (const [name, c, fn, args, role] of gated) {
      const contract = c as unknown as {
        connect(s: HardhatEthersSigner): Record<string, { staticCall(...a: unknown[]): Promise<unknown> }>;
      };
      for (const caller of everyone.filter((x) => !holders[role].includes(x))) {
        await expect(contract.connect(caller)[fn].staticCall(...args), `${name}.${fn} by ${caller.address}`)
          .to.be.revertedWithCustomError(c, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      // The role's holder passes the role check (the call may still fail its own checks, e.g. initialize twice).
      const holder = holders[role][holders[role].length - 1];
      const asHolder = contract.connect(holder);
      const error = await asHolder[fn].staticCall(...args).then(
        () => null,
        (e: { data?: string }) =>
          e.data ? (c as unknown as Vault).interface.parseError(e.data)?.name : "unknown",
      );
      expect(error, `${name}.${fn} by its role holder`).to.not.equal("AccessControlUnauthorizedAccount");
    }
    // The governance timelock of real deployments: proposer, executor and canceller roles, and the self-only delay.
    for (const [fn, args, role] of [
      ["schedule", [...operation, 3_600n], PROPOSER],
      ["cancel", [ethers.ZeroHash], CANCELLER],
      ["execute", operation, EXECUTOR],
    ] as const) {
      await expect(
        (timelock.connect(stranger) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](
          ...args,
        ),
      )
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, role);
    }
    await expect(timelock.connect(riskAdmin).updateDelay(1n))
      .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
      .withArgs(riskAdmin.address);
    // Ledger moves: the Clearinghouse and the pool only, whoever else calls, admins included.
    const id = accountIdOf(stranger.address);
    for (const [fn, args] of [
      ["transferSettlement", [id, 1n, -1n, 0n]],
      ["settleLiquidation", [id, -1n, id, 1n, 0n, 0n, false]],
      ["transferBetween", [id, id, 1n]],
      ["fundPool", [stranger.address, 1n]],
      ["defundPool", [stranger.address, 1n]],
    ] as const) {
      for (const caller of [stranger, sys.admin]) {
        await expect(
          (vault.connect(caller) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn](
            ...args,
          ),
        )
          .to.be.revertedWithCustomError(vault, "VaultUnauthorizedCaller")
          .withArgs(caller.address);
      }
    }
    // Every state-changing function of the four contracts is in one of the lists: a new one must be classified here.
    const open: Record<string, string[]> = {
      PriceOracle: ["renounceRole"],
      Vault: [
        "deposit",
        "depositFor",
        "withdraw",
        "liquidateCollateral",
        "settleBadDebt",
        "fundInsurance",
        "renounceRole",
      ],
      // tradeFor checks the owner or an operator itself (test/unit/orders/operators.test.ts).
      Clearinghouse: ["trade", "tradeFor", "setOperator", "liquidate", "deleverage", "renounceRole"],
      LiquidityPool: [
        "deposit",
        "mint",
        "withdraw",
        "redeem",
        "requestWithdraw",
        "cancelWithdraw",
        "recapitalize",
        "approve",
        "transfer",
        "transferFrom",
        "renounceRole",
      ],
    };
    const callerGated: Record<string, string[]> = {
      Vault: ["transferSettlement", "settleLiquidation", "transferBetween", "fundPool", "defundPool"],
      // The ORDER role, held by the OrderBook contract only (test/unit/orders/orderRole.test.ts).
      Clearinghouse: ["tradeAt", "transferMargin"],
    };
    for (const name of Object.keys(open)) {
      const abi = (await artifacts.readArtifact(name)).abi as {
        type: string;
        name: string;
        stateMutability: string;
      }[];
      const mutating = new Set(
        abi
          .filter((f) => f.type === "function" && !["view", "pure"].includes(f.stateMutability))
          .map((f) => f.name),
      );
      const classified = new Set([
        ...open[name],
        ...(callerGated[name] ?? []),
        ...gated.filter((g) => g[0] === name).map((g) => g[2]),
      ]);
      expect([...mutating].sort(), name).to.deep.equal([...classified].sort());
    }
  });
});
