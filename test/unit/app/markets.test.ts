/**
 * The Markets and Trade pages' figures (app/src/lib/markets.ts, tradeInput.ts) against the reference fill price and
 * funding (test/shared/math.ts), and the trade form's inputs.
 */
import { expect } from "chai";
import { DEFAULT_MARKETS } from "../../../deploy/config";
import { fillPrice, fundingIndexDelta } from "../../shared/math";
import {
  acceptablePrice,
  fundingPerHour,
  fundingPerYear,
  poolOpenInterestCap,
  skewPremium,
  usage,
} from "../../../app/src/lib/markets";
import { sizeDeltaOf, slippageOf, triggerOf } from "../../../app/src/lib/tradeInput";

const WAD = 10n ** 18n;
const ETH = DEFAULT_MARKETS[0];

describe("app market figures", function () {
  it("gives the skew premium the reference fill of a zero-size trade pays", function () {
    const price = 3_000n * WAD;
    for (const skew of [500n * WAD, -250n * WAD]) {
      const premium = skewPremium(skew, ETH.skewScale);
      expect(price + (price * premium) / WAD).to.equal(fillPrice(price, skew, 0n, ETH.skewScale));
    }
  });

  it("gives the funding of an hour as the reference index accrues it, and a year's", function () {
    const skew = 25_000n * WAD; // a quarter of the skew scale: a quarter of the max rate
    const perDay = (ETH.maxFundingRatePerDay * skew) / ETH.skewScale;
    const hour = fundingIndexDelta(skew, ETH.skewScale, ETH.maxFundingRatePerDay, 3_600n, WAD);
    expect(hour - fundingPerHour(perDay)).to.be.within(0n, 1n); // the index rounds up
    expect(fundingPerYear(perDay)).to.equal(perDay * 365n);
    expect(fundingPerHour(-perDay)).to.equal(-fundingPerHour(perDay));
  });

  it("caps open interest at the pool's share and says how full a cap is", function () {
    expect(poolOpenInterestCap(WAD / 2n, 1_000_000n * 10n ** 6n, 6)).to.equal(500_000n * WAD);
    expect(usage(1n, 4n)).to.equal(WAD / 4n);
    expect(usage(1n, 0n)).to.equal(0n);
  });

  it("sets the acceptable price above the fill for a buy, below for a sell", function () {
    const fill = 3_000n * WAD;
    expect(acceptablePrice(fill, WAD, WAD / 200n)).to.equal(3_015n * WAD);
    expect(acceptablePrice(fill, -WAD, WAD / 200n)).to.equal(2_985n * WAD);
  });

  it("reads the trade form: a size, a leverage of the equity, the slippage and the trigger", function () {
    const base = { equity: 1_000n * WAD, price: 3_000n * WAD };
    expect(sizeDeltaOf({ ...base, mode: "size", side: "short", amount: "1.5" })).to.equal(-15n * 10n ** 17n);
    expect(sizeDeltaOf({ ...base, mode: "leverage", side: "long", amount: "3" })).to.equal(WAD);
    expect(() => sizeDeltaOf({ ...base, mode: "size", side: "long", amount: "abc" })).to.throw(
      'Size: "abc" is not a number',
    );
    expect(() => sizeDeltaOf({ ...base, equity: 0n, mode: "leverage", side: "long", amount: "2" })).to.throw(
      "Leverage needs positive equity: deposit first",
    );
    expect(slippageOf("0.5")).to.equal(WAD / 200n);
    expect(() => slippageOf("100")).to.throw("Slippage must be below 100%, got 100%");
    expect(triggerOf("2,950.5")).to.equal(29_505n * 10n ** 17n);
    expect(() => triggerOf("0")).to.throw('Trigger price must be positive, got "0"');
  });
});
