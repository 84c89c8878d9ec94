import { expect } from "chai";
import { artifacts } from "hardhat";

/**
 * EIP-170: the production build (optimizer + via-IR, hardhat.config.ts) of each core contract fits in 24,576 bytes.
 * Kept with the gas snapshot: both measure the production bytecode, so `npm run coverage` (instrumented, unoptimized
 * artifacts) leaves this folder out.
 */
describe("Code size (EIP-170)", function () {
  const LIMIT = 24_576;
  for (const name of ["Vault", "Clearinghouse", "LiquidityPool", "PriceOracle"]) {
    it(`${name} deploys under ${LIMIT} bytes`, async function () {
      const { deployedBytecode } = await artifacts.readArtifact(name);
      const size = (deployedBytecode.length - 2) / 2;
      expect(size).to.be.greaterThan(0);
      expect(size).to.be.at.most(LIMIT);
    });
  }
});
