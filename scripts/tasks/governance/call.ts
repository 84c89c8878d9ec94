/**
 * Admin changes: every change is one call on one contract that needs a role. If the signer holds the role, the call
 * is sent. On a production deployment the role belongs to the TimelockController, and the same command walks the
 * operation through it: the first run schedules it (when the signer is a proposer) or prints the `schedule` call for
 * the proposer multisig; once the delay has passed, the same command again executes it (when the signer may execute)
 * or prints the `execute` call. Otherwise the call is printed for a holder of the role to submit.
 */
import { ethers } from "ethers";
import type { BaseContract } from "ethers";
import type { TaskContext } from "../frame/context";
import { send } from "../frame/tx";

export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const GUARDIAN = ethers.id("GUARDIAN");
export const ROLE_NAMES: Record<string, string> = {
  [DEFAULT_ADMIN_ROLE]: "DEFAULT_ADMIN_ROLE",
  [RISK_ADMIN]: "RISK_ADMIN",
  [GUARDIAN]: "GUARDIAN",
};

/** Timelock operation states (OpenZeppelin `TimelockController.OperationState`). */
const OPERATION_STATES = ["Unset", "Waiting", "Ready", "Done"] as const;

const date = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

export interface AdminCallArgs {
  /** Go through the timelock even if the signer holds the role. */
  viaTimelock?: boolean;
  /** Timelock salt (bytes32 or a number), to repeat an operation that was already executed. */
  salt?: string;
  /** Print the call instead of sending anything. */
  dryRun?: boolean;
}

export interface AccessControlled {
  hasRole(role: string, account: string): Promise<boolean>;
  getAddress(): Promise<string>;
}

export interface AdminCall {
  /** `Clearinghouse.setMarketParams(0, …)`, for messages. */
  description: string;
  target: BaseContract & AccessControlled;
  role: string;
  data: string;
}

function parseSalt(salt: string | undefined): string {
  if (salt === undefined) return ethers.ZeroHash;
  if (/^0x[0-9a-fA-F]{64}$/.test(salt)) return salt;
  if (/^\d+$/.test(salt)) return ethers.toBeHex(BigInt(salt), 32);
  throw new Error(`--salt must be a bytes32 hex value or an integer, got "${salt}"`);
}

/** Sends, schedules, executes or prints one role-gated call (see the file comment). */
export async function adminCall(ctx: TaskContext, call: AdminCall, opts: AdminCallArgs) {
  const target = await call.target.getAddress();
  const role = ROLE_NAMES[call.role] ?? call.role;
  const base = { call: call.description, target, data: call.data, role };
  const signerHasRole = await call.target.hasRole(call.role, ctx.signerAddress);

  if (signerHasRole && !opts.viaTimelock) {
    if (opts.dryRun) {
      return {
        json: { ...base, mode: "dry-run" },
        lines: [`  dry run: would send ${call.description} to ${target}`, `  data ${call.data}`],
      };
    }
    const receipt = await send(ctx.signer.sendTransaction({ to: target, data: call.data }));
    return {
      json: { ...base, mode: "sent", txHash: receipt.hash },
      lines: [`  sent ${call.description}`, `  tx ${receipt.hash}`],
    };
  }

  const timelock = ctx.timelock;
  const timelockAddress = timelock ? await timelock.getAddress() : undefined;
  if (!timelock || !timelockAddress || !(await call.target.hasRole(call.role, timelockAddress))) {
    // Neither the signer nor a timelock can do it: hand the call to a holder of the role.
    return {
      json: { ...base, mode: "calldata", value: "0" },
      lines: [
        `  ${ctx.signerAddress} does not hold ${role} on ${target}${timelock ? " and neither does the timelock" : ""}.`,
        `  Submit this transaction from a ${role} holder (e.g. in the multisig's transaction builder):`,
        `    to    ${target}`,
        `    value 0`,
        `    data  ${call.data}`,
      ],
    };
  }

  const salt = parseSalt(opts.salt);
  const predecessor = ethers.ZeroHash;
  const id = await timelock.hashOperation(target, 0n, call.data, predecessor, salt);
  const state = OPERATION_STATES[Number(await timelock.getOperationState(id))];
  const [proposerRole, executorRole] = await Promise.all([
    timelock.PROPOSER_ROLE(),
    timelock.EXECUTOR_ROLE(),
  ]);
  const op = { ...base, timelock: timelockAddress, operationId: id, salt, predecessor, state };

  if (state === "Unset") {
    const delay = await timelock.getMinDelay();
    const scheduleData = timelock.interface.encodeFunctionData("schedule", [
      target,
      0n,
      call.data,
      predecessor,
      salt,
      delay,
    ]);
    if (!opts.dryRun && (await timelock.hasRole(proposerRole, ctx.signerAddress))) {
      const receipt = await send(timelock.schedule(target, 0n, call.data, predecessor, salt, delay));
      const readyAt = await timelock.getTimestamp(id);
      return {
        json: { ...op, mode: "scheduled", state: "Waiting", readyAt: Number(readyAt), txHash: receipt.hash },
        lines: [
          `  scheduled ${call.description} on the timelock ${timelockAddress}`,
          `  operation ${id}`,
          `  executable from ${date(readyAt)} (delay ${delay} s): run the same command again then to execute it`,
          `  tx ${receipt.hash}`,
        ],
      };
    }
    return {
      json: {
        ...op,
        mode: "schedule-calldata",
        to: timelockAddress,
        value: "0",
        scheduleData,
        delay: Number(delay),
      },
      lines: [
        `  The timelock ${timelockAddress} holds ${role}; ${ctx.signerAddress} is not a proposer.`,
        `  Step 1 — a proposer (the governance multisig) submits:`,
        `    to    ${timelockAddress}`,
        `    value 0`,
        `    data  ${scheduleData}`,
        `  (schedule of ${call.description}, delay ${delay} s, salt ${salt}; operation ${id})`,
        `  Step 2 — after the delay, run this command again for the execute call.`,
      ],
    };
  }
  if (state === "Waiting") {
    const readyAt = await timelock.getTimestamp(id);
    return {
      json: { ...op, mode: "waiting", readyAt: Number(readyAt) },
      lines: [`  operation ${id} (${call.description}) is scheduled: executable from ${date(readyAt)}`],
    };
  }
  if (state === "Ready") {
    const executeData = timelock.interface.encodeFunctionData("execute", [
      target,
      0n,
      call.data,
      predecessor,
      salt,
    ]);
    const mayExecute =
      (await timelock.hasRole(executorRole, ctx.signerAddress)) ||
      (await timelock.hasRole(executorRole, ethers.ZeroAddress));
    if (!opts.dryRun && mayExecute) {
      const receipt = await send(timelock.execute(target, 0n, call.data, predecessor, salt));
      return {
        json: { ...op, mode: "executed", state: "Done", txHash: receipt.hash },
        lines: [
          `  executed ${call.description} through the timelock (operation ${id})`,
          `  tx ${receipt.hash}`,
        ],
      };
    }
    return {
      json: { ...op, mode: "execute-calldata", to: timelockAddress, value: "0", executeData },
      lines: [
        `  operation ${id} (${call.description}) is ready. An executor submits:`,
        `    to    ${timelockAddress}`,
        `    value 0`,
        `    data  ${executeData}`,
      ],
    };
  }
  return {
    json: { ...op, mode: "done" },
    lines: [
      `  operation ${id} (${call.description}) was already executed.`,
      "  To apply the same change again, pass a new --salt.",
    ],
  };
}

/** `takerFee` → `taker-fee`: an option as typed on the command line. */
export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
