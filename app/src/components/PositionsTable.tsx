/** The account's positions: side, size, entry, mark, PnL, funding and each one's liquidation price. */
import { formatSide, formatSize, formatUsd } from "../../../scripts/common/format";
import type { AccountView } from "../chain/account";
import { liquidationPrice } from "../lib/stress";

export function PositionsTable({ account }: { account: AccountView }) {
  if (account.positions.length === 0)
    return (
      <p className="muted" data-testid="no-positions">
        No open position.
      </p>
    );
  return (
    <table className="grid" data-testid="positions">
      <thead>
        <tr>
          <th>Market</th>
          <th>Side</th>
          <th>Size</th>
          <th>Entry</th>
          <th>Mark</th>
          <th>Unrealized PnL</th>
          <th>Funding owed</th>
          <th>Liquidation price</th>
        </tr>
      </thead>
      <tbody>
        {account.positions.map((p) => {
          const liq = liquidationPrice(account.snapshot, p.market.id);
          return (
            <tr key={p.market.symbol} data-testid={`position-${p.market.symbol}`}>
              <td>{p.market.symbol}-PERP</td>
              <td>{formatSide(p.size)}</td>
              <td data-testid="size" data-raw={p.size.toString()}>
                {formatSize(p.size)}
              </td>
              <td>{formatUsd(p.entryPrice)}</td>
              <td>{formatUsd(p.mark)}</td>
              <td data-testid="pnl" data-raw={p.unrealizedPnl.toString()}>
                {formatUsd(p.unrealizedPnl, { signed: true })}
              </td>
              <td>{formatUsd(p.pendingFunding, { dp: 6, signed: true })}</td>
              <td data-testid="liq-price" data-raw={liq?.toString() ?? "none"}>
                {liq === undefined ? "none" : formatUsd(liq)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
