import { expect } from "chai";
import { artifacts } from "hardhat";

/** DESIGN §14: the stable public interface that scripts, keepers and integrators depend on. */
const STABLE: Record<string, string[]> = {
  Vault: [
    "deposit(uint96,address,uint256)",
    "depositFor(uint256,address,uint256)",
    "withdraw(uint96,address,uint256)",
    "balanceOf(uint256,address)",
    "settlementToken()",
  ],
  Clearinghouse: [
    "trade(uint96,uint256,int256,uint256)",
    "isLiquidatable(uint256)",
    "liquidatable(uint256[])",
    "accountState(uint256)",
    "positions(uint256)",
    "previewTrade(uint256,uint256,int256)",
    "marketCount()",
    "accountIdOf(address,uint96)",
    "ownerOf(uint256)",
  ],
};

const ACCOUNT_STATE = [
  ["equity", "int256"],
  ["collateralValue", "int256"],
  ["unrealizedPnl", "int256"],
  ["pendingFunding", "int256"],
  ["initialMargin", "uint256"],
  ["maintenanceMargin", "uint256"],
  ["freeCollateral", "int256"],
  ["liquidatable", "bool"],
];
const POSITION_VIEW = [
  ["marketId", "uint256"],
  ["size", "int256"],
  ["openNotional", "int256"],
  ["entryPrice", "uint256"],
  ["unrealizedPnl", "int256"],
  ["pendingFunding", "int256"],
];

type AbiParam = { name: string; type: string; components?: AbiParam[] };
type AbiItem = { type: string; name?: string; inputs?: AbiParam[]; outputs?: AbiParam[] };

const signature = (f: AbiItem) => `${f.name}(${(f.inputs ?? []).map((i) => i.type).join(",")})`;
const fields = (p: AbiParam) => (p.components ?? []).map((c) => [c.name, c.type]);

describe("Public interface (DESIGN §14)", function () {
  for (const [contract, functions] of Object.entries(STABLE)) {
    it(`${contract} exposes every stable function`, async function () {
      const abi = (await artifacts.readArtifact(contract)).abi as AbiItem[];
      const present = abi.filter((i) => i.type === "function").map(signature);
      for (const f of functions) expect(present, f).to.include(f);
    });
  }

  it("returns the documented types", async function () {
    const abi = (await artifacts.readArtifact("Clearinghouse")).abi as AbiItem[];
    const fn = (n: string) => abi.find((i) => i.type === "function" && i.name === n)!;
    expect(fn("trade").outputs!.map((o) => o.type)).to.deep.equal(["uint256"]);
    expect(fn("isLiquidatable").outputs!.map((o) => o.type)).to.deep.equal(["bool"]);
    expect(fn("liquidatable").outputs!.map((o) => o.type)).to.deep.equal(["bool[]"]);
    expect(fields(fn("accountState").outputs![0])).to.deep.equal(ACCOUNT_STATE);
    expect(fields(fn("positions").outputs![0])).to.deep.equal(POSITION_VIEW);
    const preview = fn("previewTrade").outputs!;
    expect(preview.map((o) => o.type)).to.deep.equal(["uint256", "uint256", "tuple"]);
    expect(fields(preview[2])).to.deep.equal(ACCOUNT_STATE);
    expect(fn("marketCount").outputs!.map((o) => o.type)).to.deep.equal(["uint256"]);
    expect(fn("ownerOf").outputs!.map((o) => o.type)).to.deep.equal(["address"]);
    const vault = (await artifacts.readArtifact("Vault")).abi as AbiItem[];
    const balanceOf = vault.find((i) => i.type === "function" && i.name === "balanceOf")!;
    expect(balanceOf.outputs!.map((o) => o.type)).to.deep.equal(["int256"]);
  });
});
