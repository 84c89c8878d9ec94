/**
 * Many accounts' margin states in one `eth_call`: the step loop reads every trader account at each step's end, and
 * one call per account was the largest share of a 200-account run's time (≈ 220 calls a step, issue 17's speed
 * target). `ClearinghouseLens.accountStates` reads each market's price once per batch and sums every account with the
 * core's `MarginLib`, so each state equals `accountState` (checked in Clearinghouse.views.test.ts).
 */
import type { ClearinghouseLens } from "../../../typechain-types";
import type { AccountStateData, System } from "../../lib/system";
import { toAccountStateData } from "../../lib/system";

/** Accounts per `eth_call`: ~30k gas each, far under the call's gas cap at the position limit. */
const BATCH = 200;

export class StateReader {
  constructor(private readonly sys: System) {}

  /** The lens the states are read through. */
  private get lens(): ClearinghouseLens {
    return this.sys.lens;
  }

  /** `accountState` of every id, in one call per `BATCH`; a reverting read throws, naming the account. */
  async accountStates(ids: bigint[]): Promise<Map<bigint, AccountStateData>> {
    const out = new Map<bigint, AccountStateData>();
    for (let from = 0; from < ids.length; from += BATCH) {
      const chunk = ids.slice(from, from + BATCH);
      let states;
      try {
        states = await this.lens.accountStates(chunk);
      } catch (err) {
        throw await this.culprit(chunk, err);
      }
      chunk.forEach((id, i) => out.set(id, toAccountStateData(states[i])));
    }
    return out;
  }

  /** Which account of a batch that reverted makes it revert (read one by one), as one error naming it. */
  private async culprit(ids: bigint[], batchError: unknown): Promise<Error> {
    for (const id of ids) {
      try {
        await this.sys.clearinghouse.accountState(id);
      } catch (err) {
        const data = (err as { data?: string }).data;
        const reason = (data && this.sys.clearinghouse.interface.parseError(data)?.name) ?? String(err);
        return new Error(`accountState(${id}) reverted: ${reason}`);
      }
    }
    return batchError instanceof Error ? batchError : new Error(String(batchError));
  }
}
