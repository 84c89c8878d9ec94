/**
 * One account as the pages show it, read at one block: its margin state, its positions with their marks, its
 * collateral by token, and the stress snapshot (app/src/lib/stress.ts) built from them.
 */
import type { Keel, MarketInfo, TokenInfo } from "./keel";
import type { StressLeg, StressSnapshot } from "../lib/stress";

export interface AccountPosition {
  market: MarketInfo;
  size: bigint;
  openNotional: bigint;
  entryPrice: bigint;
  mark: bigint;
  unrealizedPnl: bigint;
  pendingFunding: bigint;
}

export interface AccountView {
  block: number;
  state: {
    equity: bigint;
    collateralValue: bigint;
    unrealizedPnl: bigint;
    pendingFunding: bigint;
    initialMargin: bigint;
    maintenanceMargin: bigint;
    freeCollateral: bigint;
    liquidatable: boolean;
  };
  positions: AccountPosition[];
  /** Every listed token with the account's balance of it (token units; the settlement balance may be negative). */
  balances: { token: TokenInfo; balance: bigint }[];
  snapshot: StressSnapshot;
}

export async function loadAccount(keel: Keel, accountId: bigint, block: number): Promise<AccountView> {
  const at = { blockTag: block };
  const [s, views] = await Promise.all([
    keel.lens.accountState(accountId, at),
    keel.lens.positions(accountId, at),
  ]);
  const positions = await Promise.all(
    views.map(async (p) => {
      const market = keel.markets[Number(p.marketId)];
      const mark = (await keel.lens.market(p.marketId, at)).oraclePrice;
      return {
        market,
        size: p.size,
        openNotional: p.openNotional,
        entryPrice: p.entryPrice,
        mark,
        unrealizedPnl: p.unrealizedPnl,
        pendingFunding: p.pendingFunding,
      };
    }),
  );
  const balances = await Promise.all(
    [keel.settlement, ...keel.collaterals].map(async (token) => ({
      token,
      balance: await keel.vault.balanceOf(accountId, token.address, at),
    })),
  );
  const legs: StressLeg[] = positions.map((p) => ({
    marketId: p.market.id,
    size: p.size,
    price: p.mark,
    mmf: p.market.mmf,
  }));
  const state = {
    equity: s.equity,
    collateralValue: s.collateralValue,
    unrealizedPnl: s.unrealizedPnl,
    pendingFunding: s.pendingFunding,
    initialMargin: s.initialMargin,
    maintenanceMargin: s.maintenanceMargin,
    freeCollateral: s.freeCollateral,
    liquidatable: s.liquidatable,
  };
  return {
    block,
    state,
    positions,
    balances,
    snapshot: { equity: s.equity, maintenanceMargin: s.maintenanceMargin, legs },
  };
}
