/**
 * Reading failures (pure): revert data however the provider nests it, transient and nonce errors, bounded retries.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  decodeRevertData,
  findRevertData,
  isNonceError,
  isTransientError,
  withRetry,
} from "../../../scripts/keeper";

describe("Keeper: errors", function () {
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
    // Providers reject with Errors carrying `code` and `data`.
    const networkError = Object.assign(new Error("network error"), { code: "NETWORK_ERROR" });
    const reverted = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data });
    const flaky = () => {
      calls++;
      return calls < 3 ? Promise.reject(networkError) : Promise.resolve("ok");
    };
    const sleep = (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    };
    expect(await withRetry(flaky, { attempts: 4, baseDelayMs: 100, sleep })).to.equal("ok");
    expect(delays).to.deep.equal([100, 200]);

    calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(networkError);
    };
    await expect(withRetry(down, { attempts: 3, baseDelayMs: 1, sleep })).to.be.rejected;
    expect(calls).to.equal(3);

    calls = 0;
    const reverting = () => {
      calls++;
      return Promise.reject(reverted);
    };
    await expect(withRetry(reverting, { attempts: 3, baseDelayMs: 1, sleep })).to.be.rejected;
    expect(calls).to.equal(1);
  });
});
