/** The margin-ratio gauge: maintenance margin over equity, liquidatable at 100%. */
import { formatPercent } from "../../../scripts/common/format";
import { WAD } from "../lib/stress";

export function Gauge({ ratio }: { ratio: bigint | undefined }) {
  const shown = ratio === undefined ? WAD : ratio;
  const width = Number((shown > WAD ? WAD : shown) / 10n ** 14n) / 100;
  const level = shown >= WAD ? "danger" : shown >= (WAD * 7n) / 10n ? "warning" : "ok";
  return (
    <div className="gauge" data-testid="margin-ratio" data-raw={ratio?.toString() ?? "inf"}>
      <span className="label">Margin ratio (maintenance / equity)</span>
      <div className="gauge-track">
        <div className={`gauge-fill ${level}`} style={{ width: `${width}%` }} />
      </div>
      <span className="value">{ratio === undefined ? "∞ (no equity)" : formatPercent(ratio)}</span>
    </div>
  );
}
