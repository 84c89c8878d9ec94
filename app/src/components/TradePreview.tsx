/** What `previewTrade` says a trade would do, with the liquidation price after it (app/src/lib/stress.ts). */
import { formatPercent, formatUsd } from "../../../scripts/common/format";
import type { AccountView } from "../chain/account";
import type { MarketInfo } from "../chain/keel";
import { Metric } from "./Metric";
import { liquidationPrice, marginRatio } from "../lib/stress";

export interface Preview {
  sizeDelta: bigint;
  oraclePrice: bigint;
  fillPrice: bigint;
  fee: bigint;
  after: { equity: bigint; initialMargin: bigint; maintenanceMargin: bigint; freeCollateral: bigint };
}

/** The liquidation price on `market` after the trade: today's legs with the traded one resized. */
export function liquidationAfter(account: AccountView, market: MarketInfo, p: Preview): bigint | undefined {
  const current = account.positions.find((x) => x.market.id === market.id)?.size ?? 0n;
  const legs = account.snapshot.legs.filter((l) => l.marketId !== market.id);
  const size = current + p.sizeDelta;
  if (size !== 0n) legs.push({ marketId: market.id, size, price: p.oraclePrice, mmf: market.mmf });
  return liquidationPrice(
    { equity: p.after.equity, maintenanceMargin: p.after.maintenanceMargin, legs },
    market.id,
  );
}

export function TradePreview({
  preview,
  account,
  market,
}: {
  preview: Preview;
  account: AccountView;
  market: MarketInfo;
}) {
  // What the fill pays over the oracle price: positive for a buy above it or a sell below it.
  const premium = ((preview.fillPrice - preview.oraclePrice) * preview.sizeDelta) / 10n ** 18n;
  const liq = liquidationAfter(account, market, preview);
  const ratio = marginRatio(preview.after.equity, preview.after.maintenanceMargin);
  const short = preview.after.equity < preview.after.initialMargin;
  return (
    <>
      <div className="metrics" data-testid="preview">
        <Metric
          id="preview-fill"
          label="Fill price"
          value={formatUsd(preview.fillPrice)}
          raw={preview.fillPrice}
        />
        <Metric id="preview-fee" label="Fee" value={formatUsd(preview.fee, { dp: 4 })} raw={preview.fee} />
        <Metric
          id="preview-premium"
          label="Skew premium paid"
          value={formatUsd(premium, { dp: 4, signed: true })}
        />
        <Metric
          id="preview-equity"
          label="Equity after"
          value={formatUsd(preview.after.equity)}
          raw={preview.after.equity}
        />
        <Metric
          id="preview-im"
          label="Initial margin after"
          value={formatUsd(preview.after.initialMargin)}
          raw={preview.after.initialMargin}
        />
        <Metric
          id="preview-free"
          label="Free collateral after"
          value={formatUsd(preview.after.freeCollateral)}
          raw={preview.after.freeCollateral}
        />
        <Metric
          id="preview-ratio"
          label="Margin ratio after"
          value={ratio === undefined ? "no equity" : formatPercent(ratio)}
        />
        <Metric
          id="preview-liq"
          label="Liquidation price after"
          value={liq === undefined ? "none" : formatUsd(liq)}
          raw={liq}
        />
      </div>
      {short ? (
        <p className="warning" data-testid="preview-warning">
          Equity after is below the initial margin: the trade is refused unless it only reduces the position.
        </p>
      ) : null}
    </>
  );
}
