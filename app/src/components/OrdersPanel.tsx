/**
 * The account's pending orders on every market (its market order and its limit, stop-loss and take-profit orders,
 * DESIGN §21), read with the tools' `readPendingOrder`, each cancellable from the wallet.
 */
import { orderKindName, readPendingOrder } from "../../../scripts/common/orders";
import type { PendingOrder } from "../../../scripts/common/orders";
import { formatSize, formatTokenExact, formatUsd } from "../../../scripts/common/format";
import { useSession } from "../chain/context";
import { useAsync } from "../chain/useAsync";
import { useTx } from "../chain/useTx";
import { ErrorLine } from "./ErrorLine";
import { TxStatus } from "./TxStatus";

const NO_LIMIT = 2n ** 128n - 1n;

export function OrdersPanel() {
  const { keel, accountId, block, signer } = useSession();
  const { state, run } = useTx();
  const { data: orders, error } = useAsync(async () => {
    const ids: bigint[] = [];
    for (const m of keel.markets) {
      ids.push(await keel.orderBook.orderIdOf(accountId, m.id));
      for (const kind of [1, 2, 3])
        ids.push(await keel.orderBook.conditionalOrderIdOf(accountId, m.id, kind));
    }
    const found = await Promise.all(ids.map((id) => readPendingOrder(keel.orderBook, id)));
    return found.filter((o): o is PendingOrder => o !== undefined);
  }, `${accountId}-${block}`);
  const cancel = async (orderId: bigint) => {
    const s = await signer();
    await run([{ label: "Cancel order", send: () => keel.orderBook.connect(s).cancelOrder(orderId) }]);
  };
  return (
    <div className="panel">
      <h3>Pending orders</h3>
      <ErrorLine error={error} />
      {orders && orders.length === 0 ? (
        <p className="muted" data-testid="no-orders">
          None.
        </p>
      ) : null}
      {orders && orders.length > 0 ? (
        <table className="grid" data-testid="orders">
          <thead>
            <tr>
              <th>Market</th>
              <th>Kind</th>
              <th>Size</th>
              <th>Trigger</th>
              <th>Acceptable price</th>
              <th>Deadline</th>
              <th>Fee escrowed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr key={o.orderId.toString()} data-testid={`order-${orderKindName(o.kind)}`}>
                <td>{keel.markets[Number(o.marketId)]?.symbol ?? String(o.marketId)}-PERP</td>
                <td>{orderKindName(o.kind)}</td>
                <td>{formatSize(o.sizeDelta)}</td>
                <td>{o.trigger ? `${o.trigger.above ? "≥" : "≤"} ${formatUsd(o.trigger.price)}` : "—"}</td>
                <td>{o.acceptablePrice >= NO_LIMIT ? "any" : formatUsd(o.acceptablePrice)}</td>
                <td>
                  {o.kind === 0
                    ? new Date(Number(o.deadline) * 1000).toISOString().slice(11, 19) + " UTC"
                    : "none"}
                </td>
                <td>{formatTokenExact(o.fee, keel.settlement)}</td>
                <td>
                  <button data-testid="order-cancel" onClick={() => void cancel(o.orderId)}>
                    Cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <TxStatus state={state} />
    </div>
  );
}
