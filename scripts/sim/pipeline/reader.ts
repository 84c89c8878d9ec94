/**
 * Many accounts' margin states in one `eth_call`, through the test-only `MulticallLens` (contracts/mocks) the
 * simulation deploys next to the stack: the step loop reads every trader account at each step's end, and one call per
 * account was the largest share of a 200-account run's time (≈ 220 calls a step, issue 17's speed target).
 */
import type { Clearinghouse, IClearinghouse, MulticallLens } from "../../../typechain-types";
import { MulticallLens__factory } from "../../../typechain-types";
import type { AccountStateData, System } from "../../lib/system";
import { toAccountStateData } from "../../lib/system";

/** Accounts per `eth_call`: far under the call's gas cap at the position limit. */
const BATCH = 100;

export class StateReader {
  private constructor(
    private readonly multicall: MulticallLens,
    private readonly clearinghouse: Clearinghouse,
  ) {}

  static async deploy(sys: System): Promise<StateReader> {
    const multicall = await new MulticallLens__factory(sys.admin).deploy();
    await multicall.waitForDeployment();
    return new StateReader(multicall, sys.clearinghouse);
  }

  /** `accountState` of every id, in one call per `BATCH`; a reverting read throws, naming the account. */
  async accountStates(ids: bigint[]): Promise<Map<bigint, AccountStateData>> {
    const iface = this.clearinghouse.interface;
    const target = await this.clearinghouse.getAddress();
    const out = new Map<bigint, AccountStateData>();
    for (let from = 0; from < ids.length; from += BATCH) {
      const chunk = ids.slice(from, from + BATCH);
      const calls = chunk.map((id) => ({ target, data: iface.encodeFunctionData("accountState", [id]) }));
      const [, success, data] = await this.multicall.tryAggregate(calls);
      chunk.forEach((id, i) => {
        if (!success[i]) {
          const reason = iface.parseError(data[i])?.name ?? data[i];
          throw new Error(`accountState(${id}) reverted: ${reason}`);
        }
        const [state] = iface.decodeFunctionResult("accountState", data[i]);
        out.set(id, toAccountStateData(state as IClearinghouse.AccountStateStructOutput));
      });
    }
    return out;
  }
}
