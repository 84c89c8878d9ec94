/** §15.9's bookkeeping: the known holes, the counters, the actors and their wallets, and what an actor's value is made of. */
import { Interface } from "ethers";
import { network } from "hardhat";
import * as math from "../../shared/math";
import { TO_WAD } from "../model";
import type { InvariantModel } from "../model";
import { decodeAggregate } from "../checks";
import { positionsValue, tokenValue } from "../valuation";
import type { Suite } from "../system";
import { ownerOf } from "../../../scripts/common/accounts";

/**
 * Flip each to true once its fix is merged (the coordinator): the check then fails the suite like any other.
 * - item 1 (share theft at NAV ≤ 0): a pool deposit accepted while the pool's signed value is ≤ 0.
 * - item 4 (NAV ignores the skew premium): LP flows judged at the exit value (net of the premium closing would pay).
 */
export const KNOWN_HOLES_FIXED = { item1ShareTheftAtNavZero: true, item4SkewPremiumInNav: true };
export type Hole = keyof typeof KNOWN_HOLES_FIXED | null;
/** `INVARIANT_KNOWN_HOLES=strict` (all) or a comma-separated list of items: fail on those holes too. */
const STRICT = (process.env.INVARIANT_KNOWN_HOLES ?? "").split(",");
export const strict = (hole: string) => STRICT.includes("strict") || STRICT.includes(hole);

/** Rounding tolerance, settlement-token units per actor per action (× 1e12 in WAD). */
export const TOLERANCE_UNITS = 3n;

export const econStats = {
  actions: 0,
  marketSteps: 0,
  /** Largest (actual − explained) seen in a passing check, WAD. */
  worstSlack: 0n,
  worstWhere: "",
  knownHoles: new Map<string, { count: number; first: string }>(),
};

/** One accepted transaction: its calldata and the model's reference result of it. */
export interface Action {
  label: string;
  from: string;
  to: string;
  data: string;
  value: unknown;
}

interface Actor {
  name: string;
  address: string;
  accounts: bigint[];
}

type Wallet = [bigint, bigint, bigint];

export interface EconState {
  actors: Actor[];
  initial: Map<string, Wallet>;
  wallets: Map<string, Wallet>;
  /** The pool's value and Σ position values after the last action, and when. */
  checkpoint: { pool: bigint; positions: bigint } | null;
  ifaces: { ch: Interface; vault: Interface; pool: Interface; erc20: Interface; orderBook: Interface };
}

export const states = new WeakMap<Suite, EconState>();

function actorsOf(s: Suite): Actor[] {
  const named: [string, string][] = [
    ...s.actors.lps.map((l, i) => [`LP ${i}`, l.address] as [string, string]),
    ...s.actors.traders.map((t, i) => [`trader ${i}`, t.address] as [string, string]),
    ["keeper", s.actors.keeper.address],
    ["donor", s.actors.donor.address],
  ];
  const byAddress = new Map<string, Actor>();
  for (const [name, address] of named) {
    const a = address.toLowerCase();
    const known = byAddress.get(a);
    if (known) known.name += ` = ${name}`;
    else
      byAddress.set(a, {
        name,
        address: a,
        accounts: s.accounts.filter((id) => BigInt(ownerOf(id)) === BigInt(a)),
      });
  }
  return [...byAddress.values()];
}

export async function readWallets(s: Suite, actors: Actor[]): Promise<Map<string, Wallet>> {
  const erc20 = s.usdc.interface;
  const tokens = [s.address.usdc, s.address.weth, s.address.wbtc];
  const calls = actors.flatMap((a) =>
    tokens.map((t) => ({ target: t, data: erc20.encodeFunctionData("balanceOf", [a.address]) })),
  );
  const data = s.multicall.interface.encodeFunctionData("tryAggregate", [calls]);
  const raw = (await network.provider.send("eth_call", [
    { to: s.address.multicall, data },
    "latest",
  ])) as string;
  const words = decodeAggregate(raw).data.map((d) => BigInt(d));
  return new Map(
    actors.map((a, i) => [a.address, [words[3 * i], words[3 * i + 1], words[3 * i + 2]] as Wallet]),
  );
}

/** Back to the seed state at the start of a run (the chain was just reverted to its snapshot). */
export async function resetEconomics(s: Suite) {
  let st = states.get(s);
  if (st === undefined) {
    const actors = actorsOf(s);
    const initial = await readWallets(s, actors);
    st = {
      actors,
      initial,
      wallets: initial,
      checkpoint: null,
      ifaces: {
        ch: s.clearinghouse.interface,
        vault: s.vault.interface,
        pool: s.pool.interface,
        erc20: s.usdc.interface,
        orderBook: s.orderBook.interface,
      },
    };
    states.set(s, st);
  }
  st.wallets = new Map(st.initial);
  st.checkpoint = null;
}

export function accountsValue(m: InvariantModel, a: Actor, t: bigint): bigint {
  let v = 0n;
  for (const id of a.accounts) {
    v += m.balance(id) * TO_WAD + positionsValue(m, id, t);
    for (const token of m.held(id)) v += tokenValue(m, token, m.tokenBalance(id, token));
  }
  return v;
}

export const sharesOf = (m: InvariantModel, a: Actor) => m.lpShares(a.address) + m.request(a.address).shares;
export const shareValue = (h: bigint, v: bigint, supply: bigint) =>
  supply === 0n ? 0n : math.divFloor(h * v, supply);
