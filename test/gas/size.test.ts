import { expect } from "chai";
import { artifacts } from "hardhat";

/**
 * Code size: the production build (optimizer + via-IR, hardhat.config.ts) of every contract Keel deploys keeps at least
 * 4 KiB of headroom under EIP-170's 24,576 bytes, so the next feature never needs a rewrite (DESIGN §2). Kept with the
 * gas snapshot: both measure the production bytecode, so `npm run coverage` (instrumented, unoptimized artifacts)
 * leaves this folder out.
 */
describe("Code size (EIP-170 with 4 KiB of headroom)", function () {
  const EIP170 = 24_576;
  const HEADROOM = 4_096;
  const BUDGET = EIP170 - HEADROOM;
  const DEPLOYED = [
    "Vault",
    "Clearinghouse",
    "LiquidationLogic",
    "ConfigLogic",
    "DeleverageLogic",
    "ClearinghouseLens",
    "LiquidityPool",
    "PriceOracle",
  ];

  /** Why `size` bytes of deployed code break the budget, or undefined when they fit. */
  const overBudget = (name: string, size: number): string | undefined =>
    size > BUDGET
      ? `${name}: ${size} bytes, headroom ${EIP170 - size} bytes under EIP-170 (at least ${HEADROOM} required)`
      : undefined;

  for (const name of DEPLOYED) {
    it(`${name} deploys in at most ${BUDGET} bytes (${HEADROOM} under EIP-170)`, async function () {
      const { deployedBytecode } = await artifacts.readArtifact(name);
      const size = (deployedBytecode.length - 2) / 2;
      expect(size, name).to.be.greaterThan(0);
      expect(overBudget(name, size)).to.equal(undefined);
      console.log(`      ${name}: ${size} bytes, headroom ${EIP170 - size} bytes`);
    });
  }

  it("the check fails one byte over the budget and passes at it", function () {
    expect(BUDGET).to.equal(20_480);
    expect(overBudget("X", BUDGET)).to.equal(undefined);
    expect(overBudget("X", BUDGET + 1)).to.equal(
      "X: 20481 bytes, headroom 4095 bytes under EIP-170 (at least 4096 required)",
    );
  });
});
