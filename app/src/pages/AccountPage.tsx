/**
 * Account: equity, collateral by token, initial and maintenance margin, free collateral, the margin-ratio gauge, the
 * positions and the stress view, for the selected subaccount, read at the latest block.
 */
import { formatTokenExact, formatUsd } from "../../../scripts/common/format";
import { loadAccount } from "../chain/account";
import { useSession } from "../chain/context";
import { useAsync } from "../chain/useAsync";
import { ErrorLine } from "../components/ErrorLine";
import { Gauge } from "../components/Gauge";
import { Metric } from "../components/Metric";
import { PositionsTable } from "../components/PositionsTable";
import { StressPanel } from "../components/StressPanel";
import { marginRatio } from "../lib/stress";

export function AccountPage() {
  const { keel, accountId, block } = useSession();
  const { data: account, error } = useAsync(
    () => loadAccount(keel, accountId, block),
    `${accountId}-${block}`,
  );
  if (!account) return <ErrorLine error={error} />;
  const s = account.state;
  return (
    <section data-testid="account" data-block={account.block}>
      <h2>Account</h2>
      <ErrorLine error={error} />
      <div className="metrics">
        <Metric id="equity" label="Equity" value={formatUsd(s.equity)} raw={s.equity} />
        <Metric
          id="collateral-value"
          label="Collateral value"
          value={formatUsd(s.collateralValue)}
          raw={s.collateralValue}
        />
        <Metric
          id="initial-margin"
          label="Initial margin"
          value={formatUsd(s.initialMargin)}
          raw={s.initialMargin}
        />
        <Metric
          id="maintenance-margin"
          label="Maintenance margin"
          value={formatUsd(s.maintenanceMargin)}
          raw={s.maintenanceMargin}
        />
        <Metric
          id="free-collateral"
          label="Free collateral"
          value={formatUsd(s.freeCollateral)}
          raw={s.freeCollateral}
        />
        <Metric
          label="Unrealized PnL"
          value={formatUsd(s.unrealizedPnl, { signed: true })}
          raw={s.unrealizedPnl}
        />
        <Metric label="Funding owed" value={formatUsd(s.pendingFunding, { dp: 6 })} raw={s.pendingFunding} />
      </div>
      <Gauge ratio={marginRatio(s.equity, s.maintenanceMargin)} />
      <h3>Collateral</h3>
      <ul data-testid="collateral">
        {account.balances.map(({ token, balance }) => (
          <li key={token.address} data-testid={`balance-${token.symbol}`} data-raw={balance.toString()}>
            {formatTokenExact(balance, token)}
          </li>
        ))}
      </ul>
      <h3>Positions</h3>
      <PositionsTable account={account} />
      <StressPanel account={account} />
    </section>
  );
}
