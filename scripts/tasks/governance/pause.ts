/** `admin:pause` and `admin:unpause`: stop or resume risk-increasing actions on the Clearinghouse and the pool. */
import type { BaseContract, Contract, ethers } from "ethers";
import type { TaskContext } from "../frame/context";
import type { TaskOutput } from "../frame/run";
import { GUARDIAN, adminCall } from "./call";
import type { AccessControlled, AdminCallArgs } from "./call";

export interface PauseArgs extends AdminCallArgs {
  target: string;
}

export async function setPaused(ctx: TaskContext, args: PauseArgs, pause: boolean): Promise<TaskOutput> {
  const which = args.target.toLowerCase();
  const targets: [string, Contract | (BaseContract & AccessControlled & { interface: ethers.Interface })][] =
    [];
  if (which === "all" || which === "clearinghouse") targets.push(["Clearinghouse", ctx.clearinghouse]);
  if (which === "all" || which === "pool") targets.push(["LiquidityPool", ctx.pool]);
  if (targets.length === 0)
    throw new Error(`--target must be all, clearinghouse or pool, got "${args.target}"`);
  const fn = pause ? "pause" : "unpause";
  const lines: string[] = [];
  const results: unknown[] = [];
  for (const [name, contract] of targets) {
    const isPaused = await (contract as unknown as { paused(): Promise<boolean> }).paused();
    if (isPaused === pause) {
      lines.push(`${name} is already ${pause ? "paused" : "running"}`);
      results.push({ contract: name, mode: "unchanged", paused: isPaused });
      continue;
    }
    const result = await adminCall(
      ctx,
      {
        description: `${name}.${fn}()`,
        target: contract as BaseContract & AccessControlled,
        role: GUARDIAN,
        data: contract.interface.encodeFunctionData(fn, []),
      },
      args,
    );
    lines.push(`${name}.${fn}()`, ...result.lines);
    results.push({ contract: name, ...result.json });
  }
  return { lines, json: { action: fn, results } };
}
