/**
 * The OrderBook's invariants, checked after every command with the others (one more `eth_call` through the multicall
 * lens): every order the suite's accounts can hold — (account, market) for market orders, (account, market, kind) for
 * conditional ones — is stored exactly as the model says (or is empty), with its trigger; the escrow account's balance
 * is Σ of the pending orders' fees, on the chain's own numbers and in the model; immediate trades are on or off as the
 * model says.
 */
import { network } from "hardhat";
import { orderIdOf } from "../model";
import type { InvariantModel, OrderModel } from "../model";
import { TRADER_SUBACCOUNTS, accountIdOf, same } from "../system";
import type { Suite } from "../system";
import { decodeAggregate } from "./decode";
import type { Snapshot } from "./snapshot";

interface OrderCalls {
  ids: bigint[];
  data: string;
}

const cache = new WeakMap<Suite, OrderCalls>();

/** Every order id the suite can create: trader accounts × markets × kinds (0 market, 1–3 conditional). */
function calls(s: Suite): OrderCalls {
  let c = cache.get(s);
  if (c !== undefined) return c;
  const ids = s.actors.traders.flatMap((t) =>
    TRADER_SUBACCOUNTS.flatMap((sub) =>
      [0, 1].flatMap((market) =>
        [0, 1, 2, 3].map((kind) => orderIdOf(accountIdOf(t.address, sub), market, kind)),
      ),
    ),
  );
  const ob = s.orderBook.interface;
  const ch = s.clearinghouse.interface;
  const list = [
    ...ids.flatMap((id) => [
      { target: s.address.orderBook, data: ob.encodeFunctionData("order", [id]) },
      { target: s.address.orderBook, data: ob.encodeFunctionData("triggerOf", [id]) },
    ]),
    ...[0, 1].map((market) => ({
      target: s.address.clearinghouse,
      data: ch.encodeFunctionData("marketConfig", [market]),
    })),
  ];
  c = { ids, data: s.multicall.interface.encodeFunctionData("tryAggregate", [list]) };
  cache.set(s, c);
  return c;
}

const fields = (o: OrderModel | undefined) =>
  o === undefined
    ? [0n, 0n, 0n, 0n, 0n, 0n, false, 0n, 0n, 0n]
    : [
        o.accountId,
        o.sizeDelta,
        o.acceptablePrice,
        o.committedAt,
        o.deadline,
        BigInt(o.marketId),
        o.reduceOnly,
        o.fee,
        BigInt(o.kind),
        o.trigger,
      ];

/** Reads every order and compares it with the model; the escrow's balance with Σ pending fees. */
export async function checkOrders(s: Suite, m: InvariantModel, snap: Snapshot) {
  const { ids, data } = calls(s);
  const raw = (await network.provider.send("eth_call", [
    { to: s.address.multicall, data },
    "latest",
  ])) as string;
  const { success, data: results } = decodeAggregate(raw);
  if (success.some((ok) => !ok)) throw new Error("an OrderBook view reverted");
  const ob = s.orderBook.interface;
  let fees = 0n;
  ids.forEach((id, i) => {
    const o = ob.decodeFunctionResult("order", results[2 * i])[0] as Record<string, unknown>;
    const [trigger] = ob.decodeFunctionResult("triggerOf", results[2 * i + 1]);
    const names = ["accountId", "sizeDelta", "acceptablePrice", "committedAt", "deadline", "marketId"];
    const chain = [...names, "reduceOnly", "fee", "kind"].map((f) => o[f]).concat([trigger]);
    const expected = fields(m.orders.get(id));
    if (!same(chain, expected))
      throw new Error(
        `order ${id.toString(16).slice(0, 12)}…: chain [${chain.join(", ")}] != model [${expected.join(", ")}]`,
      );
    fees += o.fee as bigint;
  });
  for (const id of m.orders.keys())
    if (!ids.includes(id)) throw new Error(`the model holds an order the suite does not read: ${id}`);
  const escrow = snap.accounts.find((a) => a.id === m.escrowAccount);
  if (escrow === undefined) throw new Error("the snapshot does not read the OrderBook's escrow account");
  if (escrow.usdc !== fees)
    throw new Error(`escrow balance ${escrow.usdc} != Σ pending orders' fees ${fees} (chain)`);
  if (m.escrowedFees() !== fees)
    throw new Error(`Σ pending fees: chain ${fees} != model ${m.escrowedFees()}`);
  const ch = s.clearinghouse.interface;
  for (const market of [0, 1]) {
    const [cfg] = ch.decodeFunctionResult("marketConfig", results[2 * ids.length + market]);
    const on = (cfg as { trade: { immediateTrades: boolean } }).trade.immediateTrades;
    if (on !== m.immediateTrades[market])
      throw new Error(`market ${market} immediate trades: chain ${on} != model ${m.immediateTrades[market]}`);
  }
}
