/**
 * Gas snapshots: whole-transaction `gasUsed` on the in-process network, one operation per transaction (so every
 * slot and account it touches is cold), compared exactly with the committed `gas-snapshot.json`.
 *
 * - `UPDATE_GAS_SNAPSHOT=1 npm test` rewrites the snapshot, so every change of gas shows in review.
 * - `npm run gas` (or `GAS_REPORT=1`) also prints the table of figures, targets and margins and writes
 *   `reports/gas.json`.
 *
 * N is the number of other positions already open on the account (for `liquidate`, the positions on the account).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  MARKETS,
  PRICE,
  accountIdOf,
  commitTx,
  deposit,
  depositTx,
  gasFixture,
  gasOf,
  latestRoundProof,
  liquidateTx,
  overrides,
  send,
  setPrice,
  trade,
  tradeTx,
  usdc,
  wad,
  wait,
  withdrawTx,
} from "./setup";
import type { GasSystem } from "./setup";
import { LABELS, readSnapshot, renderTable, toJson, writeReport, writeSnapshot } from "./report";
import type { Figures, Label } from "./report";

const UPDATE = process.env.UPDATE_GAS_SNAPSHOT === "1";
const REPORT = process.env.GAS_REPORT === "1" || process.env.npm_lifecycle_event === "gas";

/** The measured account: the trader's subaccount 1. */
const SUB = 1;
/** Every position of a measured account: 10 units, $10,000 at the starting price. */
const SIZE = wad(10);
/** Collateral of a measured trading account: enough for 32 positions at 10x. */
const COLLATERAL = usdc(100_000);

describe("Gas", function () {
  const measured: Partial<Figures> = {};
  /** The committed figures, read before anything can rewrite them. */
  const snapshot = readSnapshot();

  async function setup() {
    return loadFixture(gasFixture);
  }

  /** An account of the trader with `COLLATERAL` and a long of `SIZE` on markets 0 .. n-1. */
  async function withPositions(sys: GasSystem, n: number, collateral = COLLATERAL) {
    await deposit(sys, sys.trader, SUB, collateral);
    for (let i = 0; i < n; i++) await trade(sys, sys.trader, SUB, i, SIZE);
  }

  function record(label: Label, gas: number) {
    measured[label] = gas;
  }

  describe("Vault", function () {
    it("deposit.first: the first deposit into an account", async function () {
      const sys = await setup();
      record("deposit.first", await gasOf(depositTx(sys, sys.trader, SUB, usdc(10_000))));
    });

    it("deposit.later: a deposit into an account that holds the token already", async function () {
      const sys = await setup();
      await deposit(sys, sys.trader, SUB, usdc(10_000));
      record("deposit.later", await gasOf(depositTx(sys, sys.trader, SUB, usdc(10_000))));
    });

    for (const n of [0, 1, 8]) {
      it(`withdraw.N${n}: a withdrawal from an account with ${n} positions`, async function () {
        const sys = await setup();
        await withPositions(sys, n);
        record(`withdraw.N${n}` as Label, await gasOf(withdrawTx(sys, sys.trader, SUB, usdc(1_000))));
      });
    }
  });

  describe("Clearinghouse", function () {
    for (const n of [0, 1, 8, 31]) {
      it(`open.N${n}: opening a position next to ${n} others`, async function () {
        const sys = await setup();
        await withPositions(sys, n);
        record(`open.N${n}` as Label, await gasOf(tradeTx(sys, sys.trader, SUB, n, SIZE)));
      });
    }

    it("modify.N0: increasing the account's only position", async function () {
      const sys = await setup();
      await withPositions(sys, 1);
      record("modify.N0", await gasOf(tradeTx(sys, sys.trader, SUB, 0, SIZE / 2n)));
    });

    it("close.N0: closing the account's only position", async function () {
      const sys = await setup();
      await withPositions(sys, 1);
      record("close.N0", await gasOf(tradeTx(sys, sys.trader, SUB, 0, -SIZE)));
    });

    for (const n of [1, 8, 32]) {
      it(`liquidate.N${n}: a partial liquidation of an account with ${n} positions`, async function () {
        const sys = await setup();
        // 12% collateral per $10,000 position; a 10% fall leaves equity under maintenance margin but above
        // the penalty, so about 78% of every position is closed and the rest stays open.
        await withPositions(sys, n, usdc(1_200 * n));
        for (let i = 0; i < n; i++) await setPrice(sys, i, PRICE * 0.9);
        const accountId = accountIdOf(sys.trader.address, SUB);
        expect(await sys.clearinghouse.isLiquidatable(accountId)).to.equal(true);
        const preview = await sys.clearinghouse.previewLiquidation(accountId);
        expect(preview.fraction).to.be.greaterThan(0n).and.lessThan(wad(1));
        record(`liquidate.N${n}` as Label, await gasOf(liquidateTx(sys, accountId)));
        expect(await sys.clearinghouse.positionCount(accountId)).to.equal(BigInt(n));
      });
    }
  });

  describe("LiquidityPool", function () {
    it("pool.deposit: a new LP's deposit", async function () {
      const sys = await setup();
      const lp = sys.others[0];
      await send(() => sys.usdc.connect(lp).approve(sys.pool, ethers.MaxUint256, overrides));
      record(
        "pool.deposit",
        await gasOf(() => sys.pool.connect(lp).deposit(usdc(100_000), lp.address, overrides)),
      );
    });

    it("pool.requestWithdraw: escrowing shares for withdrawal", async function () {
      const sys = await setup();
      const shares = (await sys.pool.balanceOf(sys.lp.address)) / 10n;
      record(
        "pool.requestWithdraw",
        await gasOf(() => sys.pool.connect(sys.lp).requestWithdraw(shares, overrides)),
      );
    });

    it("pool.withdraw: redeeming a matured request", async function () {
      const sys = await setup();
      const shares = (await sys.pool.balanceOf(sys.lp.address)) / 10n;
      await send(() => sys.pool.connect(sys.lp).requestWithdraw(shares, overrides));
      await wait(86_400);
      // Fresh answers: the pool values every market's open positions.
      for (let i = 0; i < MARKETS; i++) await setPrice(sys, i, PRICE);
      record(
        "pool.withdraw",
        await gasOf(() => sys.pool.connect(sys.lp).redeem(shares, sys.lp.address, sys.lp.address, overrides)),
      );
    });
  });

  describe("Views", function () {
    it("view.liquidatable.perAccount: liquidatable() over 100 accounts of one position, per account", async function () {
      const sys = await setup();
      const ids: bigint[] = [];
      for (let i = 0; i < 100; i++) {
        const owner = sys.others[i % sys.others.length];
        const sub = 1 + Math.floor(i / sys.others.length);
        await deposit(sys, owner, sub, usdc(2_000));
        // Spread over every market, as a keeper's batch would be.
        await trade(sys, owner, sub, i % MARKETS, wad(1));
        ids.push(accountIdOf(owner.address, sub));
      }
      // The view sent as a transaction: its gasUsed is what the eth_call costs, plus the intrinsic cost and calldata.
      const gas = await gasOf(() => sys.clearinghouse.liquidatable.send(ids, overrides));
      record("view.liquidatable.perAccount", Math.round(gas / 100));
    });
  });

  describe("OrderBook", function () {
    /** A running book: another account's order pending on market 0 (its asset cached, the escrow holding fees). */
    async function withOrders(sys: GasSystem) {
      await deposit(sys, sys.longs, 1, usdc(10_000));
      await send(await commitTx(sys, sys.longs, 1, 0, wad(1)));
      await deposit(sys, sys.trader, SUB, COLLATERAL);
    }

    it("order.commit: committing a market order on an account without positions", async function () {
      const sys = await setup();
      await withOrders(sys);
      record("order.commit", await gasOf(await commitTx(sys, sys.trader, SUB, 0, SIZE)));
    });

    it("order.settle: settling it at the first round after the commit (opens the position)", async function () {
      const sys = await setup();
      await withOrders(sys);
      await send(await commitTx(sys, sys.trader, SUB, 0, SIZE));
      await setPrice(sys, 0, PRICE);
      const proof = await latestRoundProof(sys, 0);
      const orderId = await sys.orderBook.orderIdOf(accountIdOf(sys.trader.address, SUB), 0);
      record(
        "order.settle",
        await gasOf(() => sys.orderBook.connect(sys.keeper).settleOrder(orderId, proof, overrides)),
      );
    });

    it("order.cancel: cancelling an expired order", async function () {
      const sys = await setup();
      await withOrders(sys);
      await send(await commitTx(sys, sys.trader, SUB, 0, SIZE, 60));
      await wait(120);
      const orderId = await sys.orderBook.orderIdOf(accountIdOf(sys.trader.address, SUB), 0);
      record(
        "order.cancel",
        await gasOf(() => sys.orderBook.connect(sys.keeper).cancelOrder(orderId, overrides)),
      );
    });
  });

  describe("Snapshot", function () {
    it("every figure equals the committed gas-snapshot.json (UPDATE_GAS_SNAPSHOT=1 rewrites it)", function () {
      const missing = LABELS.filter((l) => measured[l] === undefined);
      expect(missing, "labels not measured (run the whole file)").to.deep.equal([]);
      if (UPDATE) {
        writeSnapshot(measured as Figures);
        return;
      }
      const diffs = LABELS.filter((l) => snapshot[l] !== measured[l]).map(
        (l) => `${l}: snapshot ${snapshot[l] ?? "none"}, measured ${measured[l]}`,
      );
      expect(
        diffs,
        "gas differs from test/gas/gas-snapshot.json; if the change is intended, UPDATE_GAS_SNAPSHOT=1 npm test " +
          `rewrites it to:\n${toJson(measured)}`,
      ).to.deep.equal([]);
    });
  });

  after(function () {
    if (!REPORT) return;
    writeReport(measured);
    console.log("\n" + renderTable(measured, snapshot) + "\n\nwritten: reports/gas.json\n");
  });
});
