/**
 * The keeper's process-free pieces: account discovery, error reading, retries, the checkpoint file, the metrics
 * text, the JSON log lines, the task's options, and the Keeper itself against the in-process Hardhat network
 * (check, liquidate, reward, lost race, recovered account, nonce re-sync). The keeper as a process against a real
 * `hardhat node` is tested in test/integration/keeper/keeper.e2e.test.ts.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ETH, FEED, USDC, WAD, accountIdOf as refAccountIdOf, fundedFixture } from "../../shared/fixtures";
import fc from "fast-check";
import { collateralLiquidation as refCollateralLiquidation } from "../../shared/collateral";
import {
  AccountTracker,
  BAD_DEBT_SETTLED_TOPIC,
  COLLATERAL_LIQUIDATED_TOPIC,
  DELEVERAGED_TOPIC,
  DEPOSITED_TOPIC,
  Keeper,
  LIQUIDATED_TOPIC,
  MemoryLogger,
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
} from "../../../scripts/keeper";
import { loadCheckpoint, makeCheckpoint, saveCheckpoint } from "../../../scripts/keeper/state";
import {
  keeperMetrics,
  parsePrometheus,
  renderPrometheus,
  startMetricsServer,
} from "../../../scripts/keeper/metrics";
import { deployBlockFromJournal, readIgnitionDeployment } from "../../../scripts/common/deployment";
import { KeeperRunner } from "../../../scripts/keeper/runner";
import { KEY_ENV, keeperMain, runKeeperTask } from "../../../scripts/keeper/cli";
import { LOCAL_KEEPER_ACCOUNT_INDEX, resolveKeeperSigner } from "../../../scripts/keeper/signer";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

const topicOf = (id: bigint) => ethers.toBeHex(id, 32);

describe("Keeper (process-free parts)", function () {
  describe("AccountTracker", function () {
    it("uses the topics of the contracts' events", async function () {
      const { vault, clearinghouse } = await loadFixture(fundedFixture);
      expect(DEPOSITED_TOPIC).to.equal(vault.interface.getEvent("Deposited").topicHash);
      expect(TRADE_EXECUTED_TOPIC).to.equal(clearinghouse.interface.getEvent("TradeExecuted").topicHash);
      expect(LIQUIDATED_TOPIC).to.equal(clearinghouse.interface.getEvent("Liquidated").topicHash);
      expect(COLLATERAL_LIQUIDATED_TOPIC).to.equal(
        vault.interface.getEvent("CollateralLiquidated").topicHash,
      );
      expect(BAD_DEBT_SETTLED_TOPIC).to.equal(vault.interface.getEvent("BadDebtSettled").topicHash);
      expect(DELEVERAGED_TOPIC).to.equal(clearinghouse.interface.getEvent("Deleveraged").topicHash);
    });

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
      deleverages: { sent: 2, succeeded: 1, lost: 0, skipped: 1, failed: 0 },
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
      expect(text).to.contain('keel_keeper_deleverages_total{result="skipped"} 1\n');
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

    it("signs with KEEPER_PRIVATE_KEY, else on a local chain with the node's account 19, never account 0", async function () {
      const logger = new MemoryLogger();
      const local = {
        ethers: hre.ethers,
        network: { name: "localhost" },
      } as unknown as HardhatRuntimeEnvironment;
      // Account 19 of the test mnemonic every hardhat node unlocks (m/44'/60'/0'/0/19).
      const expected = ethers.HDNodeWallet.fromPhrase(
        "test test test test test test test test test test test junk",
        undefined,
        "m/44'/60'/0'/0/19",
      ).address;
      const signer = await resolveKeeperSigner(local, 31337n, logger, {});
      expect(LOCAL_KEEPER_ACCOUNT_INDEX).to.equal(19);
      expect(await signer.getAddress()).to.equal(expected);
      const [account0] = await ethers.getSigners();
      expect(await signer.getAddress()).to.not.equal(account0.address);
      expect(logger.events("using_default_account")[0]).to.include({ address: expected, accountIndex: 19 });

      const key = ethers.Wallet.createRandom();
      const fromEnv = await resolveKeeperSigner(local, 31337n, logger, {
        [KEY_ENV]: key.privateKey.slice(2),
      });
      expect(await fromEnv.getAddress()).to.equal(key.address);
      await expect(resolveKeeperSigner(local, 31337n, logger, { [KEY_ENV]: "0x1234" })).to.be.rejectedWith(
        /not a valid private key/,
      );
      await expect(resolveKeeperSigner(local, 11155111n, logger, {})).to.be.rejectedWith(
        /KEEPER_PRIVATE_KEY is not set/,
      );
      const few = {
        ethers: { getSigners: async () => [account0] },
        network: { name: "localhost" },
      } as unknown as HardhatRuntimeEnvironment;
      await expect(resolveKeeperSigner(few, 31337n, logger, {})).to.be.rejectedWith(/has 1 accounts/);
    });

    it("reports a bad start as one line on stderr and exit status 1, without a stack trace", async function () {
      const errors: unknown[][] = [];
      const savedError = console.error;
      const savedExitCode = process.exitCode;
      console.error = (...line: unknown[]) => void errors.push(line);
      try {
        const inProcess = { network: { name: "hardhat" } } as unknown as HardhatRuntimeEnvironment;
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
        await keeperMain(args, inProcess);
        expect(process.exitCode).to.equal(1);
        await keeperMain({ ...args, pollInterval: -5 }, inProcess);
      } finally {
        console.error = savedError;
        process.exitCode = savedExitCode;
      }
      expect(errors).to.deep.equal([
        [
          'error: the keeper needs a chain that outlives it: run a node (npx hardhat node) and pass "--network ' +
            'localhost", or any configured network',
        ],
        ["error: --poll-interval must be a positive integer, got -5"],
      ]);
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

  describe("Keeper on the Hardhat network", function () {
    /** Alice 9x long ETH (liquidatable after -8%), Bob 2x long (healthy), Carol 9x long on subaccount 1. */
    async function keeperFixture() {
      const sys = await fundedFixture();
      const { clearinghouse, vault, usdc, alice, bob, carol } = sys;
      await clearinghouse.connect(alice).trade(0, ETH, WAD(30), ethers.MaxUint256);
      await clearinghouse.connect(bob).trade(0, ETH, WAD("6.6"), ethers.MaxUint256);
      await vault.connect(carol).deposit(1, await usdc.getAddress(), USDC(10_000));
      await clearinghouse.connect(carol).trade(1, ETH, WAD(30), ethers.MaxUint256);
      await sys.ethFeed.updateAnswer(FEED(2760)); // -8%
      const [keeperA, keeperB] = [sys.signers[10], sys.signers[11]];
      return {
        ...sys,
        keeperA,
        keeperB,
        aliceId: refAccountIdOf(alice.address, 0),
        bobId: refAccountIdOf(bob.address, 0),
        carolId: refAccountIdOf(carol.address, 0),
        carol1Id: refAccountIdOf(carol.address, 1),
      };
    }

    const makeKeeper = (sys: Awaited<ReturnType<typeof keeperFixture>>, signer = sys.keeperA) => {
      const logger = new MemoryLogger();
      const keeper = new Keeper({
        clearinghouse: sys.clearinghouse,
        vault: sys.vault,
        signer,
        logger,
        batchSize: 2,
        receiptPollMs: 10,
      });
      return { keeper, logger };
    };

    it("discovers accounts from logs, liquidates exactly the liquidatable ones and books the reward", async function () {
      const sys = await loadFixture(keeperFixture);
      const { keeper, logger } = makeKeeper(sys);
      const latest = await ethers.provider.getBlockNumber();
      const discovered = await keeper.scanLogs(0, latest);
      expect(new Set(discovered)).to.deep.equal(new Set([sys.aliceId, sys.bobId, sys.carolId, sys.carol1Id]));
      expect(await keeper.scanLogs(0, latest)).to.deep.equal([]); // idempotent

      const outcomes = await keeper.checkAndLiquidate();
      expect(outcomes.map((o) => [o.accountId, o.status])).to.deep.equal(
        [
          [sys.aliceId, "succeeded"],
          [sys.carol1Id, "succeeded"],
        ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      );
      expect(keeper.stats.checks).to.equal(4);
      expect(keeper.stats.checkCalls).to.equal(2); // batches of 2
      expect(keeper.stats.sent).to.equal(2);
      expect(keeper.stats.succeeded).to.equal(2);

      const events = await sys.clearinghouse.queryFilter(sys.clearinghouse.filters.Liquidated(), latest + 1);
      expect(events.map((e) => e.args.accountId).sort()).to.deep.equal([sys.aliceId, sys.carol1Id].sort());
      const rewards = events.reduce((sum, e) => sum + e.args.keeperReward, 0n);
      expect(rewards).to.be.greaterThan(0n);
      expect(keeper.stats.rewards).to.equal(rewards);
      const keeperAccount = refAccountIdOf(sys.keeperA.address, 0);
      expect(await sys.vault.balanceOf(keeperAccount, await sys.usdc.getAddress())).to.equal(rewards);

      // Log lines carry the reward in USDC (6 decimals, exact) and raw, and say no bad debt was left.
      const succeeded = logger.events("liquidation_succeeded");
      expect(succeeded).to.have.length(2);
      for (const line of succeeded) {
        expect(line).to.include.keys("accountId", "block", "txHash", "rewardUsdc", "rewardRaw");
        const event = events.find((e) => e.args.accountId === line.accountId)!;
        expect(line.rewardRaw).to.equal(event.args.keeperReward);
        expect(line.rewardUsdc).to.equal(ethers.formatUnits(event.args.keeperReward, 6));
        expect(line.rewardUsdc).to.match(/^\d+\.\d{1,6}$/);
        expect(line.equityBeforeUsd).to.equal(ethers.formatUnits(event.args.equityBefore, 18));
        expect(line.leftBadDebt).to.equal(false);
      }
      expect(logger.entries.filter((e) => e.level === "error")).to.deep.equal([]);

      // Healthy now: the next round sends nothing.
      expect(await keeper.checkAndLiquidate()).to.deep.equal([]);
      expect(keeper.stats.sent).to.equal(2);
    });

    it("says in `liquidation_succeeded` when a liquidation left bad debt, and how much", async function () {
      const sys = await loadFixture(keeperFixture);
      await sys.ethFeed.updateAnswer(FEED(2580)); // -14%: Alice's 9x long is under water (USDC only: the waterfall)
      const { keeper, logger } = makeKeeper(sys);
      keeper.tracker.add(sys.aliceId);
      const [outcome] = await keeper.checkAndLiquidate();
      expect(outcome).to.include({ action: "liquidate", accountId: sys.aliceId, status: "succeeded" });
      const [settled] = await sys.vault.queryFilter(sys.vault.filters.BadDebtSettled(sys.aliceId));
      const { badDebt, insuranceDraw, poolWriteOff, unrecovered } = settled.args;
      expect(badDebt).to.be.greaterThan(0n);
      expect(settled.transactionHash).to.equal(outcome.txHash); // in the liquidation's own transaction
      expect(outcome).to.include({ badDebt });
      expect(logger.events("liquidation_succeeded")[0]).to.include({
        leftBadDebt: true,
        badDebtCover: "waterfall",
        badDebtRaw: badDebt,
        badDebtUsdc: ethers.formatUnits(badDebt, 6),
        insuranceDrawUsdc: ethers.formatUnits(insuranceDraw, 6),
        poolWriteOffUsdc: ethers.formatUnits(poolWriteOff, 6),
        unrecoveredUsdc: ethers.formatUnits(unrecovered, 6),
      });
    });

    it("logs a race lost to another keeper as `lost`, and a recovered account as `skipped`, not as errors", async function () {
      const sys = await loadFixture(keeperFixture);
      const a = makeKeeper(sys, sys.keeperA);
      const b = makeKeeper(sys, sys.keeperB);
      for (const id of [sys.aliceId, sys.bobId]) {
        a.keeper.tracker.add(id);
        b.keeper.tracker.add(id);
      }
      const checkedAt = await ethers.provider.getBlockNumber();
      const hits = await b.keeper.findLiquidatable(checkedAt);
      expect(hits).to.deep.equal([sys.aliceId]);

      await a.keeper.checkAndLiquidate(); // A gets there first
      const lost = await b.keeper.liquidateAccounts(hits, checkedAt);
      expect(lost).to.have.length(1);
      expect(lost[0].status).to.equal("lost");
      expect(lost[0].winner).to.equal(sys.keeperA.address);
      expect(b.keeper.stats).to.include({ lost: 1, failed: 0, sent: 0 });
      expect(b.logger.events("liquidation_lost")[0]).to.include({
        level: "info",
        winner: sys.keeperA.address,
      });

      // Bob was never liquidatable (a stale or wrong check): skipped.
      const skipped = await a.keeper.liquidateAccounts([sys.bobId], checkedAt);
      expect(skipped[0].status).to.equal("skipped");
      // Alice again, as a restarted keeper with an old check would: already liquidated by this keeper.
      const again = await a.keeper.liquidateAccounts([sys.aliceId], checkedAt);
      expect(again[0].status).to.equal("skipped");
      expect(a.logger.events("liquidation_skipped")[1].reason).to.equal("already liquidated by this keeper");
      expect([...a.logger.entries, ...b.logger.entries].filter((e) => e.level === "error")).to.deep.equal([]);
      expect(
        await sys.clearinghouse.queryFilter(sys.clearinghouse.filters.Liquidated(sys.aliceId)),
      ).to.have.length(1);
    });

    it("re-syncs its nonce after another transaction from the same key", async function () {
      const sys = await loadFixture(keeperFixture);
      const { keeper, logger } = makeKeeper(sys);
      keeper.tracker.add(sys.aliceId);
      keeper.tracker.add(sys.carol1Id);
      const [first] = await keeper.liquidateAccounts([sys.aliceId], await ethers.provider.getBlockNumber());
      expect(first.status).to.equal("succeeded");
      // The same key sends something behind the keeper's back: its local nonce is now stale.
      await sys.keeperA.sendTransaction({ to: sys.keeperA.address, value: 1n });
      const [second] = await keeper.liquidateAccounts([sys.carol1Id], await ethers.provider.getBlockNumber());
      expect(second.status).to.equal("succeeded");
      expect(logger.events("send_retry")).to.have.length(1);
      expect(keeper.stats).to.include({ sent: 2, succeeded: 2, failed: 0 });
    });

    it("runs rounds with a checkpoint callback through KeeperRunner", async function () {
      const sys = await loadFixture(keeperFixture);
      const { keeper } = makeKeeper(sys);
      const checkpoints: number[] = [];
      const runner = new KeeperRunner({
        keeper,
        provider: ethers.provider,
        logger: new MemoryLogger(),
        startBlock: 0,
        pollIntervalMs: 10,
        maxBlockRange: 5,
        checkpoint: (block) => void checkpoints.push(block),
      });
      const head = await ethers.provider.getBlockNumber();
      const first = await runner.round();
      expect(first).to.deep.equal({ head, scannedFrom: 0, checked: true });
      expect(checkpoints[checkpoints.length - 1]).to.equal(head);
      expect(checkpoints.length).to.equal(Math.ceil((head + 1) / 5));
      expect(keeper.tracker.size).to.equal(4);
      expect(keeper.stats.succeeded).to.equal(2);
      const second = await runner.round(); // the two liquidations mined two blocks
      expect(second.scannedFrom).to.equal(head + 1);
      expect((await runner.round()).checked).to.equal(false); // nothing new
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

  describe("Keeper on the Hardhat network: collateral and bad debt", function () {
    /**
     * Two accounts with only WETH as collateral, long ETH: Dave 5 WETH and 28 ETH (7x his haircut collateral),
     * Erin 1 WETH and 7.5 ETH (9.4x). ETH then falls 12% to 2,640: both lose their whole position in one
     * liquidation (Dave's equity, ~$430, is under the 1% penalty; Erin's is negative), which leaves the USDC debt on
     * the account because WETH is left. Dave's WETH covers his debt; Erin's does not: the rest is bad debt.
     */
    async function debtFixture() {
      const sys = await fundedFixture();
      const [dave, erin] = [sys.signers[5], sys.signers[6]];
      const weth = await sys.weth.getAddress();
      for (const [who, amount, size] of [
        [dave, WAD(5), WAD(28)],
        [erin, WAD(1), WAD("7.5")],
      ] as const) {
        await sys.weth.mint(who.address, amount);
        await sys.weth.connect(who).approve(await sys.vault.getAddress(), ethers.MaxUint256);
        await sys.vault.connect(who).deposit(0, weth, amount);
        await sys.clearinghouse.connect(who).trade(0, ETH, size, ethers.MaxUint256);
      }
      await sys.ethFeed.updateAnswer(FEED(2640));
      return {
        ...sys,
        dave,
        erin,
        wethAddress: weth,
        daveId: refAccountIdOf(dave.address, 0),
        erinId: refAccountIdOf(erin.address, 0),
        keeperA: sys.signers[10],
        keeperB: sys.signers[11],
      };
    }
    type DebtSystem = Awaited<ReturnType<typeof debtFixture>>;

    const makeKeeper = (sys: DebtSystem, signer = sys.keeperA, options: Partial<Keeper["options"]> = {}) => {
      const logger = new MemoryLogger();
      const keeper = new Keeper({
        clearinghouse: sys.clearinghouse,
        vault: sys.vault,
        signer,
        logger,
        receiptPollMs: 10,
        ...options,
      });
      keeper.tracker.add(sys.daveId);
      keeper.tracker.add(sys.erinId);
      return { keeper, logger };
    };
    const fund = async (sys: DebtSystem, who: { address: string }, amount: bigint) =>
      sys.usdc.mint(who.address, amount);
    const usdcOf = async (sys: DebtSystem, id: bigint) =>
      sys.vault.balanceOf(id, await sys.usdc.getAddress());

    it("liquidates the positions, repays each debt with the WETH, then settles what the WETH could not cover", async function () {
      const sys = await loadFixture(debtFixture);
      await fund(sys, sys.keeperA, USDC(20_000));
      const { keeper, logger } = makeKeeper(sys);
      const usdc = await sys.usdc.getAddress();
      const ethPrice = WAD(2640);
      const discount = (await sys.vault.collateralConfig(sys.wethAddress)).liquidationDiscount;

      // Round 1: both liquidated in full; each debt is then met with the account's WETH.
      const start = await ethers.provider.getBlockNumber();
      const round1 = await keeper.checkAndLiquidate();
      // Liquidations in account order, then the debts, largest first (Dave's).
      const [low, high] = sys.daveId < sys.erinId ? [sys.daveId, sys.erinId] : [sys.erinId, sys.daveId];
      expect(round1.map((o) => [o.action, o.accountId, o.status])).to.deep.equal([
        ["liquidate", low, "succeeded"],
        ["liquidate", high, "succeeded"],
        ["liquidateCollateral", sys.daveId, "succeeded"],
        ["liquidateCollateral", sys.erinId, "succeeded"],
      ]);
      const liquidated = await sys.clearinghouse.queryFilter(
        sys.clearinghouse.filters.Liquidated(),
        start + 1,
      );
      const byAccount = new Map(liquidated.map((e) => [e.args.accountId, e.args]));
      expect(byAccount.get(sys.daveId)!.fraction).to.equal(WAD(1));
      expect(byAccount.get(sys.daveId)!.equityBefore).to.be.greaterThan(0n);
      expect(byAccount.get(sys.erinId)!.fraction).to.equal(WAD(1));
      expect(byAccount.get(sys.erinId)!.equityBefore).to.be.lessThan(0n);
      expect(await sys.clearinghouse.positionCount(sys.daveId)).to.equal(0n);

      const seizedEvents = await sys.vault.queryFilter(sys.vault.filters.CollateralLiquidated(), start + 1);
      expect(seizedEvents).to.have.length(2);
      for (const e of seizedEvents) {
        const { accountId, keeper: by, token, repaid, seized, price } = e.args;
        expect(by).to.equal(sys.keeperA.address);
        expect(token).to.equal(sys.wethAddress);
        expect(price).to.equal(ethPrice);
        // The debt the account had just before, from its balance in the block before the seizure.
        const debt = -(await sys.vault.balanceOf(accountId, usdc, { blockTag: e.blockNumber - 1 }));
        const held = await sys.vault.balanceOf(accountId, sys.wethAddress, { blockTag: e.blockNumber - 1 });
        const ref = refCollateralLiquidation({
          debt,
          repayAmount: debt,
          held,
          decimals: 18,
          priceWad: ethPrice,
          discount,
          toWad: 10n ** 12n,
        });
        expect([repaid, seized]).to.deep.equal([ref.repaid, ref.seized]);
        expect(ref.clamped).to.equal(accountId === sys.erinId);
      }
      // Dave: no debt left, 0.8 WETH left (4.2 went to the keeper). Erin: no WETH, some debt left.
      expect(await usdcOf(sys, sys.daveId)).to.equal(0n);
      expect(await sys.vault.balanceOf(sys.daveId, sys.wethAddress)).to.be.greaterThan(0n);
      expect(await sys.vault.balanceOf(sys.erinId, sys.wethAddress)).to.equal(0n);
      expect(await sys.vault.accountCollaterals(sys.erinId)).to.deep.equal([]);
      const erinDebt = -(await usdcOf(sys, sys.erinId));
      expect(erinDebt).to.be.greaterThan(0n);
      const repaidTotal = seizedEvents.reduce((sum, e) => sum + e.args.repaid, 0n);
      const seizedTotal = seizedEvents.reduce((sum, e) => sum + e.args.seized, 0n);
      expect(await sys.usdc.balanceOf(sys.keeperA.address)).to.equal(USDC(20_000) - repaidTotal);
      expect(await sys.weth.balanceOf(sys.keeperA.address)).to.equal(seizedTotal);
      expect(keeper.stats.collateralRepaid).to.equal(repaidTotal);
      expect(keeper.stats.collateralLiquidations.succeeded).to.equal(2);
      expect(logger.events("settlement_approved")).to.have.length(1);
      const logged = logger.events("collateral_liquidated");
      expect(logged.map((l) => l.accountId)).to.have.members([sys.daveId, sys.erinId]);
      expect(logged[0]).to.include.keys(
        "token",
        "symbol",
        "repaidUsdc",
        "repaidRaw",
        "seizedToken",
        "seizedRaw",
        "txHash",
        "block",
        "debtAfterUsdc",
      );
      for (const e of seizedEvents) {
        const line = logged.find((l) => l.accountId === e.args.accountId)!;
        expect(line).to.include({
          symbol: "WETH",
          repaidRaw: e.args.repaid,
          repaidUsdc: ethers.formatUnits(e.args.repaid, 6),
          seizedRaw: e.args.seized,
          seizedToken: ethers.formatUnits(e.args.seized, 18),
          priceUsd: "2640.0",
        });
      }
      expect(logged.find((l) => l.accountId === sys.daveId)!.debtAfterUsdc).to.equal("0.0");

      // The liquidation log says whether it left bad debt: Erin's (negative equity) left debt her WETH does not
      // cover, booked against it (BadDebtBooked in the same transaction); Dave's left none.
      const liquidationLines = logger.events("liquidation_succeeded");
      const erinLine = liquidationLines.find((l) => l.accountId === sys.erinId)!;
      const [booked] = await sys.vault.queryFilter(
        sys.vault.filters.BadDebtBooked(sys.erinId),
        erinLine.block as number,
        erinLine.block as number,
      );
      expect(booked.args.booked).to.be.greaterThan(0n);
      expect(erinLine).to.include({
        leftBadDebt: true,
        badDebtCover: "booked",
        badDebtRaw: booked.args.booked,
        badDebtUsdc: ethers.formatUnits(booked.args.booked, 6),
      });
      expect(liquidationLines.find((l) => l.accountId === sys.daveId)).to.include({ leftBadDebt: false });
      expect(round1.find((o) => o.action === "liquidate" && o.accountId === sys.erinId)).to.include({
        badDebt: booked.args.booked,
      });

      // Round 2: Erin has neither positions nor WETH: her debt goes through the waterfall. (Her equity is negative
      // with no positions, so `liquidatable` reports her — `liquidate` would close nothing: the keeper uses
      // settleBadDebt.)
      expect(await sys.clearinghouse.isLiquidatable(sys.erinId)).to.equal(true);
      const insuranceBefore = await sys.vault.insuranceBalance();
      const poolBefore = await sys.vault.poolBalance();
      const round2 = await keeper.checkAndLiquidate();
      expect(round2.map((o) => [o.action, o.accountId, o.status])).to.deep.equal([
        ["settleBadDebt", sys.erinId, "succeeded"],
      ]);
      const [settled] = await sys.vault.queryFilter(sys.vault.filters.BadDebtSettled(sys.erinId));
      const { badDebt, insuranceDraw, poolWriteOff, unrecovered } = settled.args;
      expect(badDebt).to.equal(erinDebt);
      expect(insuranceDraw).to.equal(insuranceBefore < badDebt ? insuranceBefore : badDebt);
      expect(poolWriteOff).to.equal(badDebt - insuranceDraw);
      expect(unrecovered).to.equal(0n);
      expect(await sys.vault.poolBalance()).to.equal(poolBefore - poolWriteOff);
      expect(await usdcOf(sys, sys.erinId)).to.equal(0n);
      expect(logger.events("bad_debt_settled")[0]).to.include({
        level: "info",
        accountId: sys.erinId,
        badDebtRaw: badDebt,
        badDebtUsdc: ethers.formatUnits(badDebt, 6),
        insuranceDrawRaw: insuranceDraw,
        poolWriteOffRaw: poolWriteOff,
        poolWriteOffUsdc: ethers.formatUnits(poolWriteOff, 6),
        unrecoveredRaw: 0n,
        unrecoveredUsdc: "0.0",
      });
      // Erin is `liquidatable` on chain (negative equity) but holds no position: not counted as liquidatable.
      expect(await sys.clearinghouse.positionCount(sys.erinId)).to.equal(0n);
      expect(keeper.stats.liquidatableAtLastCheck).to.equal(0);
      expect(logger.events("accounts_checked").at(-1)).to.include({ liquidatable: 0, withoutPositions: 1 });
      expect(keeper.stats.badDebtSettlements.succeeded).to.equal(1);
      expect(keeper.stats.badDebtSettled).to.equal(badDebt);

      // Nothing owed any more: the watch list empties and the next round does nothing.
      expect(await keeper.checkAndLiquidate()).to.deep.equal([]);
      expect(keeper.debtAccounts()).to.deep.equal([]);
      expect(logger.entries.filter((e) => e.level === "error" || e.level === "warn")).to.deep.equal([]);

      // A fresh keeper that only reads the logs finds the liquidated accounts for its debt pass too.
      const fresh = makeKeeper(sys, sys.keeperB).keeper;
      await fresh.scanLogs(0, await ethers.provider.getBlockNumber());
      expect(fresh.debtAccounts()).to.have.members([sys.daveId, sys.erinId]);
      expect(await fresh.processDebts()).to.deep.equal([]); // nothing owed: dropped
      expect(fresh.debtAccounts()).to.deep.equal([]);
    });

    it("without USDC in its wallet warns once and skips, and goes on once funded; it settles bad debt unfunded", async function () {
      const sys = await loadFixture(debtFixture);
      const { keeper, logger } = makeKeeper(sys);
      const round1 = await keeper.checkAndLiquidate();
      const skips = round1.filter((o) => o.action === "liquidateCollateral");
      expect(skips.map((o) => [o.status, "reason" in o && o.reason])).to.deep.equal([
        ["skipped", "no_funds"],
        ["skipped", "no_funds"],
      ]);
      expect(keeper.stats.collateralLiquidations.no_funds).to.equal(2);
      expect(logger.events("insufficient_funds")).to.have.length(1);
      const warning = logger.events("insufficient_funds")[0];
      expect(warning).to.include({ level: "warn", walletUsdc: "0.0", accounts: 2 });
      const shortfall = -(await usdcOf(sys, sys.daveId)) - (await usdcOf(sys, sys.erinId));
      expect(warning.shortfallRaw).to.equal(shortfall);
      expect(warning.shortfallUsdc).to.equal(ethers.formatUnits(shortfall, 6));
      expect(logger.events("settlement_approved")).to.have.length(0); // nothing to approve for

      // A standing decision is not logged (nor counted) again every round.
      await keeper.checkAndLiquidate();
      expect(keeper.stats.collateralLiquidations.no_funds).to.equal(2);
      expect(logger.events("insufficient_funds").filter((e) => e.level === "warn")).to.have.length(1);
      expect(
        logger.events("collateral_liquidation_skipped").filter((e) => e.level === "info"),
      ).to.have.length(2);

      // Funded with 1,000 USDC: it repays that much of the largest debt (Dave's); Erin's waits.
      await fund(sys, sys.keeperA, USDC(1_000));
      const round3 = await keeper.checkAndLiquidate();
      const sent = round3.filter((o) => o.status === "succeeded");
      expect(sent.map((o) => [o.action, o.accountId])).to.deep.equal([["liquidateCollateral", sys.daveId]]);
      expect(sent[0].action === "liquidateCollateral" && sent[0].repaid).to.equal(USDC(1_000));
      expect(await sys.usdc.balanceOf(sys.keeperA.address)).to.equal(0n);
      expect(logger.events("insufficient_funds").filter((e) => e.level === "warn")).to.have.length(2);

      // Erin: her WETH taken by another keeper, the bad debt is settled by ours without any USDC.
      const b = makeKeeper(sys, sys.keeperB);
      await fund(sys, sys.keeperB, USDC(50_000));
      b.keeper.watchDebt(sys.erinId);
      const [taken] = await b.keeper.processDebts();
      expect(taken).to.include({ action: "liquidateCollateral", status: "succeeded" });
      const round4 = await keeper.checkAndLiquidate();
      expect(round4.find((o) => o.accountId === sys.erinId)).to.include({
        action: "settleBadDebt",
        status: "succeeded",
      });
      expect(await usdcOf(sys, sys.erinId)).to.equal(0n);
    });

    it("splits a debt by the per-transaction budget and skips a liquidation below the minimum profit", async function () {
      const sys = await loadFixture(debtFixture);
      await fund(sys, sys.keeperA, USDC(20_000));
      const { keeper } = makeKeeper(sys, sys.keeperA, { maxRepayPerTx: USDC(2_000) });
      await keeper.checkAndLiquidate();
      const first = await sys.vault.queryFilter(sys.vault.filters.CollateralLiquidated(sys.daveId));
      expect(first.map((e) => e.args.repaid)).to.deep.equal([USDC(2_000)]);
      // One budget per pass, until Dave's WETH covers what is left with the Vault's buffer (DESIGN §12): each repayment
      // takes 0.84 of its value off the haircut value, so the coverage improves until he is left alone.
      for (let pass = 0; pass < 4; pass++) await keeper.checkAndLiquidate();
      const all = await sys.vault.queryFilter(sys.vault.filters.CollateralLiquidated(sys.daveId));
      expect(all.map((e) => e.args.repaid)).to.deep.equal([USDC(2_000), USDC(2_000), USDC(2_000)]);
      const rest = -(await usdcOf(sys, sys.daveId));
      expect(rest).to.be.greaterThan(0n);
      const weth = await sys.vault.balanceOf(sys.daveId, sys.wethAddress);
      const haircut = (weth * WAD(2640) * WAD("0.8")) / WAD(1) / WAD(1);
      expect(haircut).to.be.at.least((rest * 10n ** 12n * WAD("1.1")) / WAD(1));
      await expect(sys.vault.connect(sys.keeperA).liquidateCollateral(sys.daveId, sys.wethAddress, 1n))
        .to.be.revertedWithCustomError(sys.vault, "VaultCollateralNotLiquidatable")
        .withArgs(sys.daveId);

      // $1,000,000 minimum profit: nothing is worth it.
      const sys2 = await loadFixture(debtFixture);
      await fund(sys2, sys2.keeperA, USDC(20_000));
      const greedy = makeKeeper(sys2, sys2.keeperA, { minProfitUsd: WAD(1_000_000) });
      const outcomes = await greedy.keeper.checkAndLiquidate();
      expect(
        outcomes.filter((o) => o.action === "liquidateCollateral").map((o) => "reason" in o && o.reason),
      ).to.deep.equal(["unprofitable", "unprofitable"]);
      expect(greedy.keeper.stats.collateralLiquidations.unprofitable).to.equal(2);
      const line = greedy.logger.events("collateral_liquidation_skipped")[0];
      expect(line).to.include.keys("profitUsd", "gasCostUsd", "minProfitUsd");
      expect(Number(line.gasCostUsd)).to.be.greaterThan(0); // priced with the ETH feed
    });

    it("logs a collateral liquidation another keeper got to first as `lost`, not as an error", async function () {
      const sys = await loadFixture(debtFixture);
      await fund(sys, sys.keeperA, USDC(20_000));
      await fund(sys, sys.keeperB, USDC(20_000));
      const a = makeKeeper(sys, sys.keeperA);
      const b = makeKeeper(sys, sys.keeperB);
      await a.keeper.liquidateAccounts([sys.daveId], await ethers.provider.getBlockNumber());
      const stale = await ethers.provider.getBlockNumber();
      b.keeper.watchDebt(sys.daveId);
      await b.keeper.processDebts(); // B repays Dave's whole debt
      const [outcome] = await a.keeper.processDebts(stale); // A decided on the state before B's transaction
      expect(outcome).to.include({
        action: "liquidateCollateral",
        status: "lost",
        winner: sys.keeperB.address,
      });
      expect(a.keeper.stats.collateralLiquidations).to.include({ lost: 1, failed: 0, succeeded: 0 });
      expect(a.logger.events("collateral_liquidation_lost")[0]).to.include({ level: "info" });
      expect(a.logger.entries.filter((e) => e.level === "error")).to.deep.equal([]);
      expect(await sys.usdc.balanceOf(sys.keeperA.address)).to.equal(USDC(20_000));
    });
  });
});
