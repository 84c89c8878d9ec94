import { inspect } from "node:util";
import { expect } from "chai";
import { ethers } from "ethers";
import {
  describeValue,
  decodeRevert,
  decodeRevertData,
  errorMessage,
  findRevertData,
  formatRevert,
  rawRevertArgs,
  revertArgs,
} from "../../../scripts/common/errors";
import { isNonceError, isTransientError, withRetry } from "../../../scripts/common/retry";

const iface = new ethers.Interface([
  "error ClearinghousePoolOpenInterestCapExceeded(uint256 marketId, uint256 notional, uint256 cap)",
  "error ClearinghouseInsufficientMargin(uint256 accountId, int256 equity, uint256 initialMargin)",
  "error VaultInsufficientBalance(uint256 accountId, address token, int256 balance, uint256 needed)",
  "error ClearinghouseInvalidParameter(bytes32 name, uint256 value)",
  "error PoolWithdrawalNotReady(address owner, uint256 unlockTime, uint256 blockTimestamp)",
]);
// The selector and arguments of `PoolOpenInterestCapExceeded(0, 6000e18, 0)`, ABI-encoded by hand.
const word = (n: bigint) => n.toString(16).padStart(64, "0");
const capData =
  ethers.id("ClearinghousePoolOpenInterestCapExceeded(uint256,uint256,uint256)").slice(0, 10) +
  word(0n) +
  word(6000n * 10n ** 18n) +
  word(0n);

describe("common/errors", function () {
  it("finds revert data however the provider nests it, inside a message too", function () {
    for (const err of [
      { data: capData },
      { code: "CALL_EXCEPTION", info: { error: { data: capData } } },
      { error: { error: { data: capData } } },
      { cause: { data: { data: capData } } },
      { errors: [{ message: "no" }, { revertData: capData }] },
      new Error(`VM Exception: reverted with an unrecognized custom error (return data: ${capData})`),
      { error: { message: `execution reverted (return data: ${capData})` } },
    ]) {
      expect(findRevertData(err)).to.equal(capData);
    }
    expect(findRevertData({ data: "0x" })).to.equal(undefined);
    expect(findRevertData(new Error("socket hang up"))).to.equal(undefined);
  });

  it("decodes custom errors with their named arguments in human units", function () {
    const decoded = decodeRevertData(capData, [iface])!;
    expect(decoded.name).to.equal("ClearinghousePoolOpenInterestCapExceeded");
    expect(Array.from(decoded.args as ArrayLike<unknown>)).to.deep.equal([0n, 6000n * 10n ** 18n, 0n]);
    expect(formatRevert(decoded)).to.equal(
      "ClearinghousePoolOpenInterestCapExceeded(marketId=0, notional=$6,000, cap=$0)",
    );
    expect(rawRevertArgs(decoded)).to.deep.equal({
      marketId: "0",
      notional: "6000000000000000000000",
      cap: "0",
    });

    const margin = iface.encodeErrorResult("ClearinghouseInsufficientMargin", [
      7n,
      -502_502_000_000_000_000n,
      600n * 10n ** 18n,
    ]);
    expect(formatRevert(decodeRevert({ data: margin }, [iface])!)).to.equal(
      "ClearinghouseInsufficientMargin(accountId=7, equity=-$0.502502, initialMargin=$600)",
    );

    const usdc = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const balance = iface.encodeErrorResult("VaultInsufficientBalance", [7n, usdc, 1_500_000n, 2_000_000n]);
    const tokens = new Map([[usdc, { symbol: "USDC", decimals: 6 }]]);
    expect(revertArgs(decodeRevertData(balance, [iface])!, { tokens })).to.deep.equal([
      { name: "accountId", value: "7" },
      { name: "token", value: usdc },
      { name: "balance", value: "1.5 USDC" },
      { name: "needed", value: "2 USDC" },
    ]);
    // Without the token's decimals, token amounts stay integers rather than being guessed.
    expect(formatRevert(decodeRevertData(balance, [iface])!)).to.contain("balance=1500000, needed=2000000");

    const param = iface.encodeErrorResult("ClearinghouseInvalidParameter", [
      ethers.encodeBytes32String("imf"),
      5n,
    ]);
    expect(formatRevert(decodeRevertData(param, [iface])!)).to.equal(
      'ClearinghouseInvalidParameter(name="imf", value=5)',
    );

    const notReady = iface.encodeErrorResult("PoolWithdrawalNotReady", [
      usdc,
      1_767_225_600n,
      1_767_225_000n,
    ]);
    expect(formatRevert(decodeRevertData(notReady, [iface])!)).to.equal(
      `PoolWithdrawalNotReady(owner=${usdc}, unlockTime=2026-01-01T00:00:00Z, blockTimestamp=2025-12-31T23:50:00Z)`,
    );
  });

  it("decodes Error(string) and Panic(uint256) without any interface", function () {
    const reason = "0x08c379a0" + word(32n) + word(4n) + Buffer.from("nope").toString("hex").padEnd(64, "0");
    expect(formatRevert(decodeRevertData(reason, [])!)).to.equal('Error(reason="nope")');
    const panic = "0x4e487b71" + word(0x11n);
    expect(formatRevert(decodeRevertData(panic, [])!)).to.equal("Panic(code=0x11)");
    expect(decodeRevertData("0xdeadbeef", [iface])).to.equal(undefined);
  });

  it("gives one line for any error", function () {
    expect(errorMessage({ shortMessage: "could not decode result data", message: "long\nstack" })).to.equal(
      "could not decode result data",
    );
    expect(errorMessage(new Error("first line\n    at foo (bar.ts:1)"))).to.equal("first line");
    expect(errorMessage("plain")).to.equal("plain");
    // An object without a message (a JSON-RPC error body) is shown, not `[object Object]`.
    expect(errorMessage({ code: 4001, reason: "user rejected" })).to.equal(
      "{ code: 4001, reason: 'user rejected' }",
    );
    expect(errorMessage(undefined)).to.equal("undefined");
  });

  it("shows values as Node's inspect does on one line, without Node (browser-safe)", function () {
    const values: unknown[] = [
      { code: 4001, reason: "user rejected" },
      { nested: { list: [1, "two", 3n], none: null, gone: undefined }, "odd-key": true },
      [],
      {},
      "it's",
      function named() {},
    ];
    for (const value of values) {
      expect(describeValue(value)).to.equal(inspect(value, { breakLength: Infinity, depth: 2 }));
    }
  });

  it("tells transient failures from reverts and nonce conflicts", function () {
    expect(isTransientError({ code: "NETWORK_ERROR" })).to.equal(true);
    expect(isTransientError(new Error("connect ECONNREFUSED 127.0.0.1:8545"))).to.equal(true);
    expect(isTransientError({ code: "CALL_EXCEPTION", data: capData })).to.equal(false);
    expect(isTransientError(new Error(`failed (return data: ${capData})`))).to.equal(false);
    expect(isNonceError(new Error("Nonce too low. Expected nonce to be 5 but got 4."))).to.equal(true);
    expect(isNonceError({ code: "NONCE_EXPIRED" })).to.equal(true);
    expect(isNonceError(new Error("execution reverted"))).to.equal(false);
  });

  it("retries transient failures with doubling delays, and nothing else", async function () {
    const delays: number[] = [];
    let calls = 0;
    // Providers reject with Errors carrying `code` and `data`.
    const timeout = Object.assign(new Error("request timeout"), { code: "TIMEOUT" });
    const reverted = Object.assign(new Error("execution reverted"), { data: capData });
    const sleep = (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    };
    const result = await withRetry(() => (++calls < 3 ? Promise.reject(timeout) : Promise.resolve("ok")), {
      attempts: 4,
      baseDelayMs: 10,
      sleep,
    });
    expect(result).to.equal("ok");
    expect(delays).to.deep.equal([10, 20]);
    calls = 0;
    const failed = await withRetry(() => (calls++, Promise.reject(reverted)), {
      attempts: 4,
      baseDelayMs: 1,
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).to.equal(reverted); // a revert is thrown at once, never retried
    expect(calls).to.equal(1);
  });
});
