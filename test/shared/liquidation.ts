/**
 * The independent TypeScript reference of a liquidation (DESIGN §10): the fraction, the penalty, the keeper's reward
 * and its subsidy (§10.4), the ledger deltas and the loss waterfall. No window caps a liquidation (cascade damping was
 * removed, §10.6). Nothing here reads a contract.
 */
import {
  WAD,
  abs,
  accountState,
  applyFill,
  divCeil,
  divFloor,
  fundingOwed,
  marginRequirement,
  max,
  min,
  withOtherCollateral,
} from "./math";
import type { AccountStateRef, Fill, MarketRef, OtherCollateral, RefPosition } from "./math";

export interface LiquidationRisk {
  liquidationBuffer: bigint;
  keeperShare: bigint;
  minKeeperReward: bigint;
  maxKeeperReward: bigint;
}

export interface LiquidationLegRef {
  marketId: number;
  position: RefPosition;
  market: MarketRef;
}

/** What the reference needs beyond the account: who the keeper is. */
export interface LiquidationContext {
  /** The keeper is the account's owner: no subsidy is paid (§10.4). */
  selfLiquidation?: boolean;
}

export interface LiquidationRef {
  before: AccountStateRef;
  fraction: bigint;
  legs: (LiquidationLegRef & Fill & { sizeClosed: bigint; notionalClosed: bigint; fundingOwed: bigint })[];
  notionalClosed: bigint;
  penalty: bigint;
  keeperReward: bigint;
  accountDelta: bigint;
  poolDelta: bigint;
  insuranceDelta: bigint;
  badDebt: bigint;
  insuranceDraw: bigint;
  poolWriteOff: bigint;
  /** Part of the keeper's reward paid by the insurance fund and by the pool (not by the account). */
  subsidyInsurance: bigint;
  subsidyPool: bigint;
}

/** The arguments of the `Liquidated` event that liquidation `r` of `accountId` by `keeper` emits, in order. */
export const liquidatedEventArgs = (accountId: bigint, keeper: string, r: LiquidationRef) =>
  [
    accountId,
    keeper,
    r.fraction,
    r.before.equity,
    r.before.maintenanceMargin,
    r.notionalClosed,
    r.penalty,
    r.keeperReward,
  ] as const;

/** DESIGN §10.2: f = min(1, (M' - E) / (M' - L)) rounded up, 1 when a remainder would fall under its minimum. */
function fractionOf(before: AccountStateRef, fullPenalty: bigint, legs: LiquidationLegRef[], buffer: bigint) {
  if (before.equity <= fullPenalty) return WAD;
  const target = divCeil(before.maintenanceMargin * (WAD + buffer), WAD);
  const f = min(WAD, divCeil((target - before.equity) * WAD, target - fullPenalty));
  if (f === WAD) return WAD;
  const dust = legs.some(
    (l) =>
      ((abs(l.position.size) - divCeil(abs(l.position.size) * f, WAD)) * l.market.price) / WAD <
      l.market.params.minPositionNotional,
  );
  return dust ? WAD : f;
}

/**
 * DESIGN §10. The fraction (§10.2); closed sizes round up (away from zero), never past the whole position. The penalty
 * f * L (rounded up) is limited to what the account has (on a full close: balance + PnL + other collateral; on a
 * partial one: the share f of its equity, rounded down); the keeper's reward is clamp(penalty * keeperShare, min, max),
 * and the account pays max(penalty, reward), never more than it has. What it cannot pay of the reward is paid by the
 * insurance fund, then the pool's cash net of the PnL it pays, unless the keeper is the owner. A negative balance
 * after a full close is paid by the insurance fund, then the pool.
 */
export function liquidation(
  balance: bigint,
  toWad: bigint,
  legs: LiquidationLegRef[],
  risk: LiquidationRisk,
  insuranceBalance: bigint,
  poolBalance: bigint,
  other: OtherCollateral = { value: 0n, held: false },
  ctx: LiquidationContext = {},
): LiquidationRef {
  const before = withOtherCollateral(accountState(balance, toWad, legs), other.value);
  const fullPenalty = legs.reduce(
    (sum, l) => sum + marginRequirement(l.position.size, l.market.price, l.market.params.liquidationFee),
    0n,
  );
  const fraction = fractionOf(before, fullPenalty, legs, risk.liquidationBuffer);
  const closedAbs = (size: bigint) => (fraction === WAD ? abs(size) : divCeil(abs(size) * fraction, WAD));
  let pnl = 0n;
  let notionalClosed = 0n;
  const outLegs = legs.map((l) => {
    const c = closedAbs(l.position.size);
    const sizeClosed = l.position.size > 0n ? c : -c;
    const fill = applyFill(l.position.size, l.position.openNotional, -sizeClosed, l.market.price);
    const owed = fundingOwed(l.position.size, l.market.fundingIndex, l.position.lastFundingIndex);
    const notional = (c * l.market.price) / WAD;
    pnl += fill.realizedPnl - owed;
    notionalClosed += notional;
    return { ...l, ...fill, sizeClosed, notionalClosed: notional, fundingOwed: owed };
  });
  const pnlUnits = divFloor(pnl, toWad);
  const available =
    fraction === WAD
      ? max(0n, balance + pnlUnits + other.value / toWad)
      : (max(0n, before.equity) * fraction) / (WAD * toWad);
  const penalty = min(
    divCeil(fraction === WAD ? fullPenalty : divCeil(fullPenalty * fraction, WAD), toWad),
    available,
  );
  let reward = min(max((penalty * risk.keeperShare) / WAD, risk.minKeeperReward), risk.maxKeeperReward);
  const charge = min(max(penalty, reward), available);
  let subsidyInsurance = 0n;
  let subsidyPool = 0n;
  if (reward > charge) {
    if (ctx.selfLiquidation) reward = charge;
    else {
      const shortfall = reward - charge;
      subsidyInsurance = min(shortfall, insuranceBalance);
      subsidyPool = min(shortfall - subsidyInsurance, max(0n, poolBalance - pnlUnits));
      reward = charge + subsidyInsurance + subsidyPool;
    }
  }
  let accountDelta = pnlUnits - charge;
  let poolDelta = -pnlUnits - subsidyPool;
  let insuranceDelta = charge - reward + subsidyPool;
  let badDebt = 0n;
  let insuranceDraw = 0n;
  let poolWriteOff = 0n;
  if (fraction === WAD && balance + accountDelta < 0n && !other.held) {
    badDebt = -(balance + accountDelta);
    insuranceDraw = min(badDebt, insuranceBalance + insuranceDelta);
    poolWriteOff = min(badDebt - insuranceDraw, max(0n, poolBalance + poolDelta));
    accountDelta += insuranceDraw + poolWriteOff;
    insuranceDelta -= insuranceDraw;
    poolDelta -= poolWriteOff;
  }
  return {
    before,
    fraction,
    legs: outLegs,
    notionalClosed,
    penalty: charge,
    keeperReward: reward,
    accountDelta,
    poolDelta,
    insuranceDelta,
    badDebt,
    insuranceDraw,
    poolWriteOff,
    subsidyInsurance,
    subsidyPool,
  };
}
