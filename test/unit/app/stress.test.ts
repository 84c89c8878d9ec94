/**
 * The app's stress math (app/src/lib/stress.ts) against the TypeScript reference of an account's state
 * (test/shared/math.ts `accountState`): at the price or move it reports the reference account is liquidatable, one
 * wei (or one WAD unit of the move) closer to today it is not; and the figures match the closed forms worked by hand.
 */
import { expect } from "chai";
import { DEFAULT_MARKETS } from "../../../deploy/config";
import { WAD, accountState } from "../../shared/math";
import type { MarketRef, RefPosition } from "../../shared/math";
import { allAssetsMove, liquidationPrice, marginRatio, moveTo } from "../../../app/src/lib/stress";
import type { StressSnapshot } from "../../../app/src/lib/stress";

const TO_WAD = 10n ** 12n;
const USDC = (n: bigint) => n * 10n ** 6n;
const [ETH, BTC] = DEFAULT_MARKETS;

interface Leg {
  marketId: bigint;
  position: RefPosition;
  market: MarketRef;
}

const leg = (marketId: bigint, size: bigint, openNotional: bigint, price: bigint, funding = 0n): Leg => ({
  marketId,
  position: { size, openNotional, lastFundingIndex: 0n },
  market: { params: marketId === 0n ? ETH : BTC, price, fundingIndex: funding },
});

/** The reference state of `balance` USDC and `legs`, each leg's price replaced by `priceOf`. */
function referenceAt(balance: bigint, legs: Leg[], priceOf: (l: Leg) => bigint = (l) => l.market.price) {
  return accountState(
    balance,
    TO_WAD,
    legs.map((l) => ({ position: l.position, market: { ...l.market, price: priceOf(l) } })),
  );
}

/** What the app builds from `accountState` and the positions: the snapshot at today's prices. */
function snapshotOf(balance: bigint, legs: Leg[]): StressSnapshot {
  const s = referenceAt(balance, legs);
  return {
    equity: s.equity,
    maintenanceMargin: s.maintenanceMargin,
    legs: legs.map((l) => ({
      marketId: l.marketId,
      size: l.position.size,
      price: l.market.price,
      mmf: l.market.params.mmf,
    })),
  };
}

const one = (id: bigint, balance: bigint, legs: Leg[]) => (p: bigint) =>
  referenceAt(balance, legs, (l) => (l.marketId === id ? p : l.market.price)).liquidatable;

describe("app stress math: liquidation prices and moves against the reference", function () {
  it("finds a long's liquidation price: liquidatable there, not one wei above (funding owed included)", function () {
    // 1,000 USDC, 1 ETH long from 3,000, 5 USD of funding owed: 995 + (P - 3,000) = 0.05 P → P = 2,005 / 0.95.
    const legs = [leg(0n, WAD, 3_000n * WAD, 3_000n * WAD, 5n * WAD)];
    const liq = liquidationPrice(snapshotOf(USDC(1_000n), legs), 0n)!;
    const at = one(0n, USDC(1_000n), legs);
    expect(at(liq)).to.equal(true);
    expect(at(liq + 1n)).to.equal(false);
    const closedForm = (2_005n * WAD * WAD) / (95n * 10n ** 16n); // 2,110.526…
    expect(liq >= closedForm - 1n && liq <= closedForm + 1n, `${liq} vs ${closedForm}`).to.equal(true);
  });

  it("finds a short's liquidation price: liquidatable there, not one wei below", function () {
    // 1,000 USDC, 2 ETH short from 3,000: 7,000 - 2P = 0.1 P → P = 3,333.33…
    const legs = [leg(0n, -2n * WAD, -6_000n * WAD, 3_000n * WAD)];
    const liq = liquidationPrice(snapshotOf(USDC(1_000n), legs), 0n)!;
    const at = one(0n, USDC(1_000n), legs);
    expect(at(liq)).to.equal(true);
    expect(at(liq - 1n)).to.equal(false);
    expect(liq / 10n ** 12n).to.equal(3_333_333_333n); // 7,000 / 2.1, to 6 decimals
  });

  it("crosses margin: each asset alone, and together a hedged book only dies on a large rise", function () {
    // 1 ETH long at 3,000 and 0.05 BTC short at 60,000: no net exposure, 300 USD of maintenance margin.
    const legs = [
      leg(0n, WAD, 3_000n * WAD, 3_000n * WAD),
      leg(1n, -5n * 10n ** 16n, -3_000n * WAD, 60_000n * WAD),
    ];
    const snapshot = snapshotOf(USDC(1_000n), legs);
    const eth = liquidationPrice(snapshot, 0n)!;
    expect(one(0n, USDC(1_000n), legs)(eth)).to.equal(true);
    expect(one(0n, USDC(1_000n), legs)(eth + 1n)).to.equal(false);
    expect(eth / 10n ** 15n).to.equal(2_263_157n); // (2,000 + 150) / 0.95
    const btc = liquidationPrice(snapshot, 1n)!;
    expect(one(1n, USDC(1_000n), legs)(btc)).to.equal(true);
    expect(one(1n, USDC(1_000n), legs)(btc - 1n)).to.equal(false);

    const move = allAssetsMove(snapshot);
    expect(move.now).to.equal(false);
    expect(move.fall).to.equal(undefined);
    const together = (x: bigint) =>
      referenceAt(USDC(1_000n), legs, (l) => (l.market.price * (WAD + x)) / WAD).liquidatable;
    expect(together(move.rise!)).to.equal(true);
    expect(together(move.rise! - 1n)).to.equal(false);
    expect(move.rise! / 10n ** 14n).to.equal(23_333n); // 700 / 300 = +233.33%
  });

  it("reports no price when the asset alone cannot liquidate, and today's when already liquidatable", function () {
    const safe = [leg(0n, WAD, 3_000n * WAD, 3_000n * WAD)];
    expect(liquidationPrice(snapshotOf(USDC(4_000n), safe), 0n)).to.equal(undefined); // 1,000 left at a price of 0
    expect(liquidationPrice(snapshotOf(USDC(4_000n), safe), 1n)).to.equal(undefined); // no BTC position
    const under = [leg(0n, WAD, 3_000n * WAD, 2_000n * WAD)]; // 100 + (2,000 - 3,000) < 100
    const snapshot = snapshotOf(USDC(100n), under);
    expect(liquidationPrice(snapshot, 0n)).to.equal(2_000n * WAD);
    expect(allAssetsMove(snapshot)).to.deep.equal({ now: true });
  });

  it("gives the margin ratio and the move to a price", function () {
    expect(marginRatio(1_000n * WAD, 150n * WAD)).to.equal(15n * 10n ** 16n);
    expect(marginRatio(0n, 150n * WAD)).to.equal(undefined);
    expect(moveTo(3_000n * WAD, 2_100n * WAD)).to.equal(-3n * 10n ** 17n);
  });
});
