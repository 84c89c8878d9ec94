/**
 * The frame of every Keel task: load the context, run, print a table (default) or one JSON document (`--json`), and
 * on failure print the decoded error and set a non-zero exit code instead of throwing a stack trace.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ERROR_INTERFACES, loadContext } from "./context";
import type { CommonArgs, TaskContext } from "./context";
import { describeFailure } from "./errors";

/** What a task returns: lines for people, a value for machines. */
export interface TaskOutput {
  lines: string[];
  json: unknown;
}

/** JSON with bigints as decimal strings. */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);

export async function runTask(
  hre: HardhatRuntimeEnvironment,
  args: CommonArgs,
  body: (ctx: TaskContext) => Promise<TaskOutput>,
): Promise<void> {
  try {
    const ctx = await loadContext(hre, args);
    const out = await body(ctx);
    if (args.json) console.log(toJson(out.json));
    else console.log(out.lines.join("\n"));
  } catch (err) {
    const failure = describeFailure(err, ERROR_INTERFACES);
    if (args.json) {
      console.log(
        toJson({
          ok: false,
          error: failure.revert
            ? {
                name: failure.revert.name,
                args: Object.fromEntries(failure.revert.args.map((a) => [a.name, a.value])),
              }
            : { message: failure.message },
        }),
      );
    }
    console.error(`error: ${failure.message}`);
    if (process.env.KEEL_DEBUG === "1") console.error(err);
    process.exitCode = 1;
  }
}
