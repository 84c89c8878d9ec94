/**
 * The keeper's debt decisions (pure): the action DESIGN §12 allows, the collateral to take, the repayment, the
 * preview against its reference, the profit.
 */
import { expect } from "chai";
import { USDC, WAD } from "../../shared/fixtures";
import fc from "fast-check";
import { collateralLiquidation as refCollateralLiquidation } from "../../shared/collateral";
import {
  collateralProfit,
  decideDebtAction,
  gasCostUsd,
  previewCollateralLiquidation,
  rankCollaterals,
  repayAmount,
} from "../../../scripts/keeper";

describe("Keeper: debt decisions (pure)", function () {
  const status = (
    balance: bigint,
    positionCount: number,
    liquidatable: boolean,
    hasOtherCollateral: boolean,
  ) => decideDebtAction({ settlementBalance: balance, positionCount, liquidatable, hasOtherCollateral });

  it("maps an account's status to the action DESIGN §12 allows", function () {
    // [balance, positions, liquidatable, other collateral] → action / reason
    const table: [bigint, number, boolean, boolean, string][] = [
      [0n, 0, false, false, "none:no_debt"],
      [5n, 2, true, true, "none:no_debt"],
      [-1n, 0, true, true, "liquidateCollateral"], // closed out, collateral below debt × (1 + buffer)
      [-1n, 0, false, true, "none:not_liquidatable"], // closed at a loss, collateral covers it with the buffer
      [-1n, 2, true, true, "liquidateCollateral"], // still liquidatable (a capped liquidation, say)
      [-1n, 2, false, true, "none:not_liquidatable"], // ordinary borrowing against WETH
      [-1n, 0, false, false, "settleBadDebt"], // nothing left but the debt
      [-1n, 1, true, false, "none:positions_open"], // `liquidate` first
      [-1n, 1, false, false, "none:positions_open"],
    ];
    for (const [balance, positions, liq, other, expected] of table) {
      const d = status(balance, positions, liq, other);
      const got = d.action === "none" ? `none:${d.reason}` : d.action;
      expect(got, `${balance} ${positions} ${liq} ${other}`).to.equal(expected);
      expect(d.watch).to.equal(d.action !== "none");
      if (d.action !== "none") expect(d.debt).to.equal(-balance);
    }
  });

  it("takes the largest holding at market value first", function () {
    const held = [
      { token: "0xB", balance: 10n ** 8n, decimals: 8, price: WAD(60_000), discount: 0n }, // $60,000
      { token: "0xA", balance: WAD(5), decimals: 18, price: WAD(3_000), discount: 0n }, // $15,000
      { token: "0xC", balance: 0n, decimals: 18, price: WAD(1), discount: 0n }, // nothing held
      { token: "0x9", balance: WAD(20), decimals: 18, price: WAD(3_000), discount: 0n }, // $60,000: tie, 0x9 < 0xB
    ];
    expect(rankCollaterals(held).map((c) => c.token)).to.deep.equal(["0x9", "0xB", "0xA"]);
  });

  it("repays the debt, capped by the per-transaction budget and the wallet", function () {
    expect(repayAmount(100n, 1_000n)).to.equal(100n);
    expect(repayAmount(100n, 40n)).to.equal(40n);
    expect(repayAmount(100n, 1_000n, 30n)).to.equal(30n);
    expect(repayAmount(100n, 20n, 30n)).to.equal(20n);
    expect(repayAmount(100n, 0n, 30n)).to.equal(0n);
  });

  it("previews liquidateCollateral exactly as the reference of its NatSpec (test/shared/collateral.ts)", function () {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 13n }), // debt (USDC units)
        fc.bigInt({ min: 1n, max: 10n ** 13n }), // repayAmount
        fc.bigInt({ min: 1n, max: 10n ** 24n }), // held
        fc.constantFrom(6, 8, 18),
        fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }), // price WAD
        fc.bigInt({ min: 0n, max: WAD("0.5") }), // discount
        (debt, repay, held, decimals, price, discount) => {
          const mine = previewCollateralLiquidation({
            repayAmount: repay,
            debt,
            held,
            decimals,
            price,
            discount,
            settlementDecimals: 6,
          });
          const ref = refCollateralLiquidation({
            debt,
            repayAmount: repay,
            held,
            decimals,
            priceWad: price,
            discount,
            toWad: 10n ** 12n,
          });
          expect(mine).to.deep.equal(ref);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts the discount minus the gas as profit", function () {
    // Repay 1,000 USDC for 0.35 WETH at 3,000 (5% discount): $50 earned; 100k gas at 2 gwei at $3,000 = $0.60.
    const gas = gasCostUsd(100_000n, 2_000_000_000n, WAD(3_000));
    expect(gas).to.equal(WAD("0.6"));
    const profit = collateralProfit({
      repaid: USDC(1_000),
      seized: WAD("0.35"),
      decimals: 18,
      price: WAD(3_000),
      settlementDecimals: 6,
      gasCostUsd: gas,
    });
    expect(profit).to.equal(WAD("49.4"));
  });
});
