// solidity-coverage over contracts/ without the test mocks and the one-line Timelock import, compiled without via-IR
// (hardhat.config.ts). Left out by `npm run coverage`: tests that start their own `hardhat node` or `hardhat` processes
// (those compile uninstrumented artifacts), the gas snapshot and code-size checks (they measure production bytecode),
// the simulation (a report, not assertions on contract branches) and the invariant suite (instrumented, 10,000
// commands take far longer than CI allows; it runs in `npm test`).
module.exports = {
  skipFiles: ["mocks/", "governance/"],
};
