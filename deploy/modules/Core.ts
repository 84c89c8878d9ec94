/**
 * The Keel core system as a reusable piece of an Ignition module: PriceOracle, Vault, Clearinghouse and
 * LiquidityPool wired together, feeds, collateral and markets listed. Every value is an Ignition argument, so the same
 * builder serves the local stack (mock tokens and feeds, literal values from deploy/config.ts) and the production
 * modules (real addresses and numbers from `m.getParameter`, deploy/parameters/*.json).
 *
 * Ignition modules are static graphs: what varies between deployments is values, not the number of feeds, collateral
 * tokens or markets, which the caller fixes by the arrays it passes.
 */
import { ethers } from "ethers";
import type {
  AccountRuntimeValue,
  ArgumentType,
  ContractFuture,
  Future,
  IgnitionModuleBuilder,
  NamedArtifactContractDeploymentFuture,
} from "@nomicfoundation/ignition-core";
import { assetKey } from "../config";

/** AccessControl roles (contracts/libraries/Roles.sol). */
export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const GUARDIAN = ethers.id("GUARDIAN");
export const ORDER = ethers.id("ORDER");

export interface FeedSetup {
  /** Oracle key (`"ETH"`), also the future id suffix (`setFeedETH`). */
  symbol: string;
  feed: ArgumentType;
  heartbeat: ArgumentType;
  minPrice: ArgumentType;
  maxPrice: ArgumentType;
}

export interface CollateralSetup {
  /** Future id suffix (`setCollateralWETH`). */
  symbol: string;
  token: ArgumentType;
  /** Oracle key of the token's price (bytes32). */
  asset: ArgumentType;
  weight: ArgumentType;
  liquidationDiscount: ArgumentType;
  depositCap: ArgumentType;
}

export interface MarketSetup {
  /** Future id suffix (`addMarketETH`). */
  symbol: string;
  /** `IClearinghouse.MarketParams`. */
  params: ArgumentType;
  /**
   * `Clearinghouse.setImmediateTrades(id, true)` after listing: `trade` fills at once at the latest answer (the
   * local stack). Off when omitted (real networks): the market trades through orders only (DESIGN §21).
   */
  immediateTrades?: boolean;
}

export interface CoreConfig {
  /** Receives every role of every contract at construction (the deployer). */
  admin: AccountRuntimeValue;
  /** Sender of the setup calls; Ignition's default sender when omitted. */
  from?: AccountRuntimeValue;
  settlementToken: ArgumentType;
  /** `IClearinghouse.RiskParams`. */
  risk: ArgumentType;
  withdrawalDelay: ArgumentType;
  withdrawalWindow: ArgumentType;
  feeds: FeedSetup[];
  /** The L2 sequencer uptime feed and its grace period; left unset (no check) when omitted. */
  sequencer?: { feed: ArgumentType; gracePeriod: ArgumentType };
  /** `PriceOracle.setStalenessBuffer`: seconds on top of every heartbeat (DESIGN §5); 0 when omitted. */
  stalenessBuffer?: ArgumentType;
  /** Collateral tokens, listed in this order (their index in the Vault). */
  collaterals: CollateralSetup[];
  /** `Vault.setMaxCollateralsPerAccount`; the constructor's default (4) when omitted. */
  maxCollateralsPerAccount?: ArgumentType;
  /** Markets, listed in this order: the first gets id 0. */
  markets: MarketSetup[];
  /** `OrderBook` parameters (DESIGN §21): settlement fee (settlement-token units), minimum delay, maximum lifetime. */
  orders: { settlementFee: ArgumentType; minDelay: ArgumentType; maxLifetime: ArgumentType };
}

export interface Core {
  oracle: NamedArtifactContractDeploymentFuture<"PriceOracle">;
  vault: NamedArtifactContractDeploymentFuture<"Vault">;
  clearinghouse: NamedArtifactContractDeploymentFuture<"Clearinghouse">;
  /** Read-only periphery over the Clearinghouse: the keeper, the tasks, the simulation and apps read through it. */
  lens: NamedArtifactContractDeploymentFuture<"ClearinghouseLens">;
  pool: NamedArtifactContractDeploymentFuture<"LiquidityPool">;
  /** Two-step orders (DESIGN §21), holding the Clearinghouse's ORDER role; the PriceOracle is its price source. */
  orderBook: NamedArtifactContractDeploymentFuture<"OrderBook">;
  /** Every configuration call: anything that must happen after the system is set up waits for these. */
  setup: Future[];
}

/** Deploys and configures the core system; the `admin` account holds every role afterwards. */
export function buildCore(m: IgnitionModuleBuilder, c: CoreConfig): Core {
  const from = c.from === undefined ? {} : { from: c.from };
  const oracle = m.contract("PriceOracle", [c.admin], from);

  const feedSet: Future[] = [];
  for (const f of c.feeds) {
    feedSet.push(
      m.call(oracle, "setFeed", [assetKey(f.symbol), f.feed, f.heartbeat, f.minPrice, f.maxPrice], {
        id: `setFeed${f.symbol}`,
        ...from,
      }),
    );
  }
  const setup: Future[] = [...feedSet];
  if (c.stalenessBuffer !== undefined) {
    setup.push(
      m.call(oracle, "setStalenessBuffer", [c.stalenessBuffer], { id: "setStalenessBuffer", ...from }),
    );
  }
  if (c.sequencer !== undefined) {
    setup.push(
      m.call(oracle, "setSequencerUptimeFeed", [c.sequencer.feed, c.sequencer.gracePeriod], {
        id: "setSequencerUptimeFeed",
        ...from,
      }),
    );
  }

  const vault = m.contract("Vault", [c.admin, c.settlementToken, oracle], from);
  // The Clearinghouse's linked logic libraries: they run by DELEGATECALL in its context (DESIGN §2).
  const liquidationLogic = m.library("LiquidationLogic", from);
  const configLogic = m.library("ConfigLogic", from);
  const deleverageLogic = m.library("DeleverageLogic", from);
  const clearinghouse = m.contract("Clearinghouse", [c.admin, vault, oracle, c.risk], {
    ...from,
    libraries: {
      LiquidationLogic: liquidationLogic,
      ConfigLogic: configLogic,
      DeleverageLogic: deleverageLogic,
    },
  });
  const lens = m.contract("ClearinghouseLens", [clearinghouse], from);
  const pool = m.contract(
    "LiquidityPool",
    [c.admin, vault, clearinghouse, c.withdrawalDelay, c.withdrawalWindow],
    from,
  );
  setup.push(m.call(vault, "initialize", [clearinghouse, pool], from));
  const orderBook = m.contract(
    "OrderBook",
    [c.admin, clearinghouse, oracle, c.orders.settlementFee, c.orders.minDelay, c.orders.maxLifetime],
    from,
  );
  setup.push(m.call(clearinghouse, "grantRole", [ORDER, orderBook], { id: "grantOrderRole", ...from }));
  if (c.maxCollateralsPerAccount !== undefined) {
    setup.push(
      m.call(vault, "setMaxCollateralsPerAccount", [c.maxCollateralsPerAccount], {
        id: "setMaxCollateralsPerAccount",
        ...from,
      }),
    );
  }

  // Listed one after the other, so the collateral indices and the market ids follow the order given.
  let previous: Future[] = feedSet;
  for (const t of c.collaterals) {
    const listed = m.call(
      vault,
      "setCollateral",
      [t.token, t.asset, t.weight, t.liquidationDiscount, t.depositCap],
      {
        id: `setCollateral${t.symbol}`,
        after: previous,
        ...from,
      },
    );
    setup.push(listed);
    previous = [listed];
  }
  previous = feedSet;
  c.markets.forEach((market, marketId) => {
    const added = m.call(clearinghouse, "addMarket", [market.params], {
      id: `addMarket${market.symbol}`,
      after: previous,
      ...from,
    });
    setup.push(added);
    previous = [added];
    if (market.immediateTrades === true) {
      setup.push(
        m.call(clearinghouse, "setImmediateTrades", [marketId, true], {
          id: `setImmediateTrades${market.symbol}`,
          after: [added],
          ...from,
        }),
      );
    }
  });

  return { oracle, vault, clearinghouse, lens, pool, orderBook, setup };
}

export interface Handover {
  /** New holder of DEFAULT_ADMIN_ROLE and RISK_ADMIN on every contract. */
  timelock: ContractFuture<string>;
  /** New holder of GUARDIAN on the Clearinghouse and the LiquidityPool. */
  guardian: ArgumentType;
  /** The deployer, who renounces every role it holds once the others are granted. */
  deployer: AccountRuntimeValue;
}

/**
 * Hands every role over after the setup: DEFAULT_ADMIN_ROLE and RISK_ADMIN to the timelock, GUARDIAN to the guardian,
 * then the deployer renounces each role it received at construction, DEFAULT_ADMIN_ROLE last. Returns the renounces.
 */
export function handOverRoles(m: IgnitionModuleBuilder, core: Core, h: Handover): Future[] {
  const from = { from: h.deployer };
  const contracts = [
    { name: "PriceOracle", future: core.oracle, guardian: false },
    { name: "Vault", future: core.vault, guardian: false },
    { name: "Clearinghouse", future: core.clearinghouse, guardian: true },
    { name: "LiquidityPool", future: core.pool, guardian: true },
    { name: "OrderBook", future: core.orderBook, guardian: false },
  ];
  const grants: Future[] = [];
  for (const c of contracts) {
    const after = { after: core.setup, ...from };
    grants.push(
      m.call(c.future, "grantRole", [DEFAULT_ADMIN_ROLE, h.timelock], {
        id: `${c.name}_grantAdmin`,
        ...after,
      }),
    );
    grants.push(
      m.call(c.future, "grantRole", [RISK_ADMIN, h.timelock], { id: `${c.name}_grantRiskAdmin`, ...after }),
    );
    if (c.guardian) {
      grants.push(
        m.call(c.future, "grantRole", [GUARDIAN, h.guardian], { id: `${c.name}_grantGuardian`, ...after }),
      );
    }
  }
  const renounces: Future[] = [];
  for (const c of contracts) {
    const after = { after: [...core.setup, ...grants], ...from };
    const roles: [string, string][] = [["RiskAdmin", RISK_ADMIN]];
    if (c.guardian) roles.push(["Guardian", GUARDIAN]);
    const others = roles.map(([label, role]) =>
      m.call(c.future, "renounceRole", [role, h.deployer], { id: `${c.name}_renounce${label}`, ...after }),
    );
    renounces.push(...others);
    renounces.push(
      m.call(c.future, "renounceRole", [DEFAULT_ADMIN_ROLE, h.deployer], {
        id: `${c.name}_renounceAdmin`,
        after: [...core.setup, ...grants, ...others],
        from: h.deployer,
      }),
    );
  }
  return renounces;
}
