import { ethers, ignition } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import LocalStack from "../../deploy/modules/LocalStack";
import type {
  Clearinghouse,
  ClearinghouseLens,
  LiquidityPool,
  MockERC20,
  MockV3Aggregator,
  PriceOracle,
  Vault,
} from "../../typechain-types";
import { accountIdOf } from "../../scripts/common/accounts";

export const ETH = 0n;
export const BTC = 1n;
export const USDC = (amount: string | number): bigint => ethers.parseUnits(String(amount), 6);
export const WAD = (amount: string | number): bigint => ethers.parseUnits(String(amount), 18);
/** A Chainlink 8-decimal answer. */
export const FEED = (amount: string | number): bigint => ethers.parseUnits(String(amount), 8);

export interface System {
  usdc: MockERC20;
  weth: MockERC20;
  wbtc: MockERC20;
  oracle: PriceOracle;
  vault: Vault;
  clearinghouse: Clearinghouse;
  /** The read-only periphery: `positions`, `market`, `marketState`, `marketParams`, `riskParams`, and forwarded views. */
  lens: ClearinghouseLens;
  pool: LiquidityPool;
  ethFeed: MockV3Aggregator;
  btcFeed: MockV3Aggregator;
  admin: HardhatEthersSigner;
  signers: HardhatEthersSigner[];
}

/** The local stack deployed through its Ignition module, as typed contracts. */
export async function deployFixture(): Promise<System> {
  const deployed = await ignition.deploy(LocalStack);
  const signers = await ethers.getSigners();
  const at = async <T>(name: string, contract: { getAddress(): Promise<string> }) =>
    (await ethers.getContractAt(name, await contract.getAddress())) as unknown as T;
  return {
    usdc: await at<MockERC20>("MockERC20", deployed.usdc),
    weth: await at<MockERC20>("MockERC20", deployed.weth),
    wbtc: await at<MockERC20>("MockERC20", deployed.wbtc),
    oracle: await at<PriceOracle>("PriceOracle", deployed.oracle),
    vault: await at<Vault>("Vault", deployed.vault),
    clearinghouse: await at<Clearinghouse>("Clearinghouse", deployed.clearinghouse),
    lens: await at<ClearinghouseLens>("ClearinghouseLens", deployed.lens),
    pool: await at<LiquidityPool>("LiquidityPool", deployed.pool),
    ethFeed: await at<MockV3Aggregator>("MockV3Aggregator", deployed.ethFeed),
    btcFeed: await at<MockV3Aggregator>("MockV3Aggregator", deployed.btcFeed),
    admin: signers[0],
    signers,
  };
}

/** LP capital in the pool at the start of the funded fixture. */
export const POOL_LIQUIDITY = USDC(1_000_000);
/** Collateral each trader deposits into subaccount 0 in the funded fixture. */
export const TRADER_DEPOSIT = USDC(10_000);

/**
 * The local stack with an LP (signer 1) that deposited `POOL_LIQUIDITY` into the pool and three traders
 * (signers 2–4) that each deposited `TRADER_DEPOSIT` into subaccount 0.
 */
export async function fundedFixture() {
  const sys = await deployFixture();
  const [, lp, alice, bob, carol] = sys.signers;
  await mintAndApprove(sys, lp, POOL_LIQUIDITY, await sys.pool.getAddress());
  await sys.pool.connect(lp).deposit(POOL_LIQUIDITY, lp.address);
  for (const trader of [alice, bob, carol]) {
    await mintAndApprove(sys, trader, TRADER_DEPOSIT * 10n, await sys.vault.getAddress());
    await sys.vault.connect(trader).deposit(0, await sys.usdc.getAddress(), TRADER_DEPOSIT);
  }
  return { ...sys, lp, alice, bob, carol };
}

export async function mintAndApprove(sys: System, who: HardhatEthersSigner, amount: bigint, spender: string) {
  await sys.usdc.mint(who.address, amount);
  await sys.usdc.connect(who).approve(spender, ethers.MaxUint256);
}

/** Sets a mock feed's answer at the current block time. */
export async function setPrice(feed: MockV3Aggregator, usd: string | number) {
  await feed.updateAnswer(FEED(usd));
}

/** The account id of `owner`'s `subaccount` (DESIGN §4), computed independently of the contracts. */
export { accountIdOf };

/** The timestamp of the block a transaction landed in. */
export async function txTime(tx: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  return BigInt(block!.timestamp);
}

/** The latest block's timestamp. */
export async function latestTime(): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}
