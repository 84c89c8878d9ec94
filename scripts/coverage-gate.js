// Fails when line or branch coverage of contracts/ (mocks excluded) is below the gate. Reads coverage.json,
// written by `hardhat coverage` (solidity-coverage, Istanbul format).
const fs = require("node:fs");
const LINES = 95;
const BRANCHES = 90;

const coverage = JSON.parse(fs.readFileSync("coverage.json", "utf8"));
let lines = 0;
let linesHit = 0;
let branches = 0;
let branchesHit = 0;
for (const [file, data] of Object.entries(coverage)) {
  if (/\/mocks\//.test(file)) continue;
  for (const hits of Object.values(data.l)) {
    lines += 1;
    if (hits > 0) linesHit += 1;
  }
  for (const arms of Object.values(data.b)) {
    for (const hits of arms) {
      branches += 1;
      if (hits > 0) branchesHit += 1;
    }
  }
}
const pct = (hit, all) => (all === 0 ? 100 : (100 * hit) / all);
const linePct = pct(linesHit, lines);
const branchPct = pct(branchesHit, branches);
console.log(`coverage: lines ${linePct.toFixed(2)}% (${linesHit}/${lines}, gate ${LINES}%)`);
console.log(`coverage: branches ${branchPct.toFixed(2)}% (${branchesHit}/${branches}, gate ${BRANCHES}%)`);
if (linePct < LINES || branchPct < BRANCHES) {
  console.error("coverage gate: FAILED");
  process.exit(1);
}
console.log("coverage gate: passed");
