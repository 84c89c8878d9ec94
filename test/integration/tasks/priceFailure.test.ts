import { expect } from "chai";
import { ethers } from "ethers";
import { PriceOracle__factory } from "../../../typechain-types";
import { describeFailure as describe_ } from "../../../scripts/tasks/frame/failure";
import {
  duration,
  explainPriceFailure,
  priceFailureCell,
  utc,
} from "../../../scripts/tasks/frame/priceFailure";

const describeFailure = (err: unknown, interfaces: ethers.Interface[]) =>
  describe_(err, { interfaces, network: "localhost", settlement: { symbol: "USDC", decimals: 6 } });

/** 2026-01-01T00:00:00Z and 2030-01-01T00:00:01Z, written out. */
const JAN_2026 = 1_767_225_600;
const JAN_2030_PLUS_1S = 1_893_456_001;
const FEED = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9";

describe("tasks: oracle failures in words", function () {
  const oracle = PriceOracle__factory.createInterface();
  /** A revert as a JSON-RPC node reports it: the error's data somewhere in the thrown object. */
  const reverted = (data: string) => Object.assign(new Error("execution reverted"), { data });

  it("explains a stale price (age, limit, how to re-post it) on one line, for the markets table's notes", function () {
    const data = oracle.encodeErrorResult("OracleStalePrice", [
      ethers.encodeBytes32String("ETH"),
      FEED,
      JAN_2026,
      86_400,
      JAN_2030_PLUS_1S,
    ]);
    const failure = describeFailure(reverted(data), [oracle]);
    // 2026-01-01 → 2030-01-01 is 1,461 days (2028 is a leap year): 4 years of 365 days and 1 day, plus 1 second.
    expect(failure.revert && explainPriceFailure(failure.revert)).to.equal(
      `the ETH price is stale: its feed ${FEED} was last updated 2026-01-01 00:00:00 UTC, ` +
        "4 y 1 d before the chain's time 2030-01-01 00:00:01 UTC (the limit is 1 d); " +
        "on a local chain re-post it: npx hardhat mock:set-price --asset ETH --price <USD>",
    );
    expect(failure.message).not.to.contain("\n");
    expect(failure.message).to.match(/^reverted: OracleStalePrice\(asset="ETH"/);
    expect(failure.revert && priceFailureCell(failure.revert)).to.equal("stale price");
  });

  it("leaves other reverts in their decoded form", function () {
    const data = oracle.encodeErrorResult("OracleUnknownAsset", [ethers.encodeBytes32String("DOGE")]);
    const failure = describeFailure(reverted(data), [oracle]);
    expect(failure.message).to.match(/^reverted: OracleUnknownAsset\(.*DOGE.*\)$/);
    expect(failure.revert && explainPriceFailure(failure.revert)).to.equal(undefined);
    expect(failure.revert && priceFailureCell(failure.revert)).to.equal("OracleUnknownAsset");
  });

  it("writes durations in their two largest units and times in UTC", function () {
    expect(duration(0)).to.equal("0 s");
    expect(duration(59)).to.equal("59 s");
    expect(duration(3_600)).to.equal("1 h");
    expect(duration(86_400 + 2 * 3_600 + 5)).to.equal("1 d 2 h");
    expect(duration(90)).to.equal("1 min 30 s");
    expect(utc(JAN_2026)).to.equal("2026-01-01 00:00:00 UTC");
  });
});
