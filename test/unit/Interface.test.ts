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
    "previewTrade(uint256,uint256,int256)",
    "marketCount()",
    "deleverage(uint256,uint256)",
    "deleverageNeed(uint256)",
    "previewDeleverage(uint256,uint256)",
    // Operators and orders (§4, §21).
    "tradeFor(uint256,uint256,int256,uint256)",
    "setOperator(uint96,address,bool)",
    "isOperator(uint256,address)",
    "setImmediateTrades(uint256,bool)",
    "tradeAt(uint256,uint256,int256,uint256,uint256)",
    "previewTradeAt(uint256,uint256,int256,uint256,uint256)",
  ],
  // Two-step orders (§21): what the keeper and the tasks call.
  OrderBook: [
    "commitOrder(uint256,uint256,int256,uint256,uint256,bool)",
    "settleOrder(uint256,bytes)",
    "cancelOrder(uint256)",
    "previewOrderSettlement(uint256,bytes)",
    "order(uint256)",
    "orderIdOf(uint256,uint256)",
  ],
  PriceOracle: ["settlementPrice(bytes32,uint256,bytes)"],
  // The read-only periphery: the views that format state moved here from the core, and the core's views forwarded.
  ClearinghouseLens: [
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
/** Types and struct fields of parameters, without the return variables' names. */
const shape = (ps: AbiParam[] = []): unknown => ps.map((p) => [p.type, shape(p.components)]);
const fields = (p: AbiParam) => (p.components ?? []).map((c) => [c.name, c.type]);

describe("Public interface (DESIGN §14)", function () {
  for (const [contract, functions] of Object.entries(STABLE)) {
    it(`${contract} exposes every stable function`, async function () {
      const abi = (await artifacts.readArtifact(contract)).abi as AbiItem[];
      const present = abi.filter((i) => i.type === "function").map(signature);
      for (const f of functions) expect(present, f).to.include(f);
    });
  }

  for (const contract of ["Clearinghouse", "ClearinghouseLens"]) {
    it(`${contract} returns the documented types`, async function () {
      await expectDocumentedTypes(contract);
    });
  }

  it("the lens and the core agree on every view they share, signature and outputs", async function () {
    const core = (await artifacts.readArtifact("Clearinghouse")).abi as AbiItem[];
    const lens = (await artifacts.readArtifact("ClearinghouseLens")).abi as AbiItem[];
    const views = (abi: AbiItem[]) =>
      new Map(
        abi.filter((i) => i.type === "function").map((f) => [signature(f), JSON.stringify(shape(f.outputs))]),
      );
    const coreViews = views(core);
    const shared = [...views(lens)].filter(([sig]) => coreViews.has(sig));
    expect(shared.map(([sig]) => sig)).to.include.members([
      "accountState(uint256)",
      "previewLiquidation(uint256)",
    ]);
    for (const [sig, outputs] of shared) expect(outputs, sig).to.equal(coreViews.get(sig));
  });
});

/** The output types of DESIGN §14 on `contract`, for each of its functions that has one (`trade` is the core's only). */
async function expectDocumentedTypes(contract: string) {
  const abi = (await artifacts.readArtifact(contract)).abi as AbiItem[];
  const fn = (n: string) => {
    const f = abi.find((i) => i.type === "function" && i.name === n);
    expect(f, `${contract}.${n}`).to.not.equal(undefined);
    return f!;
  };
  const types = (n: string) => fn(n).outputs!.map((o) => o.type);
  if (contract === "Clearinghouse") expect(types("trade")).to.deep.equal(["uint256"]);
  expect(types("isLiquidatable")).to.deep.equal(["bool"]);
  expect(types("liquidatable")).to.deep.equal(["bool[]"]);
  expect(fields(fn("accountState").outputs![0])).to.deep.equal(ACCOUNT_STATE);
  const preview = fn("previewTrade").outputs!;
  expect(preview.map((o) => o.type)).to.deep.equal(["uint256", "uint256", "tuple"]);
  expect(fields(preview[2])).to.deep.equal(ACCOUNT_STATE);
  expect(types("marketCount")).to.deep.equal(["uint256"]);
  if (contract === "ClearinghouseLens") {
    expect(fields(fn("positions").outputs![0])).to.deep.equal(POSITION_VIEW);
    expect(types("ownerOf")).to.deep.equal(["address"]);
    expect(types("accountIdOf")).to.deep.equal(["uint256"]);
  }
  const vault = (await artifacts.readArtifact("Vault")).abi as AbiItem[];
  const balanceOf = vault.find((i) => i.type === "function" && i.name === "balanceOf")!;
  expect(balanceOf.outputs!.map((o) => o.type)).to.deep.equal(["int256"]);
}
