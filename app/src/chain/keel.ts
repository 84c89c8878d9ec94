/**
 * The deployment as typed contracts on the wallet's provider, and what does not change while the app runs: the
 * settlement token, the listed collateral, the markets and the order parameters.
 */
import { ethers } from "ethers";
import type { ContractRunner, Interface } from "ethers";
import {
  IClearinghouseLens__factory,
  IClearinghouse__factory,
  IERC20Metadata__factory,
  ILiquidityPool__factory,
  IOrderBook__factory,
  IPriceOracle__factory,
  IVault__factory,
} from "../../../typechain-types";
import { ERROR_INTERFACES } from "../../../scripts/tasks/frame/interfaces";
import type { UnitContext } from "../../../scripts/common/errors";
import type { KeelAddresses } from "./deployment";

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
  /** Oracle asset key and haircut weight (WAD) of a non-settlement collateral. */
  asset?: string;
  weight?: bigint;
}

export interface MarketInfo {
  id: bigint;
  /** `ETH` */
  symbol: string;
  asset: string;
  imf: bigint;
  mmf: bigint;
  skewScale: bigint;
  maxOpenInterest: bigint;
  minPositionNotional: bigint;
}

export function connectContracts(addresses: KeelAddresses, runner: ContractRunner) {
  return {
    lens: IClearinghouseLens__factory.connect(addresses.lens, runner),
    clearinghouse: IClearinghouse__factory.connect(addresses.clearinghouse, runner),
    vault: IVault__factory.connect(addresses.vault, runner),
    pool: ILiquidityPool__factory.connect(addresses.pool, runner),
    orderBook: IOrderBook__factory.connect(addresses.orderBook, runner),
    oracle: IPriceOracle__factory.connect(addresses.oracle, runner),
    token: (address: string) => IERC20Metadata__factory.connect(address, runner),
  };
}
export type KeelContracts = ReturnType<typeof connectContracts>;

export interface Keel extends KeelContracts {
  addresses: KeelAddresses;
  settlement: TokenInfo;
  collaterals: TokenInfo[];
  markets: MarketInfo[];
  orderParams: { settlementFee: bigint; minDelay: bigint; maxLifetime: bigint };
  /** Pool shares' decimals (settlement decimals + the pool's offset). */
  shareDecimals: number;
  interfaces: readonly Interface[];
  units: UnitContext;
}

/** Reads the static part of the deployment; fails with one line when no contract is at the Clearinghouse. */
export async function loadKeel(
  addresses: KeelAddresses,
  runner: ContractRunner & { provider: ethers.Provider | null },
) {
  const provider = runner.provider;
  if (provider && (await provider.getCode(addresses.clearinghouse)) === "0x") {
    throw new Error(
      `No contract at the Clearinghouse ${addresses.clearinghouse} of deployment "${addresses.deploymentId}": ` +
        "is the wallet on the node it was deployed to (a restarted hardhat node forgets it)?",
    );
  }
  const c = connectContracts(addresses, runner);
  const tokenInfo = async (address: string): Promise<TokenInfo> => {
    const t = c.token(address);
    return { address, symbol: await t.symbol(), decimals: Number(await t.decimals()) };
  };
  const settlement = await tokenInfo(await c.vault.settlementToken());
  const collaterals = await Promise.all(
    (await c.vault.collateralTokens()).map(async (address) => {
      const config = await c.vault.collateralConfig(address);
      return { ...(await tokenInfo(address)), asset: config.asset, weight: config.weight };
    }),
  );
  const count = Number(await c.lens.marketCount());
  const markets = await Promise.all(
    Array.from({ length: count }, async (_, i): Promise<MarketInfo> => {
      const p = await c.lens.marketParams(i);
      return {
        id: BigInt(i),
        symbol: ethers.decodeBytes32String(p.asset),
        asset: p.asset,
        imf: p.imf,
        mmf: p.mmf,
        skewScale: p.skewScale,
        maxOpenInterest: p.maxOpenInterest,
        minPositionNotional: p.minPositionNotional,
      };
    }),
  );
  const [settlementFee, minDelay, maxLifetime] = await c.orderBook.params();
  const shareDecimals = Number(await c.pool.decimals());
  const tokens = new Map([settlement, ...collaterals].map((t) => [t.address.toLowerCase(), t]));
  const keel: Keel = {
    ...c,
    addresses,
    settlement,
    collaterals,
    markets,
    orderParams: { settlementFee, minDelay, maxLifetime },
    shareDecimals,
    interfaces: ERROR_INTERFACES,
    units: { settlement, tokens, shareDecimals },
  };
  return keel;
}
