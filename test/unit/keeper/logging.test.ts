/**
 * The JSON log lines (pure).
 */
import { expect } from "chai";
import { formatLogLine, jsonLogger } from "../../../scripts/keeper";

describe("Keeper: logging", function () {
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
