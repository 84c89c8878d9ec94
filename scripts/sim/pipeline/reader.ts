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

/** `IClearinghouse.AccountState`'s fields in order; the decoder checks them against the ABI's. */
const STATE_FIELDS = [
  "equity",
  "collateralValue",
  "unrealizedPnl",
  "pendingFunding",
  "initialMargin",
  "maintenanceMargin",
  "freeCollateral",
  "liquidatable",
] as const satisfies readonly (keyof AccountStateData)[];

export class StateReader {
  constructor(private readonly sys: System) {}

  /** `accountState` of every id, in one call per `BATCH`; a failing read throws naming its batch and the cause. */
  async accountStates(ids: bigint[]): Promise<Map<bigint, AccountStateData>> {
    const { lens, admin } = this.sys;
    const out = new Map<bigint, AccountStateData>();
    for (let from = 0; from < ids.length; from += BATCH) {
      const chunk = ids.slice(from, from + BATCH);
      const batch = `accountStates of ${chunk.length} accounts from ${chunk[0]}`;
      let data: string;
      try {
        data = await admin.call(await lens.accountStates.populateTransaction(chunk));
      } catch (err) {
        // A state reverts for what every account shares (an oracle's price), so the error names the batch.
        const reason = decodeRevert(err, errorInterfaces(this.sys))?.name ?? errorMessage(err);
        throw new Error(`${batch} reverted: ${reason}`, { cause: err });
      }
      let states;
      try {
        states = decodeStaticTupleArray(lens.accountStates.fragment, data, chunk.length, STATE_FIELDS);
      } catch (err) {
        throw new Error(`${batch}: ${errorMessage(err)}`, { cause: err });
      }
      // The fields are AccountStateData's (checked above); a bool field decodes to a boolean, the others to bigints.
      chunk.forEach((id, i) => out.set(id, states[i] as unknown as AccountStateData));
    }
    return out;
  }
}
