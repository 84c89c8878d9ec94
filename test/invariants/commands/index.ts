/**
 * The commands of the model-based suite (fast-check `AsyncCommand`s), one file per concern. Each one computes its inputs
 * from the model so that most of them succeed, asks the model what the chain must do (success, or one of the exact
 * custom errors its state predicts), sends one transaction (two in one block for the round trips) at a block time it
 * chooses, checks the outcome, its events and the command's own invariant, then checks every invariant of DESIGN §15
 * (../checks/). This file builds the weighted list the suite draws from.
 */
import fc from "fast-check";
import type { Suite } from "../system";
import type { Box } from "./core";
import { RoundTripTradeCommand, TradeCommand } from "./trading";
import type { TradeKind } from "./trading";
import { DepositCommand, RoundTripDepositCommand, WithdrawCommand } from "./collateral";
import type { WithdrawMode } from "./collateral";
import { LiquidateCollateralCommand, LiquidateCommand, SettleBadDebtCommand } from "./liquidation";
import { PoolCancelCommand, PoolDepositCommand, PoolRedeemCommand, PoolRequestCommand } from "./pool";
import {
  AccrueCommand,
  AdvanceTimeCommand,
  DonateCommand,
  FundInsuranceCommand,
  PauseCommand,
  SetPriceCommand,
} from "./market";
import type { PriceKind } from "./market";
import {
  CancelOrderCommand,
  CommitConditionalCommand,
  CommitOrderCommand,
  SetImmediateTradesCommand,
} from "./orders";
import { SettleOrderCommand } from "./settle";
import type { SettleVariant } from "./settle";

export * from "./core";
export * from "./trading";
export * from "./collateral";
export * from "./liquidation";
export * from "./pool";
export * from "./market";
export * from "./closeOut";
export * from "./orders";
export * from "./settle";

/* ARBITRARIES */

const traderArb = fc.integer({ min: 0, max: 2 });
const subArb = fc.integer({ min: 0, max: 1 });
const marketArb = fc.integer({ min: 0, max: 1 });
const permilleArb = fc.integer({ min: 1, max: 1_000 });
/** True one time in ten: a command run against its precondition, to see the contract refuse it. */
const rarely = fc.oneof(
  { weight: 9, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);

/** Trade sizes lean towards the large end so that accounts run at real leverage. */
const leverageArb = fc.oneof(
  permilleArb,
  fc.integer({ min: 700, max: 1_000 }),
  fc.integer({ min: 850, max: 1_000 }),
);

const tradeArb = (kind: TradeKind) =>
  fc
    .tuple(
      traderArb,
      subArb,
      marketArb,
      fc.nat(),
      kind === "increase" ? leverageArb : permilleArb,
      fc.boolean(),
      fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, 2),
    )
    .map(
      ([t, s, m, pick, p, long, slip]) =>
        new TradeCommand(kind, t, s, m, pick, kind === "reduce" ? Math.min(p, 999) : p, long, slip),
    );

/** The commands and their weights (an arbitrary listed n times is drawn n times as often). */
export function commandArbitraries(): fc.Arbitrary<fc.AsyncCommand<Box, Suite>>[] {
  const weighted: [number, fc.Arbitrary<fc.AsyncCommand<Box, Suite>>][] = [
    [4, tradeArb("increase")],
    [2, tradeArb("reduce")],
    [1, tradeArb("flip")],
    [1, tradeArb("close")],
    [
      1,
      fc
        .tuple(traderArb, subArb, marketArb, permilleArb, fc.boolean())
        .map((a) => new RoundTripTradeCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          traderArb,
          subArb,
          fc.constantFrom(0, 0, 0, 1, 2),
          fc.integer({ min: 0, max: 1_000 }),
          fc.boolean(),
        )
        .map((a) => new DepositCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          traderArb,
          subArb,
          fc.constantFrom(0, 0, 1, 2),
          fc.constantFrom<WithdrawMode>("all", "fraction", "free", "freePlusOne"),
          permilleArb,
          rarely,
        )
        .map((a) => new WithdrawCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(traderArb, subArb, fc.constantFrom(0, 1, 2), permilleArb)
        .map((a) => new RoundTripDepositCommand(...a)),
    ],
    [
      3,
      fc
        .tuple(
          marketArb,
          fc.oneof(
            { weight: 3, arbitrary: fc.integer({ min: -60, max: 60 }) },
            { weight: 1, arbitrary: fc.integer({ min: -250, max: 250 }) },
          ),
          fc.oneof(
            { weight: 35, arbitrary: fc.constant<PriceKind>("move") },
            { weight: 8, arbitrary: fc.constant<PriceKind>("againstSkew") },
            { weight: 4, arbitrary: fc.constant<PriceKind>("withSkew") },
            {
              weight: 5,
              arbitrary: fc.constantFrom<PriceKind>("zero", "negative", "future", "stale", "outOfBounds"),
            },
          ),
        )
        .map((a) => new SetPriceCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          fc.oneof(
            { weight: 6, arbitrary: fc.integer({ min: 1, max: 900 }) },
            { weight: 2, arbitrary: fc.integer({ min: 3_600, max: 7_200 }) },
            { weight: 2, arbitrary: fc.integer({ min: 86_400, max: 100_000 }) },
          ),
          fc.constantFrom(true, true, true, false),
        )
        .map((a) => new AdvanceTimeCommand(...a)),
    ],
    [
      4,
      fc
        .tuple(
          fc.nat(),
          fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
          fc.constantFrom(false, false, false, true),
        )
        .map((a) => new LiquidateCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(
          fc.nat(),
          fc.nat(),
          fc.integer({ min: 0, max: 1_100 }),
          fc.constantFrom(true, true, true, false),
        )
        .map((a) => new LiquidateCollateralCommand(...a)),
    ],
    [
      1,
      fc.tuple(fc.nat(), fc.constantFrom(true, true, true, false)).map((a) => new SettleBadDebtCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_000 }))
        .map((a) => new PoolDepositCommand(...a)),
    ],
    [
      1,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_100 }))
        .map((a) => new PoolRequestCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1_100 }), rarely)
        .map((a) => new PoolRedeemCommand(...a)),
    ],
    [1, fc.tuple(fc.integer({ min: 0, max: 2 }), rarely).map((a) => new PoolCancelCommand(...a))],
    [
      1,
      fc.tuple(fc.integer({ min: 0, max: 2 }), permilleArb, fc.boolean()).map((a) => new DonateCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(fc.boolean(), fc.constantFrom(true, false, false, false, false, false), rarely)
        .map((a) => new PauseCommand(...a)),
    ],
    [1, marketArb.map((market) => new AccrueCommand(market))],
    [1, fc.integer({ min: 0, max: 1_000 }).map((p) => new FundInsuranceCommand(p))],
    ...orderArbitraries(),
  ];
  return weighted.flatMap(([n, arb]) => Array<fc.Arbitrary<fc.AsyncCommand<Box, Suite>>>(n).fill(arb));
}

/** The order commands (DESIGN §21) and their weights: commits, settlements (the most), cancellations, the switch. */
function orderArbitraries(): [number, fc.Arbitrary<fc.AsyncCommand<Box, Suite>>][] {
  return [
    [
      3,
      fc
        .tuple(
          traderArb,
          subArb,
          marketArb,
          leverageArb,
          fc.boolean(),
          fc.constantFrom(false, false, true),
          fc.oneof(
            { weight: 9, arbitrary: fc.integer({ min: 0, max: 1_000 }) },
            { weight: 1, arbitrary: fc.integer({ min: 1_001, max: 1_002 }) },
          ),
          fc.constantFrom(0, 0, 0, 5, 20),
        )
        .map((a) => new CommitOrderCommand(...a)),
    ],
    [
      2,
      fc
        .tuple(
          fc.constantFrom(1, 2, 2, 3, 3),
          traderArb,
          subArb,
          marketArb,
          fc.nat(),
          permilleArb,
          fc.boolean(),
          fc.oneof(
            { weight: 12, arbitrary: fc.integer({ min: 0, max: 50 }) },
            { weight: 1, arbitrary: fc.constant(-1) },
          ),
        )
        .map((a) => new CommitConditionalCommand(...a)),
    ],
    [
      4,
      fc
        .tuple(
          fc.nat(),
          fc.oneof(
            { weight: 6, arbitrary: fc.constant<SettleVariant>("normal") },
            { weight: 2, arbitrary: fc.constant<SettleVariant>("moved") },
            { weight: 2, arbitrary: fc.constant<SettleVariant>("asIs") },
            { weight: 1, arbitrary: fc.constant<SettleVariant>("wrongRound") },
          ),
          fc.integer({ min: -30, max: 30 }),
          fc.constantFrom(true, true, true, false),
        )
        .map((a) => new SettleOrderCommand(...a)),
    ],
    [2, fc.tuple(fc.nat(), fc.boolean(), fc.boolean()).map((a) => new CancelOrderCommand(...a))],
    [1, fc.boolean().map((on) => new SetImmediateTradesCommand(on))],
  ];
}
