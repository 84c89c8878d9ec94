/**
 * Event decoding: after every tick, the Clearinghouse's and the Vault's logs of the blocks mined since the last read
 * become rows of events.csv (`SimEvent`), the running bad-debt totals, the flows as the Vault's events tell them (for
 * the conservation check) and the net notional liquidations sold per asset (which moves the next prices).
 */
import { ethers } from "ethers";
import type { Log } from "ethers";
import type {
  LiquidatedEvent,
  PositionLiquidatedEvent,
  TradeExecutedEvent,
} from "../../../typechain-types/contracts/Clearinghouse";
import type {
  BadDebtSettledEvent,
  CollateralLiquidatedEvent,
  DepositedEvent,
  InsuranceFundedEvent,
  PoolDefundedEvent,
  PoolFundedEvent,
  WithdrawnEvent,
} from "../../../typechain-types/contracts/Vault";
import { notionalOf } from "../agents/env";
import type { SimEvent, SimEventType } from "../types";
import { WAD, fmt } from "../units";
import { emptyFlows, emptyTokenFlows } from "../world";
import type { Flows, TokenFlows } from "../world";
import { orderEventRow } from "./orderEvents";
import type { World } from "./setup";

/** Bad debt settled so far (settlement units). */
export interface BadDebtTotals {
  badDebt: bigint;
  insuranceDraw: bigint;
  poolWriteOff: bigint;
  unrecovered: bigint;
}

/** Liquidations counted since the counters were last reset. */
export interface LiquidationCounters {
  liquidations: number;
  notional: bigint;
}

/** A decoded log: its row, and for a liquidation the notional it closed or the signed USD a closed position sold. */
interface Decoded {
  row: SimEvent;
  notional?: bigint;
  sold?: { symbol: string; usd: number };
}

/** The events the recorder reads, each with its arguments as the contracts' ABI (typechain) names them. */
type ProtocolEvent =
  | { name: "TradeExecuted"; args: TradeExecutedEvent.OutputObject }
  | { name: "Liquidated"; args: LiquidatedEvent.OutputObject }
  | { name: "PositionLiquidated"; args: PositionLiquidatedEvent.OutputObject }
  | { name: "BadDebtSettled"; args: BadDebtSettledEvent.OutputObject }
  | { name: "CollateralLiquidated"; args: CollateralLiquidatedEvent.OutputObject }
  | { name: "Deposited"; args: DepositedEvent.OutputObject }
  | { name: "Withdrawn"; args: WithdrawnEvent.OutputObject }
  | { name: "PoolFunded"; args: PoolFundedEvent.OutputObject }
  | { name: "PoolDefunded"; args: PoolDefundedEvent.OutputObject }
  | { name: "InsuranceFunded"; args: InsuranceFundedEvent.OutputObject };

/**
 * A parsed log as a `ProtocolEvent`. The cast is the ABI boundary: `parseLog` decoded the arguments with the
 * emitting contract's ABI, so for these names they have the fields typechain generated from that ABI; any other
 * event name falls through the switches below.
 */
function asProtocolEvent(parsed: ethers.LogDescription): ProtocolEvent {
  return { name: parsed.name, args: parsed.args } as unknown as ProtocolEvent;
}

export class EventRecorder {
  readonly events: SimEvent[] = [];
  /** The flows summed from the Vault's events. */
  readonly eventFlows: Flows = emptyFlows();
  readonly eventTokenFlows: Map<string, TokenFlows>;
  readonly cumulative: BadDebtTotals = { badDebt: 0n, insuranceDraw: 0n, poolWriteOff: 0n, unrecovered: 0n };
  /** Per step: trades and liquidations (reset by the loop at the end of each step). */
  step = { trades: 0, liquidations: 0, notional: 0n };
  /** Per tick (reset by the loop before each keeper round). */
  tick: LiquidationCounters = { liquidations: 0, notional: 0n };
  private logsFrom: number;

  constructor(private readonly world: World) {
    this.logsFrom = world.firstBlock;
    this.eventTokenFlows = new Map([...world.tokens.keys()].map((k) => [k, emptyTokenFlows()]));
  }

  /** Reads the protocol events of the blocks mined since the last read; returns the USD sold per asset symbol. */
  async collect(step: number): Promise<Record<string, number>> {
    const { sys, input, clock, firstTick } = this.world;
    const provider = input.hre.ethers.provider;
    const to = await provider.getBlockNumber();
    const sold: Record<string, number> = {};
    if (to < this.logsFrom) return sold;
    const logs = await provider.getLogs({
      address: [sys.addresses.clearinghouse, sys.addresses.vault, sys.addresses.orderBook],
      fromBlock: this.logsFrom,
      toBlock: to,
    });
    const times = new Map<number, number>();
    for (const log of logs) {
      if (!times.has(log.blockNumber)) {
        const block = await provider.getBlock(log.blockNumber);
        times.set(log.blockNumber, (block?.timestamp ?? clock.start) - firstTick);
      }
      const e = this.decode(log, step, times.get(log.blockNumber) as number);
      if (!e) continue;
      this.events.push(e.row);
      if (e.row.type === "trade") this.step.trades++;
      if (e.row.type === "liquidation") {
        this.step.liquidations++;
        this.step.notional += e.notional ?? 0n;
        this.tick.liquidations++;
        this.tick.notional += e.notional ?? 0n;
      }
      if (e.sold) sold[e.sold.symbol] = (sold[e.sold.symbol] ?? 0) + e.sold.usd;
    }
    this.logsFrom = to + 1;
    return sold;
  }

  private decode(log: Log, step: number, time: number): Decoded | undefined {
    const { sys, input } = this.world;
    const address = log.address.toLowerCase();
    if (address === sys.addresses.orderBook.toLowerCase()) {
      const base = emptyRow(input.variant.key, step, time, log, "OrderBook");
      const row = orderEventRow(
        sys,
        log,
        base,
        (id) => this.account(id),
        (m) => this.market(m),
        (a) => this.world.addressLabel.get(a.toLowerCase()) ?? a,
      );
      return row ? { row } : undefined;
    }
    const isClearinghouse = address === sys.addresses.clearinghouse.toLowerCase();
    const iface = isClearinghouse ? sys.clearinghouse.interface : sys.vault.interface;
    let parsed: ethers.LogDescription | null = null;
    try {
      parsed = iface.parseLog(log);
    } catch {
      parsed = null;
    }
    if (!parsed) return undefined;
    const base = emptyRow(input.variant.key, step, time, log, isClearinghouse ? "Clearinghouse" : "Vault");
    const e = asProtocolEvent(parsed);
    return this.tradingEvent(e, base) ?? this.vaultEvent(e, base);
  }

  /** The account columns of a row: id, whose it is, subaccount. */
  private account(id: bigint) {
    return {
      accountId: ethers.toBeHex(id, 32),
      agent: this.world.labelOf.get(id) ?? "",
      subaccount: (id & ((1n << 96n) - 1n)).toString(),
    };
  }

  private market(marketId: bigint): string {
    return this.world.symbolOf.get(marketId) ?? String(marketId);
  }

  /** Trades, liquidations and bad-debt settlements (the Clearinghouse's events). */
  private tradingEvent(e: ProtocolEvent, base: SimEvent): Decoded | undefined {
    switch (e.name) {
      case "TradeExecuted": {
        const a = e.args;
        return {
          row: {
            ...base,
            type: "trade",
            ...this.account(a.accountId),
            market: this.market(a.marketId),
            size: fmt(a.sizeDelta, 18),
            price: fmt(a.fillPrice, 18),
            notionalUsd: fmt(notionalOf(a.sizeDelta, a.fillPrice), 18),
            feeUsd: fmt(a.fee, 18),
            realizedPnlUsd: fmt(a.realizedPnl, 18),
            fundingUsd: fmt(a.fundingPaid, 18),
            accountDeltaUsdc: fmt(a.accountDelta, 6),
          },
        };
      }
      case "Liquidated": {
        const a = e.args;
        return {
          row: {
            ...base,
            type: "liquidation",
            ...this.account(a.accountId),
            notionalUsd: fmt(a.notionalClosed, 18),
            penaltyUsdc: fmt(a.penalty, 6),
            keeperRewardUsdc: fmt(a.keeperReward, 6),
            feeRecipient: this.world.addressLabel.get(a.keeper.toLowerCase()) ?? a.keeper,
            fraction: fmt(a.fraction, 18),
            equityBeforeUsd: fmt(a.equityBefore, 18),
            maintenanceMarginBeforeUsd: fmt(a.maintenanceMarginBefore, 18),
          },
          notional: a.notionalClosed,
        };
      }
      case "PositionLiquidated": {
        const a = e.args;
        const size = a.sizeClosed;
        const symbol = this.market(a.marketId);
        const signedUsd = Number((size * a.price) / WAD / 10n ** 12n) / 1e6;
        return {
          row: {
            ...base,
            type: "position_liquidated",
            ...this.account(a.accountId),
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
      case "BadDebtSettled": {
        const a = e.args;
        this.cumulative.badDebt += a.badDebt;
        this.cumulative.insuranceDraw += a.insuranceDraw;
        this.cumulative.poolWriteOff += a.poolWriteOff;
        this.cumulative.unrecovered += a.unrecovered;
        return {
          row: {
            ...base,
            type: "bad_debt",
            ...this.account(a.accountId),
            badDebtUsdc: fmt(a.badDebt, 6),
            insuranceDrawUsdc: fmt(a.insuranceDraw, 6),
            poolWriteOffUsdc: fmt(a.poolWriteOff, 6),
            unrecoveredUsdc: fmt(a.unrecovered, 6),
          },
        };
      }
      default:
        return undefined;
    }
  }

  /** Money in and out of the Vault: collateral liquidations, deposits, withdrawals, pool and insurance flows. */
  private vaultEvent(e: ProtocolEvent, base: SimEvent): Decoded | undefined {
    const { sys, tokenByAddress, addressLabel } = this.world;
    const flows = this.eventFlows;
    const party = (address: string) => addressLabel.get(address.toLowerCase()) ?? address;
    const usdcRow = (type: SimEventType, agent: string, amount: bigint) => ({
      row: { ...base, type, agent, amountUsdc: fmt(amount, 6) },
    });
    switch (e.name) {
      case "CollateralLiquidated": {
        const a = e.args;
        const token = tokenByAddress.get(a.token.toLowerCase());
        flows.keeperRepayments += a.repaid;
        if (token) (this.eventTokenFlows.get(token.symbol) as TokenFlows).seized += a.seized;
        return {
          row: {
            ...base,
            type: "collateral_liquidation",
            ...this.account(a.accountId),
            amountUsdc: fmt(a.repaid, 6),
            token: token?.symbol ?? a.token,
            tokenAmount: token ? fmt(a.seized, token.decimals) : String(a.seized),
            price: fmt(a.price, 18),
          },
        };
      }
      case "Deposited":
      case "Withdrawn": {
        const a = e.args;
        const deposit = e.name === "Deposited";
        const type = deposit ? "deposit" : "withdrawal";
        if (a.token.toLowerCase() === sys.addresses.usdc.toLowerCase()) {
          if (deposit) flows.traderDeposits += a.amount;
          else flows.traderWithdrawals += a.amount;
          return { row: { ...base, type, ...this.account(a.accountId), amountUsdc: fmt(a.amount, 6) } };
        }
        const token = tokenByAddress.get(a.token.toLowerCase());
        if (!token) return undefined;
        const f = this.eventTokenFlows.get(token.symbol) as TokenFlows;
        if (deposit) f.deposited += a.amount;
        else f.withdrawn += a.amount;
        return {
          row: {
            ...base,
            type,
            ...this.account(a.accountId),
            token: token.symbol,
            tokenAmount: fmt(a.amount, token.decimals),
          },
        };
      }
      case "PoolFunded":
        flows.lpDeposits += e.args.amount;
        return usdcRow("pool_deposit", party(e.args.from), e.args.amount);
      case "PoolDefunded":
        flows.lpRedemptions += e.args.amount;
        return usdcRow("pool_redemption", party(e.args.to), e.args.amount);
      case "InsuranceFunded":
        flows.insuranceFunding += e.args.amount;
        return usdcRow("insurance_funding", party(e.args.from), e.args.amount);
      default:
        return undefined;
    }
  }
}

/** A row with every column empty but where the log is. */
function emptyRow(
  variant: string,
  step: number,
  time: number,
  log: Log,
  contract: SimEvent["contract"],
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
    feeRecipient: "",
    reason: "",
  };
}
