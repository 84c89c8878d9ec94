import { expect } from "chai";
import { ethers } from "ethers";
import type { TransactionRequest, TransactionResponse } from "ethers";
import { ManagedSigner, TransactionFailedError, managed, send } from "../../../scripts/common/send";

/** A node's view of one account: its transaction count, and what it does with each nonce it is sent. */
class FakeAccount extends ethers.AbstractSigner {
  count = 0;
  nonceReads = 0;
  sent: number[] = [];
  revertNext = false;
  constructor() {
    super(null);
  }
  getAddress(): Promise<string> {
    return Promise.resolve("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  }
  getNonce(): Promise<number> {
    this.nonceReads++;
    return Promise.resolve(this.count);
  }
  connect(): FakeAccount {
    return this;
  }
  async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    await new Promise((r) => setTimeout(r, 1)); // let concurrent sends interleave if they could
    if (this.revertNext) {
      this.revertNext = false;
      throw Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION" });
    }
    const nonce = Number(tx.nonce);
    if (nonce < this.count)
      throw new Error(`Nonce too low. Expected nonce to be ${this.count} but got ${nonce}.`);
    if (nonce > this.count)
      throw new Error(`Nonce too high. Expected nonce to be ${this.count} but got ${nonce}.`);
    this.count++;
    this.sent.push(nonce);
    return {
      hash: `0x${nonce}`,
      wait: () => Promise.resolve({ status: 1 }),
    } as unknown as TransactionResponse;
  }
  signTransaction(): Promise<string> {
    return Promise.resolve("0x");
  }
  signMessage(): Promise<string> {
    return Promise.resolve("0x");
  }
  signTypedData(): Promise<string> {
    return Promise.resolve("0x");
  }
}

describe("common/send", function () {
  it("hands out consecutive nonces from one counter, even to concurrent sends", async function () {
    const account = new FakeAccount();
    account.count = 4;
    const signer = new ManagedSigner(account);
    await Promise.all([1, 2, 3].map(() => signer.sendTransaction({ to: ethers.ZeroAddress })));
    expect(account.sent).to.deep.equal([4, 5, 6]);
    expect(account.nonceReads).to.equal(1);
    expect(await signer.getNonce()).to.equal(7);
    expect(managed(signer)).to.equal(signer);
  });

  it("re-reads the count and retries when another process used the nonce (a keeper on the same key)", async function () {
    const account = new FakeAccount();
    const signer = new ManagedSigner(account);
    await signer.sendTransaction({});
    account.count += 2; // two transactions from another process
    const response = await signer.sendTransaction({});
    expect(response.hash).to.equal("0x3");
    expect(account.sent).to.deep.equal([0, 3]);
  });

  it("does not burn a nonce on a failed send, and gives up on repeated conflicts", async function () {
    const account = new FakeAccount();
    const signer = new ManagedSigner(account, { nonceAttempts: 2 });
    account.revertNext = true;
    const reverted = await signer.sendTransaction({}).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(reverted).to.equal("execution reverted");
    await signer.sendTransaction({});
    expect(account.sent).to.deep.equal([0]);
    // An explicit nonce is the caller's business: a conflict on it is not retried.
    const explicit = await signer.sendTransaction({ nonce: 0 }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(explicit).to.match(/Nonce too low/);
  });

  it("waits for the receipt and fails on a reverted or dropped transaction", async function () {
    const mined = { hash: "0xa", wait: () => Promise.resolve({ status: 1, blockNumber: 9 }) };
    expect(await send(Promise.resolve(mined))).to.deep.equal({ status: 1, blockNumber: 9 });
    for (const wait of [() => Promise.resolve({ status: 0 }), () => Promise.resolve(null)]) {
      const err = await send(Promise.resolve({ hash: "0xb", wait })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(TransactionFailedError);
      expect((err as Error).message).to.equal("transaction 0xb failed");
    }
  });
});
