/**
 * The account stress view (cross margin): the move of each asset alone, and of all assets together, at which the
 * account becomes liquidatable.
 */
import { formatPercent, formatUsd } from "../../../scripts/common/format";
import type { AccountView } from "../chain/account";
import { allAssetsMove, liquidationPrice, moveTo } from "../lib/stress";

const pct = (x: bigint | undefined) =>
  x === undefined ? "none within ×1000" : formatPercent(x, { signed: true });

export function StressPanel({ account }: { account: AccountView }) {
  const all = allAssetsMove(account.snapshot);
  return (
    <div className="panel" data-testid="stress">
      <h3>Stress: what move liquidates this account</h3>
      {all.now ? <p className="error">Liquidatable now.</p> : null}
      <table className="grid">
        <thead>
          <tr>
            <th>Asset moving</th>
            <th>Price at liquidation</th>
            <th>Move from today</th>
          </tr>
        </thead>
        <tbody>
          {account.positions.map((p) => {
            const liq = liquidationPrice(account.snapshot, p.market.id);
            return (
              <tr key={p.market.symbol} data-testid={`stress-${p.market.symbol}`}>
                <td>{p.market.symbol} alone</td>
                <td>{liq === undefined ? "none" : formatUsd(liq)}</td>
                <td data-raw={liq === undefined ? "none" : moveTo(p.mark, liq).toString()}>
                  {liq === undefined ? "none" : pct(moveTo(p.mark, liq))}
                </td>
              </tr>
            );
          })}
          <tr data-testid="stress-all">
            <td>All together</td>
            <td>—</td>
            <td data-fall={all.fall?.toString() ?? "none"} data-rise={all.rise?.toString() ?? "none"}>
              fall {pct(all.fall)} · rise {pct(all.rise)}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
