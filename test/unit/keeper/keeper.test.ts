/**
 * The keeper's pure decisions, none of which needs a chain: account discovery from logs, error reading and retries,
 * and the debt decisions. The process's pure parts (checkpoint, metrics, logs, deployment, task) are in
 * keeper.process.test.ts beside this file; the Keeper against the in-process Hardhat network in
 * test/integration/keeper/keeper.liquidation.test.ts and keeper.debt.test.ts, and as a process against a real
 * `hardhat node` in keeper.e2e.test.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { USDC, WAD, accountIdOf as refAccountIdOf } from "../../shared/fixtures";
import fc from "fast-check";
import { collateralLiquidation as refCollateralLiquidation } from "../../shared/collateral";
import {
  AccountTracker,
  DEPOSITED_TOPIC,
  TRADE_EXECUTED_TOPIC,
  accountIdOf,
  collateralProfit,
  decideDebtAction,
  decodeRevertData,
  gasCostUsd,
  previewCollateralLiquidation,
  rankCollaterals,
  repayAmount,
  findRevertData,
  isNonceError,
  isTransientError,
  splitAccountId,
  withRetry,
} from "../../../scripts/keeper/core";

const topicOf = (id: bigint) => ethers.toBeHex(id, 32);

describe("Keeper (pure decisions)", function () {
  describe("AccountTracker", function () {
    it("ingests each account once and ignores other events", function () {
      const tracker = new AccountTracker();
      const other = ethers.id("Withdrawn(uint256,address,address,uint256)");
      const found = tracker.ingest([
        { topics: [DEPOSITED_TOPIC, topicOf(7n)] },
        { topics: [TRADE_EXECUTED_TOPIC, topicOf(7n), topicOf(0n)] },
        { topics: [DEPOSITED_TOPIC.toUpperCase().replace("0X", "0x"), topicOf(3n)] },
        { topics: [other, topicOf(99n)] },
        { topics: [DEPOSITED_TOPIC] },
        { topics: [] },
      ]);
      expect(found).to.deep.equal([7n, 3n]);
      expect(tracker.size).to.equal(2);
      expect(tracker.ids()).to.deep.equal([3n, 7n]);
      expect(tracker.ingest([{ topics: [DEPOSITED_TOPIC, topicOf(3n)] }])).to.deep.equal([]);
      expect(tracker.add(7n)).to.equal(false);
      expect(tracker.add(8n)).to.equal(true);
      expect(new AccountTracker([5n, 5n, 1n]).ids()).to.deep.equal([1n, 5n]);
    });

    it("packs and splits account ids like DESIGN §4", function () {
      const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
      const id = accountIdOf(owner, 42n);
      expect(id).to.equal(refAccountIdOf(owner, 42n));
      expect(splitAccountId(id)).to.deep.equal({ owner, subaccount: 42n });
      const max = (1n << 96n) - 1n;
      expect(splitAccountId(accountIdOf(owner, max)).subaccount).to.equal(max);
    });
  });

  describe("errors", function () {
    const iface = new ethers.Interface([
      "error ClearinghouseNotLiquidatable(uint256 accountId, int256 equity, uint256 mm)",
    ]);
    const data = iface.encodeErrorResult("ClearinghouseNotLiquidatable", [1n, -5n, 10n]);

    it("finds revert data however deep the provider nests it and decodes it", function () {
      for (const err of [
        { data },
        { code: "CALL_EXCEPTION", info: { error: { data } } },
        { error: { error: { data } } },
        { cause: { data: { data } } },
      ]) {
        expect(findRevertData(err)).to.equal(data);
      }
      const decoded = decodeRevertData(data, [iface]);
      expect(decoded?.name).to.equal("ClearinghouseNotLiquidatable");
      expect(Array.from(decoded!.args as ArrayLike<unknown>)).to.deep.equal([1n, -5n, 10n]);
      expect(decodeRevertData("0xdeadbeef", [iface])).to.equal(undefined);
      expect(findRevertData({ data: "0x" })).to.equal(undefined);
    });

    it("tells transient failures from reverts and nonce conflicts", function () {
      expect(isTransientError({ code: "NETWORK_ERROR" })).to.equal(true);
      expect(isTransientError({ code: "TIMEOUT" })).to.equal(true);
      expect(isTransientError(new Error("connect ECONNREFUSED 127.0.0.1:8545"))).to.equal(true);
      expect(isTransientError({ message: "server response 429 Too Many Requests" })).to.equal(true);
      expect(isTransientError({ code: "CALL_EXCEPTION", data })).to.equal(false);
      expect(isTransientError({ message: "execution reverted", data })).to.equal(false);
      expect(isTransientError(new Error("insufficient funds for gas"))).to.equal(false);
      expect(isNonceError({ code: "NONCE_EXPIRED" })).to.equal(true);
      expect(isNonceError(new Error("Nonce too low. Expected nonce to be 5 but got 4."))).to.equal(true);
      expect(isNonceError(new Error("execution reverted"))).to.equal(false);
    });

    it("retries transient failures a bounded number of times with growing delays", async function () {
      const delays: number[] = [];
      let calls = 0;
      const flaky = () => {
        calls++;
        return calls < 3 ? Promise.reject({ code: "NETWORK_ERROR" }) : Promise.resolve("ok");
      };
      const sleep = async (ms: number) => void delays.push(ms);
      expect(await withRetry(flaky, { attempts: 4, baseDelayMs: 100, sleep })).to.equal("ok");
      expect(delays).to.deep.equal([100, 200]);

      calls = 0;
      const down = () => {
        calls++;
        return Promise.reject({ code: "NETWORK_ERROR" });
      };
      await expect(withRetry(down, { attempts: 3, baseDelayMs: 1, sleep })).to.be.rejected;
      expect(calls).to.equal(3);

      calls = 0;
      const reverting = () => {
        calls++;
        return Promise.reject({ code: "CALL_EXCEPTION", data });
      };
      await expect(withRetry(reverting, { attempts: 3, baseDelayMs: 1, sleep })).to.be.rejected;
      expect(calls).to.equal(1);
    });
  });

  describe("debt decisions (pure)", function () {
    const status = (
      balance: bigint,
      positionCount: number,
      liquidatable: boolean,
      hasOtherCollateral: boolean,
    ) => decideDebtAction({ settlementBalance: balance, positionCount, liquidatable, hasOtherCollateral });

    it("maps an account's status to the action DESIGN §12 allows", function () {
      // [balance, positions, liquidatable, other collateral] → action / reason
      const table: [bigint, number, boolean, boolean, string][] = [
        [0n, 0, false, false, "none:no_debt"],
        [5n, 2, true, true, "none:no_debt"],
        [-1n, 0, true, true, "liquidateCollateral"], // closed out, collateral below debt × (1 + buffer)
        [-1n, 0, false, true, "none:not_liquidatable"], // closed at a loss, collateral covers it with the buffer
        [-1n, 2, true, true, "liquidateCollateral"], // still liquidatable (a capped liquidation, say)
        [-1n, 2, false, true, "none:not_liquidatable"], // ordinary borrowing against WETH
        [-1n, 0, false, false, "settleBadDebt"], // nothing left but the debt
        [-1n, 1, true, false, "none:positions_open"], // `liquidate` first
        [-1n, 1, false, false, "none:positions_open"],
      ];
      for (const [balance, positions, liq, other, expected] of table) {
        const d = status(balance, positions, liq, other);
        const got = d.action === "none" ? `none:${d.reason}` : d.action;
        expect(got, `${balance} ${positions} ${liq} ${other}`).to.equal(expected);
        expect(d.watch).to.equal(d.action !== "none");
        if (d.action !== "none") expect(d.debt).to.equal(-balance);
      }
    });

    it("takes the largest holding at market value first", function () {
      const held = [
        { token: "0xB", balance: 10n ** 8n, decimals: 8, price: WAD(60_000), discount: 0n }, // $60,000
        { token: "0xA", balance: WAD(5), decimals: 18, price: WAD(3_000), discount: 0n }, // $15,000
        { token: "0xC", balance: 0n, decimals: 18, price: WAD(1), discount: 0n }, // nothing held
        { token: "0x9", balance: WAD(20), decimals: 18, price: WAD(3_000), discount: 0n }, // $60,000: tie, 0x9 < 0xB
      ];
      expect(rankCollaterals(held).map((c) => c.token)).to.deep.equal(["0x9", "0xB", "0xA"]);
    });

    it("repays the debt, capped by the per-transaction budget and the wallet", function () {
      expect(repayAmount(100n, 1_000n)).to.equal(100n);
      expect(repayAmount(100n, 40n)).to.equal(40n);
      expect(repayAmount(100n, 1_000n, 30n)).to.equal(30n);
      expect(repayAmount(100n, 20n, 30n)).to.equal(20n);
      expect(repayAmount(100n, 0n, 30n)).to.equal(0n);
    });

    it("previews liquidateCollateral exactly as the reference of its NatSpec (test/shared/collateral.ts)", function () {
      fc.assert(
        fc.property(
          fc.bigInt({ min: 1n, max: 10n ** 13n }), // debt (USDC units)
          fc.bigInt({ min: 1n, max: 10n ** 13n }), // repayAmount
          fc.bigInt({ min: 1n, max: 10n ** 24n }), // held
          fc.constantFrom(6, 8, 18),
          fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }), // price WAD
          fc.bigInt({ min: 0n, max: WAD("0.5") }), // discount
          (debt, repay, held, decimals, price, discount) => {
            const mine = previewCollateralLiquidation({
              repayAmount: repay,
              debt,
              held,
              decimals,
              price,
              discount,
              settlementDecimals: 6,
            });
            const ref = refCollateralLiquidation({
              debt,
              repayAmount: repay,
              held,
              decimals,
              priceWad: price,
              discount,
              toWad: 10n ** 12n,
            });
            expect(mine).to.deep.equal(ref);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("counts the discount minus the gas as profit", function () {
      // Repay 1,000 USDC for 0.35 WETH at 3,000 (5% discount): $50 earned; 100k gas at 2 gwei at $3,000 = $0.60.
      const gas = gasCostUsd(100_000n, 2_000_000_000n, WAD(3_000));
      expect(gas).to.equal(WAD("0.6"));
      const profit = collateralProfit({
        repaid: USDC(1_000),
        seized: WAD("0.35"),
        decimals: 18,
        price: WAD(3_000),
        settlementDecimals: 6,
        gasCostUsd: gas,
      });
      expect(profit).to.equal(WAD("49.4"));
    });
  });
});
