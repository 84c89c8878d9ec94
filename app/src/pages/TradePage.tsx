/**
 * Trade: a size or a leverage, long or short, the preview from `previewTrade` before sending, a slippage setting, and
 * the order types: an immediate market trade, a two-step market order and the conditional orders (limit, stop-loss,
 * take-profit) through the OrderBook (DESIGN §21). The pending orders are listed below, cancellable.
 */
import { useState } from "react";
import { exact } from "../../../scripts/common/units";
import { loadAccount } from "../chain/account";
import { ORDER_KIND, ORDER_TYPES, orderSender } from "../chain/orderSend";
import type { OrderType } from "../chain/orderSend";
import { useSession } from "../chain/context";
import { useAsync } from "../chain/useAsync";
import { useTx } from "../chain/useTx";
import { ErrorLine } from "../components/ErrorLine";
import { OrdersPanel } from "../components/OrdersPanel";
import { TradePreview } from "../components/TradePreview";
import { TxStatus } from "../components/TxStatus";
import { sizeDeltaOf } from "../lib/tradeInput";
import type { SizeMode } from "../lib/tradeInput";

export function TradePage() {
  const { keel, accountId, subaccount, block, signer } = useSession();
  const [marketIndex, setMarketIndex] = useState(0);
  const [side, setSide] = useState<"long" | "short">("long");
  const [mode, setMode] = useState<SizeMode>("size");
  const [amount, setAmount] = useState("");
  const [slippage, setSlippage] = useState("0.5");
  const [type, setType] = useState<OrderType>("market");
  const [trigger, setTrigger] = useState("");
  const [inputError, setInputError] = useState<string>();
  const market = keel.markets[marketIndex];
  const { state, run } = useTx();

  const inputs = `${accountId}-${block}-${marketIndex}-${side}-${mode}-${amount}-${slippage}`;
  const { data, error } = useAsync(async () => {
    const account = await loadAccount(keel, accountId, block);
    const oraclePrice = (await keel.lens.market(market.id, { blockTag: block })).oraclePrice;
    if (amount.trim() === "") return { account, oraclePrice };
    const sizeDelta = sizeDeltaOf({ mode, side, amount, equity: account.state.equity, price: oraclePrice });
    const [fillPrice, fee, after] = await keel.lens.previewTrade(accountId, market.id, sizeDelta, {
      blockTag: block,
    });
    return { account, oraclePrice, preview: { sizeDelta, oraclePrice, fillPrice, fee, after } };
  }, inputs);
  const position = data?.account.positions.find((p) => p.market.id === market.id);

  const submit = async () => {
    const preview = data?.preview;
    if (!preview) return;
    let send: ReturnType<typeof orderSender>;
    try {
      const now = BigInt((await keel.lens.runner!.provider!.getBlock(block))!.timestamp);
      const { sizeDelta, fillPrice } = preview;
      send = orderSender(keel, {
        type,
        accountId,
        subaccount,
        marketId: market.id,
        sizeDelta,
        fillPrice,
        slippage,
        trigger,
        now,
      });
    } catch (err) {
      setInputError((err as Error).message);
      return;
    }
    setInputError(undefined);
    const s = await signer();
    if (await run([{ label: type === "market" ? "Trade" : `Commit ${type} order`, send: () => send(s) }]))
      setAmount("");
  };

  const close = () => {
    if (!position) return;
    setMode("size");
    setSide(position.size > 0n ? "short" : "long");
    setAmount(exact(position.size < 0n ? -position.size : position.size, 18));
  };

  return (
    <section data-testid="trade">
      <h2>Trade</h2>
      <div className="form">
        <select
          data-testid="trade-market"
          value={marketIndex}
          onChange={(e) => setMarketIndex(Number(e.target.value))}
        >
          {keel.markets.map((m, i) => (
            <option key={m.symbol} value={i}>
              {m.symbol}-PERP
            </option>
          ))}
        </select>
        <select
          data-testid="trade-side"
          value={side}
          onChange={(e) => setSide(e.target.value as "long" | "short")}
        >
          <option value="long">Long</option>
          <option value="short">Short</option>
        </select>
        <select data-testid="trade-mode" value={mode} onChange={(e) => setMode(e.target.value as SizeMode)}>
          <option value="size">Size ({market.symbol})</option>
          <option value="leverage">Leverage (× equity)</option>
        </select>
        <input
          data-testid="trade-amount"
          placeholder={mode === "size" ? `size in ${market.symbol}` : "leverage, e.g. 2"}
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <label>
          Slippage %{" "}
          <input
            data-testid="trade-slippage"
            className="short"
            value={slippage}
            onChange={(e) => setSlippage(e.target.value)}
          />
        </label>
        <select data-testid="trade-type" value={type} onChange={(e) => setType(e.target.value as OrderType)}>
          {ORDER_TYPES.map((t) => (
            <option key={t} value={t}>
              {t === "market" ? "market (now)" : t === "two-step" ? "market (two-step order)" : t}
            </option>
          ))}
        </select>
        {ORDER_KIND[type] > 0 ? (
          <input
            data-testid="trade-trigger"
            placeholder="trigger price (USD)"
            value={trigger}
            onChange={(e) => setTrigger(e.target.value)}
          />
        ) : null}
        <button
          data-testid="trade-submit"
          disabled={!data?.preview || error !== undefined}
          onClick={() => void submit()}
        >
          {type === "market" ? "Send trade" : "Commit order"}
        </button>
        {position ? (
          <button data-testid="trade-close" onClick={close}>
            Close position
          </button>
        ) : null}
      </div>
      <ErrorLine error={error} />
      {inputError ? (
        <p className="error" role="alert">
          {inputError}
        </p>
      ) : null}
      {data?.preview && !error ? (
        <TradePreview preview={data.preview} account={data.account} market={market} />
      ) : null}
      <TxStatus state={state} />
      <OrdersPanel />
    </section>
  );
}
