/**
 * Markets: per market the oracle price with a chart of the feed's recent rounds, the skew and its premium, the funding
 * rate per hour and annualised, and open interest against the market's cap and the pool's.
 */
import { AggregatorV3Interface__factory } from "../../../typechain-types";
import { formatPercent, formatSize, formatUsd } from "../../../scripts/common/format";
import { useSession } from "../chain/context";
import type { Keel, MarketInfo } from "../chain/keel";
import { useAsync } from "../chain/useAsync";
import { ErrorLine } from "../components/ErrorLine";
import { PriceChart } from "../components/PriceChart";
import { fundingPerHour, fundingPerYear, poolOpenInterestCap, skewPremium } from "../lib/markets";

const CHART_ROUNDS = 24;

/** The feed's last rounds as WAD prices, oldest first. */
async function recentPrices(keel: Keel, market: MarketInfo): Promise<bigint[]> {
  const config = await keel.oracle.feedConfig(market.asset);
  const feed = AggregatorV3Interface__factory.connect(config.feed, keel.oracle.runner);
  const latest = await feed.latestRoundData();
  const scale = 10n ** (18n - config.decimals);
  const first = latest.roundId > BigInt(CHART_ROUNDS) ? latest.roundId - BigInt(CHART_ROUNDS) + 1n : 1n;
  const ids = Array.from({ length: Number(latest.roundId - first + 1n) }, (_, i) => first + BigInt(i));
  // A round a feed does not have (before its current phase on Chainlink) is left out.
  const rounds = await Promise.all(ids.map((id) => feed.getRoundData(id).catch(() => undefined)));
  return rounds.filter((r) => r !== undefined && r.answer > 0n).map((r) => r!.answer * scale);
}

async function loadMarkets(keel: Keel) {
  const [poolBalance, risk] = await Promise.all([keel.vault.poolBalance(), keel.lens.riskParams()]);
  const poolCap = poolOpenInterestCap(risk.maxOpenInterestToPool, poolBalance, keel.settlement.decimals);
  return Promise.all(
    keel.markets.map(async (m) => ({
      info: m,
      view: await keel.lens.market(m.id),
      prices: await recentPrices(keel, m),
    })),
  ).then((rows) => ({ rows, poolCap }));
}

export function MarketsPage() {
  const { keel, block } = useSession();
  const { data, error } = useAsync(() => loadMarkets(keel), `markets-${block}`);
  return (
    <section>
      <h2>Markets</h2>
      <ErrorLine error={error} />
      <table className="grid" data-testid="markets">
        <thead>
          <tr>
            <th>Market</th>
            <th>Oracle price</th>
            <th>Recent rounds</th>
            <th>Skew</th>
            <th>Skew premium</th>
            <th>Funding / hour</th>
            <th>Funding / year</th>
            <th>Long OI</th>
            <th>Short OI</th>
            <th>OI cap (market · pool)</th>
          </tr>
        </thead>
        <tbody>
          {data?.rows.map(({ info, view, prices }) => (
            <tr key={info.symbol} data-testid={`market-${info.symbol}`}>
              <td>{info.symbol}-PERP</td>
              <td data-testid="oracle-price" data-raw={view.oraclePrice.toString()}>
                {formatUsd(view.oraclePrice)}
              </td>
              <td>
                <PriceChart prices={prices} />
              </td>
              <td>{formatSize(view.skew)}</td>
              <td>{formatPercent(skewPremium(view.skew, info.skewScale), { dp: 4, signed: true })}</td>
              <td>{formatPercent(fundingPerHour(view.fundingRatePerDay), { dp: 6, signed: true })}</td>
              <td>{formatPercent(fundingPerYear(view.fundingRatePerDay), { dp: 2, signed: true })}</td>
              <td>{formatSize(view.longOpenInterest)}</td>
              <td>{formatSize(view.shortOpenInterest)}</td>
              <td>
                {formatSize(info.maxOpenInterest, 0)} {info.symbol} · {formatUsd(data.poolCap, { dp: 0 })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
