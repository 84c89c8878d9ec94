/**
 * The real-network parameter files deploy unchanged.
 *
 * For Arbitrum One and Base: a `hardhat node` runs with the chain id of the network (HARDHAT_CHAIN_ID), Chainlink-like
 * mock feeds (MockV3Aggregator) and mock tokens (MockERC20 with the real decimals, names and symbols) are planted at
 * the real addresses of the parameter file with hardhat_setCode / hardhat_setStorageAt, and the production module runs
 * through `npx hardhat ignition deploy ... --parameters deploy/parameters/<network>.json` exactly as on the real
 * network. The resulting configuration is compared with the parameter file, and the roles are checked: the
 * TimelockController is admin and risk admin everywhere, the guardian pauses, the deployer holds nothing anywhere.
 *
 * On Arbitrum One the test then goes on with the steps after a deployment: a parameter change through the timelock
 * (`admin:set-market` as the proposer schedules it; after the delay the same command executes it), and
 * `mock:set-price` refusing to run on a chain that is not a local development chain.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { parse as parseJson5 } from "json5";
import {
  ClearinghouseLens__factory,
  Clearinghouse__factory,
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  PriceOracle__factory,
  TimelockController__factory,
  Vault__factory,
} from "../../../typechain-types";
import type { IClearinghouse } from "../../../typechain-types";
import {
  ARBITRUM_ONE,
  BASE,
  MARKET_FIELDS,
  collateralParam,
  feedParam,
  marketParam,
  parameterNames,
} from "../../../deploy/networks";
import type { NetworkLayout } from "../../../deploy/networks";
import { ROOT, hardhat, okJson, rpc, startNode, stopAll } from "../support/processes";
import type { HardhatNode } from "../support/processes";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const RISK_ADMIN = ethers.id("RISK_ADMIN");
const GUARDIAN = ethers.id("GUARDIAN");
const WAD = 10n ** 18n;

type Params = Record<string, unknown>;

/** Ignition's reading of a parameter file: JSON5, `"<digits>n"` strings as bigints. */
function readParameters(layout: NetworkLayout): Params {
  const text = fs.readFileSync(path.join(ROOT, layout.parameterFile), "utf8");
  const all = parseJson5<Record<string, Params>>(text, (_key, value: unknown) =>
    typeof value === "string" && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  );
  expect(Object.keys(all), "one module per parameter file").to.deep.equal([layout.moduleId]);
  return all[layout.moduleId];
}

const big = (v: unknown): bigint => BigInt(v as bigint | number);
const addr = (v: unknown): string => ethers.getAddress(v as string);

/** Token metadata planted at the real addresses (the real tokens' decimals; names and symbols for readable output). */
const TOKEN_NAMES: Record<string, string> = {
  USDC: "USD Coin",
  WETH: "Wrapped Ether",
  WBTC: "Wrapped BTC",
  cbBTC: "Coinbase Wrapped BTC",
};
/** Prices the planted feeds answer (USD). */
const PRICES: Record<string, bigint> = { ETH: 3000n, BTC: 60000n, WBTC: 60000n, cbBTC: 60000n };

async function plant(
  node: HardhatNode,
  layout: NetworkLayout,
  params: Params,
): Promise<{ feeds: Record<string, string> }> {
  const planter = await node.provider.getSigner(9);
  const setCodeFrom = async (
    deployed: { getAddress(): Promise<string> },
    target: string,
    slots: number[] = [],
  ) => {
    const source = await deployed.getAddress();
    await rpc(node, "hardhat_setCode", [target, await node.provider.getCode(source)]);
    for (const slot of slots) {
      const value = await node.provider.getStorage(source, slot);
      await rpc(node, "hardhat_setStorageAt", [target, ethers.toBeHex(slot, 32), value]);
    }
  };

  // Tokens: MockERC20 keeps its decimals in an immutable (in the code) and name/symbol in slots 3 and 4.
  const tokens = [
    {
      symbol: layout.settlement.symbol,
      decimals: layout.settlement.decimals,
      address: addr(params.settlementToken),
    },
    ...layout.collaterals.map((c) => ({
      symbol: c.symbol,
      decimals: c.decimals,
      address: addr(params[collateralParam(c.symbol, "token")]),
    })),
  ];
  for (const t of tokens) {
    const mock = await new MockERC20__factory(planter).deploy(
      TOKEN_NAMES[t.symbol] ?? t.symbol,
      t.symbol,
      t.decimals,
    );
    await mock.waitForDeployment();
    await setCodeFrom(mock, t.address, [3, 4]);
  }

  // Price feeds: MockV3Aggregator code, `decimals` (slot 0) set, then a fresh answer posted at the real address.
  const template = await new MockV3Aggregator__factory(planter).deploy(8, 1);
  await template.waitForDeployment();
  const feeds: Record<string, string> = {};
  for (const f of layout.feeds) {
    const address = addr(params[feedParam(f.symbol, "feed")]);
    feeds[f.symbol] = address;
    await setCodeFrom(template, address);
    await rpc(node, "hardhat_setStorageAt", [address, ethers.toBeHex(0, 32), ethers.toBeHex(f.decimals, 32)]);
    await (
      await MockV3Aggregator__factory.connect(address, planter).updateAnswer(
        PRICES[f.symbol] * 10n ** BigInt(f.decimals),
      )
    ).wait();
  }

  // The sequencer uptime feed: up (answer 0) since well before the grace period.
  const sequencer = addr(params.sequencerUptimeFeed);
  await setCodeFrom(template, sequencer);
  await rpc(node, "hardhat_setStorageAt", [sequencer, ethers.toBeHex(0, 32), ethers.toBeHex(0, 32)]);
  const now = (await node.provider.getBlock("latest"))!.timestamp;
  const startedAt = BigInt(now) - 10n * big(params.sequencerGracePeriod);
  await (
    await MockV3Aggregator__factory.connect(sequencer, planter).updateRoundData(1, 0, now, startedAt)
  ).wait();
  return { feeds };
}

/** Re-posts every planted feed's answer at the current time (after moving the clock). */
async function refreshFeeds(node: HardhatNode, feeds: Record<string, string>): Promise<void> {
  const signer = await node.provider.getSigner(9);
  for (const address of Object.values(feeds)) {
    const feed = MockV3Aggregator__factory.connect(address, signer);
    await (await feed.updateAnswer(await feed.latestAnswer())).wait();
  }
}

for (const layout of [ARBITRUM_ONE, BASE]) {
  describe(`Production deployment with ${layout.parameterFile} (hardhat node as chain ${layout.chainId})`, function () {
    this.timeout(180_000);

    let node: HardhatNode;
    let params: Params;
    let deploymentId: string;
    let addresses: Record<string, string>;
    let feeds: Record<string, string>;
    const at = (contract: string) => addresses[`${layout.moduleId}#${contract}`];

    before(async function () {
      params = readParameters(layout);
      node = await startNode(layout.chainId);
      deploymentId = `test-prod-${layout.network}-${node.port}`;
      ({ feeds } = await plant(node, layout, params));
      const deploy = await hardhat(
        node,
        [
          "ignition",
          "deploy",
          `deploy/modules/${layout === ARBITRUM_ONE ? "ArbitrumOne" : "Base"}.ts`,
          "--network",
          "localhost",
          "--parameters",
          layout.parameterFile,
          "--deployment-id",
          deploymentId,
        ],
        { HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "1" },
      );
      if (deploy.code !== 0) throw new Error(`deployment failed:\n${deploy.stdout}\n${deploy.stderr}`);
      addresses = JSON.parse(
        fs.readFileSync(
          path.join(ROOT, "deploy", "deployments", deploymentId, "deployed_addresses.json"),
          "utf8",
        ),
      ) as Record<string, string>;
    });

    after(async function () {
      await stopAll();
      if (deploymentId)
        fs.rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
    });

    it("the parameter file holds exactly the parameters the module reads", function () {
      expect(Object.keys(params).sort()).to.deep.equal(parameterNames(layout).sort());
    });

    it("configures the oracle: feeds with their heartbeats, decimals and bounds, and the sequencer uptime feed", async function () {
      const oracle = PriceOracle__factory.connect(at("PriceOracle"), node.provider);
      for (const f of layout.feeds) {
        const config = await oracle.feedConfig(ethers.encodeBytes32String(f.symbol));
        expect(config.feed, f.pair).to.equal(addr(params[feedParam(f.symbol, "feed")]));
        expect(config.heartbeat, f.pair).to.equal(big(params[feedParam(f.symbol, "heartbeat")]));
        expect(config.decimals, f.pair).to.equal(BigInt(f.decimals));
        expect(config.minPrice, f.pair).to.equal(big(params[feedParam(f.symbol, "minPrice")]));
        expect(config.maxPrice, f.pair).to.equal(big(params[feedParam(f.symbol, "maxPrice")]));
        // The sequencer check passes and the feed's answer comes back as a WAD price.
        expect(await oracle.price(ethers.encodeBytes32String(f.symbol))).to.equal(PRICES[f.symbol] * WAD);
      }
      const [feed, grace] = await oracle.sequencerUptimeFeed();
      expect(feed).to.equal(addr(params.sequencerUptimeFeed));
      expect(grace).to.equal(big(params.sequencerGracePeriod));
      expect(await oracle.stalenessBuffer()).to.equal(big(params.stalenessBuffer));
    });

    it("configures the Vault: settlement token and collateral, in the layout's order", async function () {
      const vault = Vault__factory.connect(at("Vault"), node.provider);
      expect(await vault.settlementToken()).to.equal(addr(params.settlementToken));
      expect(await vault.settlementDecimals()).to.equal(BigInt(layout.settlement.decimals));
      expect(await vault.clearinghouse()).to.equal(at("Clearinghouse"));
      expect(await vault.liquidityPool()).to.equal(at("LiquidityPool"));
      expect(await vault.maxCollateralsPerAccount()).to.equal(big(params.maxCollateralsPerAccount));
      const tokens = layout.collaterals.map((c) => addr(params[collateralParam(c.symbol, "token")]));
      expect(await vault.collateralTokens()).to.deep.equal(tokens);
      for (const [i, c] of layout.collaterals.entries()) {
        const config = await vault.collateralConfig(tokens[i]);
        expect(ethers.decodeBytes32String(config.asset), c.symbol).to.equal(c.asset);
        expect(config.weight, c.symbol).to.equal(big(params[collateralParam(c.symbol, "weight")]));
        expect(config.liquidationDiscount, c.symbol).to.equal(
          big(params[collateralParam(c.symbol, "liquidationDiscount")]),
        );
        expect(config.depositCap, c.symbol).to.equal(big(params[collateralParam(c.symbol, "depositCap")]));
        expect(config.decimals, c.symbol).to.equal(BigInt(c.decimals));
        expect(config.index, c.symbol).to.equal(BigInt(i));
      }
    });

    it("lists the markets in order with the file's parameters, and the risk and pool parameters", async function () {
      const clearinghouse = Clearinghouse__factory.connect(at("Clearinghouse"), node.provider);
      const lens = ClearinghouseLens__factory.connect(at("ClearinghouseLens"), node.provider);
      expect(await lens.clearinghouse()).to.equal(at("Clearinghouse"));
      expect(await clearinghouse.marketCount()).to.equal(BigInt(layout.markets.length));
      for (const [marketId, symbol] of layout.markets.entries()) {
        const p = await lens.marketParams(marketId);
        expect(ethers.decodeBytes32String(p.asset)).to.equal(symbol);
        for (const field of MARKET_FIELDS) {
          expect(BigInt(p[field]), `${symbol}-PERP ${field}`).to.equal(
            big(params[marketParam(symbol, field)]),
          );
        }
      }
      const risk = await lens.riskParams();
      const expected = params.risk as Record<string, unknown>;
      for (const key of Object.keys(expected)) {
        expect(risk[key as keyof IClearinghouse.RiskParamsStruct], `risk.${key}`).to.equal(
          big(expected[key]),
        );
      }
      const pool = LiquidityPool__factory.connect(at("LiquidityPool"), node.provider);
      expect(await pool.asset()).to.equal(addr(params.settlementToken));
      expect(await pool.withdrawalDelay()).to.equal(big(params.withdrawalDelay));
      expect(await pool.withdrawalWindow()).to.equal(big(params.withdrawalWindow));
    });

    it("hands the roles over: the timelock is admin and risk admin, the guardian pauses, the deployer holds nothing", async function () {
      const deployer = await (await node.provider.getSigner(0)).getAddress();
      const timelockAddress = at("TimelockController");
      const guardian = addr(params.guardian);
      const contracts = [
        {
          name: "PriceOracle",
          c: PriceOracle__factory.connect(at("PriceOracle"), node.provider),
          guardian: false,
        },
        { name: "Vault", c: Vault__factory.connect(at("Vault"), node.provider), guardian: false },
        {
          name: "Clearinghouse",
          c: Clearinghouse__factory.connect(at("Clearinghouse"), node.provider),
          guardian: true,
        },
        {
          name: "LiquidityPool",
          c: LiquidityPool__factory.connect(at("LiquidityPool"), node.provider),
          guardian: true,
        },
      ];
      for (const { name, c, guardian: pausable } of contracts) {
        expect(await c.hasRole(DEFAULT_ADMIN_ROLE, timelockAddress), `${name} admin`).to.equal(true);
        expect(await c.hasRole(RISK_ADMIN, timelockAddress), `${name} risk admin`).to.equal(true);
        expect(await c.hasRole(GUARDIAN, guardian), `${name} guardian`).to.equal(pausable);
        for (const role of [DEFAULT_ADMIN_ROLE, RISK_ADMIN, GUARDIAN]) {
          expect(await c.hasRole(role, deployer), `${name}: deployer keeps ${role}`).to.equal(false);
        }
        // The roles are administered by DEFAULT_ADMIN_ROLE, i.e. by the timelock.
        for (const role of [RISK_ADMIN, GUARDIAN])
          expect(await c.getRoleAdmin(role)).to.equal(DEFAULT_ADMIN_ROLE);
      }

      const timelock = TimelockController__factory.connect(timelockAddress, node.provider);
      expect(await timelock.getMinDelay()).to.equal(big(params.timelockMinDelay));
      const [proposer, executor, canceller] = await Promise.all([
        timelock.PROPOSER_ROLE(),
        timelock.EXECUTOR_ROLE(),
        timelock.CANCELLER_ROLE(),
      ]);
      for (const p of params.timelockProposers as string[]) {
        expect(await timelock.hasRole(proposer, p)).to.equal(true);
        expect(await timelock.hasRole(canceller, p)).to.equal(true);
      }
      for (const e of params.timelockExecutors as string[])
        expect(await timelock.hasRole(executor, e)).to.equal(true);
      // The timelock administers itself; the deployer has no say over it either.
      expect(await timelock.hasRole(DEFAULT_ADMIN_ROLE, timelockAddress)).to.equal(true);
      for (const role of [DEFAULT_ADMIN_ROLE, proposer, executor, canceller]) {
        expect(await timelock.hasRole(role, deployer), `timelock: deployer keeps ${role}`).to.equal(false);
      }
    });

    if (layout === ARBITRUM_ONE) {
      it("changes a market parameter through the timelock: schedule, wait the delay, execute", async function () {
        const proposer = addr((params.timelockProposers as string[])[0]);
        expect((params.timelockExecutors as string[]).map(addr)).to.include(proposer);
        await rpc(node, "hardhat_impersonateAccount", [proposer]);
        await rpc(node, "hardhat_setBalance", [proposer, ethers.toBeHex(10n ** 18n)]);
        const command = ["admin:set-market", "--market", "ETH", "--imf", "0.125", "--network", "localhost"];
        const common = ["--deployment-id", deploymentId, "--from", proposer];

        const scheduled = await okJson<{ mode: string; readyAt: number; operationId: string }>(node, [
          ...command,
          ...common,
        ]);
        expect(scheduled.mode).to.equal("scheduled");
        const lens = ClearinghouseLens__factory.connect(at("ClearinghouseLens"), node.provider);
        expect((await lens.marketParams(0)).imf).to.equal(big(params["ETH-PERP_imf"]));

        await rpc(node, "evm_increaseTime", [Number(big(params.timelockMinDelay)) + 1]);
        await rpc(node, "evm_mine", []);
        await refreshFeeds(node, feeds); // setMarketParams accrues funding at the oracle price

        const executed = await okJson<{ mode: string; operationId: string }>(node, [...command, ...common]);
        expect(executed.mode).to.equal("executed");
        expect(executed.operationId).to.equal(scheduled.operationId);
        expect((await lens.marketParams(0)).imf).to.equal(125n * 10n ** 15n);
      });

      it("mock:set-price refuses to run on a chain that is not a local development chain", async function () {
        const r = await hardhat(node, [
          "mock:set-price",
          "--market",
          "ETH",
          "--price",
          "1",
          "--network",
          "localhost",
          "--deployment-id",
          deploymentId,
        ]);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/refusing to set a mock price on network "localhost" \(chain 42161\)/);
        const oracle = PriceOracle__factory.connect(at("PriceOracle"), node.provider);
        expect(await oracle.price(ethers.encodeBytes32String("ETH"))).to.equal(PRICES.ETH * WAD);
      });
    }
  });
}
