/**
 * What every part of the keeper reads through: the contracts connected to the keeper's signer, the RPC with bounded
 * retries, revert decoding, the logger, the counters, and a few values read once (addresses, the settlement token,
 * the oracle, token symbols). No decisions here.
 */
import type { Interface, Provider, Signer } from "ethers";
import { ERC20__factory, IOrderPriceSource__factory, IPriceOracle__factory } from "../../typechain-types";
import type { Clearinghouse, ERC20, IPriceOracle, OrderBook, Vault } from "../../typechain-types";
import { decodeRevert, errorMessage, formatRevert } from "../common/errors";
import { sleep as defaultSleep, withRetry } from "../common/retry";
import type { DecodedRevert } from "../common/errors";
import type { KeeperLogger, LogFields, LogLevel } from "./log";
import { silentLogger } from "./log";
import type { KeeperConfig, ResolvedKeeperOptions } from "./options";
import { splitAccountId } from "./tracker";
import type { KeeperStats } from "./types";

export interface SettlementToken {
  token: ERC20;
  address: string;
  decimals: number;
  symbol: string;
}

export class KeeperChain {
  readonly provider: Provider;
  readonly signer: Signer;
  readonly clearinghouse: Clearinghouse;
  readonly vault: Vault;
  /** The OrderBook, when the keeper was given one (the order pass needs it). */
  readonly orderBook: OrderBook | undefined;
  readonly interfaces: Interface[];
  readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: KeeperLogger;
  private address: string | undefined;
  private vaultAddr: string | undefined;
  private clearinghouseAddr: string | undefined;
  private settlement: Promise<SettlementToken> | undefined;
  private oracleContract: IPriceOracle | undefined;
  private readonly symbols = new Map<string, Promise<string>>();

  constructor(
    config: KeeperConfig,
    readonly options: ResolvedKeeperOptions,
    readonly stats: KeeperStats,
  ) {
    if (!config.signer.provider) throw new Error("the keeper's signer is not connected to a provider");
    this.signer = config.signer;
    this.provider = config.signer.provider;
    this.clearinghouse = config.clearinghouse.connect(config.signer);
    this.vault = config.vault.connect(config.signer);
    this.orderBook = config.orderBook?.connect(config.signer);
    this.logger = config.logger ?? silentLogger;
    this.sleep = config.sleep ?? defaultSleep;
    this.interfaces = [
      config.clearinghouse.interface,
      config.vault.interface,
      ERC20__factory.createInterface(),
      IPriceOracle__factory.createInterface(),
      IOrderPriceSource__factory.createInterface(),
      ...(config.orderBook ? [config.orderBook.interface] : []),
      ...(config.errorInterfaces ?? []),
    ];
  }

  /** The keeper's address (rewards go to its subaccount 0). */
  async keeperAddress(): Promise<string> {
    this.address ??= await this.signer.getAddress();
    return this.address;
  }

  /** Whether `address` is the keeper's own. */
  async isKeeper(address: string): Promise<boolean> {
    return address.toLowerCase() === (await this.keeperAddress()).toLowerCase();
  }

  async vaultAddress(): Promise<string> {
    this.vaultAddr ??= await this.vault.getAddress();
    return this.vaultAddr;
  }

  async clearinghouseAddress(): Promise<string> {
    this.clearinghouseAddr ??= await this.clearinghouse.getAddress();
    return this.clearinghouseAddr;
  }

  /** The settlement token (USDC) connected to the keeper's signer, with its decimals and symbol (read once). */
  settlementToken(): Promise<SettlementToken> {
    this.settlement ??= (async () => {
      const address = await this.rpc(() => this.vault.settlementToken());
      const token = ERC20__factory.connect(address, this.signer);
      const [decimals, symbol] = await Promise.all([
        this.rpc(() => this.vault.settlementDecimals()),
        this.rpc(() => token.symbol()).catch(() => "settlement token"),
      ]);
      return { token, address, decimals: Number(decimals), symbol };
    })();
    this.settlement.catch(() => (this.settlement = undefined));
    return this.settlement;
  }

  async oracle(): Promise<IPriceOracle> {
    this.oracleContract ??= IPriceOracle__factory.connect(
      await this.rpc(() => this.vault.oracle()),
      this.provider,
    );
    return this.oracleContract;
  }

  /** An ERC-20's symbol (read once per token). */
  symbol(token: string): Promise<string> {
    const key = token.toLowerCase();
    let symbol = this.symbols.get(key);
    if (!symbol) {
      symbol = this.rpc(() => ERC20__factory.connect(token, this.provider).symbol());
      symbol.catch(() => this.symbols.delete(key));
      this.symbols.set(key, symbol);
    }
    return symbol;
  }

  latestBlock(): Promise<number> {
    return this.rpc(() => this.provider.getBlockNumber());
  }

  /** An RPC call with bounded retries on transient failures. */
  rpc<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, {
      attempts: this.options.maxAttempts,
      baseDelayMs: this.options.retryBaseDelayMs,
      sleep: this.sleep,
      onRetry: (err, attempt, delayMs) => {
        this.stats.rpcRetries++;
        this.log("warn", "rpc_retry", { attempt, delayMs, error: errorMessage(err) });
      },
    });
  }

  decode(err: unknown): DecodedRevert | undefined {
    return decodeRevert(err, this.interfaces);
  }

  /** An error as one line: the decoded revert when there is one, else the message. */
  describe(err: unknown): string {
    const revert = this.decode(err);
    return revert ? formatRevert(revert) : errorMessage(err);
  }

  log(level: LogLevel, event: string, fields: LogFields): void {
    this.logger.log(level, event, fields);
  }
}

/** `{ owner, subaccount }` of an account id, for log lines. */
export const accountFields = (accountId: bigint): { owner: string; subaccount: bigint } =>
  splitAccountId(accountId);
