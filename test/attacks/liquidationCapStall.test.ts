/**
 * Attack / liveness (issue 13, item 2): the cascade-damping cap stalls a liquidation until the account is under water.
 *
 * Set-up: ETH's window cap is $100,000 per 300 s. Alice (30 ETH long) and Bob (31 ETH long) each put up $10,000 at
 * $3,000. ETH falls to $2,750, $2,700, $2,660 within one window; after each price a keeper tries every liquidatable
 * account (Alice first). Compared with the same path and a cap that never binds ("in time").
 *
 * Before the fix (commit "Attack test (red)", measured): Alice's liquidation at $2,750 takes $51.7k of the window;
 * Bob's plan needs $60.3k of the $48.3k left, so his whole `liquidate` reverts with `ClearinghouseLiquidationCapExceeded`
 * at $2,750 and again at $2,700 ($38.3k left after Alice's second liquidation); at $2,660 his equity is below zero, he
 * is closed out exempt from the cap, the keeper is paid $0 and $628.84 of bad debt lands on the insurance fund.
 * In time (a cap that never binds): 6 liquidations, $0 of bad debt, every keeper paid at least $13.
 *
 * After the fix: cascade damping is removed (DESIGN §10.6, §18.11). A first fix liquidated the fraction each window's
 * room allowed and let accounts under half their maintenance margin bypass the cap; it removed this stall ($0 of bad
 * debt here) but in the `cascade` simulation it still ended with more bad debt than no damping on seeds 1, 2 and 3
 * (+$23, +$1,073, +$4, +$231): every account it deferred, at margin ratios 0.78 to 0.85, went under water on the next
 * 5-minute price update. No window refuses or shrinks a liquidation now: with the cap "set" to $100,000 every
 * liquidation on this path is the one made in time, with the same bad debt ($0) and the same keeper rewards.
 */
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { WAD, accountIdOf, fundedFixture, latestTime, txTime } from "../shared/fixtures";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../deploy/config";
import { movePrice, trade, withModel } from "../integration/liquidation/shared";

const CAP = WAD(100_000);
const WINDOW = 300;
const PATH = [2_750, 2_700, 2_660];

interface Outcome {
  badDebt: bigint;
  rewards: bigint[];
  notional: bigint;
  capReverts: { price: number; account: bigint; room: bigint }[];
  /** Liquidations whose plan the reference (with the window) predicted exactly. */
  matched: number;
  liquidations: number;
}

async function setUp(cap: bigint) {
  const sys = await loadFixture(fundedFixture);
  const model = withModel(sys);
  const params = { ...DEFAULT_MARKETS[0], maxLiquidationNotionalPerWindow: cap, liquidationWindow: WINDOW };
  model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(0, toMarketParams(params))));
  model.markets[0].params = params;
  await trade(sys, model, sys.alice, 0, WAD(30));
  await trade(sys, model, sys.bob, 0, WAD(31));
  return { sys, model };
}

/** Keeper (Carol) rounds along the path; the window is tracked here, from the liquidations' own notional. */
async function run(cap: bigint): Promise<Outcome> {
  const { sys, model } = await setUp(cap);
  const accounts = [accountIdOf(sys.alice.address), accountIdOf(sys.bob.address)];
  const out: Outcome = {
    badDebt: 0n,
    rewards: [],
    notional: 0n,
    capReverts: [],
    matched: 0,
    liquidations: 0,
  };
  const window = { start: -1n, used: 0n };
  for (const price of PATH) {
    await movePrice(sys, model, 0, price);
    for (const id of accounts) {
      const now = (await latestTime()) + 1n;
      if (!model.accountState(id, now).liquidatable) continue;
      const used = window.start >= 0n && now < window.start + BigInt(WINDOW) ? window.used : 0n;
      const expected = model.previewLiquidation(id, now, DEFAULT_RISK);
      try {
        const tx = await sys.clearinghouse.connect(sys.carol).liquidate(id);
        const t = await txTime(tx);
        const r = model.liquidate(id, accountIdOf(sys.carol.address), t, DEFAULT_RISK);
        const receipt = (await tx.wait())!;
        const liquidated = receipt.logs
          .map((l) => sys.clearinghouse.interface.parseLog(l))
          .find((e) => e?.name === "Liquidated")!;
        for (const l of receipt.logs) {
          const e = l.address === (await sys.vault.getAddress()) ? sys.vault.interface.parseLog(l) : null;
          if (e?.name === "BadDebtSettled") out.badDebt += e.args.badDebt as bigint;
        }
        const [fraction, , , notional, penalty, reward] = liquidated.args.slice(2) as bigint[];
        if (
          expected.fraction === r.fraction &&
          fraction === r.fraction &&
          penalty === r.penalty &&
          reward === r.keeperReward
        )
          out.matched++;
        out.liquidations++;
        out.rewards.push(reward);
        out.notional += notional;
        if (used === 0n) window.start = t;
        window.used = used + notional;
      } catch (e) {
        if (!String(e).includes("ClearinghouseLiquidationCapExceeded")) throw e;
        out.capReverts.push({ price, account: id, room: cap > used ? cap - used : 0n });
      }
    }
  }
  return out;
}

describe("Attack: the liquidation cap stalls a liquidation until the account is under water", function () {
  it("never refuses a liquidation: the same liquidations, bad debt and rewards as liquidating in time", async function () {
    const inTime = await run(WAD(5_000_000));
    const damped = await run(CAP);
    expect(inTime.badDebt).to.equal(0n);
    expect(damped.capReverts).to.deep.equal([]);
    expect(damped.badDebt).to.equal(inTime.badDebt);
    expect(damped.rewards).to.deep.equal(inTime.rewards);
    expect(damped.notional).to.equal(inTime.notional);
    // Every liquidation pays its keeper at least the floor, and the reference predicted every plan.
    for (const reward of damped.rewards) expect(reward).to.be.at.least(DEFAULT_RISK.minKeeperReward);
    expect(damped.matched).to.equal(damped.liquidations);
    // On the unfixed code Bob's two refused attempts came while the window's room was $48.3k and $38.3k.
    expect(damped.liquidations).to.be.greaterThan(2);
  });
});
