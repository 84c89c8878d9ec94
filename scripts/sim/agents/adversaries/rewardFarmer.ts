/**
 * The reward-floor farmer (scenario `adversaries`; DESIGN §18.3 and §19.2 "the keeper reward floor can be farmed"):
 * it holds hedged pairs of minimum positions, a long and a short of the same size in two subaccounts of one wallet,
 * each with just its initial margin. When a move makes one side liquidatable, it liquidates that side itself from a
 * second wallet, before any keeper: the account pays what it still has (its equity `E`, under the maintenance margin)
 * and the protocol tops the reward up to `minKeeperReward` from the insurance fund, then the pool. The pair's price
 * moves cancel (the winner gains what the loser lost), so each liquidation nets about `minKeeperReward − E` − fees, and
 * after a gap past the loser's margin also the bad debt the protocol absorbs. It then closes the winner and opens the
 * pair again at the new price.
 */
import type { MarketRef, TraderSpec } from "../../population";
import type { Rng } from "../../rng";
import type { Actor } from "../../world";
import { TraderAgent } from "../trader";
import type { TraderAccount } from "../trader";
import { MAX_UINT, TO_WAD, WAD, marketInfo } from "../env";
import type { AgentEnv } from "../env";
import type { AdversaryAgent, AdversaryDescription, BaseOutcome, TickView } from "./adversary";

/** Hedged pairs of minimum positions it holds. */
export const REWARD_FARMER_PAIRS = 20;

export function rewardFarmerSpec(markets: MarketRef[]): TraderSpec {
  return {
    label: "reward-farmer",
    kind: "adversary",
    style: "reward-farmer",
    collateral: 0n, // deposits what each pair needs when it opens it
    tokenShare: 0,
    leverage: 10,
    legs: [{ ...markets[0], side: 1, weight: 1 }],
    activity: 0,
  };
}

/** Position notional as a multiple of the market's minimum, and the deposit as a multiple of the initial margin. */
const NOTIONAL_OVER_MINIMUM = 105n; // percent
const DEPOSIT_OVER_MARGIN = 102n; // percent

/** What the farmer did. */
export interface FarmerRecord {
  /** Its own accounts it liquidated, and the rewards its liquidator wallet received (settlement units). */
  liquidations: number;
  rewards: bigint;
  /** Pairs opened (the first books and every re-opening). */
  pairsOpened: number;
}

export class RewardFarmerAgent extends TraderAgent implements AdversaryAgent {
  readonly record: FarmerRecord = { liquidations: 0, rewards: 0n, pairsOpened: 0 };
  /** The pairs' accounts: `[long, short]` per pair. */
  private readonly pairs: [TraderAccount, TraderAccount][];
  /** Pairs it abandoned: a side left in debt (bad debt the protocol books), which nobody repays. */
  private readonly abandoned = new Set<number>();

  constructor(
    spec: TraderSpec,
    actor: Actor,
    rng: Rng,
    accountIdOf: (owner: string, subaccount: bigint) => bigint,
    /** The second wallet it liquidates from (the owner's own address gets no subsidy). */
    readonly liquidator: Actor,
    pairCount = REWARD_FARMER_PAIRS,
  ) {
    super(spec, actor, rng, "cross", accountIdOf);
    // Its accounts: 2 per pair (subaccounts 1, 2, …) and the liquidator's subaccount 0, where the rewards land.
    this.accounts.splice(0, this.accounts.length);
    this.pairs = [];
    for (let i = 0; i < pairCount; i++) {
      const [long, short] = [2 * i + 1, 2 * i + 2].map((sub) => ({
        subaccount: BigInt(sub),
        accountId: accountIdOf(actor.address, BigInt(sub)),
        legs: [0],
        collateral: 0n,
      }));
      this.pairs.push([long, short]);
      this.accounts.push(long, short);
    }
    this.accounts.push({
      subaccount: 0n,
      accountId: accountIdOf(liquidator.address, 0n),
      legs: [],
      collateral: 0n,
    });
  }

  /** Approves the Vault once; the deposits come with each pair (`openPair`). */
  override async setup(env: AgentEnv): Promise<void> {
    await env.sender.must(`${this.label} approve`, () =>
      env.sys.usdc.connect(this.actor.signer).approve(env.sys.addresses.vault, MAX_UINT),
    );
  }

  override async openBook(env: AgentEnv): Promise<void> {
    for (const pair of this.pairs) await this.openPair(env, pair);
  }

  override act(): Promise<void> {
    return Promise.resolve();
  }

  /** Right after every price update, before the keeper (not at the first tick: nothing is open yet). */
  async afterPrices(env: AgentEnv, tick: TickView): Promise<void> {
    if (!tick.first) await this.farm(env);
  }

  describe(base: BaseOutcome): AdversaryDescription {
    const r = this.record;
    return {
      strategy:
        `hedged pairs of minimum positions; liquidated its own losing side ${r.liquidations} times from a second ` +
        `wallet for $${Number(r.rewards) / 1e6} of rewards`,
      paidBy:
        base.profit > 0n
          ? "the insurance fund, then the pool (keeper-reward subsidies and bad debt)"
          : "nobody: its fees cost more than the subsidies",
    };
  }

  /** Liquidates its own liquidatable accounts, then re-opens the pairs. */
  async farm(env: AgentEnv): Promise<void> {
    const ids = this.pairs.flat().map((a) => a.accountId);
    const flags = await env.sys.clearinghouse.liquidatable(ids);
    const rewardAccount = this.accounts[this.accounts.length - 1].accountId;
    const usdc = env.sys.addresses.usdc;
    for (const [i, pair] of this.pairs.entries()) {
      const hit = pair.filter((_, side) => flags[2 * i + side]);
      if (hit.length === 0 || this.abandoned.has(i)) continue;
      for (const a of hit) {
        const before = await env.sys.vault.balanceOf(rewardAccount, usdc);
        const result = await env.sender.send(() =>
          env.sys.clearinghouse.connect(this.liquidator.signer).liquidate(a.accountId),
        );
        if (!result.ok) continue;
        this.record.liquidations++;
        this.record.rewards += (await env.sys.vault.balanceOf(rewardAccount, usdc)) - before;
      }
      // Close what is left of the pair and open it again at today's price, unless a side is left in debt.
      const marketId = this.marketId(env);
      for (const a of pair) {
        const size = (await env.sys.clearinghouse.position(a.accountId, marketId)).size;
        if (size !== 0n) await this.trade(env, a, marketId, -size);
      }
      if (await this.inDebt(env, pair)) this.abandoned.add(i);
      else await this.openPair(env, pair);
    }
  }

  private async inDebt(env: AgentEnv, pair: [TraderAccount, TraderAccount]): Promise<boolean> {
    for (const a of pair)
      if ((await env.sys.vault.balanceOf(a.accountId, env.sys.addresses.usdc)) < 0n) return true;
    return false;
  }

  private marketId(env: AgentEnv): bigint {
    return env.markets[0].marketId;
  }

  /** Tops each side up to the deposit a minimum position needs, and opens the long and the short. */
  private async openPair(env: AgentEnv, pair: [TraderAccount, TraderAccount]): Promise<void> {
    const marketId = this.marketId(env);
    const m = marketInfo(env, marketId);
    const price = env.price(marketId);
    const notional = (m.minPositionNotional * NOTIONAL_OVER_MINIMUM) / 100n;
    const size = (notional * WAD) / price;
    const margin = (notional * (m.imf + m.takerFee)) / WAD;
    const deposit = ((margin * DEPOSIT_OVER_MARGIN) / 100n + TO_WAD - 1n) / TO_WAD;
    const usdc = env.sys.addresses.usdc;
    for (const [side, a] of pair.entries()) {
      const balance = await env.sys.vault.balanceOf(a.accountId, usdc);
      if (balance < deposit) {
        const amount = deposit - balance;
        await env.sender.must(`${this.label} mint`, () =>
          env.sys.usdc.connect(this.actor.signer).mint(this.actor.address, amount),
        );
        await env.sender.must(`${this.label} deposit`, () =>
          env.sys.vault.connect(this.actor.signer).deposit(a.subaccount, usdc, amount),
        );
        this.deposited += amount;
        this.depositedValue += amount * TO_WAD;
        env.flows.traderDeposits += amount;
      }
      await this.trade(env, a, marketId, side === 0 ? size : -size);
    }
    this.record.pairsOpened++;
  }
}
