/**
 * The keeper's checkpoint: which blocks' logs have been read and which accounts they revealed, so a restarted keeper
 * resumes scanning where it stopped instead of re-reading the chain from the deployment block.
 *
 * Liquidation itself needs no checkpoint: every round checks every known account at the head block, so nothing that
 * became liquidatable while the keeper was down is missed once the accounts are known. Debt is different: an account
 * left owing after a liquidation is no longer liquidatable, so the accounts the debt pass watches are saved too
 * (`debtAccounts`), and a restarted keeper goes on liquidating their collateral or settling their bad debt. So are the
 * pending orders the order pass learnt from the OrderBook's logs (`pendingOrders`): their commits lie in blocks a
 * restarted keeper does not read again.
 *
 * The file is JSON, written atomically (a temporary file in the same directory, flushed, then renamed over the old
 * one), so a crash at any moment leaves either the previous checkpoint or the new one, never a torn file.
 */
import fs from "node:fs";
import path from "node:path";
import type { Provider } from "ethers";
import type { KeeperLogger } from "./log";

export const CHECKPOINT_VERSION = 1;

export interface KeeperCheckpoint {
  version: number;
  /** Decimal string. */
  chainId: string;
  /** The Ignition deployment the addresses came from (informational). */
  deploymentId?: string;
  clearinghouse: string;
  vault: string;
  /** Logs of every block up to and including this one have been ingested. */
  lastScannedBlock: number;
  /** Hash of `lastScannedBlock`: tells a restarted or reorganised chain from the one the checkpoint was taken on. */
  lastScannedBlockHash?: string;
  /** Decimal account ids, ascending. */
  accounts: string[];
  /**
   * Decimal ids of the accounts the debt pass watches (they may owe settlement tokens: collateral to liquidate or
   * bad debt to settle), ascending. Optional: checkpoints written before collateral liquidation have none.
   */
  debtAccounts?: string[];
  /**
   * Decimal ids of the pending orders the order pass knows, oldest first. Optional: checkpoints written before the
   * order pass have none.
   */
  pendingOrders?: string[];
  updatedAt: string;
}

export interface CheckpointIdentity {
  chainId: bigint;
  clearinghouse: string;
}

/** Builds the checkpoint object (account ids as decimal strings). */
export function makeCheckpoint(fields: {
  chainId: bigint;
  deploymentId?: string;
  clearinghouse: string;
  vault: string;
  lastScannedBlock: number;
  lastScannedBlockHash?: string;
  accounts: Iterable<bigint>;
  debtAccounts?: Iterable<bigint>;
  pendingOrders?: Iterable<bigint>;
}): KeeperCheckpoint {
  return {
    version: CHECKPOINT_VERSION,
    chainId: fields.chainId.toString(),
    deploymentId: fields.deploymentId,
    clearinghouse: fields.clearinghouse,
    vault: fields.vault,
    lastScannedBlock: fields.lastScannedBlock,
    lastScannedBlockHash: fields.lastScannedBlockHash,
    accounts: sortedDecimal(fields.accounts),
    debtAccounts: fields.debtAccounts === undefined ? undefined : sortedDecimal(fields.debtAccounts),
    pendingOrders: fields.pendingOrders === undefined ? undefined : [...fields.pendingOrders].map(String),
    updatedAt: new Date().toISOString(),
  };
}

const sortedDecimal = (ids: Iterable<bigint>): string[] =>
  [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => id.toString());

/** Writes the checkpoint atomically: temporary file, fsync, rename. */
export function saveCheckpoint(file: string, checkpoint: KeeperCheckpoint): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, `${JSON.stringify(checkpoint, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export type LoadResult =
  | { status: "missing" }
  | {
      status: "loaded";
      checkpoint: KeeperCheckpoint;
      accounts: bigint[];
      debtAccounts: bigint[];
      pendingOrders: bigint[];
    }
  | { status: "mismatch"; checkpoint: KeeperCheckpoint; reason: string };

/**
 * Reads a checkpoint. `missing` when there is no file; `mismatch` when it belongs to another chain or another
 * Clearinghouse (the caller starts fresh and overwrites it). Throws on a file that is not a valid checkpoint: that is
 * never silently discarded.
 */
export function loadCheckpoint(file: string, expected: CheckpointIdentity): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing" };
    throw err;
  }
  let checkpoint: KeeperCheckpoint;
  try {
    checkpoint = JSON.parse(text) as KeeperCheckpoint;
  } catch (err) {
    throw new Error(
      `checkpoint ${file} is not valid JSON (${(err as Error).message}); delete it or choose another --state-file`,
    );
  }
  const problem = validate(checkpoint);
  if (problem)
    throw new Error(`checkpoint ${file} is invalid: ${problem}; delete it or choose another --state-file`);
  if (checkpoint.chainId !== expected.chainId.toString()) {
    return { status: "mismatch", checkpoint, reason: `chain ${checkpoint.chainId}, not ${expected.chainId}` };
  }
  if (checkpoint.clearinghouse.toLowerCase() !== expected.clearinghouse.toLowerCase()) {
    return {
      status: "mismatch",
      checkpoint,
      reason: `Clearinghouse ${checkpoint.clearinghouse}, not ${expected.clearinghouse}`,
    };
  }
  return {
    status: "loaded",
    checkpoint,
    accounts: checkpoint.accounts.map((id) => BigInt(id)),
    debtAccounts: (checkpoint.debtAccounts ?? []).map((id) => BigInt(id)),
    pendingOrders: (checkpoint.pendingOrders ?? []).map((id) => BigInt(id)),
  };
}

function validate(c: KeeperCheckpoint): string | undefined {
  if (typeof c !== "object" || c === null) return "not an object";
  if (c.version !== CHECKPOINT_VERSION) return `unsupported version ${String(c.version)}`;
  if (typeof c.chainId !== "string" || !/^\d+$/.test(c.chainId)) return "bad chainId";
  if (typeof c.clearinghouse !== "string" || typeof c.vault !== "string") return "bad addresses";
  if (!Number.isInteger(c.lastScannedBlock) || c.lastScannedBlock < -1) return "bad lastScannedBlock";
  const decimalIds = (ids: unknown): boolean =>
    Array.isArray(ids) && ids.every((id) => typeof id === "string" && /^\d+$/.test(id));
  if (!decimalIds(c.accounts)) return "bad accounts";
  if (c.debtAccounts !== undefined && !decimalIds(c.debtAccounts)) return "bad debtAccounts";
  if (c.pendingOrders !== undefined && !decimalIds(c.pendingOrders)) return "bad pendingOrders";
  return undefined;
}

/** Where a keeper starts: the checkpoint's accounts and the block after its last, or nothing from `firstBlock`. */
export interface ResumePoint {
  accounts: bigint[];
  debtAccounts: bigint[];
  pendingOrders: bigint[];
  startBlock: number;
  resumed: boolean;
}

/**
 * Resumes from the checkpoint in `stateFile` when it belongs to this chain and Clearinghouse and its last block is
 * still on the chain (same hash); otherwise starts from `firstBlock` and logs `checkpoint_ignored`.
 */
export async function resumeCheckpoint(p: {
  stateFile: string;
  chainId: bigint;
  clearinghouse: string;
  firstBlock: number;
  provider: Provider;
  logger: KeeperLogger;
}): Promise<ResumePoint> {
  const { stateFile, logger } = p;
  const fresh: ResumePoint = {
    accounts: [],
    debtAccounts: [],
    pendingOrders: [],
    startBlock: p.firstBlock,
    resumed: false,
  };
  const loaded = loadCheckpoint(stateFile, { chainId: p.chainId, clearinghouse: p.clearinghouse });
  if (loaded.status === "mismatch") {
    logger.log("warn", "checkpoint_ignored", { stateFile, reason: loaded.reason });
    return fresh;
  }
  if (loaded.status !== "loaded") return fresh;
  const { lastScannedBlock, lastScannedBlockHash } = loaded.checkpoint;
  const block = lastScannedBlock >= 0 ? await p.provider.getBlock(lastScannedBlock) : null;
  if (
    lastScannedBlock >= 0 &&
    (block === null || (lastScannedBlockHash && block.hash !== lastScannedBlockHash))
  ) {
    logger.log("warn", "checkpoint_ignored", {
      stateFile,
      reason: `block ${lastScannedBlock} of the checkpoint is not on this chain (node restarted or reorganised)`,
    });
    return fresh;
  }
  logger.log("info", "checkpoint_loaded", {
    stateFile,
    lastScannedBlock,
    accounts: loaded.accounts.length,
    debtAccounts: loaded.debtAccounts.length,
    pendingOrders: loaded.pendingOrders.length,
  });
  return {
    accounts: loaded.accounts,
    debtAccounts: loaded.debtAccounts,
    pendingOrders: loaded.pendingOrders,
    startBlock: lastScannedBlock + 1,
    resumed: true,
  };
}
