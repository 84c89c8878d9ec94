/**
 * The `hardhat keeper` task (no transactions): its options, its signer, and a bad start as one line and exit status 1.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ethers } from "hardhat";
import { MemoryLogger } from "../../../scripts/keeper";
import { KEY_ENV, keeperMain, parseDeleverageMarkets, runKeeperTask } from "../../../scripts/keeper/cli";
import { LOCAL_KEEPER_ACCOUNT_INDEX, resolveKeeperSigner } from "../../../scripts/keeper/signer";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { keeperArgs, writeIgnitionAddresses } from "./helpers";

describe("Keeper: task", function () {
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
      "orders",
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
      ethers: { getSigners: () => Promise.resolve([account0]) },
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
      const args = keeperArgs();
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
      writeIgnitionAddresses(root, "chain-11155111", {
        "Keel#Vault": "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
        "Keel#Clearinghouse": "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
      });
      const fakeHre = {
        network: { name: "sepolia" },
        config: { paths: { ignition: root } },
        ethers: {
          provider: {
            getNetwork: () => Promise.resolve({ chainId: 11155111n }),
            getCode: () => Promise.resolve("0x6080"),
          },
        },
      } as unknown as HardhatRuntimeEnvironment;
      const args = keeperArgs();
      await expect(runKeeperTask(args, fakeHre)).to.be.rejectedWith(/KEEPER_PRIVATE_KEY is not set/);
      await expect(runKeeperTask({ ...args, batchSize: 0 }, fakeHre)).to.be.rejectedWith(/--batch-size/);
      await expect(runKeeperTask({ ...args, minProfit: "-1" }, fakeHre)).to.be.rejectedWith(/--min-profit/);
      await expect(runKeeperTask({ ...args, maxRepay: "0" }, fakeHre)).to.be.rejectedWith(/--max-repay/);
      await expect(runKeeperTask({ ...args, maxRepay: "5k" }, fakeHre)).to.be.rejectedWith(/--max-repay/);
      await expect(runKeeperTask({ ...args, deleverage: "eth" }, fakeHre)).to.be.rejectedWith(
        /--deleverage must be "all", "none" or market ids such as 0,1, got eth/,
      );
      await expect(runKeeperTask({ ...args, deploymentId: "nope" }, fakeHre)).to.be.rejectedWith(
        /no Ignition deployment/,
      );
    } finally {
      if (saved !== undefined) process.env[KEY_ENV] = saved;
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads --deleverage as every market (the default), none, or a list of market ids", function () {
    expect(parseDeleverageMarkets(undefined)).to.equal("all");
    expect(parseDeleverageMarkets("all")).to.equal("all");
    expect(parseDeleverageMarkets("none")).to.deep.equal([]);
    expect(parseDeleverageMarkets("1, 0,1")).to.deep.equal([1n, 0n]);
    for (const bad of ["", "-1", "0,,1", "ETH", "0x1"]) {
      expect(() => parseDeleverageMarkets(bad), bad).to.throw(/--deleverage must be/);
    }
  });
});
