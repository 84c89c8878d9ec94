/**
 * Sending transactions: one nonce manager per signer per process, and waiting for receipts.
 *
 * `ManagedSigner` wraps a signer so that every transaction it sends (through contracts connected to it too) gets its
 * nonce from one local counter: sends are serialised, consecutive nonces are handed out without asking the node each
 * time, and the counter is re-read from the node (`pending`) after any failed send. A nonce conflict (another process
 * sent from the same account, a keeper for example) is retried with the node's fresh count a bounded number of times
 * instead of failing with `nonce too low`.
 */
import { ethers } from "ethers";
import type {
  Provider,
  Signer,
  TransactionRequest,
  TransactionResponse,
  TypedDataDomain,
  TypedDataField,
} from "ethers";
import { isNonceError } from "./retry";

/** The minimum of a sent transaction `waitForReceipt` needs (ethers' `TransactionResponse` qualifies). */
export interface SentTransaction<R> {
  hash: string;
  wait(): Promise<R | null>;
}

/** A transaction that was mined but reverted, or dropped. */
export class TransactionFailedError extends Error {
  constructor(readonly hash: string) {
    super(`transaction ${hash} failed`);
    this.name = "TransactionFailedError";
  }
}

/** Waits until a sent transaction is mined and returns its receipt; throws if it reverted or was dropped. */
export async function waitForReceipt<R extends { status: number | null }>(
  response: SentTransaction<R>,
): Promise<R> {
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1) throw new TransactionFailedError(response.hash);
  return receipt;
}

/**
 * Awaits a transaction being sent, then its receipt; throws if the send, or the transaction, failed. Waiting for every
 * receipt keeps a script's steps in order on a real JSON-RPC node too.
 */
export async function send<R extends { status: number | null }>(tx: Promise<SentTransaction<R>>): Promise<R> {
  return waitForReceipt(await tx);
}

export interface ManagedSignerOptions {
  /** Attempts per transaction when the node rejects its nonce (the first included). Default 3. */
  nonceAttempts?: number;
}

/** A signer whose transactions take their nonces from one local counter (see the file comment). */
export class ManagedSigner extends ethers.AbstractSigner {
  readonly signer: Signer;
  private readonly nonceAttempts: number;
  private nextNonce: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(signer: Signer, options: ManagedSignerOptions = {}) {
    super(signer.provider);
    this.signer = signer;
    this.nonceAttempts = options.nonceAttempts ?? 3;
  }

  getAddress(): Promise<string> {
    return this.signer.getAddress();
  }

  connect(provider: Provider | null): ManagedSigner {
    return new ManagedSigner(this.signer.connect(provider), { nonceAttempts: this.nonceAttempts });
  }

  /** The nonce the next transaction will use (`pending`), from the local counter once it is known. */
  async getNonce(blockTag?: ethers.BlockTag): Promise<number> {
    if ((blockTag === undefined || blockTag === "pending") && this.nextNonce !== undefined)
      return this.nextNonce;
    return this.signer.getNonce(blockTag);
  }

  /** Forgets the local counter: the next transaction reads its nonce from the node. */
  reset(): void {
    this.nextNonce = undefined;
  }

  sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const run = () => this.sendWithNonce(tx);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async sendWithNonce(tx: TransactionRequest): Promise<TransactionResponse> {
    for (let attempt = 1; ; attempt++) {
      const nonce = tx.nonce ?? this.nextNonce ?? (await this.signer.getNonce("pending"));
      try {
        const response = await this.signer.sendTransaction({ ...tx, nonce });
        this.nextNonce = nonce + 1;
        return response;
      } catch (err) {
        this.nextNonce = undefined; // whatever happened, ask the node before the next send
        if (tx.nonce != null || !isNonceError(err) || attempt >= this.nonceAttempts) throw err;
      }
    }
  }

  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.signer.signTransaction(tx);
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.signer.signMessage(message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.signer.signTypedData(domain, types, value);
  }
}

/** Wraps `signer` in a `ManagedSigner` unless it already is one. */
export const managed = (signer: Signer): ManagedSigner =>
  signer instanceof ManagedSigner ? signer : new ManagedSigner(signer);
