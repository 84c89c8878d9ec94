/**
 * The auto-deleveraging tests' system and book: the funded local stack with an ETH market that charges no fee and no
 * funding (so every account's equity is its deposit plus its PnL, exactly), a whale, and a TypeScript book of the
 * positions, balances and pool cash kept independently of the contracts (DESIGN §11.1).
 */
import { ethers } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../deploy/config";
import {
  ETH,
  POOL_LIQUIDITY,
  TRADER_DEPOSIT,
  USDC,
  WAD,
  accountIdOf,
  fundedFixture,
  mintAndApprove,
} from "./fixtures";
import * as adl from "./deleverage";
import * as math from "./math";

export const TO_WAD = 10n ** 12n;
export const ETH_PARAMS = {
  ...toMarketParams(DEFAULT_MARKETS[0]),
  maxFundingRatePerDay: 0n,
  takerFee: 0n,
  makerFee: 0n,
};
/** The share of the pool's cash one market side's net PnL may reach before keepers may deleverage it. */
export const MAX_PNL_TO_POOL: bigint =
  (DEFAULT_RISK as { maxPnlToPool?: bigint }).maxPnlToPool ?? WAD("0.45");
export const WHALE_DEPOSIT = USDC(120_000);

export type AdlSys = Awaited<ReturnType<typeof adlFixture>>;

/** The funded fixture, its ETH market without fees or funding, and a whale (signer 5) with `WHALE_DEPOSIT`. */
export async function adlFixture() {
  const sys = await fundedFixture();
  await sys.clearinghouse.setMarketParams(ETH, ETH_PARAMS);
  const whale = sys.signers[5];
  await mintAndApprove(sys, whale, WHALE_DEPOSIT, await sys.vault.getAddress());
  await sys.vault.connect(whale).deposit(0, await sys.usdc.getAddress(), WHALE_DEPOSIT);
  return { ...sys, whale };
}

/** One market's book: positions and balances per account, the pool's cash, the oracle price. */
export class Book {
  positions = new Map<bigint, adl.Pos>();
  balances = new Map<bigint, bigint>();
  cash = POOL_LIQUIDITY;
  price = WAD(3_000);

  constructor(
    private readonly sys: AdlSys,
    traders: HardhatEthersSigner[],
  ) {
    for (const t of traders) {
      const deposit = t.address === sys.whale.address ? WHALE_DEPOSIT : TRADER_DEPOSIT;
      this.balances.set(accountIdOf(t.address), deposit);
    }
  }

  pos(id: bigint): adl.Pos {
    return this.positions.get(id) ?? { size: 0n, openNotional: 0n };
  }

  skew(): bigint {
    return [...this.positions.values()].reduce((s, p) => s + p.size, 0n);
  }

  long() {
    return adl.side([...this.positions.values()], this.price, true);
  }

  cap() {
    return adl.cap(this.cash, TO_WAD, MAX_PNL_TO_POOL);
  }

  /** The account's equity (WAD): its balance plus its position's PnL (no fees, no funding in this market). */
  equity(id: bigint): bigint {
    const p = this.pos(id);
    return this.balances.get(id)! * TO_WAD + math.unrealizedPnl(p.size, p.openNotional, this.price);
  }

  score(id: bigint): bigint {
    const p = this.pos(id);
    return adl.score(
      p,
      this.price,
      adl.grossNotional([{ size: p.size, price: this.price }]),
      this.equity(id),
    );
  }

  async setPrice(usd: number) {
    await this.sys.ethFeed.updateAnswer(ethers.parseUnits(String(usd), 8));
    this.price = WAD(usd);
  }

  /** A trade whose limit is the reference's skew-premium fill (no fee, no funding), so a worse fill reverts. */
  async trade(who: HardhatEthersSigner, delta: bigint) {
    const id = accountIdOf(who.address);
    const p = this.pos(id);
    const market = { params: { ...ETH_PARAMS, symbol: "ETH" }, price: this.price, fundingIndex: 0n };
    const r = math.trade({ ...p, lastFundingIndex: 0n }, this.skew(), market, delta, TO_WAD, 0n);
    const tx = await this.sys.clearinghouse.connect(who).trade(0, ETH, delta, r.fill);
    this.positions.set(id, { size: r.newSize, openNotional: r.newOpenNotional });
    this.balances.set(id, this.balances.get(id)! + r.accountDelta);
    this.cash += r.poolDelta;
    return { tx, r };
  }

  /** The reference of deleveraging `id` now. */
  deleveragePlan(id: bigint) {
    const p = this.pos(id);
    const closed = adl.closedSize(
      p,
      this.price,
      this.long().pnl,
      this.cash,
      TO_WAD,
      MAX_PNL_TO_POOL,
      0n,
      ETH_PARAMS.minPositionNotional,
    );
    return adl.deleverageFill(p, closed, this.price, 0n, TO_WAD);
  }

  applyDeleverage(id: bigint, r: ReturnType<Book["deleveragePlan"]>) {
    this.positions.set(id, { size: r.newSize, openNotional: r.newOpenNotional });
    this.balances.set(id, this.balances.get(id)! + r.accountDelta);
    this.cash -= r.accountDelta;
  }
}
