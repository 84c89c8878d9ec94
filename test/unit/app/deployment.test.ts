/** Which Ignition deployment the app loads, and how it picks the addresses out of `deployed_addresses.json`. */
import { expect } from "chai";
import { deploymentIdFor, pickAddress } from "../../../app/src/chain/deployment";

const ADDRESSES = {
  "LocalStack#USDC": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  "LocalStack#Core#Clearinghouse": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
  "LocalStack#Core#ClearinghouseLens": "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
};

describe("app deployment", function () {
  it("loads Ignition's chain-<id> deployment unless the URL names one", function () {
    expect(deploymentIdFor(31337n, "")).to.equal("chain-31337");
    expect(deploymentIdFor(42161n, "?deployment=app-e2e-1234")).to.equal("app-e2e-1234");
    expect(deploymentIdFor(31337n, "?deployment=../etc")).to.equal("chain-31337"); // not a deployment id
  });

  it("picks the one address whose future id ends in #<contract>, checksummed", function () {
    expect(pickAddress(ADDRESSES, "Clearinghouse", "x")).to.equal(
      "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    );
    expect(() => pickAddress(ADDRESSES, "Vault", "chain-31337")).to.throw(
      'deployment "chain-31337" has no Vault entry',
    );
    const twice = { ...ADDRESSES, "Other#Clearinghouse": ADDRESSES["LocalStack#USDC"] };
    expect(() => pickAddress(twice, "Clearinghouse", "x")).to.throw(
      'deployment "x" has several Clearinghouse entries',
    );
  });
});
