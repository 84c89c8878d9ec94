/**
 * The frame of every Keel task: load the context, run, print a table (default) or one JSON document (`--json`), and
 * on failure print the decoded error (and a hint) as one line and set exit status 1 instead of throwing a stack trace
 * (`KEEL_DEBUG=1` prints the full error too).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { UnitContext } from "../../common/errors";
import { USDC_DECIMALS } from "../../common/units";
import { loadContext } from "./context";
import type { CommonArgs, TaskContext } from "./context";
import { describeFailure } from "./failure";
import { ERROR_INTERFACES } from "./interfaces";
import { listTokens } from "./lookup";

/** What a task returns: lines for people, a value for machines. */
export interface TaskOutput {
  lines: string[];
  json: unknown;
}

/** JSON with bigints as decimal strings. */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);

/** Token symbols and decimals by address, for printing token amounts in errors; empty when they cannot be read. */
async function knownTokens(ctx: TaskContext | undefined): Promise<UnitContext["tokens"]> {
  if (!ctx) return undefined;
  try {
    return new Map((await listTokens(ctx)).map((t) => [t.address, t]));
  } catch {
    return undefined;
  }
}

export async function runTask(
  hre: HardhatRuntimeEnvironment,
  args: CommonArgs,
  body: (ctx: TaskContext) => Promise<TaskOutput>,
): Promise<void> {
  let ctx: TaskContext | undefined;
  try {
    ctx = await loadContext(hre, args);
    const out = await body(ctx);
    if (args.json) console.log(toJson(out.json));
    else console.log(out.lines.join("\n"));
  } catch (err) {
    const failure = describeFailure(err, {
      network: hre.network.name,
      settlement: ctx?.settlement ?? { symbol: "USDC", decimals: USDC_DECIMALS },
      interfaces: ERROR_INTERFACES,
      units: { tokens: await knownTokens(ctx) },
      signer: ctx?.signerAddress,
    });
    if (args.json) {
      const error = failure.revert
        ? { name: failure.revert.name, args: failure.args, rawArgs: failure.rawArgs }
        : { message: failure.message };
      console.log(toJson({ ok: false, error: { ...error, hint: failure.hint } }));
    }
    console.error(`error: ${failure.message}`);
    if (failure.hint) console.error(`hint: ${failure.hint}`);
    if (process.env.KEEL_DEBUG === "1") console.error(err);
    process.exitCode = 1;
  }
}
