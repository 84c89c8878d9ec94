/**
 * Pool: the LP side (DESIGN §11). NAV and share price, the connected LP's shares and their value, deposits (with the
 * approval step), the two-step withdrawal: a request, its maturity and window, and the redemption inside it.
 */
import { useState } from "react";
import { formatTokenExact } from "../../../scripts/common/format";
import { exact, parsePositive } from "../../../scripts/common/units";
import { useSession } from "../chain/context";
import type { Keel } from "../chain/keel";
import { useAsync } from "../chain/useAsync";
import { useTx } from "../chain/useTx";
import { ErrorLine } from "../components/ErrorLine";
import { Metric } from "../components/Metric";
import { TxStatus } from "../components/TxStatus";

const iso = (s: bigint) => new Date(Number(s) * 1000).toISOString().replace(".000Z", "Z");

async function loadPool(keel: Keel, owner: string, block: number) {
  const at = { blockTag: block };
  const usdc = keel.token(keel.settlement.address);
  const one = 10n ** BigInt(keel.shareDecimals);
  const [nav, supply, sharePrice, shares, request, available, wallet, allowance, header] = await Promise.all([
    keel.pool.poolValue(at),
    keel.pool.totalSupply(at),
    keel.pool.convertToAssets(one, at),
    keel.pool.balanceOf(owner, at),
    keel.pool.withdrawalRequest(owner, at),
    keel.pool.availableLiquidity(at),
    usdc.balanceOf(owner, at),
    usdc.allowance(owner, keel.addresses.pool, at),
    keel.lens.runner!.provider!.getBlock(block),
  ]);
  const value = await keel.pool.convertToAssets(shares + request.shares, at);
  return {
    nav,
    supply,
    sharePrice,
    shares,
    request,
    available,
    wallet,
    allowance,
    value,
    now: BigInt(header!.timestamp),
  };
}

export function PoolPage() {
  const { keel, address, block, signer } = useSession();
  const [assets, setAssets] = useState("");
  const [shares, setShares] = useState("");
  const [inputError, setInputError] = useState<string>();
  const { data, error } = useAsync(() => loadPool(keel, address, block), `${address}-${block}`);
  const { state, run } = useTx();
  const shareToken = { symbol: "shares", decimals: keel.shareDecimals };
  const parse = (text: string, decimals: number, what: string) => {
    try {
      setInputError(undefined);
      return parsePositive(text, decimals, what);
    } catch (err) {
      setInputError((err as Error).message);
      return undefined;
    }
  };

  const deposit = async () => {
    const amount = parse(assets, keel.settlement.decimals, "Deposit");
    if (amount === undefined || !data) return;
    const s = await signer();
    const steps = [];
    if (data.allowance < amount) {
      steps.push({
        label: "Approve USDC",
        send: () => keel.token(keel.settlement.address).connect(s).approve(keel.addresses.pool, amount),
      });
    }
    steps.push({ label: "Deposit to pool", send: () => keel.pool.connect(s).deposit(amount, address) });
    if (await run(steps)) setAssets("");
  };
  const request = async () => {
    const amount = parse(shares, keel.shareDecimals, "Shares");
    if (amount === undefined) return;
    const s = await signer();
    if (
      await run([{ label: "Request withdrawal", send: () => keel.pool.connect(s).requestWithdraw(amount) }])
    )
      setShares("");
  };
  const redeem = async () => {
    if (!data) return;
    const s = await signer();
    const amount = data.request.shares;
    await run([{ label: "Redeem", send: () => keel.pool.connect(s).redeem(amount, address, address) }]);
  };
  const cancel = async () => {
    const s = await signer();
    await run([{ label: "Cancel withdrawal", send: () => keel.pool.connect(s).cancelWithdraw() }]);
  };

  const r = data?.request;
  const phase =
    !r || r.shares === 0n
      ? "none"
      : data.now < r.unlockTime
        ? "waiting"
        : data.now < r.expiry
          ? "open"
          : "expired";
  return (
    <section data-testid="pool">
      <h2>Liquidity pool</h2>
      <ErrorLine error={error} />
      {data ? (
        <div className="metrics">
          <Metric
            id="pool-nav"
            label="NAV"
            value={formatTokenExact(data.nav, keel.settlement)}
            raw={data.nav}
          />
          <Metric
            id="pool-share-price"
            label="Share price (per share)"
            value={formatTokenExact(data.sharePrice, keel.settlement)}
            raw={data.sharePrice}
          />
          <Metric label="Shares outstanding" value={formatTokenExact(data.supply, shareToken)} />
          <Metric label="Available liquidity" value={formatTokenExact(data.available, keel.settlement)} />
          <Metric
            id="lp-shares"
            label="Your shares"
            value={formatTokenExact(data.shares, shareToken)}
            raw={data.shares}
          />
          <Metric
            id="lp-value"
            label="Your position's value"
            value={formatTokenExact(data.value, keel.settlement)}
            raw={data.value}
          />
          <Metric label="USDC in your wallet" value={formatTokenExact(data.wallet, keel.settlement)} />
        </div>
      ) : null}
      <div className="form">
        <input
          data-testid="pool-assets"
          placeholder="USDC to deposit"
          value={assets}
          onChange={(e) => setAssets(e.target.value)}
        />
        <button data-testid="pool-deposit" disabled={!data} onClick={() => void deposit()}>
          Deposit
        </button>
      </div>
      <div className="form">
        <input
          data-testid="pool-shares"
          placeholder="shares to withdraw"
          value={shares}
          onChange={(e) => setShares(e.target.value)}
        />
        <button
          data-testid="pool-max-shares"
          onClick={() => data && setShares(exact(data.shares, keel.shareDecimals))}
        >
          All
        </button>
        <button data-testid="pool-request" disabled={!data} onClick={() => void request()}>
          Request withdrawal
        </button>
      </div>
      {r && r.shares > 0n ? (
        <div
          className="panel"
          data-testid="pool-request-status"
          data-phase={phase}
          data-shares={r.shares.toString()}
        >
          Withdrawal request: {formatTokenExact(r.shares, shareToken)}; redeemable from {iso(r.unlockTime)}{" "}
          until {iso(r.expiry)} (
          {phase === "waiting" ? "maturing" : phase === "open" ? "window open" : "expired: request again"}).{" "}
          <button data-testid="pool-redeem" disabled={phase !== "open"} onClick={() => void redeem()}>
            Redeem
          </button>{" "}
          <button data-testid="pool-cancel" onClick={() => void cancel()}>
            Cancel request
          </button>
        </div>
      ) : null}
      {inputError ? (
        <p className="error" role="alert">
          {inputError}
        </p>
      ) : null}
      <TxStatus state={state} />
    </section>
  );
}
