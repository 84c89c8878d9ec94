/**
 * Deterministic block timestamps for the simulation.
 *
 * With automine on, every transaction is mined in its own block, and Hardhat stamps a new block with the wall clock
 * (plus the offset left by `evm_increaseTime` / `evm_setNextBlockTimestamp`). A run that takes a little longer on a
 * busy machine would then see a few more seconds of funding here and there, and `summary.json` would differ in its
 * last digits from one run to the next. The `ChainClock` removes the wall clock: while installed, it intercepts the
 * JSON-RPC requests that mine or simulate a new block (`eth_sendTransaction`, `eth_sendRawTransaction`,
 * `eth_estimateGas`) and sends `evm_setNextBlockTimestamp` with the simulated time first. Each transaction advances
 * the simulated clock by one second; `advanceTo` jumps it to the next step or tick.
 *
 * Views called on the latest block (`eth_call` without a block tag) run at that block's timestamp, so they are
 * deterministic without help. Both the in-process Hardhat network and `npx hardhat node` implement
 * `evm_setNextBlockTimestamp`.
 *
 * The interception patches `request` and the legacy `send` on the Hardhat network provider object (the one
 * `hre.ethers` and every signer send through) and `uninstall` restores them: nothing else in the process is touched.
 */
import type { EIP1193Provider, RequestArguments } from "hardhat/types";

/** The Hardhat network provider: EIP-1193 plus the legacy `send(method, params)`. */
type PatchableProvider = EIP1193Provider & {
  send?: (method: string, params?: unknown[]) => Promise<unknown>;
};

const MINING_METHODS = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);
const SIMULATING_METHODS = new Set(["eth_estimateGas"]);

export class ChainClock {
  /** Timestamp of the next block. */
  private nextTimestamp: number;
  private patched: (() => void)[] | undefined;
  /** Transactions sent through the clock (each one mined, or attempted, at its own second). */
  transactions = 0;
  /** Seconds by which a step or tick started late because the previous one needed more seconds than it had. */
  lateSeconds = 0;

  constructor(
    private readonly provider: EIP1193Provider,
    /** Timestamp of the first block mined once installed. */
    readonly start: number,
  ) {
    if (!Number.isInteger(start) || start <= 0) throw new Error(`invalid start timestamp ${start}`);
    this.nextTimestamp = start;
  }

  /** The timestamp the next block will have. */
  get now(): number {
    return this.nextTimestamp;
  }

  /** Seconds since `start` of the next block. */
  get elapsed(): number {
    return this.nextTimestamp - this.start;
  }

  /**
   * Moves the clock to `timestamp` (the start of a step or tick). If the transactions of the previous period used
   * more seconds than it had, the clock is already past it: it stays where it is and the delay is counted.
   */
  advanceTo(timestamp: number): number {
    if (timestamp >= this.nextTimestamp) this.nextTimestamp = timestamp;
    else this.lateSeconds += this.nextTimestamp - timestamp;
    return this.nextTimestamp;
  }

  install(): void {
    if (this.patched) throw new Error("the chain clock is already installed");
    const provider = this.provider as PatchableProvider;
    const request = provider.request.bind(provider);
    const setNext = () => request({ method: "evm_setNextBlockTimestamp", params: [this.nextTimestamp] });
    const intercept = async (method: string, forward: () => Promise<unknown>): Promise<unknown> => {
      if (MINING_METHODS.has(method)) {
        await setNext();
        try {
          return await forward();
        } finally {
          this.nextTimestamp += 1;
          this.transactions += 1;
        }
      }
      if (SIMULATING_METHODS.has(method)) await setNext();
      return forward();
    };
    // `request` (EIP-1193) and the legacy `send(method, params)`, which hardhat-ethers' provider uses.
    this.patched = [
      this.patch(
        provider,
        "request",
        (original) => (args: RequestArguments) => intercept(args.method, () => original(args)),
      ),
    ];
    if (typeof provider.send === "function") {
      this.patched.push(
        this.patch(
          provider,
          "send",
          (original) => (method: string, params?: unknown[]) =>
            intercept(method, () => original(method, params)),
        ),
      );
    }
  }

  /** Replaces `provider[name]` and returns how to put the original back. */
  private patch<K extends "request" | "send">(
    provider: PatchableProvider,
    name: K,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    wrap: (original: (...args: any[]) => Promise<unknown>) => (...args: any[]) => Promise<unknown>,
  ): () => void {
    const target = provider as unknown as Record<string, unknown>;
    const own = Object.prototype.hasOwnProperty.call(provider, name);
    const previous = target[name];
    const original = (previous as (...args: unknown[]) => Promise<unknown>).bind(provider);
    target[name] = wrap(original);
    return () => {
      if (own) target[name] = previous;
      else delete target[name];
    };
  }

  uninstall(): void {
    if (!this.patched) return;
    for (const restore of this.patched) restore();
    this.patched = undefined;
  }
}
