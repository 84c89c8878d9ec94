/**
 * The simulation loop: one variant of a scenario on a fresh local stack.
 *
 *   deploy LocalStack → (cascade damping set) → clock at a fixed epoch → feeds at their initial prices →
 *   insurance funded, LPs deposit, traders deposit → for every tick of every step:
 *     prices (exogenous path × liquidation impact) pushed into the mock Chainlink feeds;
 *     on a step's first tick: traders open their first books (step 0) or act, LPs act;
 *     the keeper (scripts/keeper/core.ts, the bot's own code) scans the new logs and liquidates;
 *     the tick's protocol events are read; liquidations move the next prices (impact);
 *   at each step's end every trader account's margin, the pool and the insurance fund are read.
 *   At the end: the conservation check.
 *
 * Every transaction goes through the `ChainClock`, so blocks have simulated timestamps and a seed replays exactly.
 */
import { ethers } from "ethers";
import type { Log } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { DEFAULT_MARKETS } from "../../deploy/config";
import { Keeper, MemoryLogger, accountIdOf } from "../keeper";
import type { AccountStateData, System } from "../lib/system";
import { deployLocalStack, toAccountStateData } from "../lib/system";
import { LpAgent, TraderAgent, notionalOf } from "./agents";
import type { AgentEnv, MarketInfo, TokenInfo } from "./agents";
import { ChainClock } from "./clock";
import { PriceImpact, toFeedAnswer } from "./market";
import type { AssetModel, Tick } from "./market";
import type { Population } from "./population";
import type { Rng } from "./rng";
import { DAMPED_CAP_SHARE_OF_COLLATERAL, IMPACT_DEPTH_MULTIPLE, IMPACT_HALF_LIFE_SECONDS } from "./scenarios";
import type { VariantSpec } from "./scenarios";
import type {
  Conservation,
  Headline,
  KindBreakdown,
  MarginBucket,
  PriceStats,
  SimEvent,
  StepRecord,
  TickRecord,
  TokenConservation,
  TraderOutcome,
  VariantResult,
} from "./types";
import { MARGIN_BUCKETS } from "./types";
import { Sender, createActors, emptyFlows, emptyTokenFlows, errorInterfaces, netFlows } from "./world";
import type { Actor, Flows, TokenFlows } from "./world";
import { MockERC20__factory } from "../../typechain-types";

const WAD = 10n ** 18n;
const TO_WAD = 10n ** 12n;
const FEED_DECIMALS = 8;
const FEED_TO_WAD = 10n ** BigInt(18 - FEED_DECIMALS);

/** The simulated start: 2030-01-01T00:00:00Z, or the next midnight after the node's latest block if that is later. */
export const SIMULATION_EPOCH = Date.UTC(2030, 0, 1) / 1000;
/** Seconds between the start (setup: insurance, LP and trader deposits) and the first price tick. */
export const SETUP_SECONDS = 600;
/**
 * A cap that never binds in a simulation (USD 1 billion per window, WAD): the `cascade` scenario's "damping off". The
 * setter bounds the cap by `type(uint96).max` (7.9e10 USD).
 */
export const NO_CAP = 10n ** 27n;

export interface VariantInput {
  hre: HardhatRuntimeEnvironment;
  variant: VariantSpec;
  population: Population;
  path: Tick[];
  assets: AssetModel[];
  /** The run's root generator; agents fork their own streams from it by label. */
  rng: Rng;
  steps: number;
  onTick?: (done: number, total: number) => void;
}

/** A trader account and whose it is. */
interface KnownAccount {
  accountId: bigint;
  agent: TraderAgent;
}

export async function runVariant(input: VariantInput): Promise<VariantResult> {
  const { hre, variant, population, path, assets } = input;
  const provider = hre.ethers.provider;

  const sys = await deployLocalStack(hre);
  const interfaces = errorInterfaces(sys);
  const sender = new Sender(interfaces);
  const markets = await readMarketInfo(sys);
  const symbolOf = new Map(markets.map((m) => [m.marketId, m.symbol]));

  const latest = await provider.getBlock("latest");
  if (!latest) throw new Error("no latest block");
  const start =
    latest.timestamp < SIMULATION_EPOCH
      ? SIMULATION_EPOCH
      : (Math.floor(latest.timestamp / 86_400) + 1) * 86_400;
  const clock = new ChainClock(hre.network.provider, start);
  clock.install();
  try {
    return await simulate();
  } finally {
    clock.uninstall();
  }

  async function simulate(): Promise<VariantResult> {
    const firstBlock = (await provider.getBlockNumber()) + 1;
    const admin = sys.admin;

    // Prices at their initial values, stamped with the simulated time (the deployment's stamps are wall-clock).
    const prices = new Map<bigint, bigint>();
    const pushPrices = async (usd: number[]) => {
      for (let i = 0; i < assets.length; i++) {
        const answer = toFeedAnswer(usd[i], FEED_DECIMALS);
        const feed =
          assets[i].symbol === "ETH" ? sys.ethFeed : assets[i].symbol === "BTC" ? sys.btcFeed : undefined;
        if (!feed) throw new Error(`no mock feed for ${assets[i].symbol}`);
        await sender.must(`${assets[i].symbol} feed`, () => feed.connect(admin).updateAnswer(answer));
        prices.set(assets[i].marketId, answer * FEED_TO_WAD);
      }
    };
    await pushPrices(assets.map((a) => a.initialPrice));

    // Cascade damping for this variant.
    const liquidationCap: Record<string, bigint> = {};
    for (const m of markets) {
      const params = await sys.lens.marketParams(m.marketId);
      let cap = params.maxLiquidationNotionalPerWindow;
      if (variant.damping !== "deployed") {
        cap = variant.damping === "off" ? NO_CAP : dampedCap(population.traderCollateral);
        const next = { ...paramsObject(params), maxLiquidationNotionalPerWindow: cap };
        await sender.must(`${m.symbol} damping`, () =>
          sys.clearinghouse.connect(admin).setMarketParams(m.marketId, next),
        );
      }
      liquidationCap[m.symbol] = cap;
    }

    const tokens = await readTokens(sys, markets);
    const tokenFlows = new Map<string, TokenFlows>([...tokens.keys()].map((k) => [k, emptyTokenFlows()]));
    const eventTokenFlows = new Map<string, TokenFlows>(
      [...tokens.keys()].map((k) => [k, emptyTokenFlows()]),
    );
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

    // Actors: the keeper, the LPs, the traders.
    const actors = await createActors(hre, [
      "keeper",
      ...population.lps.map((l) => l.label),
      ...population.traders.map((t) => t.label),
    ]);
    const actorOf = new Map<string, Actor>(actors.map((a) => [a.label, a]));
    const keeperActor = actorOf.get("keeper") as Actor;
    const lps = population.lps.map(
      (s) => new LpAgent(s, actorOf.get(s.label) as Actor, input.rng.fork(`agent:${s.label}`)),
    );
    const traders = population.traders.map(
      (s) =>
        new TraderAgent(
          s,
          actorOf.get(s.label) as Actor,
          input.rng.fork(`agent:${s.label}`),
          variant.margin,
          accountIdOf,
        ),
    );
    const known: KnownAccount[] = traders.flatMap((agent) =>
      agent.accounts.map((a) => ({ accountId: a.accountId, agent })),
    );
    const labelOf = new Map<bigint, string>(known.map((k) => [k.accountId, k.agent.label]));
    const keeperAccount = accountIdOf(keeperActor.address, 0n);
    labelOf.set(keeperAccount, "keeper");
    const addressLabel = new Map<string, string>(actors.map((a) => [a.address.toLowerCase(), a.label]));
    addressLabel.set(admin.address.toLowerCase(), "admin");

    // Setup: insurance, pool liquidity, trader collateral.
    const insurance = population.insuranceFunding;
    await sender.must("insurance mint", () => sys.usdc.connect(admin).mint(admin.address, insurance));
    await sender.must("insurance approve", () =>
      sys.usdc.connect(admin).approve(sys.addresses.vault, insurance),
    );
    await sender.must("insurance funding", () => sys.vault.connect(admin).fundInsurance(insurance));
    flows.insuranceFunding += insurance;
    for (const lp of lps) await lp.setup(env);
    for (const t of traders) await t.setup(env);
    const poolNavStart = await sys.pool.totalAssets();

    // The keeper's wallet holds USDC to repay debts when it takes an account's collateral (liquidateCollateral).
    const keeperWallet = population.traderCollateral / 5n;
    await sender.must("keeper wallet", () => sys.usdc.connect(admin).mint(keeperActor.address, keeperWallet));

    const keeperLog = new MemoryLogger();
    const keeper = new Keeper({
      clearinghouse: sys.clearinghouse,
      vault: sys.vault,
      signer: keeperActor.signer,
      logger: keeperLog,
      receiptPollMs: 5,
      retryBaseDelayMs: 5,
    });
    let scannedTo = firstBlock - 1;

    const impact = new PriceImpact(assets, {
      depthUsd: Object.fromEntries(
        assets.map((a) => [
          a.symbol,
          IMPACT_DEPTH_MULTIPLE * Math.max(1, population.plannedNotional[a.symbol] ?? 0),
        ]),
      ),
      halfLifeSeconds: IMPACT_HALF_LIFE_SECONDS,
    });

    const events: SimEvent[] = [];
    const eventFlows: Flows = emptyFlows();
    const tickRecords: TickRecord[] = [];
    const stepRecords: StepRecord[] = [];
    const cumulative = { badDebt: 0n, insuranceDraw: 0n, poolWriteOff: 0n, unrecovered: 0n };
    let logsFrom = firstBlock;
    let cached = new Map<bigint, AccountStateData>();
    const firstTick = start + SETUP_SECONDS;
    let stepCounters = { trades: 0, liquidations: 0, notional: 0n, capped: 0 };
    let insuranceMin = insurance;
    let navMin = poolNavStart;

    /** Reads the protocol events of the blocks mined since the last read. */
    let tickCounters = { liquidations: 0, notional: 0n };
    const collectEvents = async (step: number): Promise<Record<string, number>> => {
      const to = await provider.getBlockNumber();
      const sold: Record<string, number> = {};
      if (to < logsFrom) return sold;
      const logs = await provider.getLogs({
        address: [sys.addresses.clearinghouse, sys.addresses.vault],
        fromBlock: logsFrom,
        toBlock: to,
      });
      const times = new Map<number, number>();
      for (const log of logs) {
        if (!times.has(log.blockNumber)) {
          const block = await provider.getBlock(log.blockNumber);
          times.set(log.blockNumber, (block?.timestamp ?? start) - firstTick);
        }
        const e = parseEvent(log, step, times.get(log.blockNumber) as number);
        if (!e) continue;
        events.push(e.row);
        if (e.row.type === "trade") stepCounters.trades++;
        if (e.row.type === "liquidation") {
          stepCounters.liquidations++;
          stepCounters.notional += e.notional ?? 0n;
          tickCounters.liquidations++;
          tickCounters.notional += e.notional ?? 0n;
        }
        if (e.sold) sold[e.sold.symbol] = (sold[e.sold.symbol] ?? 0) + e.sold.usd;
      }
      logsFrom = to + 1;
      return sold;
    };

    const parseEvent = (
      log: Log,
      step: number,
      time: number,
    ): { row: SimEvent; notional?: bigint; sold?: { symbol: string; usd: number } } | undefined => {
      const isClearinghouse = log.address.toLowerCase() === sys.addresses.clearinghouse.toLowerCase();
      const iface = isClearinghouse ? sys.clearinghouse.interface : sys.vault.interface;
      let parsed: ethers.LogDescription | null = null;
      try {
        parsed = iface.parseLog(log);
      } catch {
        parsed = null;
      }
      if (!parsed) return undefined;
      const a = parsed.args;
      const base = emptyRow(variant.key, step, time, log, isClearinghouse ? "Clearinghouse" : "Vault");
      const account = (id: bigint) => ({
        accountId: ethers.toBeHex(id, 32),
        agent: labelOf.get(id) ?? "",
        subaccount: (id & ((1n << 96n) - 1n)).toString(),
      });
      switch (parsed.name) {
        case "TradeExecuted": {
          const size: bigint = a.sizeDelta;
          return {
            row: {
              ...base,
              type: "trade",
              ...account(a.accountId),
              market: symbolOf.get(a.marketId) ?? String(a.marketId),
              size: fmt(size, 18),
              price: fmt(a.fillPrice, 18),
              notionalUsd: fmt(notionalOf(size, a.fillPrice), 18),
              feeUsd: fmt(a.fee, 18),
              realizedPnlUsd: fmt(a.realizedPnl, 18),
              fundingUsd: fmt(a.fundingPaid, 18),
              accountDeltaUsdc: fmt(a.accountDelta, 6),
            },
          };
        }
        case "Liquidated":
          return {
            row: {
              ...base,
              type: "liquidation",
              ...account(a.accountId),
              notionalUsd: fmt(a.notionalClosed, 18),
              penaltyUsdc: fmt(a.penalty, 6),
              keeperRewardUsdc: fmt(a.keeperReward, 6),
              fraction: fmt(a.fraction, 18),
              equityBeforeUsd: fmt(a.equityBefore, 18),
              maintenanceMarginBeforeUsd: fmt(a.maintenanceMarginBefore, 18),
            },
            notional: a.notionalClosed,
          };
        case "PositionLiquidated": {
          const size: bigint = a.sizeClosed;
          const symbol = symbolOf.get(a.marketId) ?? String(a.marketId);
          const signedUsd = Number((size * (a.price as bigint)) / WAD / 10n ** 12n) / 1e6;
          return {
            row: {
              ...base,
              type: "position_liquidated",
              ...account(a.accountId),
              market: symbol,
              size: fmt(size, 18),
              price: fmt(a.price, 18),
              notionalUsd: fmt(notionalOf(size, a.price), 18),
              realizedPnlUsd: fmt(a.realizedPnl, 18),
              fundingUsd: fmt(a.fundingPaid, 18),
            },
            sold: { symbol, usd: signedUsd },
          };
        }
        case "BadDebtSettled":
          cumulative.badDebt += a.badDebt;
          cumulative.insuranceDraw += a.insuranceDraw;
          cumulative.poolWriteOff += a.poolWriteOff;
          cumulative.unrecovered += a.unrecovered;
          return {
            row: {
              ...base,
              type: "bad_debt",
              ...account(a.accountId),
              badDebtUsdc: fmt(a.badDebt, 6),
              insuranceDrawUsdc: fmt(a.insuranceDraw, 6),
              poolWriteOffUsdc: fmt(a.poolWriteOff, 6),
              unrecoveredUsdc: fmt(a.unrecovered, 6),
            },
          };
        case "CollateralLiquidated": {
          const token = tokenByAddress.get((a.token as string).toLowerCase());
          eventFlows.keeperRepayments += a.repaid;
          if (token) (eventTokenFlows.get(token.symbol) as TokenFlows).seized += a.seized;
          return {
            row: {
              ...base,
              type: "collateral_liquidation",
              ...account(a.accountId),
              amountUsdc: fmt(a.repaid, 6),
              token: token?.symbol ?? a.token,
              tokenAmount: token ? fmt(a.seized, token.decimals) : String(a.seized),
              price: fmt(a.price, 18),
            },
          };
        }
        case "Deposited":
        case "Withdrawn": {
          const deposit = parsed.name === "Deposited";
          const type = deposit ? "deposit" : "withdrawal";
          if ((a.token as string).toLowerCase() === sys.addresses.usdc.toLowerCase()) {
            if (deposit) eventFlows.traderDeposits += a.amount;
            else eventFlows.traderWithdrawals += a.amount;
            return { row: { ...base, type, ...account(a.accountId), amountUsdc: fmt(a.amount, 6) } };
          }
          const token = tokenByAddress.get((a.token as string).toLowerCase());
          if (!token) return undefined;
          const f = eventTokenFlows.get(token.symbol) as TokenFlows;
          if (deposit) f.deposited += a.amount;
          else f.withdrawn += a.amount;
          return {
            row: {
              ...base,
              type,
              ...account(a.accountId),
              token: token.symbol,
              tokenAmount: fmt(a.amount, token.decimals),
            },
          };
        }
        case "PoolFunded":
          eventFlows.lpDeposits += a.amount;
          return {
            row: {
              ...base,
              type: "pool_deposit",
              agent: addressLabel.get((a.from as string).toLowerCase()) ?? a.from,
              amountUsdc: fmt(a.amount, 6),
            },
          };
        case "PoolDefunded":
          eventFlows.lpRedemptions += a.amount;
          return {
            row: {
              ...base,
              type: "pool_redemption",
              agent: addressLabel.get((a.to as string).toLowerCase()) ?? a.to,
              amountUsdc: fmt(a.amount, 6),
            },
          };
        case "InsuranceFunded":
          eventFlows.insuranceFunding += a.amount;
          return {
            row: {
              ...base,
              type: "insurance_funding",
              agent: addressLabel.get((a.from as string).toLowerCase()) ?? a.from,
              amountUsdc: fmt(a.amount, 6),
            },
          };
        default:
          return undefined;
      }
    };

    const keeperRound = async () => {
      const head = await provider.getBlockNumber();
      if (head > scannedTo) {
        await keeper.scanLogs(scannedTo + 1, head);
        scannedTo = head;
      }
      const outcomes = await keeper.checkAndLiquidate(head);
      for (const o of outcomes) {
        if (o.action !== "liquidateCollateral" || o.status !== "succeeded") continue;
        flows.keeperRepayments += o.repaid ?? 0n;
        const token = o.token ? tokenByAddress.get(o.token.toLowerCase()) : undefined;
        if (token) (tokenFlows.get(token.symbol) as TokenFlows).seized += o.seized ?? 0n;
      }
      stepCounters.capped += outcomes.filter((o) => o.action === "liquidate" && o.status === "capped").length;
      const failed = outcomes.filter((o) => o.status === "failed");
      if (failed.length) {
        throw new Error(
          `the keeper failed: ${failed.map((f) => `${f.action} ${f.accountId}: ${f.error}`).join("; ")}`,
        );
      }
    };

    // Setup events (deposits) belong to step 0.
    await collectEvents(0);

    let tickIndex = 0;
    for (const tick of path) {
      clock.advanceTo(firstTick + tick.offset);
      impact.decay(tick.dt);
      const logImpact = impact.current();
      const usd = tick.logPrice.map((lp, i) => Math.exp(lp + logImpact[i]));
      await pushPrices(usd);

      if (tick.index === 0) {
        if (tick.step === 0) {
          for (const t of traders) await t.openBook(env);
        } else {
          const order = input.rng.fork(`order:${tick.step}`).shuffle([...traders, ...lps]);
          for (const agent of order) {
            if (agent instanceof LpAgent) await agent.act(env);
            else if (variant.dynamic) await agent.act(env, cached.get(agent.accounts[0].accountId));
          }
        }
      }

      tickCounters = { liquidations: 0, notional: 0n };
      await keeperRound();
      const sold = await collectEvents(tick.step);
      impact.apply(sold);

      tickRecords.push({
        step: tick.step,
        offset: tick.offset,
        prices: Object.fromEntries(
          assets.map((a) => [a.symbol, Number(prices.get(a.marketId) as bigint) / 1e18]),
        ),
        priceWad: Object.fromEntries(assets.map((a) => [a.symbol, prices.get(a.marketId) as bigint])),
        impact: Object.fromEntries(assets.map((a, i) => [a.symbol, logImpact[i]])),
        liquidations: tickCounters.liquidations,
        liquidatedNotional: tickCounters.notional,
        event: tick.event,
      });
      tickIndex++;
      input.onTick?.(tickIndex, path.length);

      const last = tickIndex === path.length || path[tickIndex].step !== tick.step;
      if (last) {
        cached = new Map();
        for (const k of known)
          cached.set(k.accountId, toAccountStateData(await sys.clearinghouse.accountState(k.accountId)));
        const record = await readStep(sys, markets, tick, cached, stepCounters, cumulative, prices);
        record.lpNetDeposits = flows.lpDeposits - flows.lpRedemptions;
        insuranceMin = record.insurance < insuranceMin ? record.insurance : insuranceMin;
        navMin = record.poolNav < navMin ? record.poolNav : navMin;
        stepRecords.push(record);
        stepCounters = { trades: 0, liquidations: 0, notional: 0n, capped: 0 };
      }
    }

    // The end: conservation and the headline figures.
    const conservation = await checkConservation(
      sys,
      known,
      keeperAccount,
      flows,
      eventFlows,
      tokens,
      tokenFlows,
      eventTokenFlows,
    );
    const finalStates = new Map<bigint, AccountStateData>();
    /** Per account: equity with collateral tokens at their full oracle value instead of their haircut value (WAD). */
    const marketEquity = new Map<bigint, bigint>();
    for (const k of known) {
      const state = toAccountStateData(await sys.clearinghouse.accountState(k.accountId));
      finalStates.set(k.accountId, state);
      let equity = state.equity;
      const held = await sys.vault.accountCollaterals(k.accountId);
      if (held.length) {
        const [, haircutValue] = await sys.vault.accountCollateral(k.accountId);
        equity -= haircutValue;
        for (const address of held) {
          const token = tokenByAddress.get(address.toLowerCase());
          if (!token) continue;
          const balance = await sys.vault.balanceOf(k.accountId, address);
          equity += (balance * env.price(token.marketId)) / 10n ** BigInt(token.decimals);
        }
      }
      marketEquity.set(k.accountId, equity);
    }
    const poolNavEnd = await sys.pool.totalAssets();
    const insuranceEnd = await sys.vault.insuranceBalance();

    const liquidationRows = events.filter((e) => e.type === "liquidation");
    const tradeRows = events.filter((e) => e.type === "trade");
    const liquidationsOf = (id: bigint) =>
      liquidationRows.filter((e) => e.accountId === ethers.toBeHex(id, 32)).length;
    const rejections = Object.fromEntries(
      [...sender.rejections.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    const traderEquity = [...finalStates.values()].reduce((acc, s) => acc + s.equity, 0n);
    const traderMarketEquity = [...marketEquity.values()].reduce((acc, e) => acc + e, 0n);
    const traderDeposits = flows.traderDeposits;
    const traderWithdrawals = flows.traderWithdrawals;
    const traderDepositedValue = traders.reduce((acc, t) => acc + t.depositedValue, 0n);
    const collateralRows = events.filter((e) => e.type === "collateral_liquidation");
    const lpPnl = poolNavEnd + flows.lpRedemptions - flows.lpDeposits;
    const insurancePnl = insuranceEnd - flows.insuranceFunding;

    const headline: Headline = {
      trades: tradeRows.length,
      rejected: [...sender.rejections.values()].reduce((a, b) => a + b, 0),
      rejections,
      liquidations: liquidationRows.length,
      fullLiquidations: liquidationRows.filter((e) => e.fraction === "1").length,
      accountsLiquidated: new Set(liquidationRows.map((e) => e.accountId)).size,
      liquidatedNotional: stepRecords.reduce((acc, s) => acc + s.liquidatedNotional, 0n),
      capped: stepRecords.reduce((acc, s) => acc + s.capped, 0),
      penalties: sumUnits(liquidationRows.map((e) => e.penaltyUsdc)),
      keeperRewards: sumUnits(liquidationRows.map((e) => e.keeperRewardUsdc)),
      fees: sumWad(tradeRows.map((e) => e.feeUsd)),
      fundingSettled: sumWad(
        events.filter((e) => e.type === "trade" || e.type === "position_liquidated").map((e) => e.fundingUsd),
      ),
      badDebt: cumulative.badDebt,
      insuranceDraw: cumulative.insuranceDraw,
      poolWriteOff: cumulative.poolWriteOff,
      unrecovered: cumulative.unrecovered,
      insuranceStart: insurance,
      insuranceEnd,
      insuranceMin,
      poolNavStart,
      poolNavEnd,
      poolNavMin: navMin,
      lpDeposits: flows.lpDeposits,
      lpRedemptions: flows.lpRedemptions,
      lpPnl,
      insurancePnl,
      protocolPnl: lpPnl + insurancePnl,
      traderDeposits,
      traderWithdrawals,
      traderTokenDepositsValue: traderDepositedValue - traderDeposits * TO_WAD,
      traderEquity,
      traderPnl: traderMarketEquity + traderWithdrawals * TO_WAD - traderDepositedValue,
      collateralLiquidations: collateralRows.length,
      collateralRepaid: sumUnits(collateralRows.map((e) => e.amountUsdc)),
      collateralSeizedValue: collateralRows.reduce((acc, e) => {
        const token = tokens.get(e.token);
        if (!token) return acc;
        return (
          acc +
          (ethers.parseUnits(e.tokenAmount, token.decimals) * ethers.parseUnits(e.price, 18)) /
            10n ** BigInt(token.decimals)
        );
      }, 0n),
      lpRequests: lps.reduce((acc, l) => acc + l.requests, 0),
      lpRedemptionCount: lps.reduce((acc, l) => acc + l.redemptions, 0),
      prices: priceStats(tickRecords, assets),
      duration: path.length ? path[path.length - 1].offset : 0,
      transactions: clock.transactions,
    };

    const traderOutcomes: TraderOutcome[] = traders.map((t) => ({
      label: t.label,
      kind: t.spec.kind,
      style: t.spec.style,
      leverage: t.spec.leverage,
      accounts: t.accounts.length,
      deposited: t.depositedValue / TO_WAD,
      withdrawn: t.withdrawn,
      finalEquity: t.accounts.reduce((acc, a) => acc + (marketEquity.get(a.accountId) ?? 0n), 0n),
      liquidations: t.accounts.reduce((acc, a) => acc + liquidationsOf(a.accountId), 0),
    }));

    const kinds: KindBreakdown[] = (["directional", "hedger"] as const).map((kind) => {
      const group = traders.filter((t) => t.spec.kind === kind);
      const outcomes = traderOutcomes.filter((o) => o.kind === kind);
      const ids = new Set(group.flatMap((t) => t.accounts.map((a) => ethers.toBeHex(a.accountId, 32))));
      const deposited = outcomes.reduce((acc, o) => acc + o.deposited, 0n);
      const withdrawn = outcomes.reduce((acc, o) => acc + o.withdrawn, 0n);
      const finalEquity = outcomes.reduce((acc, o) => acc + o.finalEquity, 0n);
      return {
        kind,
        traders: group.length,
        accounts: group.reduce((acc, t) => acc + t.accounts.length, 0),
        liquidations: liquidationRows.filter((e) => ids.has(e.accountId)).length,
        tradersLiquidated: outcomes.filter((o) => o.liquidations > 0).length,
        penalties: sumUnits(liquidationRows.filter((e) => ids.has(e.accountId)).map((e) => e.penaltyUsdc)),
        badDebt: sumUnits(
          events.filter((e) => e.type === "bad_debt" && ids.has(e.accountId)).map((e) => e.badDebtUsdc),
        ),
        deposited,
        withdrawn,
        finalEquity,
        pnl: finalEquity + (withdrawn - deposited) * TO_WAD,
      };
    });
    if (!variant.dynamic) {
      for (const k of kinds) {
        k.collateralNeeded = collateralNeeded(
          traders.filter((t) => t.spec.kind === k.kind),
          events,
          tickRecords,
          markets,
        );
      }
    }

    const stats = keeper.stats;
    return {
      variant,
      liquidationCap,
      ticks: tickRecords,
      steps: stepRecords,
      events,
      headline,
      conservation,
      kinds,
      keeper: {
        checks: stats.checks,
        checkCalls: stats.checkCalls,
        sent: stats.sent,
        succeeded: stats.succeeded,
        lost: stats.lost,
        skipped: stats.skipped,
        capped: stats.capped,
        failed: stats.failed,
        rewards: stats.rewards,
      },
      traders: traderOutcomes,
    };
  }
}

/** The damped cap of the `cascade` scenario: a share of the traders' collateral, per market per window (WAD). */
export const dampedCap = (traderCollateral: bigint): bigint =>
  (traderCollateral * TO_WAD * BigInt(Math.round(DAMPED_CAP_SHARE_OF_COLLATERAL * 1e6))) / 1_000_000n;

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

async function readStep(
  sys: System,
  markets: MarketInfo[],
  tick: Tick,
  states: Map<bigint, AccountStateData>,
  counters: { trades: number; liquidations: number; notional: bigint; capped: number },
  cumulative: { badDebt: bigint; insuranceDraw: bigint; poolWriteOff: bigint; unrecovered: bigint },
  prices: Map<bigint, bigint>,
): Promise<StepRecord> {
  const buckets = Object.fromEntries(MARGIN_BUCKETS.map((b) => [b, 0])) as Record<MarginBucket, number>;
  const ratios: number[] = [];
  let flat = 0;
  for (const s of states.values()) {
    if (s.maintenanceMargin === 0n) {
      flat++;
      continue;
    }
    const ratio = Number((s.equity * 1_000_000n) / BigInt(s.maintenanceMargin)) / 1e6;
    ratios.push(ratio);
    buckets[bucketOf(ratio)]++;
  }
  ratios.sort((a, b) => a - b);
  const q = (p: number) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
  const openInterest: Record<string, bigint> = {};
  const skew: Record<string, bigint> = {};
  for (const m of markets) {
    const view = await sys.lens.market(m.marketId);
    openInterest[m.symbol] = ((view.longOpenInterest + view.shortOpenInterest) * view.oraclePrice) / WAD;
    skew[m.symbol] = (view.skew * BigInt(view.oraclePrice)) / WAD;
  }
  return {
    step: tick.step,
    offset: tick.offset,
    prices: Object.fromEntries(markets.map((m) => [m.symbol, Number(prices.get(m.marketId) ?? 0n) / 1e18])),
    marginBuckets: buckets,
    flatAccounts: flat,
    marginQuantiles: ratios.length ? { p10: q(0.1), p50: q(0.5), p90: q(0.9) } : null,
    trades: counters.trades,
    liquidations: counters.liquidations,
    liquidatedNotional: counters.notional,
    capped: counters.capped,
    insurance: await sys.vault.insuranceBalance(),
    poolBalance: await sys.vault.poolBalance(),
    poolNav: await sys.pool.totalAssets(),
    badDebt: cumulative.badDebt,
    insuranceDraw: cumulative.insuranceDraw,
    poolWriteOff: cumulative.poolWriteOff,
    unrecovered: cumulative.unrecovered,
    lpNetDeposits: 0n,
    openInterest,
    skew,
  };
}

export function bucketOf(ratio: number): MarginBucket {
  if (ratio < 1) return "< 1 (liquidatable)";
  if (ratio < 1.5) return "1 – 1.5";
  if (ratio < 2) return "1.5 – 2";
  if (ratio < 3) return "2 – 3";
  if (ratio < 5) return "3 – 5";
  return "≥ 5";
}

async function checkConservation(
  sys: System,
  known: KnownAccount[],
  keeperAccount: bigint,
  flows: Flows,
  eventFlows: Flows,
  tokens: Map<string, TokenInfo>,
  tokenFlows: Map<string, TokenFlows>,
  eventTokenFlows: Map<string, TokenFlows>,
): Promise<Conservation> {
  const usdc = sys.addresses.usdc;
  const vaultTokenBalance = await sys.usdc.balanceOf(sys.addresses.vault);
  const totalAccountBalance = await sys.vault.totalAccountBalance(usdc);
  const poolBalance = await sys.vault.poolBalance();
  const insuranceBalance = await sys.vault.insuranceBalance();
  let sumOfKnownAccounts = 0n;
  for (const k of known) sumOfKnownAccounts += await sys.vault.balanceOf(k.accountId, usdc);
  const keeperBalance = await sys.vault.balanceOf(keeperAccount, usdc);
  sumOfKnownAccounts += keeperBalance;
  const netDeposits = netFlows(flows);
  const ledgerTotal = totalAccountBalance + poolBalance + insuranceBalance;
  const tolerance = 0n;
  const ledgerGap = vaultTokenBalance - ledgerTotal;
  const depositGap = netDeposits - ledgerTotal;
  const accountSumGap = totalAccountBalance - sumOfKnownAccounts;
  const flowsAgree = (Object.keys(flows) as (keyof Flows)[]).every((k) => flows[k] === eventFlows[k]);

  // Every collateral token: the Vault holds exactly what the accounts' ledgers say, which is what went in minus what
  // came out (withdrawals, and seizures by collateral liquidations).
  const tokenChecks: TokenConservation[] = [];
  for (const token of tokens.values()) {
    const vaultBalance = await token.contract.balanceOf(sys.addresses.vault);
    const total = await sys.vault.totalAccountBalance(token.address);
    let sum = 0n;
    for (const k of known) sum += await sys.vault.balanceOf(k.accountId, token.address);
    sum += await sys.vault.balanceOf(keeperAccount, token.address);
    const f = tokenFlows.get(token.symbol) ?? { deposited: 0n, withdrawn: 0n, seized: 0n };
    const e = eventTokenFlows.get(token.symbol) ?? { deposited: 0n, withdrawn: 0n, seized: 0n };
    const same = f.deposited === e.deposited && f.withdrawn === e.withdrawn && f.seized === e.seized;
    tokenChecks.push({
      symbol: token.symbol,
      decimals: token.decimals,
      vaultTokenBalance: vaultBalance,
      totalAccountBalance: total,
      sumOfKnownAccounts: sum,
      flows: { ...f },
      eventFlows: { ...e },
      ok:
        same &&
        vaultBalance === total &&
        total === sum &&
        vaultBalance === f.deposited - f.withdrawn - f.seized,
    });
  }

  // Zero-sum at marks: the traders' equity (without their collateral tokens, which are not settlement-token money),
  // the keeper's balance, the pool's value and the insurance fund.
  let equity = 0n;
  for (const k of known) {
    equity += (await sys.clearinghouse.accountState(k.accountId)).equity;
    const [, otherValue, hasOther] = await sys.vault.accountCollateral(k.accountId);
    if (hasOther) equity -= otherValue;
  }
  const [unrealized] = await sys.pool.poolExposure();
  // The pool's value nets the skew premium closing the skew would pay (DESIGN §11); at marks it is added back.
  let premium = 0n;
  const marketCount = Number(await sys.clearinghouse.marketCount());
  for (let marketId = 0; marketId < marketCount; marketId++) {
    const view = await sys.lens.market(marketId);
    const skewScale = (await sys.clearinghouse.marketConfig(marketId)).skew.skewScale;
    const s = view.skew < 0n ? -view.skew : view.skew;
    premium += ceilDiv(ceilDiv(s * s, 2n * skewScale) * view.oraclePrice, WAD);
  }
  const poolValue = poolBalance * TO_WAD + unrealized + premium;
  const markToMarketGapWad =
    equity + keeperBalance * TO_WAD + poolValue + insuranceBalance * TO_WAD - netDeposits * TO_WAD;

  const within = (x: bigint) => (x < 0n ? -x : x) <= tolerance;
  return {
    vaultTokenBalance,
    totalAccountBalance,
    sumOfKnownAccounts,
    poolBalance,
    insuranceBalance,
    flows: { ...flows },
    eventFlows: { ...eventFlows },
    netDeposits,
    ledgerTotal,
    ledgerGap,
    depositGap,
    accountSumGap,
    tolerance,
    tokens: tokenChecks,
    ok:
      within(ledgerGap) &&
      within(depositGap) &&
      within(accountSumGap) &&
      flowsAgree &&
      tokenChecks.every((t) => t.ok),
    markToMarketGapWad,
  };
}

/** ceil(a / b) for a >= 0, b > 0. */
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

function priceStats(ticks: TickRecord[], assets: AssetModel[]): Record<string, PriceStats> {
  const out: Record<string, PriceStats> = {};
  for (const a of assets) {
    const series = ticks.map((t) => ({ offset: t.offset, price: t.prices[a.symbol] }));
    if (series.length === 0) continue;
    let peak = series[0].price;
    let maxDrawdown = 0;
    let maxHourlyDrop = 0;
    let j = 0;
    for (let i = 0; i < series.length; i++) {
      const p = series[i].price;
      if (p > peak) peak = p;
      maxDrawdown = Math.max(maxDrawdown, 1 - p / peak);
      // The highest price within the hour before this tick.
      while (series[j].offset < series[i].offset - 3_600) j++;
      let hourPeak = 0;
      for (let k = j; k <= i; k++) hourPeak = Math.max(hourPeak, series[k].price);
      maxHourlyDrop = Math.max(maxHourlyDrop, 1 - p / hourPeak);
    }
    out[a.symbol] = {
      start: series[0].price,
      end: series[series.length - 1].price,
      min: Math.min(...series.map((s) => s.price)),
      max: Math.max(...series.map((s) => s.price)),
      maxDrawdown,
      maxHourlyDrop,
    };
  }
  return out;
}

/**
 * For static books: the collateral that would have carried each trader's first book through the run's prices without
 * a liquidation, in cross margin and isolated (see `KindBreakdown.collateralNeeded`). The books are read from the
 * first trades (step 0) of each trader's accounts.
 */
function collateralNeeded(
  traders: TraderAgent[],
  events: SimEvent[],
  ticks: TickRecord[],
  markets: MarketInfo[],
): { cross: bigint; isolated: bigint } {
  const mmf = new Map(markets.map((m) => [m.symbol, m.mmf]));
  const imf = new Map(markets.map((m) => [m.symbol, m.imf]));
  let cross = 0n;
  let isolated = 0n;
  for (const t of traders) {
    const ids = new Set(t.accounts.map((a) => ethers.toBeHex(a.accountId, 32)));
    // The legs as opened: size and entry notional per market, from the step-0 trades.
    const legs = new Map<string, { size: bigint; openNotional: bigint }>();
    for (const e of events) {
      if (e.type !== "trade" || e.step !== 0 || !ids.has(e.accountId)) continue;
      const leg = legs.get(e.market) ?? { size: 0n, openNotional: 0n };
      const size = ethers.parseUnits(e.size, 18);
      leg.size += size;
      leg.openNotional += (size * ethers.parseUnits(e.price, 18)) / WAD;
      legs.set(e.market, leg);
    }
    const book = [...legs.entries()];
    if (book.length === 0) continue;
    const requirement = (entries: typeof book): bigint => {
      let worst = 0n;
      for (const tick of ticks) {
        let mm = 0n;
        let pnl = 0n;
        for (const [symbol, leg] of entries) {
          const price = tick.priceWad[symbol];
          mm += (notionalOf(leg.size, price) * (mmf.get(symbol) as bigint)) / WAD;
          pnl += (leg.size * price) / WAD - leg.openNotional;
        }
        if (mm - pnl > worst) worst = mm - pnl;
      }
      // The initial margin at the entry prices.
      const initial = entries.reduce(
        (acc, [symbol, leg]) => acc + (abs(leg.openNotional) * (imf.get(symbol) as bigint)) / WAD,
        0n,
      );
      return worst > initial ? worst : initial;
    };
    cross += requirement(book);
    for (const leg of book) isolated += requirement([leg]);
  }
  return { cross, isolated };
}

/* ROW HELPERS */

function emptyRow(
  variant: string,
  step: number,
  time: number,
  log: Log,
  contract: "Clearinghouse" | "Vault",
): SimEvent {
  return {
    variant,
    step,
    time,
    block: log.blockNumber,
    logIndex: log.index,
    txHash: log.transactionHash,
    type: "trade",
    contract,
    accountId: "",
    agent: "",
    subaccount: "",
    market: "",
    size: "",
    price: "",
    notionalUsd: "",
    feeUsd: "",
    realizedPnlUsd: "",
    fundingUsd: "",
    accountDeltaUsdc: "",
    penaltyUsdc: "",
    keeperRewardUsdc: "",
    badDebtUsdc: "",
    insuranceDrawUsdc: "",
    poolWriteOffUsdc: "",
    unrecoveredUsdc: "",
    amountUsdc: "",
    token: "",
    tokenAmount: "",
    fraction: "",
    equityBeforeUsd: "",
    maintenanceMarginBeforeUsd: "",
  };
}

/** An exact decimal string of a fixed-point value, without trailing zeros (`1.5`, `-0.000001`, `3000`). */
export function fmt(value: bigint, decimals: number): string {
  const s = ethers.formatUnits(value, decimals);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const sumUnits = (values: string[]): bigint =>
  values.reduce((acc, v) => acc + (v ? ethers.parseUnits(v, 6) : 0n), 0n);
const sumWad = (values: string[]): bigint =>
  values.reduce((acc, v) => acc + (v ? ethers.parseUnits(v, 18) : 0n), 0n);
