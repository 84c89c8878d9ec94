/**
 * Reading an Ignition deployment directory (pure, on a temporary directory).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { deployBlockFromJournal, readIgnitionDeployment } from "../../../scripts/common/deployment";
import { writeIgnitionAddresses } from "./helpers";

describe("Keeper: deployment", function () {
  it("reads addresses and the deployment block from an Ignition deployment directory", function () {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "keel-ignition-"));
    try {
      const dir = writeIgnitionAddresses(root, "x", {
        "LocalStack#Vault": "0xdc64a140aa3e981100a9beca4e685f962f0cf6c9",
        "LocalStack#Clearinghouse": "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853",
        "LocalStack#PriceOracle": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
      });
      const confirm = (futureId: string, blockNumber: number) =>
        JSON.stringify({ futureId, type: "TRANSACTION_CONFIRM", receipt: { blockNumber } });
      fs.writeFileSync(
        path.join(dir, "journal.jsonl"),
        [
          confirm("LocalStack#USDC", 1),
          confirm("LocalStack#Clearinghouse", 6),
          confirm("LocalStack#Vault", 5),
          '{"torn',
        ].join("\n"),
      );
      const d = readIgnitionDeployment(root, "x");
      expect(d.vault).to.equal("0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9");
      expect(d.clearinghouse).to.equal("0xa513E6E4b8f2a923D98304ec87F64353C4D5C853");
      expect(d.deployBlock).to.equal(5);
      expect(deployBlockFromJournal(path.join(dir, "missing.jsonl"), [])).to.equal(undefined);
      expect(() => readIgnitionDeployment(root, "y")).to.throw(/no Ignition deployment "y"/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
