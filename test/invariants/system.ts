/**
 * The chain side of the property-based suite: the local stack (test/shared/fixtures.ts, the configuration of
 * deploy/modules/LocalStack.ts) with funded actors, a test-only multicall lens, and the few low-level helpers the suite
 * needs to stay fast — transactions sent straight to Hardhat's in-process provider with an explicit gas limit and a
 * block timestamp chosen by the suite, reverts decoded into custom errors, and `evm_snapshot`/`evm_revert` between runs.
 */
import { artifacts, ethers, network } from "hardhat";
import { Interface } from "ethers";
import type { ErrorFragment, EventFragment, Log } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { MulticallLens } from "../../typechain-types";
import { type LocalSystem, deployFixture } from "../shared/fixtures";
import { accountIdOf } from "../shared/math";
import { LOCAL_WITHDRAWAL_DELAY, LOCAL_WITHDRAWAL_WINDOW } from "../../deploy/config";
import { InvariantModel } from "./model";
import type { ExpectedError } from "./model";

/** Gas limit of every transaction the suite sends: no estimation round trip, and a revert still mines a block. */
const GAS = "0xe4e1c0"; // 15,000,000

export { accountIdOf };

export interface DecodedError {
  name: string;
  args: unknown[];
  data: string;
}

export type TxResult = { ok: true; logs: Log[]; gasUsed: bigint } | { ok: false; error: DecodedError };

export interface Actors {
  admin: HardhatEthersSigner;
  lps: HardhatEthersSigner[];
  traders: HardhatEthersSigner[];
  keeper: HardhatEthersSigner;
  donor: HardhatEthersSigner;
}

export interface Suite extends LocalSystem {
  actors: Actors;
  multicall: MulticallLens;
  address: {
    usdc: string;
    weth: string;
    wbtc: string;
    vault: string;
    clearinghouse: string;
    lens: string;
    pool: string;
    oracle: string;
    multicall: string;
    orderBook: string;
    feeds: [string, string];
  };
  /**
   * Every account the suite can touch: traders' subaccounts 0 and 1, the keeper's subaccount 0, then the OrderBook's
   * escrow account (its own subaccount 0, which holds the pending orders' fees).
   */
  accounts: bigint[];
  /** Custom errors of every contract, deduplicated by selector. */
  errors: Interface;
  /** Events by contract address (lower-cased). */
  events: Map<string, Interface>;
  /** The model of the chain at `snapshot`. */
  initial: InvariantModel;
  snapshot: string;
}

export const TRADER_SUBACCOUNTS = [0n, 1n];
/**
 * The suite's order parameters (`OrderBook.setParams`, `setMaxPriceAge`): the local stack's 1 USDC fee, a 3 s minimum
 * delay (so a settlement can come too early), orders living up to 10 minutes (so time advances expire them) and the
 * contract's default 15 s price age.
 */
export const SUITE_ORDER_PARAMS = {
  settlementFee: 1_000_000n,
  minDelay: 3n,
  maxLifetime: 600n,
  maxPriceAge: 15n,
};
/** Wallet balances minted once: large enough that no wallet ever runs dry. */
const WALLET_USDC = 10n ** 15n; // 1e9 USDC
const WALLET_WETH = 10n ** 24n; // 1e6 WETH
const WALLET_WBTC = 10n ** 13n; // 1e5 WBTC

async function unionErrors(names: string[]): Promise<Interface> {
  const seen = new Map<string, ErrorFragment>();
  for (const name of names) {
    const iface = new Interface((await artifacts.readArtifact(name)).abi);
    iface.forEachError((e) => {
      if (!seen.has(e.selector)) seen.set(e.selector, e);
    });
  }
  return new Interface([...seen.values()]);
}

async function eventsOf(name: string): Promise<Interface> {
  const iface = new Interface((await artifacts.readArtifact(name)).abi);
  const events: EventFragment[] = [];
  iface.forEachEvent((e) => events.push(e));
  return new Interface(events);
}

/** Milliseconds spent per kind of round trip (printed with INVARIANT_PROFILE=1). */
export const perf = { send: 0, sends: 0, snapshot: 0, snapshots: 0, decode: 0, calls: 0, callTime: 0 };

/** Sends `data` to `to` from `from` in a block with timestamp `t`. A revert is mined too and decoded. */
export async function send(s: Suite, from: string, to: string, data: string, t: bigint): Promise<TxResult> {
  const started = performance.now();
  perf.sends++;
  try {
    await network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    return await sendAt(s, from, to, data);
  } finally {
    perf.send += performance.now() - started;
  }
}

async function sendAt(s: Suite, from: string, to: string, data: string): Promise<TxResult> {
  try {
    const hash = (await network.provider.send("eth_sendTransaction", [
      { from, to, data, gas: GAS },
    ])) as string;
    const receipt = (await network.provider.send("eth_getTransactionReceipt", [hash])) as {
      logs: { address: string; topics: string[]; data: string }[];
      gasUsed: string;
    };
    const logs = receipt.logs.map(
      (l) => ({ address: l.address, topics: l.topics, data: l.data }) as unknown as Log,
    );
    return { ok: true, logs, gasUsed: BigInt(receipt.gasUsed) };
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    if (typeof data !== "string") throw e;
    return { ok: false, error: decodeError(s, data) };
  }
}

export function decodeError(s: Suite, data: string): DecodedError {
  const parsed = data.length >= 10 ? s.errors.parseError(data) : null;
  if (parsed === null) return { name: `<unknown revert ${data}>`, args: [], data };
  return { name: parsed.name, args: [...parsed.args], data };
}

/** Mines an empty block at `t`. */
export async function mineAt(t: bigint) {
  await network.provider.send("evm_mine", [Number(t)]);
}

const norm = (v: unknown): unknown => {
  if (typeof v === "string") return v.toLowerCase();
  if (typeof v === "number") return BigInt(v);
  if (Array.isArray(v)) return v.map(norm);
  return v;
};

export const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(norm(a), big) === JSON.stringify(norm(b), big);

function big(_key: string, value: unknown) {
  return typeof value === "bigint" ? `${value}n` : value;
}

export const show = (e: { name: string; args: unknown[] }) =>
  `${e.name}(${e.args.map((a) => (typeof a === "bigint" ? a.toString() : String(a))).join(", ")})`;

/** Throws unless `actual` is one of `expected`, arguments included. */
export function expectOneOf(actual: DecodedError, expected: ExpectedError[], context: string) {
  const match = expected.find((e) => e.name === actual.name && same(e.args, actual.args));
  if (match === undefined) {
    throw new Error(
      `${context}: reverted with ${show(actual)}, but the model predicts one of: ${expected.map(show).join(" | ") || "success"}`,
    );
  }
}

/** Logs of `address` decoded with its events; `name` filters. */
export function eventsFrom(s: Suite, logs: Log[], address: string, name?: string) {
  const iface = s.events.get(address.toLowerCase())!;
  return logs
    .filter((l) => l.address.toLowerCase() === address.toLowerCase())
    .map((l) => iface.parseLog({ topics: l.topics, data: l.data }))
    .filter((e) => e !== null && (name === undefined || e.name === name))
    .map((e) => ({ name: e!.name, args: [...e!.args] }));
}

/** Deploys the local stack, funds the actors, seeds the pool and a few accounts, and snapshots. */
export async function deploySuite(): Promise<Suite> {
  const sys = await deployFixture();
  const signers = sys.signers;
  const actors: Actors = {
    admin: signers[0],
    // Trader 2 is also LP 2: one actor that both trades and holds pool shares (open → redeem → close, §15.9).
    lps: [signers[1], signers[2], signers[5]],
    traders: [signers[3], signers[4], signers[5]],
    keeper: signers[6],
    donor: signers[7],
  };
  const multicall = await ethers.deployContract("MulticallLens");
  const address = {
    usdc: await sys.usdc.getAddress(),
    weth: await sys.weth.getAddress(),
    wbtc: await sys.wbtc.getAddress(),
    vault: await sys.vault.getAddress(),
    clearinghouse: await sys.clearinghouse.getAddress(),
    lens: await sys.lens.getAddress(),
    pool: await sys.pool.getAddress(),
    oracle: await sys.oracle.getAddress(),
    multicall: await multicall.getAddress(),
    orderBook: await sys.orderBook.getAddress(),
    feeds: [await sys.ethFeed.getAddress(), await sys.btcFeed.getAddress()] as [string, string],
  };
  const everyone = [
    ...new Set([...actors.lps, ...actors.traders, actors.keeper, actors.donor, actors.admin]),
  ];
  for (const who of everyone) {
    await sys.usdc.mint(who.address, WALLET_USDC);
    await sys.weth.mint(who.address, WALLET_WETH);
    await sys.wbtc.mint(who.address, WALLET_WBTC);
    for (const token of [sys.usdc, sys.weth, sys.wbtc]) {
      await token.connect(who).approve(address.vault, ethers.MaxUint256);
    }
    await sys.usdc.connect(who).approve(address.pool, ethers.MaxUint256);
  }
  const accounts = [
    ...actors.traders.flatMap((t) => TRADER_SUBACCOUNTS.map((sub) => accountIdOf(t.address, sub))),
    accountIdOf(actors.keeper.address),
    accountIdOf(address.orderBook),
  ];
  const o = SUITE_ORDER_PARAMS;
  await sys.orderBook.connect(actors.admin).setParams(o.settlementFee, o.minDelay, o.maxLifetime);
  await sys.orderBook.connect(actors.admin).setMaxPriceAge(o.maxPriceAge);
  const errors = await unionErrors([
    "Vault",
    "Clearinghouse",
    "LiquidityPool",
    "PriceOracle",
    "MockERC20",
    "OrderBook",
  ]);
  const events = new Map<string, Interface>([
    [address.vault.toLowerCase(), await eventsOf("Vault")],
    [address.clearinghouse.toLowerCase(), await eventsOf("Clearinghouse")],
    [address.pool.toLowerCase(), await eventsOf("LiquidityPool")],
    [address.orderBook.toLowerCase(), await eventsOf("OrderBook")],
  ]);

  const s: Suite = {
    ...sys,
    actors,
    multicall,
    address,
    accounts,
    errors,
    events,
    initial: InvariantModel.local(
      {
        usdc: address.usdc,
        weth: address.weth,
        wbtc: address.wbtc,
        feeds: { ETH: address.feeds[0], BTC: address.feeds[1] },
        lps: actors.lps.map((l) => l.address),
      },
      BigInt(LOCAL_WITHDRAWAL_DELAY),
      BigInt(LOCAL_WITHDRAWAL_WINDOW),
    ),
    snapshot: "",
  };

  // The seed state, sent through the same path as the commands so the model follows every step.
  const m = s.initial;
  m.orderParams = { ...SUITE_ORDER_PARAMS };
  m.escrowAccount = accountIdOf(address.orderBook);
  for (const [marketId, state] of [0, 1].map((id) => [id, sys.lens.marketState(id)] as const)) {
    m.markets[marketId].lastFundingTime = (await state).lastFundingTime;
  }
  const block = await ethers.provider.getBlock("latest");
  m.now = BigInt(block!.timestamp);
  const step = async <T>(
    from: HardhatEthersSigner,
    to: string,
    data: string,
    predict: (t: bigint) => { ok: true; next: InvariantModel; value: T } | { ok: false },
  ) => {
    const t = s.initial.now + 1n;
    const outcome = predict(t);
    if (!outcome.ok) throw new Error("seed step predicted to fail");
    const r = await send(s, from.address, to, data, t);
    if (!r.ok) throw new Error(`seed step reverted: ${show(r.error)}`);
    s.initial = outcome.next;
  };
  // Fresh answers at known times, so the model knows every feed's `updatedAt`.
  for (const [marketId, feed] of [sys.ethFeed, sys.btcFeed].entries()) {
    const f = s.initial.feeds[marketId];
    // The deployment's round 1 (its time is the deployment's): an order's proof may name it (`getRoundData(1)`).
    const first = await feed.getRoundData(1n);
    f.rounds.push({ round: 1n, answer: f.answer, updatedAt: first.updatedAt });
    await step(
      actors.admin,
      address.feeds[marketId],
      feed.interface.encodeFunctionData("updateAnswer", [f.answer]),
      (t) => {
        const next = s.initial.clone();
        next.postAnswer(marketId, f.answer, t);
        next.now = t;
        return { ok: true, next, value: null };
      },
    );
  }
  const pool = sys.pool.interface;
  const vault = sys.vault.interface;
  await step(
    actors.lps[0],
    address.pool,
    pool.encodeFunctionData("deposit", [1_000_000n * 10n ** 6n, actors.lps[0].address]),
    (t) => s.initial.tryPoolDeposit(actors.lps[0].address, 1_000_000n * 10n ** 6n, t),
  );
  await step(
    actors.lps[1],
    address.pool,
    pool.encodeFunctionData("deposit", [250_000n * 10n ** 6n, actors.lps[1].address]),
    (t) => s.initial.tryPoolDeposit(actors.lps[1].address, 250_000n * 10n ** 6n, t),
  );
  await step(
    actors.admin,
    address.vault,
    vault.encodeFunctionData("fundInsurance", [2_000n * 10n ** 6n]),
    (t) => s.initial.tryFundInsurance(2_000n * 10n ** 6n, t),
  );
  for (const trader of actors.traders) {
    const amount = 20_000n * 10n ** 6n;
    await step(trader, address.vault, vault.encodeFunctionData("deposit", [0n, address.usdc, amount]), (t) =>
      s.initial.tryDeposit(accountIdOf(trader.address), address.usdc, amount, t),
    );
  }
  const [, t1, t2] = actors.traders;
  await step(
    t1,
    address.vault,
    vault.encodeFunctionData("deposit", [1n, address.weth, 3n * 10n ** 18n]),
    (t) => s.initial.tryDeposit(accountIdOf(t1.address, 1n), address.weth, 3n * 10n ** 18n, t),
  );
  await step(t2, address.vault, vault.encodeFunctionData("deposit", [1n, address.wbtc, 10n ** 7n]), (t) =>
    s.initial.tryDeposit(accountIdOf(t2.address, 1n), address.wbtc, 10n ** 7n, t),
  );
  await step(
    t2,
    address.vault,
    vault.encodeFunctionData("deposit", [1n, address.usdc, 1_000n * 10n ** 6n]),
    (t) => s.initial.tryDeposit(accountIdOf(t2.address, 1n), address.usdc, 1_000n * 10n ** 6n, t),
  );
  // LP 1 asked to withdraw a fifth of its shares: it matures a day into every run.
  const lp1 = actors.lps[1];
  const requested = s.initial.lpShares(lp1.address) / 5n;
  await step(lp1, address.pool, pool.encodeFunctionData("requestWithdraw", [requested]), (t) =>
    s.initial.tryRequestWithdraw(lp1.address, requested, t),
  );
  s.snapshot = (await network.provider.send("evm_snapshot", [])) as string;
  return s;
}

/** Back to the seed state: reverts to the snapshot and takes a new one (a snapshot is used up by reverting to it). */
export async function resetChain(s: Suite) {
  const ok = (await network.provider.send("evm_revert", [s.snapshot])) as unknown;
  if (ok !== true) throw new Error("evm_revert failed");
  s.snapshot = (await network.provider.send("evm_snapshot", [])) as string;
}
