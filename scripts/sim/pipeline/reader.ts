/**
 * Many accounts' margin states in one `eth_call`: the step loop reads every trader account at each step's end, and
 * one call per account was the largest share of a 200-account run's time (≈ 220 calls a step, issue 17's speed
 * target). `ClearinghouseLens.accountStates` reads each market's price once per batch and sums every account with the
 * core's `MarginLib`, so each state equals `accountState` (checked in Clearinghouse.views.test.ts). The return data
 * is decoded by `decodeStaticTupleArray` (staticTuples.ts: ethers' decoder is quadratic in the batch).
 */
import { decodeRevert, errorMessage } from "../../common/errors";
import type { AccountStateData, System } from "../../lib/system";
import { errorInterfaces } from "../world";
import { decodeStaticTupleArray } from "./staticTuples";

/** Accounts per `eth_call`: 12–30k gas each, far under the call's gas cap at the position limit. */
const BATCH = 200;

export class StateReader {
  constructor(private readonly sys: System) {}

  /** `accountState` of every id, in one call per `BATCH`; a reverting read throws with its decoded error. */
  async accountStates(ids: bigint[]): Promise<Map<bigint, AccountStateData>> {
    const out = new Map<bigint, AccountStateData>();
    for (let from = 0; from < ids.length; from += BATCH) {
      const chunk = ids.slice(from, from + BATCH);
      const { lens, admin } = this.sys;
      let data: string;
      try {
        data = await admin.provider.call(await lens.accountStates.populateTransaction(chunk));
      } catch (err) {
        // A state reverts for what every account shares (an oracle's price), so the error names the batch.
        const reason = decodeRevert(err, errorInterfaces(this.sys))?.name ?? errorMessage(err);
        throw new Error(`accountStates of ${chunk.length} accounts from ${chunk[0]} reverted: ${reason}`, {
          cause: err,
        });
      }
      const states = decodeStaticTupleArray<AccountStateData>(
        lens.accountStates.fragment,
        data,
        chunk.length,
      );
      chunk.forEach((id, i) => out.set(id, states[i]));
    }
    return out;
  }
}
