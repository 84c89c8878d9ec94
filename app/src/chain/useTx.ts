/**
 * Sending a transaction from the wallet with its progress on screen: waiting for the wallet, pending with its hash,
 * confirmed in a block, or failed with the decoded revert in words (app/src/lib/revert.ts).
 */
import { useCallback, useState } from "react";
import type { ContractTransactionResponse } from "ethers";
import { revertMessage } from "../lib/revert";
import { useSession } from "./context";

export type TxState =
  | { phase: "idle" }
  | { phase: "wallet"; label: string }
  | { phase: "pending"; label: string; hash: string }
  | { phase: "done"; label: string; hash: string; block: number }
  | { phase: "failed"; label: string; message: string };

export function useTx() {
  const { keel } = useSession();
  const [state, setState] = useState<TxState>({ phase: "idle" });
  /** Runs the steps in order (an approval, then the action); stops at the first failure. True when all confirmed. */
  const run = useCallback(
    async (
      steps: { label: string; send: () => Promise<ContractTransactionResponse> }[],
    ): Promise<boolean> => {
      for (const { label, send } of steps) {
        try {
          setState({ phase: "wallet", label });
          const tx = await send();
          setState({ phase: "pending", label, hash: tx.hash });
          const receipt = await tx.wait();
          setState({ phase: "done", label, hash: tx.hash, block: receipt?.blockNumber ?? 0 });
        } catch (err) {
          setState({ phase: "failed", label, message: revertMessage(err, keel.interfaces, keel.units) });
          return false;
        }
      }
      return true;
    },
    [keel],
  );
  return { state, run };
}
