// solidity-coverage: contracts/ without the test mocks and the one-line Timelock import. Tests that start their
// own `hardhat node` or `hardhat` processes are left out: those processes compile uninstrumented artifacts.
module.exports = {
  skipFiles: ["mocks/", "governance/"],
  configureYulOptimizer: true,
};
