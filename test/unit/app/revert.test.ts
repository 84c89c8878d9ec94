/**
 * A failed transaction in words (app/src/lib/revert.ts): the tools' decoder (scripts/common/errors.ts) with the units
 * of scripts/common/errorUnits.ts, as a sentence; a wallet's refusal as its message.
 */
import { expect } from "chai";
import { IClearinghouse__factory, ILiquidityPool__factory } from "../../../typechain-types";
import { revertMessage, words } from "../../../app/src/lib/revert";

const WAD = 10n ** 18n;
const clearinghouse = IClearinghouse__factory.createInterface();
const pool = ILiquidityPool__factory.createInterface();

describe("app revert messages", function () {
  it("puts a custom error's name and arguments in words with units", function () {
    const data = clearinghouse.encodeErrorResult("ClearinghouseInsufficientMargin", [
      7n,
      -WAD / 2n,
      600n * WAD,
    ]);
    // As ethers nests it for a failed estimateGas through a BrowserProvider.
    const err = { code: "CALL_EXCEPTION", info: { error: { code: -32603, data: { data } } } };
    expect(revertMessage(err, [clearinghouse])).to.equal(
      "Clearinghouse insufficient margin: equity -$0.5, initial margin $600 (ClearinghouseInsufficientMargin)",
    );
    const early = pool.encodeErrorResult("PoolWithdrawalNotReady", [
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      1_767_225_600n,
      1_767_139_200n,
    ]);
    expect(revertMessage({ data: early }, [pool])).to.equal(
      "Pool withdrawal not ready: unlock time 2026-01-01T00:00:00Z, block timestamp 2025-12-31T00:00:00Z " +
        "(PoolWithdrawalNotReady)",
    );
  });

  it("gives a wallet's refusal or an unknown error as its one line", function () {
    expect(
      revertMessage({ code: 4001, message: "User rejected the request.\nmore" }, [clearinghouse]),
    ).to.equal("User rejected the request.");
    expect(revertMessage({ data: "0xdeadbeef" }, [clearinghouse])).to.equal("{ data: '0xdeadbeef' }");
  });

  it("splits names into words", function () {
    expect(words("OrderBookNotReduceOnly")).to.equal("Order book not reduce only");
    expect(words("initialMargin")).to.equal("initial margin");
  });
});
