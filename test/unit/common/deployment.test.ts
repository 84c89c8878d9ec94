import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  defaultDeploymentId,
  deployBlockFromJournal,
  readIgnitionDeployment,
  requireDeployedCode,
} from "../../../scripts/common/deployment";
import { LOCAL_CHAIN_IDS, isLocalChain, requireLocalChain } from "../../../scripts/common/chains";

const VAULT = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9";
const CLEARINGHOUSE = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853";
const LENS = "0x0165878A594ca255338adfa4d48449f69242Eb8F";

describe("common/deployment", function () {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "keel-ignition-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function write(id: string, addresses: Record<string, string>, journal?: string[]) {
    const dir = path.join(root, "deployments", id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "deployed_addresses.json"), JSON.stringify(addresses));
    if (journal) fs.writeFileSync(path.join(dir, "journal.jsonl"), journal.join("\n"));
  }
  const confirm = (futureId: string, blockNumber: number) =>
    JSON.stringify({ futureId, type: "TRANSACTION_CONFIRM", receipt: { blockNumber } });

  it("reads every contract by its future id, checksummed, and the deployment block from the journal", function () {
    write(
      "x",
      {
        "LocalStack#Vault": VAULT.toLowerCase(),
        "LocalStack#Clearinghouse": CLEARINGHOUSE,
        "LocalStack#ClearinghouseLens": LENS,
      },
      [
        confirm("LocalStack#USDC", 1),
        confirm("LocalStack#Clearinghouse", 6),
        confirm("LocalStack#Vault", 5),
        '{"torn',
      ],
    );
    const d = readIgnitionDeployment(root, "x");
    expect(d).to.deep.include({ deploymentId: "x", vault: VAULT, clearinghouse: CLEARINGHOUSE, lens: LENS });
    expect(d.pool).to.equal(undefined);
    expect(d.timelock).to.equal(undefined);
    expect(d.deployBlock).to.equal(5);
    expect(deployBlockFromJournal(path.join(root, "missing.jsonl"), [])).to.equal(undefined);
    expect(defaultDeploymentId(31337n)).to.equal("chain-31337");
  });

  it("says which deployments exist when the one asked for does not, and what is wrong with a bad file", function () {
    write("a", { "M#Vault": VAULT, "M#Clearinghouse": CLEARINGHOUSE });
    expect(() => readIgnitionDeployment(root, "y")).to.throw(
      /no Ignition deployment "y" \(.*not found; deployments: a\)/,
    );
    write("b", { "M#Vault": VAULT });
    expect(() => readIgnitionDeployment(root, "b")).to.throw(/has no "<module>#Clearinghouse" entry/);
    write("c", { "M#Vault": VAULT, "M#Clearinghouse": CLEARINGHOUSE, "N#Clearinghouse": LENS });
    expect(() => readIgnitionDeployment(root, "c")).to.throw(
      /several Clearinghouse entries \(M#Clearinghouse, N#Clearinghouse\)/,
    );
  });

  it("refuses a deployment with no code on the connected chain, naming the network and what to do", async function () {
    const deployment = { deploymentId: "chain-31337", vault: VAULT, clearinghouse: CLEARINGHOUSE };
    const empty = { getCode: () => Promise.resolve("0x") };
    const deployed = { getCode: () => Promise.resolve("0x6080") };
    await requireDeployedCode(deployed, deployment, { network: "localhost", chainId: 31337n });
    const failure = (network: string) =>
      requireDeployedCode(empty, deployment, { network, chainId: 31337n }).then(
        () => "",
        (err: Error) => err.message,
      );
    const inProcess = await failure("hardhat");
    expect(inProcess).to.contain(
      `no contract at ${CLEARINGHOUSE} (Clearinghouse of deployment "chain-31337")`,
    );
    expect(inProcess).to.contain('on network "hardhat" (chain 31337)');
    expect(inProcess).to.contain("pass --network localhost");
    expect(await failure("localhost")).to.contain("--network localhost) or pass the right --network");
  });
});

describe("common/chains", function () {
  it("allows mock actions on local development chains only, by chain id", function () {
    expect([...LOCAL_CHAIN_IDS]).to.deep.equal([31337n, 1337n]);
    expect(isLocalChain(31337)).to.equal(true);
    expect(isLocalChain(1337n)).to.equal(true);
    expect(isLocalChain(42161n)).to.equal(false);
    expect(() => requireLocalChain("localhost", 31337n, "mint")).not.to.throw();
    expect(() => requireLocalChain("arbitrumOne", 42161n, "mint mock tokens")).to.throw(
      'refusing to mint mock tokens on network "arbitrumOne" (chain 42161)',
    );
  });
});
