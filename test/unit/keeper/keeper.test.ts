/**
 * The keeper's pure pieces, none of which needs a chain: account discovery from logs, error reading, retries, the
 * checkpoint file, the metrics text, the JSON log lines, the task's options and the debt decisions. The Keeper
 * against the in-process Hardhat network is tested in test/integration/keeper/keeper.liquidation.test.ts and
 * keeper.debt.test.ts; the keeper as a process against a real `hardhat node` in keeper.e2e.test.ts.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
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
  formatLogLine,
  isNonceError,
  isTransientError,
  jsonLogger,
  splitAccountId,
  withRetry,
} from "../../../scripts/keeper/core";
import { loadCheckpoint, makeCheckpoint, saveCheckpoint } from "../../../scripts/keeper/state";
import {
  keeperMetrics,
  parsePrometheus,
  renderPrometheus,
  startMetricsServer,
} from "../../../scripts/keeper/metrics";
import { deployBlockFromJournal, readIgnitionDeployment } from "../../../scripts/keeper/deployment";
import { KEY_ENV, runKeeperTask } from "../../../scripts/keeper/cli";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

const topicOf = (id: bigint) => ethers.toBeHex(id, 32);

describe("Keeper (pure parts)", function () {
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

  describe("checkpoint", function () {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-keeper-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const clearinghouse = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853";
    const vault = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";

    it("round-trips through an atomic write", function () {
      const file = path.join(dir, "nested", "keeper-state.31337.json");
      const big = (1n << 255n) + 12345n;
      const checkpoint = makeCheckpoint({
        chainId: 31337n,
        deploymentId: "chain-31337",
        clearinghouse,
        vault,
        lastScannedBlock: 42,
        lastScannedBlockHash: ethers.ZeroHash,
        accounts: [big, 3n, 1n],
      });
      saveCheckpoint(file, checkpoint);
      expect(fs.readdirSync(path.dirname(file))).to.deep.equal(["keeper-state.31337.json"]); // no temp file left
      const loaded = loadCheckpoint(file, { chainId: 31337n, clearinghouse: clearinghouse.toLowerCase() });
      expect(loaded.status).to.equal("loaded");
      if (loaded.status !== "loaded") return;
      expect(loaded.accounts).to.deep.equal([1n, 3n, big]);
      expect(loaded.checkpoint.lastScannedBlock).to.equal(42);
      expect(loaded.checkpoint.lastScannedBlockHash).to.equal(ethers.ZeroHash);

      expect(loaded.debtAccounts).to.deep.equal([]); // written without debtAccounts: none

      saveCheckpoint(
        file,
        makeCheckpoint({
          chainId: 31337n,
          clearinghouse,
          vault,
          lastScannedBlock: 42,
          accounts: [1n],
          debtAccounts: [9n, 2n],
        }),
      );
      const withDebt = loadCheckpoint(file, { chainId: 31337n, clearinghouse });
      expect(withDebt.status === "loaded" && withDebt.debtAccounts).to.deep.equal([2n, 9n]);

      saveCheckpoint(file, { ...checkpoint, lastScannedBlock: 43 });
      const again = loadCheckpoint(file, { chainId: 31337n, clearinghouse });
      expect(again.status === "loaded" && again.checkpoint.lastScannedBlock).to.equal(43);
    });

    it("reports a missing file, and a checkpoint of another chain or Clearinghouse as a mismatch", function () {
      const file = path.join(dir, "state.json");
      expect(loadCheckpoint(file, { chainId: 1n, clearinghouse }).status).to.equal("missing");
      saveCheckpoint(
        file,
        makeCheckpoint({ chainId: 31337n, clearinghouse, vault, lastScannedBlock: 1, accounts: [] }),
      );
      const otherChain = loadCheckpoint(file, { chainId: 1n, clearinghouse });
      expect(otherChain.status).to.equal("mismatch");
      const otherAddress = loadCheckpoint(file, { chainId: 31337n, clearinghouse: vault });
      expect(otherAddress.status === "mismatch" && otherAddress.reason).to.match(/Clearinghouse/);
    });

    it("refuses a corrupt file instead of silently starting over", function () {
      const file = path.join(dir, "state.json");
      fs.writeFileSync(file, "{ not json");
      expect(() => loadCheckpoint(file, { chainId: 1n, clearinghouse })).to.throw(/not valid JSON/);
      fs.writeFileSync(
        file,
        JSON.stringify({
          version: 1,
          chainId: "1",
          clearinghouse,
          vault,
          lastScannedBlock: 1,
          accounts: [5],
        }),
      );
      expect(() => loadCheckpoint(file, { chainId: 1n, clearinghouse })).to.throw(/bad accounts/);
    });
  });

  describe("metrics", function () {
    const stats = {
      checks: 10,
      checkCalls: 2,
      liquidatableAtLastCheck: 1,
      lastCheckedBlock: 99,
      sent: 3,
      succeeded: 2,
      lost: 1,
      skipped: 0,
      capped: 0,
      failed: 0,
      rewards: 123_456_789_012_345_678_901n,
      rpcRetries: 0,
      collateralLiquidations: { succeeded: 3, lost: 1, skipped: 0, unprofitable: 2, no_funds: 1, failed: 0 },
      collateralLiquidationsSent: 4,
      collateralRepaid: 13_074_000_000n,
      badDebtSettlements: { succeeded: 1, lost: 0, skipped: 0, failed: 0 },
      badDebtSettled: 204_000_000n,
      settlementWalletBalance: 6_926_000_000n,
    };
    const samples = keeperMetrics(stats, {
      accountsTracked: 5,
      lastBlock: 100,
      inFlight: 0,
      loopErrors: 0,
      debtAccounts: 2,
    });

    it("renders the Prometheus text format with HELP and TYPE lines, once per labelled family", function () {
      const text = renderPrometheus(samples);
      const lines = text.trimEnd().split("\n");
      const families = [...new Set(samples.map((s) => s.name))];
      expect(lines.length).to.equal(families.length * 2 + samples.length);
      let i = 0;
      for (const name of families) {
        const family = samples.filter((s) => s.name === name);
        expect(lines[i++]).to.match(new RegExp(`^# HELP ${name} \\S`));
        expect(lines[i++]).to.equal(`# TYPE ${name} ${family[0].type}`);
        for (const sample of family) {
          const labels = sample.labels ? `\\{result="${sample.labels.result}"\\}` : "";
          expect(lines[i++]).to.match(new RegExp(`^${name}${labels} -?\\d+$`));
        }
        if (family[0].type === "counter") expect(name).to.match(/_total$/);
      }
      expect(text).to.contain("keel_keeper_rewards_total 123456789012345678901\n");
      expect(text).to.contain('keel_keeper_collateral_liquidations_total{result="succeeded"} 3\n');
      expect(text).to.contain('keel_keeper_collateral_liquidations_total{result="no_funds"} 1\n');
      expect(text).to.contain('keel_keeper_bad_debt_settlements_total{result="succeeded"} 1\n');
      expect(text).to.contain("keel_keeper_collateral_repaid_total 13074000000\n");
      expect(text).to.contain("keel_keeper_debt_accounts 2\n");
      const parsed = parsePrometheus(text);
      expect(parsed.get('keel_keeper_collateral_liquidations_total{result="unprofitable"}')).to.equal(2);
      expect(parsed.get("keel_keeper_settlement_wallet_balance")).to.equal(6_926_000_000);
      expect(
        renderPrometheus([
          { name: "x_total", help: "h", type: "counter", value: 1, labels: { k: 'a"b\\c' } },
        ]),
      ).to.equal('# HELP x_total h\n# TYPE x_total counter\nx_total{k="a\\"b\\\\c"} 1\n');
      const names = samples.map((s) => s.name);
      for (const name of [
        "keel_keeper_accounts_tracked",
        "keel_keeper_checks_total",
        "keel_keeper_liquidations_sent_total",
        "keel_keeper_liquidations_succeeded_total",
        "keel_keeper_liquidations_lost_total",
        "keel_keeper_liquidations_failed_total",
        "keel_keeper_rewards_total",
        "keel_keeper_last_block",
      ]) {
        expect(names).to.include(name);
      }
      expect(renderPrometheus([{ name: "x", help: "a\\b\nc", type: "gauge", value: 1.5 }])).to.equal(
        "# HELP x a\\\\b\\nc\n# TYPE x gauge\nx 1.5\n",
      );
    });

    it("serves /metrics on loopback and 404 elsewhere", async function () {
      const server = await startMetricsServer({ port: 0, collect: () => samples });
      try {
        const get = (p: string) =>
          new Promise<{ status: number; type?: string; body: string }>((resolve, reject) => {
            http
              .get(`http://127.0.0.1:${server.port}${p}`, (res) => {
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () =>
                  resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }),
                );
              })
              .on("error", reject);
          });
        const metrics = await get("/metrics");
        expect(metrics.status).to.equal(200);
        expect(metrics.type).to.match(/^text\/plain; version=0\.0\.4/);
        const values = parsePrometheus(metrics.body);
        expect(values.get("keel_keeper_accounts_tracked")).to.equal(5);
        expect(values.get("keel_keeper_liquidations_lost_total")).to.equal(1);
        expect((await get("/nope")).status).to.equal(404);
      } finally {
        await server.close();
      }
      expect(() => startMetricsServer({ port: 0, host: "0.0.0.0", collect: () => [] })).to.throw(/loopback/);
    });
  });

  describe("logging", function () {
    it("writes one JSON object per line with ts, level and event first, bigints as strings", function () {
      const lines: string[] = [];
      const logger = jsonLogger({ write: (l) => lines.push(l), now: () => new Date(0), minLevel: "info" });
      logger.log("debug", "hidden", {});
      logger.log("info", "liquidation_succeeded", {
        accountId: 2n ** 200n,
        block: 7,
        txHash: "0xab",
        skip: undefined,
      });
      expect(lines).to.have.length(1);
      expect(lines[0]).to.equal(
        `{"ts":"1970-01-01T00:00:00.000Z","level":"info","event":"liquidation_succeeded","accountId":"${2n ** 200n}","block":7,"txHash":"0xab"}`,
      );
      expect(formatLogLine({ ts: "t", level: "error", event: "e", error: new Error("boom") })).to.equal(
        '{"ts":"t","level":"error","event":"e","error":"boom"}',
      );
    });
  });

  describe("deployment", function () {
    it("reads addresses and the deployment block from an Ignition deployment directory", function () {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "keel-ignition-"));
      try {
        const dir = path.join(root, "deployments", "x");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(
          path.join(dir, "deployed_addresses.json"),
          JSON.stringify({
            "LocalStack#Vault": "0xdc64a140aa3e981100a9beca4e685f962f0cf6c9",
            "LocalStack#Clearinghouse": "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
            "LocalStack#PriceOracle": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
          }),
        );
        const confirm = (futureId: string, blockNumber: number) =>
          JSON.stringify({ futureId, type: "TRANSACTION_CONFIRM", receipt: { blockNumber } });
        fs.writeFileSync(
          path.join(dir, "journal.jsonl"),
          [
            confirm("LocalStack#USDC", 1),
            confirm("LocalStack#Clearinghouse", 6),
            confirm("LocalStack#Vault", 5),
            '{"torn',
          ].join("\n"),
        );
        const d = readIgnitionDeployment(root, "x");
        expect(d.vault).to.equal("0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9");
        expect(d.clearinghouse).to.equal("0xa513E6E4b8f2a923D98304ec87F64353C4D5C853");
        expect(d.deployBlock).to.equal(5);
        expect(deployBlockFromJournal(path.join(dir, "missing.jsonl"), [])).to.equal(undefined);
        expect(() => readIgnitionDeployment(root, "y")).to.throw(/no Ignition deployment "y"/);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe("task", function () {
    it("describes every option of `hardhat keeper`", function () {
      const definition = hre.tasks["keeper"];
      expect(definition, "keeper task registered").to.not.equal(undefined);
      const params = Object.values(definition.paramDefinitions);
      expect(params.map((p) => p.name)).to.include.members([
        "deploymentId",
        "stateFile",
        "metricsPort",
        "batchSize",
        "pollInterval",
        "fromBlock",
        "once",
      ]);
      for (const p of params) expect(p.description, p.name).to.be.a("string").and.have.length.above(10);
    });

    it("refuses to start on a non-local chain without KEEPER_PRIVATE_KEY", async function () {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "keel-ignition-"));
      const saved = process.env[KEY_ENV];
      delete process.env[KEY_ENV];
      try {
        const dir = path.join(root, "deployments", "chain-11155111");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(
          path.join(dir, "deployed_addresses.json"),
          JSON.stringify({
            "Keel#Vault": "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
            "Keel#Clearinghouse": "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
          }),
        );
        const fakeHre = {
          network: { name: "sepolia" },
          config: { paths: { ignition: root } },
          ethers: {
            provider: { getNetwork: async () => ({ chainId: 11155111n }), getCode: async () => "0x6080" },
          },
        } as unknown as HardhatRuntimeEnvironment;
        const args = {
          metricsPort: 0,
          batchSize: 200,
          pollInterval: 1000,
          reorgDepth: 0,
          maxBlockRange: 2000,
          txTimeout: 1000,
          logLevel: "error",
          once: true,
        };
        await expect(runKeeperTask(args, fakeHre)).to.be.rejectedWith(/KEEPER_PRIVATE_KEY is not set/);
        await expect(runKeeperTask({ ...args, batchSize: 0 }, fakeHre)).to.be.rejectedWith(/--batch-size/);
        await expect(runKeeperTask({ ...args, minProfit: "-1" }, fakeHre)).to.be.rejectedWith(/--min-profit/);
        await expect(runKeeperTask({ ...args, maxRepay: "0" }, fakeHre)).to.be.rejectedWith(/--max-repay/);
        await expect(runKeeperTask({ ...args, maxRepay: "5k" }, fakeHre)).to.be.rejectedWith(/--max-repay/);
        await expect(runKeeperTask({ ...args, deploymentId: "nope" }, fakeHre)).to.be.rejectedWith(
          /no Ignition deployment/,
        );
      } finally {
        if (saved !== undefined) process.env[KEY_ENV] = saved;
        fs.rmSync(root, { recursive: true, force: true });
      }
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
