/**
 * Set-up of one variant, the pipeline's first stage: a fresh local stack, its markets and collateral tokens, the
 * clock's start, the feeds at their initial prices, the variant's cascade damping, the actors and agents, and the
 * opening deposits (insurance fund, LPs, traders, the keeper's wallet). What it returns, the `World`, is everything
 * the later stages (the step loop, the end-of-run reads) work on.
 */
import { ethers } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { DEFAULT_MARKETS } from "../../../deploy/config";
import { MockERC20__factory } from "../../../typechain-types";
import type { System } from "../../lib/system";
import { deployLocalStack } from "../../lib/system";
import type { AgentEnv, MarketInfo, TokenInfo } from "../agents/env";
import type { AdversaryAgent } from "../agents/adversaries/adversary";
import { ADVERSARIES } from "../agents/adversaries/registry";
import { LpAgent } from "../agents/lp";
import { TraderAgent } from "../agents/trader";
import type { ChainClock } from "../clock";
import { PriceImpact, toFeedAnswer } from "../market";
import type { AssetModel, Tick } from "../market";
import type { Population, TraderSpec } from "../population";
import type { Rng } from "../rng";
import { IMPACT_DEPTH_MULTIPLE, IMPACT_HALF_LIFE_SECONDS, NO_CAP, dampedCap } from "../scenarios/definitions";
import type { AdversaryName, VariantSpec } from "../scenarios/definitions";
import { Sender, createActors, emptyFlows, emptyTokenFlows, errorInterfaces } from "../world";
import type { Actor, Flows, TokenFlows } from "../world";
import type { Setting } from "../risk/options";
import { SpotVenue } from "../spot";
import { accountIdOf } from "./keeper";
import { applySettings } from "./params";
import { StateReader } from "./reader";

const FEED_DECIMALS = 8;
const FEED_TO_WAD = 10n ** BigInt(18 - FEED_DECIMALS);

/** The simulated start: 2030-01-01T00:00:00Z, or the next midnight after the node's latest block if that is later. */
export const SIMULATION_EPOCH = Date.UTC(2030, 0, 1) / 1000;
/** Seconds between the start (setup: insurance, LP and trader deposits) and the first price tick. */
export const SETUP_SECONDS = 600;

export interface VariantInput {
  hre: HardhatRuntimeEnvironment;
  variant: VariantSpec;
  population: Population;
  path: Tick[];
  assets: AssetModel[];
  /** The run's root generator; agents fork their own streams from it by label. */
  rng: Rng;
  steps: number;
  /** Parameters changed from the deployed values (`--set`, a sweep's value). */
  settings?: Setting[];
  onTick?: (done: number, total: number) => void;
}

/** A trader account and whose it is. */
export interface KnownAccount {
  accountId: bigint;
  agent: TraderAgent;
}

/** A freshly deployed stack and what the simulation reads of it before the clock starts. */
export interface Stack {
  sys: System;
  sender: Sender;
  markets: MarketInfo[];
  symbolOf: Map<bigint, string>;
  /** Batched reads (a MulticallLens deployed with the stack). */
  reader: StateReader;
}

/** Everything a variant's later stages work on. */
export interface World extends Stack {
  input: VariantInput;
  clock: ChainClock;
  /** The first block mined by the variant (after the deployment). */
  firstBlock: number;
  /** Timestamp of the first price tick. */
  firstTick: number;
  /** The oracle price last pushed per market (WAD), and the push itself. */
  prices: Map<bigint, bigint>;
  pushPrices: (usd: number[]) => Promise<void>;
  /** Liquidation cap per window per market in force (USD, WAD). */
  liquidationCap: Record<string, bigint>;
  tokens: Map<string, TokenInfo>;
  tokenByAddress: Map<string, TokenInfo>;
  /** What the simulation sent into and took out of the Vault (settlement units; tokens in token units). */
  flows: Flows;
  tokenFlows: Map<string, TokenFlows>;
  env: AgentEnv;
  lps: LpAgent[];
  traders: TraderAgent[];
  /** The scenario's adversaries, in its order (each is also among `traders`). */
  adversaries: AdversaryAgent[];
  /** Turns every market's immediate trades on or off (`Clearinghouse.setImmediateTrades`, the admin). */
  setImmediateTrades: (enabled: boolean) => Promise<void>;
  /** The OrderBook's own Vault account: the settlement fees of pending orders (DESIGN §21). */
  orderEscrowAccount: bigint;
  known: KnownAccount[];
  /** Agent label per account id, and per address (pool and insurance flows). */
  labelOf: Map<bigint, string>;
  addressLabel: Map<string, string>;
  keeperActor: Actor;
  keeperAccount: bigint;
  insurance: bigint;
  poolNavStart: bigint;
  impact: PriceImpact;
  /** The spot venue the oracle follows (its price is the path's times `impact`), for adversaries' own flow. */
  spot: SpotVenue;
}

/** Deploys the local stack and reads its markets (before the chain clock is installed). */
export async function deployStack(hre: HardhatRuntimeEnvironment): Promise<Stack> {
  const sys = await deployLocalStack(hre);
  const net = hre.network;
  // The in-process network throws at the send for a failed transaction when automining (its defaults).
  const failuresThrow =
    net.name === "hardhat" &&
    "throwOnTransactionFailures" in net.config &&
    net.config.throwOnTransactionFailures &&
    net.config.mining.auto;
  const sender = new Sender(errorInterfaces(sys), failuresThrow);
  const markets = await readMarketInfo(sys);
  const reader = new StateReader(sys);
  return { sys, sender, markets, symbolOf: new Map(markets.map((m) => [m.marketId, m.symbol])), reader };
}

/** The start of the simulated clock: the epoch, or the next midnight after `latestTimestamp` if that is later. */
export const simulationStart = (latestTimestamp: number): number =>
  latestTimestamp < SIMULATION_EPOCH ? SIMULATION_EPOCH : (Math.floor(latestTimestamp / 86_400) + 1) * 86_400;

/** Set-up, with the clock installed: every transaction from here on is mined at a simulated time. */
export async function setUp(stack: Stack, clock: ChainClock, input: VariantInput): Promise<World> {
  const { hre, variant, population, assets } = input;
  const { sys, sender, markets } = stack;
  const firstBlock = (await hre.ethers.provider.getBlockNumber()) + 1;

  // Prices at their initial values, stamped with the simulated time (the deployment's stamps are wall-clock).
  const prices = new Map<bigint, bigint>();
  const pushPrices = async (usd: number[]) => {
    for (let i = 0; i < assets.length; i++) {
      const answer = toFeedAnswer(usd[i], FEED_DECIMALS);
      const feed =
        assets[i].symbol === "ETH" ? sys.ethFeed : assets[i].symbol === "BTC" ? sys.btcFeed : undefined;
      if (!feed) throw new Error(`no mock feed for ${assets[i].symbol}`);
      await sender.must(`${assets[i].symbol} feed`, () => feed.connect(sys.admin).updateAnswer(answer));
      prices.set(assets[i].marketId, answer * FEED_TO_WAD);
    }
  };
  await pushPrices(assets.map((a) => a.initialPrice));
  const liquidationCap = await applyDamping(sys, sender, markets, variant, population.traderCollateral);
  await applySettings(sys, sender, markets, input.settings ?? []);

  const tokens = await readTokens(sys, markets);
  const tokenFlows = new Map<string, TokenFlows>([...tokens.keys()].map((k) => [k, emptyTokenFlows()]));
  const tokenByAddress = new Map<string, TokenInfo>(
    [...tokens.values()].map((t) => [t.address.toLowerCase(), t]),
  );
  const flows: Flows = emptyFlows();
  const env: AgentEnv = {
    sys,
    sender,
    markets,
    tokens,
    tokenFlows,
    price: (marketId) => {
      const p = prices.get(marketId);
      if (p === undefined) throw new Error(`no price for market ${marketId}`);
      return p;
    },
    flows,
    now: () => clock.now,
  };

  const agents = await createAgents(input);
  const opening = await openingDeposits(sys, sender, env, agents, population);
  const impact = new PriceImpact(assets, {
    depthUsd: Object.fromEntries(
      assets.map((a) => [
        a.symbol,
        IMPACT_DEPTH_MULTIPLE * Math.max(1, population.plannedNotional[a.symbol] ?? 0),
      ]),
    ),
    halfLifeSeconds: IMPACT_HALF_LIFE_SECONDS,
  });

  const setImmediateTrades = async (enabled: boolean) => {
    for (const m of markets) {
      await sender.must(`${m.symbol} immediate trades`, () =>
        sys.clearinghouse.connect(sys.admin).setImmediateTrades(m.marketId, enabled),
      );
    }
  };

  return {
    ...stack,
    ...agents,
    ...opening,
    setImmediateTrades,
    orderEscrowAccount: await sys.orderBook.escrowAccountId(),
    input,
    clock,
    firstBlock,
    firstTick: clock.start + SETUP_SECONDS,
    prices,
    pushPrices,
    liquidationCap,
    tokens,
    tokenByAddress,
    flows,
    tokenFlows,
    env,
    impact,
    spot: new SpotVenue(assets, impact),
  };
}

/** Sets the variant's cascade damping (the per-window liquidation cap) and returns the cap in force per market. */
async function applyDamping(
  sys: System,
  sender: Sender,
  markets: MarketInfo[],
  variant: VariantSpec,
  traderCollateral: bigint,
): Promise<Record<string, bigint>> {
  const liquidationCap: Record<string, bigint> = {};
  for (const m of markets) {
    const params = await sys.lens.marketParams(m.marketId);
    let cap = params.maxLiquidationNotionalPerWindow;
    if (variant.damping !== "deployed") {
      cap = variant.damping === "off" ? NO_CAP : dampedCap(traderCollateral);
      const next = { ...paramsObject(params), maxLiquidationNotionalPerWindow: cap };
      await sender.must(`${m.symbol} damping`, () =>
        sys.clearinghouse.connect(sys.admin).setMarketParams(m.marketId, next),
      );
    }
    liquidationCap[m.symbol] = cap;
  }
  return liquidationCap;
}

/** An adversary's extra wallets (labels suffixed to its own); none for an honest trader. */
const walletsOf = (spec: TraderSpec): string[] =>
  spec.kind === "adversary" ? ADVERSARIES[spec.style as AdversaryName].wallets : [];

/** The actors (the keeper, the LPs, the traders) and the agents that act for them. */
async function createAgents(input: VariantInput) {
  const { hre, population, variant } = input;
  const actors = await createActors(hre, [
    "keeper",
    ...population.lps.map((l) => l.label),
    ...population.traders.map((t) => t.label),
    ...population.traders.flatMap((t) => walletsOf(t).map((w) => `${t.label}-${w}`)),
  ]);
  const actorOf = new Map<string, Actor>(actors.map((a) => [a.label, a]));
  const keeperActor = actorOf.get("keeper") as Actor;
  const lps = population.lps.map(
    (s) => new LpAgent(s, actorOf.get(s.label) as Actor, input.rng.fork(`agent:${s.label}`)),
  );
  const adversaries: AdversaryAgent[] = [];
  const traders = population.traders.map((spec) => {
    const actor = actorOf.get(spec.label) as Actor;
    const rng = input.rng.fork(`agent:${spec.label}`);
    if (spec.kind !== "adversary") return new TraderAgent(spec, actor, rng, variant.margin, accountIdOf);
    const wallets = walletsOf(spec).map((w) => actorOf.get(`${spec.label}-${w}`) as Actor);
    const agent = ADVERSARIES[spec.style as AdversaryName].create({
      spec,
      actor,
      rng,
      variant,
      accountIdOf,
      wallets,
    });
    adversaries.push(agent);
    return agent;
  });
  const known: KnownAccount[] = traders.flatMap((agent) =>
    agent.accounts.map((a) => ({ accountId: a.accountId, agent })),
  );
  const labelOf = new Map<bigint, string>(known.map((k) => [k.accountId, k.agent.label]));
  const keeperAccount = accountIdOf(keeperActor.address, 0n);
  labelOf.set(keeperAccount, "keeper");
  const addressLabel = new Map<string, string>(actors.map((a) => [a.address.toLowerCase(), a.label]));
  return { keeperActor, keeperAccount, lps, traders, adversaries, known, labelOf, addressLabel };
}

/**
 * The opening deposits: the insurance fund, the pool's liquidity, the traders' collateral, and the keeper's wallet
 * (USDC to repay debts when it takes an account's collateral, `liquidateCollateral`).
 */
async function openingDeposits(
  sys: System,
  sender: Sender,
  env: AgentEnv,
  agents: Awaited<ReturnType<typeof createAgents>>,
  population: Population,
): Promise<{ insurance: bigint; poolNavStart: bigint }> {
  const admin = sys.admin;
  agents.addressLabel.set(admin.address.toLowerCase(), "admin");
  const insurance = population.insuranceFunding;
  await sender.must("insurance mint", () => sys.usdc.connect(admin).mint(admin.address, insurance));
  await sender.must("insurance approve", () =>
    sys.usdc.connect(admin).approve(sys.addresses.vault, insurance),
  );
  await sender.must("insurance funding", () => sys.vault.connect(admin).fundInsurance(insurance));
  env.flows.insuranceFunding += insurance;
  for (const lp of agents.lps) await lp.setup(env);
  for (const t of agents.traders) await t.setup(env);
  const poolNavStart = await sys.pool.totalAssets();

  const keeperWallet = population.traderCollateral / 5n;
  await sender.must("keeper wallet", () =>
    sys.usdc.connect(admin).mint(agents.keeperActor.address, keeperWallet),
  );
  return { insurance, poolNavStart };
}

async function readMarketInfo(sys: System): Promise<MarketInfo[]> {
  const count = Number(await sys.clearinghouse.marketCount());
  const out: MarketInfo[] = [];
  for (let i = 0; i < count; i++) {
    const p = await sys.lens.marketParams(i);
    out.push({
      marketId: BigInt(i),
      symbol: ethers.decodeBytes32String(p.asset),
      imf: p.imf,
      mmf: p.mmf,
      takerFee: p.takerFee,
      minPositionNotional: p.minPositionNotional,
    });
  }
  const expected = DEFAULT_MARKETS.map((m) => m.symbol).join(",");
  if (out.map((m) => m.symbol).join(",") !== expected) {
    throw new Error(
      `the local stack lists ${out.map((m) => m.symbol).join(",")}, the simulation expects ${expected}`,
    );
  }
  return out;
}

/** The Vault's non-settlement collateral tokens, each with the market that prices it. */
async function readTokens(sys: System, markets: MarketInfo[]): Promise<Map<string, TokenInfo>> {
  const out = new Map<string, TokenInfo>();
  for (const address of await sys.vault.collateralTokens()) {
    if (address.toLowerCase() === sys.addresses.usdc.toLowerCase()) continue;
    const contract = MockERC20__factory.connect(address, sys.admin);
    const config = await sys.vault.collateralConfig(address);
    const asset = ethers.decodeBytes32String(config.asset);
    const market = markets.find((m) => m.symbol === asset);
    if (!market) continue; // a token whose asset has no market: the simulation does not price it
    const symbol = await contract.symbol();
    out.set(symbol, {
      symbol,
      address,
      contract,
      decimals: Number(config.decimals),
      marketId: market.marketId,
      weight: config.weight,
    });
  }
  return out;
}

function paramsObject(p: Awaited<ReturnType<System["lens"]["marketParams"]>>) {
  return {
    asset: p.asset,
    imf: p.imf,
    mmf: p.mmf,
    liquidationFee: p.liquidationFee,
    takerFee: p.takerFee,
    makerFee: p.makerFee,
    maxFundingRatePerDay: p.maxFundingRatePerDay,
    skewScale: p.skewScale,
    maxOpenInterest: p.maxOpenInterest,
    minPositionNotional: p.minPositionNotional,
    maxLiquidationNotionalPerWindow: p.maxLiquidationNotionalPerWindow,
    liquidationWindow: p.liquidationWindow,
  };
}
