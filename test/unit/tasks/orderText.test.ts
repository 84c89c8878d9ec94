/** The order tasks' pure helpers: durations and deadlines in words, sizes of protective orders, the trigger-side check. */
import { expect } from "chai";
import { ethers } from "ethers";
import {
  NO_DEADLINE,
  NO_LIMIT,
  checkTriggerSide,
  conditionalLimit,
  deadlineWords,
  durationWords,
  limitWords,
  orderIdHex,
  parseOrderSize,
  protectiveSize,
  shortOrderId,
  triggerWords,
} from "../../../scripts/tasks/trading/orderText";

const wad = (v: string) => ethers.parseUnits(v, 18);
const LIMIT = 1;
const STOP_LOSS = 2;
const TAKE_PROFIT = 3;

describe("order task helpers", function () {
  it("durationWords: seconds, minutes, hours and days at each boundary", function () {
    expect(durationWords(59n)).to.equal("59 s");
    expect(durationWords(60n)).to.equal("1 min");
    expect(durationWords(61n)).to.equal("1 min 1 s");
    expect(durationWords(3_599n)).to.equal("59 min 59 s");
    expect(durationWords(3_600n)).to.equal("1 h");
    expect(durationWords(3_660n)).to.equal("1 h 1 min");
    expect(durationWords(86_399n)).to.equal("23 h 59 min");
    expect(durationWords(86_400n)).to.equal("1 d");
    expect(durationWords(90_000n)).to.equal("1 d 1 h");
  });

  it("deadlineWords: in the future up to the deadline itself, expired one second after, none for conditional", function () {
    expect(deadlineWords(1_000n, 940n)).to.equal("in 1 min");
    expect(deadlineWords(1_000n, 1_000n)).to.equal("in 0 s");
    expect(deadlineWords(1_000n, 1_001n)).to.equal("expired 1 s ago");
    expect(deadlineWords(NO_DEADLINE, 1_001n)).to.equal("none");
    expect(NO_DEADLINE).to.equal(2n ** 40n - 1n);
  });

  it("triggerWords and limitWords", function () {
    expect(triggerWords({ price: wad("2950.5"), above: false })).to.equal("at or below $2,950.5");
    expect(triggerWords({ price: wad("3300"), above: true })).to.equal("at or above $3,300");
    expect(limitWords(wad("3030"), 1n)).to.equal("max $3,030");
    expect(limitWords(2n ** 128n - 1n, 1n)).to.equal("none");
    expect(NO_LIMIT).to.equal(2n ** 128n - 1n);
    expect(limitWords(wad("2970"), -1n)).to.equal("min $2,970");
    expect(limitWords(0n, -1n)).to.equal("none");
  });

  it("order ids: 0x and 64 hex digits, abbreviated to 8", function () {
    expect(orderIdHex(255n)).to.equal(`0x${"0".repeat(62)}ff`);
    expect(shortOrderId(0xabcdef12345n)).to.equal("0x00000000…");
    expect(shortOrderId(2n ** 255n)).to.equal("0x80000000…");
  });

  it("parseOrderSize: signed, non-zero, with a one-line message otherwise", function () {
    expect(parseOrderSize("1.5")).to.equal(wad("1.5"));
    expect(parseOrderSize("-0.000000000000000001")).to.equal(-1n);
    expect(() => parseOrderSize("0")).to.throw("--size must not be zero");
    expect(() => parseOrderSize(undefined)).to.throw("--size is required");
    expect(() => parseOrderSize("abc")).to.throw('--size: "abc" is not a number');
  });

  it("protectiveSize: the whole position by default, a part against it, refused otherwise", function () {
    expect(protectiveSize(STOP_LOSS, wad("1.5"), undefined, "ETH-PERP")).to.equal(wad("-1.5"));
    expect(protectiveSize(TAKE_PROFIT, wad("-2"), undefined, "ETH-PERP")).to.equal(wad("2"));
    expect(protectiveSize(STOP_LOSS, wad("1.5"), "-1.5", "ETH-PERP")).to.equal(wad("-1.5"));
    expect(() => protectiveSize(STOP_LOSS, wad("1.5"), "-1.500000000000000001", "ETH-PERP")).to.throw(
      "a stop-loss must reduce the long of 1.5 on ETH-PERP",
    );
    expect(() => protectiveSize(STOP_LOSS, wad("1.5"), "0.5", "ETH-PERP")).to.throw("must reduce the long");
    expect(() => protectiveSize(TAKE_PROFIT, 0n, undefined, "ETH-PERP")).to.throw(
      "no open position on ETH-PERP for a take-profit to close",
    );
  });

  it("checkTriggerSide: a stop-loss or take-profit already crossed is refused, one unit away it is not", function () {
    const price = wad("3000");
    // A long's stop-loss sells at or below: a trigger at the price is crossed, one wei below is not.
    expect(() => checkTriggerSide(STOP_LOSS, -1n, price, price)).to.throw(
      "a stop-loss of a long triggers at or below $3,000, and the price is already $3,000",
    );
    expect(() => checkTriggerSide(STOP_LOSS, -1n, price - 1n, price)).not.to.throw();
    // A long's take-profit sells at or above.
    expect(() => checkTriggerSide(TAKE_PROFIT, -1n, price, price)).to.throw("pick a trigger above the price");
    expect(() => checkTriggerSide(TAKE_PROFIT, -1n, price + 1n, price)).not.to.throw();
    // A short's stop-loss buys at or above.
    expect(() => checkTriggerSide(STOP_LOSS, 1n, price, price)).to.throw("a stop-loss of a short");
    expect(() => checkTriggerSide(STOP_LOSS, 1n, price + 1n, price)).not.to.throw();
    // A marketable limit order is allowed.
    expect(() => checkTriggerSide(LIMIT, 1n, price + 1n, price)).not.to.throw();
  });

  it("conditionalLimit: the trigger moved against the trader by the slippage, or the explicit price", function () {
    const onePercent = wad("0.01");
    expect(conditionalLimit(wad("2950"), 1n, onePercent)).to.equal(wad("2979.5"));
    expect(conditionalLimit(wad("2800"), -1n, onePercent)).to.equal(wad("2772"));
    expect(conditionalLimit(wad("2800"), -1n, onePercent, wad("2000"))).to.equal(wad("2000"));
  });
});
