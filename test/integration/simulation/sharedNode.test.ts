/**
 * The simulation on a shared node: a `hardhat node` on a free loopback port with the local stack deployed by Ignition,
 * then `npx hardhat simulate --network localhost` (the agents' run and the scripted session). The simulation moves the
 * clock to 2030; afterwards the node must be back where it was, so the stack deployed before still prices its markets
 * instead of reverting with OracleStalePrice.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { PriceOracle__factory } from "../../../typechain-types";
import { ROOT, hardhat, ok, rpc, startNode, stopAll } from "../support/processes";
import type { HardhatNode } from "../support/processes";

/** The simulation's epoch (2030-01-01T00:00:00Z), written out. */
const EPOCH_2030 = 1_893_456_000;
const ETH = ethers.encodeBytes32String("ETH");

describe("simulate on a shared node (hardhat node + simulate --network localhost)", function () {
  this.timeout(240_000);

  let node: HardhatNode;
  let deploymentId: string;
  let out: string;
  let oracle: ReturnType<typeof PriceOracle__factory.connect>;

  const head = async () => {
    const block = await node.provider.getBlock("latest");
    if (!block) throw new Error("no latest block");
    return { number: block.number, timestamp: block.timestamp };
  };

  before(async function () {
    node = await startNode(31337);
    deploymentId = `test-sim-${node.port}`;
    out = fs.mkdtempSync(path.join(os.tmpdir(), "keel-sim-node-"));
    await ok(node, [
      "ignition",
      "deploy",
      "deploy/modules/LocalStack.ts",
      "--network",
      "localhost",
      "--deployment-id",
      deploymentId,
    ]);
    const addresses = JSON.parse(
      fs.readFileSync(
        path.join(ROOT, "deploy", "deployments", deploymentId, "deployed_addresses.json"),
        "utf8",
      ),
    ) as Record<string, string>;
    oracle = PriceOracle__factory.connect(addresses["LocalStack#PriceOracle"], node.provider);
  });

  after(async function () {
    await stopAll();
    if (deploymentId)
      fs.rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  for (const scenario of ["baseline", "session"]) {
    it(`leaves the node as it was after --scenario ${scenario}, and the deployed stack usable`, async function () {
      const before = await head();
      expect(await oracle.price(ETH)).to.equal(ethers.parseUnits("3000", 18));

      const args = [
        "simulate",
        "--network",
        "localhost",
        "--no-compile",
        "--scenario",
        scenario,
        "--out",
        out,
      ];
      const r = await hardhat(node, [...args, "--accounts", "2", "--steps", "2"]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);

      // The same head, and a new block mined now is stamped near the wall clock, not in the simulation's 2030.
      expect(await head()).to.deep.equal(before);
      await rpc(node, "evm_mine");
      expect((await head()).timestamp).to.be.lessThan(EPOCH_2030);
      // The stack deployed before the run still prices ETH: its feed is as fresh as it was.
      expect(await oracle.price(ETH)).to.equal(ethers.parseUnits("3000", 18));
    });
  }
});
