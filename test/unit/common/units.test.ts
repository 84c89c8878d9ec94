import { expect } from "chai";
import {
  exact,
  fromWadUp,
  parseDecimal,
  parsePercent,
  parsePositive,
  parseSeconds,
  parseWad,
  toWad,
} from "../../../scripts/common/units";
import {
  amountFields,
  decimalField,
  decimalWad,
  formatFixed,
  formatPercentExact,
  formatTokenExact,
  formatUsd,
  formatUsdExact,
  formatUsdcExact,
  formatWadExact,
  usdFields,
} from "../../../scripts/common/format";

describe("common/units", function () {
  it("parses human decimals exactly, with no floating point", function () {
    expect(parseDecimal("1000", 6, "--amount")).to.equal(1_000_000_000n);
    expect(parseDecimal("-1.5", 18, "--size")).to.equal(-1_500_000_000_000_000_000n);
    expect(parseDecimal("0.1", 18, "x")).to.equal(100_000_000_000_000_000n); // 0.1 is not exact in a double
    expect(parseDecimal(".5", 2, "x")).to.equal(50n);
    expect(parseDecimal("100_000", 6, "x")).to.equal(100_000_000_000n);
    expect(parseDecimal("1,000.25", 6, "x")).to.equal(1_000_250_000n);
    expect(parseWad("3000.03", "--price")).to.equal(3_000_030_000_000_000_000_000n);
    expect(parsePercent("0.5", "--slippage")).to.equal(5_000_000_000_000_000n); // 0.005 WAD
    expect(parseSeconds("86401", "--seconds")).to.equal(86_401n);
  });

  it("rejects what is not a plain decimal, too precise, or of the wrong sign, naming the option", function () {
    expect(() => parseDecimal("1e3", 6, "--amount")).to.throw('--amount: "1e3" is not a number');
    expect(() => parseDecimal("abc", 6, "--amount")).to.throw('--amount: "abc" is not a number');
    expect(() => parseDecimal("1.0000001", 6, "--amount")).to.throw(
      '--amount: "1.0000001" has more than 6 decimals',
    );
    expect(() => parsePositive("0", 6, "--amount")).to.throw('--amount must be positive, got "0"');
    expect(() => parsePositive("-3", 6, "--amount")).to.throw(/must be positive/);
    expect(() => parsePercent("-1", "--slippage")).to.throw(/must not be negative/);
    expect(() => parseSeconds("1.5", "--seconds")).to.throw(/more than 0 decimals/);
    expect(() => parseSeconds("0", "--seconds")).to.throw(/positive number of seconds/);
  });

  it("prints integers as exact decimals and rescales between decimals", function () {
    expect(exact(1_500_000n, 6)).to.equal("1.5");
    expect(exact(-1n, 6)).to.equal("-0.000001");
    expect(exact(7_000_000n, 6)).to.equal("7");
    expect(exact(0n, 18)).to.equal("0");
    expect(exact(42n, 0)).to.equal("42");
    expect(toWad(1_000_000n, 6)).to.equal(10n ** 18n);
    expect(fromWadUp(1n, 6)).to.equal(1n); // 1e-18 USD needs one USDC unit to cover it
    expect(fromWadUp(10n ** 12n, 6)).to.equal(1n);
    expect(fromWadUp(10n ** 12n + 1n, 6)).to.equal(2n);
    expect(fromWadUp(-(10n ** 12n + 1n), 6)).to.equal(-2n);
  });
});

describe("common/format", function () {
  it("rounds for display half away from zero", function () {
    expect(formatFixed(1_234_567n * 10n ** 15n, { dp: 2 })).to.equal("1,234.57");
    expect(formatUsd(-12n * 10n ** 18n)).to.equal("-$12.00");
    expect(formatUsd(480n * 10n ** 18n, { signed: true })).to.equal("+$480.00");
    expect(formatUsd(5n * 10n ** 15n)).to.equal("$0.01"); // 0.005 rounds up
    expect(formatUsd(-4n * 10n ** 15n)).to.equal("$0.00"); // no "-$0.00"
  });

  it("prints exact human units for messages and logs", function () {
    expect(formatUsdcExact(5_877_487n)).to.equal("5.877487 USDC");
    expect(formatTokenExact(-5n * 10n ** 17n, { symbol: "WETH", decimals: 18 })).to.equal("-0.5 WETH");
    expect(formatUsdExact(6000n * 10n ** 18n)).to.equal("$6,000");
    expect(formatUsdExact(-502_502_000_000_000_000n)).to.equal("-$0.502502");
    expect(formatWadExact(100_000n * 10n ** 18n)).to.equal("100,000");
    expect(formatPercentExact(5n * 10n ** 15n)).to.equal("0.5%");
  });

  it("writes log fields as exact ungrouped decimals named by their unit, with the raw value where asked", function () {
    expect(decimalField(5_877_487n, 6)).to.equal("5.877487");
    expect(decimalField(0n, 6)).to.equal("0.0");
    expect(decimalWad(2640n * 10n ** 18n)).to.equal("2640.0");
    expect(decimalWad(-502_502_000_000_000_000n)).to.equal("-0.502502");
    expect(amountFields("reward", 5_877_487n, 6, "Usdc", true)).to.deep.equal({
      rewardUsdc: "5.877487",
      rewardRaw: 5_877_487n,
    });
    expect(amountFields("seized", 5n * 10n ** 17n, 18, "Token")).to.deep.equal({ seizedToken: "0.5" });
    expect(amountFields("debt", undefined, 6, "Usdc")).to.deep.equal({});
    expect(usdFields("profit", 84_326_765_586_335_150_123n)).to.deep.equal({
      profitUsd: "84.326765586335150123",
    });
    expect(usdFields("price", undefined)).to.deep.equal({});
  });
});
