/**
 * The order and operator tasks end to end, as the README's walkthrough runs them: a `hardhat node` on a free port, the
 * local stack deployed with `hardhat ignition deploy`, one `npx hardhat <task> --network localhost` process per step:
 *
 *   LP (account 1) adds 100,000 USDC; the trader (account 2) deposits 10,000 USDC
 *   orders:place 1.5 ETH → orders:settle refused until a price is published after the commit → mock:set-price 3010
 *   → orders:settle: position 1.5 ETH, filled at the 3010 price with the skew premium, the settler earns 1 USDC
 *   orders:limit buy 1 at 2950 and orders:stop-loss at 2800 → orders:list shows both, waiting for their trigger
 *   → price 2940 → orders:settle --kind limit: position 2.5 → orders:cancel the stop-loss: fee refunded
 *   operator:set (account 3) → the operator's `trade --owner` works → revoke → refused with the owner's command
 *   bad input: unknown market, zero size, a stop-loss already triggered: one line, exit 1
 *
 * Expected numbers are computed here from DESIGN §7 (fill = price * (1 + (2 * skew + size) / 2 / skewScale)) and the
 * local stack's parameters written out (deploy/config.ts), not read back from the contracts.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { ROOT, hardhat, ok, okJson, startNode, stopAll } from "../support/processes";
import type { HardhatNode } from "../support/processes";

const wad = (v: string) => ethers.parseUnits(v, 18);
const SKEW_SCALE = wad("100000");
const SETTLEMENT_FEE = "1"; // USDC, LOCAL_ORDER_PARAMS.settlementFee

/** DESIGN §7: the fill of `size` at `price` with `skew` before the trade, WAD. */
const fillPrice = (price: bigint, skew: bigint, size: bigint) =>
  price + (price * (2n * skew + size)) / (2n * SKEW_SCALE);
const exactWad = (v: bigint) => ethers.formatUnits(v, 18).replace(/\.0$/, "");

describe("Order and operator tasks end to end (hardhat node + task processes)", function () {
  this.timeout(300_000);

  let node: HardhatNode;
  let deploymentId: string;
  let trader: string;
  let operator: string;
  const net = () => ["--network", "localhost", "--deployment-id", deploymentId];
  const as = (i: number) => [...net(), "--from", String(i)];
  const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.trim() !== "");
  const positionSize = async () => {
    const a = await okJson<{ positions: { size: string }[] }>(node, ["account", ...as(2)]);
    return a.positions.length === 0 ? "0" : a.positions[0].size;
  };

  before(async function () {
    node = await startNode(31337);
    deploymentId = `test-orders-${node.port}`;
    await ok(node, ["ignition", "deploy", "deploy/modules/LocalStack.ts", ...net()]);
    trader = await (await node.provider.getSigner(2)).getAddress();
    operator = await (await node.provider.getSigner(3)).getAddress();
    await ok(node, ["mock:mint", "--amount", "100000", ...as(1)]);
    await ok(node, ["pool:deposit", "--amount", "100000", ...as(1)]);
    await ok(node, ["mock:mint", "--amount", "10000", ...as(2)]);
    await ok(node, ["deposit", "--amount", "10000", ...as(2)]);
  });

  after(async function () {
    await stopAll();
    if (deploymentId)
      fs.rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
  });

  it("bad input: one line of error, exit status 1, nothing sent", async function () {
    const cases: [string[], string][] = [
      [
        ["orders:place", "--market", "DOGE", "--size", "1"],
        'error: no market "DOGE"; markets: ETH (id 0), BTC (id 1)',
      ],
      [["orders:place", "--market", "ETH", "--size", "0"], "error: --size must not be zero"],
      [
        ["orders:stop-loss", "--market", "ETH", "--trigger", "2900"],
        "error: no open position on ETH-PERP for a stop-loss to close",
      ],
      [
        ["orders:cancel"],
        "error: pass --order <id>, or --market <market> [--kind market|limit|stop-loss|take-profit]",
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => hardhat(node, [...args, ...as(2)])));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(" ")).to.equal(1);
      expect(errorLines(r.stderr), cases[i][0].join(" ")).to.deep.equal([cases[i][1]]);
    });
    expect(await positionSize()).to.equal("0");
  });

  it("a market order settles at the first price published after it, for the size committed", async function () {
    const placed = await okJson<{ orderId: string; sizeDelta: string; fee: string }>(node, [
      "orders:place",
      "--market",
      "ETH",
      "--size",
      "1.5",
      ...as(2),
    ]);
    expect(placed.sizeDelta).to.equal("1.5");
    expect(placed.fee).to.equal(SETTLEMENT_FEE);
    // No round after the commit yet: refused in words, with the command that publishes one.
    const early = await hardhat(node, ["orders:settle", "--order", placed.orderId, ...as(0)]);
    expect(early.code).to.equal(1);
    expect(errorLines(early.stderr)).to.have.length(1);
    expect(early.stderr).to.match(
      /^error: no ETH price was published after the order's commit yet .*mock:set-price --market ETH/,
    );
    await ok(node, ["mock:set-price", "--market", "ETH", "--price", "3010", ...as(0)]);
    const settled = await okJson<{ filled: boolean; price: string; fillPrice: string; fee: string }>(node, [
      "orders:settle",
      "--order",
      placed.orderId,
      ...as(0),
    ]);
    expect(settled.filled).to.equal(true);
    expect(settled.price).to.equal("3010");
    expect(settled.fillPrice).to.equal(exactWad(fillPrice(wad("3010"), 0n, wad("1.5"))));
    expect(settled.fee).to.equal(SETTLEMENT_FEE);
    expect(await positionSize()).to.equal("1.5");
  });

  it("limit and stop-loss: listed while waiting, the limit settles once the price crosses, the stop-loss is cancelled", async function () {
    const refused = await hardhat(node, [
      "orders:stop-loss",
      "--market",
      "ETH",
      "--trigger",
      "3100",
      ...as(2),
    ]);
    expect(refused.code).to.equal(1);
    expect(errorLines(refused.stderr)).to.deep.equal([
      "error: a stop-loss of a long triggers at or below $3,100, and the price is already $3,010: it would settle at " +
        "once; pick a trigger below the price (or close the position now with close)",
    ]);
    await ok(node, ["orders:limit", "--market", "ETH", "--size", "1", "--trigger", "2950", ...as(2)]);
    await ok(node, ["orders:stop-loss", "--market", "ETH", "--trigger", "2800", ...as(2)]);
    const listed = await okJson<{ kind: string; sizeDelta: string; trigger: string; stateWords: string }[]>(
      node,
      ["orders:list", ...as(2)],
    );
    expect(listed.map((o) => [o.kind, o.sizeDelta, o.trigger])).to.deep.equal([
      ["limit", "1", "2950"],
      ["stop-loss", "-1.5", "2800"], // the whole position by default
    ]);
    const table = await ok(node, ["orders:list", ...as(2)]);
    expect(table).to.contain("at or below $2,950");
    expect(table).to.contain("at or below $2,800");
    expect(table).to.contain("waiting for the trigger (price $3,010)");
    const all = await okJson<unknown[]>(node, ["orders:list", "--all", ...as(0)]);
    expect(all).to.have.length(2);

    // One unit above the trigger: not triggered; at it: settles.
    await ok(node, ["mock:set-price", "--market", "ETH", "--price", "2950.00000001", ...as(0)]);
    const early = await hardhat(node, [
      "orders:settle",
      "--market",
      "ETH",
      "--kind",
      "limit",
      "--owner",
      trader,
      ...as(0),
    ]);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.contain("OrderBookNotTriggered(");
    expect(early.stderr).to.contain("has not reached the trigger yet (at or below $2,950)");
    await ok(node, ["mock:set-price", "--market", "ETH", "--price", "2950", ...as(0)]);
    const settled = await okJson<{ filled: boolean; fillPrice: string }>(node, [
      "orders:settle",
      "--market",
      "ETH",
      "--kind",
      "limit",
      "--owner",
      trader,
      ...as(0),
    ]);
    expect(settled.filled).to.equal(true);
    expect(settled.fillPrice).to.equal(exactWad(fillPrice(wad("2950"), wad("1.5"), wad("1"))));
    expect(await positionSize()).to.equal("2.5");

    const cancelled = await okJson<{ fee: string; recipient: string }>(node, [
      "orders:cancel",
      "--market",
      "ETH",
      "--kind",
      "stop-loss",
      ...as(2),
    ]);
    expect(cancelled).to.include({ fee: SETTLEMENT_FEE, recipient: trader });
    expect(await okJson<unknown[]>(node, ["orders:list", ...as(2)])).to.deep.equal([]);
  });

  it("an operator trades for the account once approved, and is refused in words after the revoke", async function () {
    await ok(node, ["operator:set", "--operator", operator, ...as(2)]);
    const traded = await ok(node, [
      "trade",
      "--owner",
      trader,
      "--market",
      "ETH",
      "--size",
      "-0.5",
      ...as(3),
    ]);
    expect(traded).to.contain(`Traded on ETH-PERP for ${trader} / subaccount 0 (as operator ${operator}).`);
    expect(await positionSize()).to.equal("2");
    await ok(node, ["operator:set", "--operator", operator, "--revoke", ...as(2)]);
    const r = await hardhat(node, [
      "trade",
      "--owner",
      trader,
      "--market",
      "ETH",
      "--size",
      "-0.5",
      ...as(3),
    ]);
    expect(r.code).to.equal(1);
    const lines = errorLines(r.stderr);
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(
      new RegExp(
        `^error: reverted: ClearinghouseUnauthorizedTrader\\(accountId=\\d+, caller=${operator}\\)$`,
      ),
    );
    expect(lines[1]).to.equal(
      `hint: ${operator} is not an operator of ${trader} / subaccount 0: its owner approves it with npx hardhat ` +
        `operator:set --operator ${operator} --subaccount 0 --network localhost (run by ${trader})`,
    );
    expect(await positionSize()).to.equal("2");
  });
});
