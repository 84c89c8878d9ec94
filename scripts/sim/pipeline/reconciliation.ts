/**
 * The headline's reconciliation: why the traders' PnL and the protocol's result (LPs + insurance fund) do not add up
 * to zero. Perpetuals are zero-sum between the traders and the pool, but the headline's two figures also carry:
 *
 *   - the price moves of the collateral tokens (WETH, WBTC) traders deposited: their PnL counts those tokens at their
 *     final oracle value against their value when deposited, and nobody on the protocol's side paid that;
 *   - the keeper's result: the rewards and order settlement fees credited to its account, and its collateral
 *     liquidations (the tokens it took, at final prices, minus the USDC it repaid), paid by traders and not by the
 *     protocol; the settlement fees of orders still pending, held by the OrderBook;
 *   - the skew premium `LiquidityPool.poolValue()` keeps out of the pool's NAV (DESIGN §11), bad debt booked but not
 *     yet settled, and the NAV's floor at zero;
 *   - rounding: the mark-to-market gap of the conservation check (the protocol's rounding, per position) less the
 *     flooring of the NAV to whole settlement units.
 *
 *   traders' PnL + protocol result = price moves − keeper rewards − keeper's collateral liquidations − pending order
 *                                    fees − skew premium − pending bad debt + NAV floor + rounding, exactly (WAD).
 *
 * It follows from the zero-sum identity of the conservation check (traders' equity + keeper + pool at marks + insurance
 * = net deposits + the mark-to-market gap); every term here is read or summed on its own.
 */
import type { Conservation, Headline, Reconciliation } from "../types";
import { TO_WAD } from "../units";
import type { FinalEquity } from "./headline";
import type { World } from "./setup";

export async function reconcile(
  world: World,
  headline: Headline,
  conservation: Conservation,
  final: FinalEquity,
): Promise<Reconciliation> {
  const { sys, tokens, tokenFlows, env, flows } = world;
  // The tokens keepers took from accounts, at the final oracle prices: out of the traders' PnL, into the keeper's.
  let seizedValue = 0n;
  for (const token of tokens.values()) {
    const seized = tokenFlows.get(token.symbol)?.seized ?? 0n;
    seizedValue += (seized * env.price(token.marketId)) / 10n ** BigInt(token.decimals);
  }
  const poolValue = await sys.pool.poolValue();
  const pendingBadDebt = await sys.vault.pendingBadDebt();
  const insurance = conservation.insuranceBalance;
  const pendingLoss = pendingBadDebt > insurance ? pendingBadDebt - insurance : 0n;
  const pool = conservation.poolAtMarks;
  // `poolValue()` floors (cash − pending loss) * 1e12 + unrealized to whole units: what the floor dropped (WAD).
  const navFlooring =
    (conservation.poolBalance - pendingLoss) * TO_WAD + pool.unrealized - poolValue * TO_WAD;

  const traderPnl = headline.traderPnl;
  const protocolPnl = headline.protocolPnl * TO_WAD;
  const navEnd = headline.poolNavEnd;
  return {
    traderPnl,
    protocolPnl,
    sum: traderPnl + protocolPnl,
    terms: {
      collateralPriceMoves: final.tokenValue + seizedValue - headline.traderTokenDepositsValue,
      keeperRewards: -conservation.keeperBalance * TO_WAD,
      keeperCollateralLiquidations: -(seizedValue - flows.keeperRepayments * TO_WAD),
      pendingOrderFees: -conservation.escrowBalance * TO_WAD,
      skewPremium: -pool.premium,
      pendingBadDebt: -pendingLoss * TO_WAD,
      navFloor: (navEnd - poolValue) * TO_WAD,
      rounding: conservation.markToMarketGapWad - navFlooring,
    },
  };
}

/** Σ of the reconciliation's terms (equal to `sum`, exactly). */
export const termsTotal = (r: Reconciliation): bigint =>
  Object.values(r.terms).reduce((acc, t) => acc + t, 0n);
