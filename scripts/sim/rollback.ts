/**
 * A simulation leaves the chain as it found it. It deploys its own stacks and moves the clock years ahead (to its
 * epoch, 2030): on a shared `npx hardhat node`, a stack already deployed there would then see every feed years old
 * and revert with `OracleStalePrice`. So every run happens inside `evm_snapshot` … `evm_revert`: afterwards the node's
 * blocks, balances and clock are back where they were, and a stack deployed before keeps working. (Interrupting a run
 * with Ctrl-C skips the roll-back: restart the node then.)
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

export async function withRollback<T>(hre: HardhatRuntimeEnvironment, run: () => Promise<T>): Promise<T> {
  const provider = hre.network.provider;
  const snapshot = await provider.request({ method: "evm_snapshot", params: [] });
  let result: T;
  try {
    result = await run();
  } catch (err) {
    await provider.request({ method: "evm_revert", params: [snapshot] }).catch(() => undefined);
    throw err;
  }
  const reverted = await provider.request({ method: "evm_revert", params: [snapshot] });
  if (reverted !== true) {
    throw new Error(
      `could not roll network "${hre.network.name}" back to where the simulation started (evm_revert returned ` +
        `${String(reverted)}): restart the node and redeploy before using a stack there`,
    );
  }
  return result;
}
