/**
 * The keeper process's pure parts, none of which needs a chain: the checkpoint file, the metrics text and server, the
 * JSON log lines, reading an Ignition deployment, and the `hardhat keeper` task's options and refusals. The keeper's
 * decisions are tested in keeper.test.ts beside this file.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { formatLogLine, jsonLogger } from "../../../scripts/keeper/core";
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

describe("Keeper process (pure parts)", function () {
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
});
