/**
 * The app's max withdrawable (app/src/lib/margin.ts) against the reference account state (test/shared/math.ts): the
 * account keeps equity >= initial margin after withdrawing the maximum, and falls below it one unit more.
 */
import { expect } from "chai";
import { DEFAULT_MARKETS } from "../../../deploy/config";
import { accountState } from "../../shared/math";
import { maxWithdrawable, valuePerUnitWad } from "../../../app/src/lib/margin";

const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;
const ETH = DEFAULT_MARKETS[0];
const position = { size: WAD, openNotional: 3_000n * WAD, lastFundingIndex: 0n };
const stateAt = (balance: bigint) =>
  accountState(balance, TO_WAD, [
    { position, market: { params: ETH, price: 2_950n * WAD, fundingIndex: 0n } },
  ]);

describe("app margin: max withdrawable", function () {
  it("keeps equity at initial margin with positions, and not one unit more", function () {
    const balance = 1_000_000_000n; // 1,000 USDC
    const s = stateAt(balance);
    const max = maxWithdrawable({
      balance,
      freeCollateral: s.freeCollateral,
      hasPositionsOrDebt: true,
      valuePerUnitWad: valuePerUnitWad(6),
    });
    const after = stateAt(balance - max);
    expect(after.equity >= after.initialMargin).to.equal(true);
    const over = stateAt(balance - max - 1n);
    expect(over.equity >= over.initialMargin).to.equal(false);
    expect(max).to.equal(655_000_000n); // 1,000 - 50 of loss - 295 of initial margin
  });

  it("gives the whole balance without positions, nothing from a debt or without free collateral", function () {
    const base = { freeCollateral: 0n, valuePerUnitWad: valuePerUnitWad(6) };
    expect(maxWithdrawable({ ...base, balance: 5n, hasPositionsOrDebt: false })).to.equal(5n);
    expect(maxWithdrawable({ ...base, balance: -5n, hasPositionsOrDebt: true })).to.equal(0n);
    expect(maxWithdrawable({ ...base, balance: 5n, hasPositionsOrDebt: true })).to.equal(0n);
  });

  it("values a unit of other collateral at its price and haircut", function () {
    // 1 WETH (18 decimals) at 3,000 with a 0.8 weight adds 2,400 USD: 600 USD free → 0.25 WETH.
    const perUnit = valuePerUnitWad(18, 3_000n * WAD, 8n * 10n ** 17n);
    const max = maxWithdrawable({
      balance: WAD,
      freeCollateral: 600n * WAD,
      hasPositionsOrDebt: true,
      valuePerUnitWad: perUnit,
    });
    expect(max).to.equal(WAD / 4n);
  });
});
