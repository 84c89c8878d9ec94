/**
 * The auto-deleveraging tests' system and book: the funded local stack with an ETH market that charges no fee and no
 * funding (so every account's equity is its deposit plus its PnL, exactly), a whale, and the ledger model of that
 * market kept independently of the contracts, with the deleveraging reference over it (DESIGN §11.1).
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
  latestTime,
  mintAndApprove,
  txTime,
} from "./fixtures";
import * as adl from "./deleverage";
import * as math from "./math";
import { type KeelModel, localModel } from "./model";

export const TO_WAD = math.TO_WAD;
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

/**
 * The ETH market's book for the deleveraging tests: the ledger model (./model.ts) with the ETH market's fee and
 * funding switched off like `adlFixture`'s, driven together with the chain, plus the deleveraging reference
 * (./deleverage.ts) over it.
 */
export class Book {
  readonly model: KeelModel;

  constructor(
    private readonly sys: AdlSys,
    traders: HardhatEthersSigner[],
  ) {
    this.model = localModel({
      pool: POOL_LIQUIDITY,
      deposits: traders.map((t) => [
        accountIdOf(t.address),
        t.address === sys.whale.address ? WHALE_DEPOSIT : TRADER_DEPOSIT,
      ]),
    });
    this.model.markets[Number(ETH)].params = ETH_PARAMS;
  }

  /** Settlement balances by account (token units). */
  get balances(): Map<bigint, bigint> {
    return this.model.balances;
  }

  /** The pool's cash (token units). */
  get cash(): bigint {
    return this.model.pool;
  }

  set cash(value: bigint) {
    this.model.pool = value;
  }

  /** The ETH oracle price (WAD). */
  get price(): bigint {
    return this.model.markets[Number(ETH)].price;
  }

  /** Open ETH positions by account. */
  get positions(): Map<bigint, adl.Pos> {
    const out = new Map<bigint, adl.Pos>();
    for (const [id, book] of this.model.positions) {
      const p = book.get(Number(ETH));
      if (p !== undefined) out.set(id, { size: p.size, openNotional: p.openNotional });
    }
    return out;
  }

  pos(id: bigint): adl.Pos {
    const p = this.model.position(id, Number(ETH));
    return { size: p.size, openNotional: p.openNotional };
  }

  skew(): bigint {
    return this.model.skew(Number(ETH));
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
    return this.model.balance(id) * TO_WAD + math.unrealizedPnl(p.size, p.openNotional, this.price);
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
    this.model.setPrice(Number(ETH), WAD(usd));
  }

  /** A trade whose limit is the reference's skew-premium fill (no fee, no funding), so a worse fill reverts. */
  async trade(who: HardhatEthersSigner, delta: bigint) {
    const id = accountIdOf(who.address);
    const preview = this.model.previewTrade(id, Number(ETH), delta, await latestTime());
    const tx = await this.sys.clearinghouse.connect(who).trade(0, ETH, delta, preview.fill);
    const r = this.model.trade(id, Number(ETH), delta, await txTime(tx));
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
    this.model.deleverage(id, Number(ETH), r);
  }
}
