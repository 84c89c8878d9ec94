/**
 * A run's parameter settings (`--set name=value`, a sweep's value) written through the admin setters before the
 * opening deposits: `setMarketParams` for every market's `imf`, `mmf`, `skewScale` (a multiple of its deployed
 * value), `setRiskParams` for `maxOpenInterestToPool` and `liquidationBuffer`. The values were checked against the
 * contract's bounds when the options were read (risk/params.ts).
 */
import type { System } from "../../lib/system";
import type { MarketInfo } from "../agents/env";
import { PARAMS, toWad } from "../risk/params";
import type { SweepParam } from "../risk/params";
import type { Sender } from "../world";

const WAD = 10n ** 18n;

export async function applySettings(
  sys: System,
  sender: Sender,
  markets: MarketInfo[],
  settings: { name: SweepParam; value: number }[],
): Promise<void> {
  for (const { name, value } of settings) {
    if (PARAMS[name].scope === "risk") {
      const r = await sys.lens.riskParams();
      const next = {
        maxPositionsPerAccount: r.maxPositionsPerAccount,
        insuranceFeeShare: r.insuranceFeeShare,
        maxOpenInterestToPool: r.maxOpenInterestToPool,
        liquidationBuffer: r.liquidationBuffer,
        keeperShare: r.keeperShare,
        minKeeperReward: r.minKeeperReward,
        maxKeeperReward: r.maxKeeperReward,
        maxPnlToPool: r.maxPnlToPool,
        [name]: toWad(value),
      };
      await sender.must(`set ${name}`, () => sys.clearinghouse.connect(sys.admin).setRiskParams(next));
      continue;
    }
    for (const m of markets) {
      const p = await sys.lens.marketParams(m.marketId);
      const next = {
        asset: p.asset,
        imf: name === "imf" ? toWad(value) : p.imf,
        mmf: name === "mmf" ? toWad(value) : p.mmf,
        liquidationFee: p.liquidationFee,
        takerFee: p.takerFee,
        makerFee: p.makerFee,
        maxFundingRatePerDay: p.maxFundingRatePerDay,
        skewScale: name === "skewScale" ? (p.skewScale * toWad(value)) / WAD : p.skewScale,
        maxOpenInterest: p.maxOpenInterest,
        minPositionNotional: p.minPositionNotional,
        maxLiquidationNotionalPerWindow: p.maxLiquidationNotionalPerWindow,
        liquidationWindow: p.liquidationWindow,
      };
      await sender.must(`${m.symbol} ${name}`, () =>
        sys.clearinghouse.connect(sys.admin).setMarketParams(m.marketId, next),
      );
      // The agents size their trades with the market's margins.
      m.imf = next.imf;
      m.mmf = next.mmf;
    }
  }
}
