/** A transaction's progress: waiting for the wallet, pending (hash), confirmed (block), or the revert in words. */
import type { TxState } from "../chain/useTx";

export function TxStatus({ state }: { state: TxState }) {
  switch (state.phase) {
    case "idle":
      return null;
    case "wallet":
      return (
        <p className="tx tx-wallet" data-testid="tx-status">
          {state.label}: confirm in your wallet…
        </p>
      );
    case "pending":
      return (
        <p className="tx tx-pending" data-testid="tx-status">
          {state.label}: pending <code>{state.hash.slice(0, 12)}…</code>
        </p>
      );
    case "done":
      return (
        <p className="tx tx-done" data-testid="tx-status">
          {state.label}: confirmed in block {state.block}
        </p>
      );
    case "failed":
      return (
        <p className="tx tx-failed error" data-testid="tx-error" role="alert">
          {state.label} failed: {state.message}
        </p>
      );
  }
}
