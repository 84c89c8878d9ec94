/** A small line chart of a feed's recent answers (WAD prices, oldest first). */
import { formatUsd } from "../../../scripts/common/format";

export function PriceChart({ prices }: { prices: readonly bigint[] }) {
  if (prices.length < 2) return <span className="muted">one round so far</span>;
  const lo = prices.reduce((a, b) => (b < a ? b : a));
  const hi = prices.reduce((a, b) => (b > a ? b : a));
  const span = hi - lo === 0n ? 1n : hi - lo;
  const w = 160;
  const h = 40;
  const points = prices
    .map(
      (p, i) =>
        `${((i * w) / (prices.length - 1)).toFixed(1)},${(h - Number(((p - lo) * BigInt(h)) / span)).toFixed(1)}`,
    )
    .join(" ");
  return (
    <svg
      className="chart"
      width={w}
      height={h}
      role="img"
      aria-label={`from ${formatUsd(prices[0])} to ${formatUsd(prices[prices.length - 1])}`}
    >
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
