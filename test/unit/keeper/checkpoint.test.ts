/**
 * The checkpoint file (pure, on a temporary directory): atomic round trip, mismatches, corrupt files.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadCheckpoint, makeCheckpoint, saveCheckpoint } from "../../../scripts/keeper/state";

describe("Keeper: checkpoint", function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-keeper-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const clearinghouse = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853";
  const vault = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";

  it("round-trips through an atomic write", function () {
    const file = path.join(dir, "nested", "keeper-state.31337.json");
    const big = (1n << 255n) + 12345n;
    const checkpoint = makeCheckpoint({
      chainId: 31337n,
      deploymentId: "chain-31337",
      clearinghouse,
      vault,
      lastScannedBlock: 42,
      lastScannedBlockHash: ethers.ZeroHash,
      accounts: [big, 3n, 1n],
    });
    saveCheckpoint(file, checkpoint);
    expect(fs.readdirSync(path.dirname(file))).to.deep.equal(["keeper-state.31337.json"]); // no temp file left
    const loaded = loadCheckpoint(file, { chainId: 31337n, clearinghouse: clearinghouse.toLowerCase() });
    expect(loaded.status).to.equal("loaded");
    if (loaded.status !== "loaded") return;
    expect(loaded.accounts).to.deep.equal([1n, 3n, big]);
    expect(loaded.checkpoint.lastScannedBlock).to.equal(42);
    expect(loaded.checkpoint.lastScannedBlockHash).to.equal(ethers.ZeroHash);

    expect(loaded.debtAccounts).to.deep.equal([]); // written without debtAccounts: none

    saveCheckpoint(
      file,
      makeCheckpoint({
        chainId: 31337n,
        clearinghouse,
        vault,
        lastScannedBlock: 42,
        accounts: [1n],
        debtAccounts: [9n, 2n],
      }),
    );
    const withDebt = loadCheckpoint(file, { chainId: 31337n, clearinghouse });
    expect(withDebt.status === "loaded" && withDebt.debtAccounts).to.deep.equal([2n, 9n]);

    saveCheckpoint(file, { ...checkpoint, lastScannedBlock: 43 });
    const again = loadCheckpoint(file, { chainId: 31337n, clearinghouse });
    expect(again.status === "loaded" && again.checkpoint.lastScannedBlock).to.equal(43);
  });

  it("reports a missing file, and a checkpoint of another chain or Clearinghouse as a mismatch", function () {
    const file = path.join(dir, "state.json");
    expect(loadCheckpoint(file, { chainId: 1n, clearinghouse }).status).to.equal("missing");
    saveCheckpoint(
      file,
      makeCheckpoint({ chainId: 31337n, clearinghouse, vault, lastScannedBlock: 1, accounts: [] }),
    );
    const otherChain = loadCheckpoint(file, { chainId: 1n, clearinghouse });
    expect(otherChain.status).to.equal("mismatch");
    const otherAddress = loadCheckpoint(file, { chainId: 31337n, clearinghouse: vault });
    expect(otherAddress.status === "mismatch" && otherAddress.reason).to.match(/Clearinghouse/);
  });

  it("refuses a corrupt file instead of silently starting over", function () {
    const file = path.join(dir, "state.json");
    fs.writeFileSync(file, "{ not json");
    expect(() => loadCheckpoint(file, { chainId: 1n, clearinghouse })).to.throw(/not valid JSON/);
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        chainId: "1",
        clearinghouse,
        vault,
        lastScannedBlock: 1,
        accounts: [5],
      }),
    );
    expect(() => loadCheckpoint(file, { chainId: 1n, clearinghouse })).to.throw(/bad accounts/);
  });
});
