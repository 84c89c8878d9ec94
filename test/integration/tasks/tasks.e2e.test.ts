/**
 * The command-line tasks end to end, as a newcomer runs them: a `hardhat node` process on a free port, the local stack
 * deployed with `hardhat ignition deploy`, then one `npx hardhat <task> --network localhost` process per step:
 *
 *   a task without --network: refused, naming the in-process network and suggesting --network localhost
 *   bad input (unparsable size, unknown market, missing account, too many decimals): one line of error, exit 1
 *   trader (account 2): mock:mint 1,000 USDC → deposit → trade 2 ETH (refused: the pool is empty, decoded error
 *                       in human units and a hint to add liquidity)
 *   LP (account 1):     pool:deposit 100,000 USDC
 *   trader:             trade 4 ETH (refused: initial margin, with the USDC missing), a buy below the price (slippage)
 *   trader:             trade --market ETH --size 2 --slippage 0.5 → markets → account (table and JSON)
 *                       → close (60 s later) → withdraw max
 *   LP:                 pool:request-withdraw → mock:advance-time 1 day → pool:withdraw
 *   trader:             two days without feed updates: trade refused with OracleStalePrice and the command that
 *                       re-posts the feeds, which then works
 *
 * Every printed number is checked against values computed here from DESIGN §7–§9 (fill price with skew premium,
 * maker/taker fees, funding, margin, liquidation price), not read back from the contracts. Block times of the two
 * trades are pinned (evm_setNextBlockTimestamp) so the funding between them is known.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { MockERC20__factory } from "../../../typechain-types";
import { ROOT, hardhat, ok, okJson, rpc, startNode, stopAll } from "../support/processes";
import type { HardhatNode } from "../support/processes";

const WAD = 10n ** 18n;
const wad = (v: string) => ethers.parseUnits(v, 18);
const usdc = (v: string) => ethers.parseUnits(v, 6);
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const absDiff = (a: bigint, b: bigint) => (a > b ? a - b : b - a);

/* The local stack's ETH market (deploy/config.ts), written out independently. */
const PRICE = wad("3000");
const SKEW_SCALE = wad("100000");
const TAKER = wad("0.0005");
const MAKER = wad("0.0002");
const IMF = wad("0.1");
const MMF = wad("0.05");
const MAX_FUNDING_PER_DAY = wad("0.1");
const INSURANCE_SHARE = wad("0.2");

const SIZE = wad("2");
const DEPOSIT = "1000";
const POOL_DEPOSIT = "100000";

/** DESIGN §7: fill = oracle * (1 + (skew + (skew + d)) / 2 / skewScale). */
const fillPrice = (skew: bigint, d: bigint) => PRICE + (PRICE * (2n * skew + d)) / (2n * SKEW_SCALE);

describe("Command-line tasks end to end (hardhat node + task processes)", function () {
  this.timeout(180_000);

  let node: HardhatNode;
  let deploymentId: string;
  let trader: string;
  let lp: string;
  const net = () => ["--network", "localhost", "--deployment-id", deploymentId];
  const asTrader = () => [...net(), "--from", "2"];
  const asLp = () => [...net(), "--from", "1"];

  // Expected values, derived step by step.
  const openFill = fillPrice(0n, SIZE); // 3000.03
  const openFee = (((SIZE * openFill) / WAD) * TAKER) / WAD; // taker: the trade increases |skew|
  const balanceAfterOpen = usdc(DEPOSIT) - ceilDiv(openFee, 10n ** 12n);
  const closeFill = fillPrice(SIZE, -SIZE);
  const closeFee = (((SIZE * closeFill) / WAD) * MAKER) / WAD; // maker: the close takes |skew| back to 0
  const ELAPSED = 60n;
  // Funding over the 60 s between the trades: size * rate/s * elapsed * price, rate = skew/skewScale * max/day / 86400.
  const funding =
    (SIZE * ((((SIZE * WAD) / SKEW_SCALE) * MAX_FUNDING_PER_DAY) / WAD) * ELAPSED * PRICE) /
    (86_400n * WAD * WAD);

  before(async function () {
    node = await startNode(31337);
    deploymentId = `test-tasks-${node.port}`;
    await ok(node, ["ignition", "deploy", "deploy/modules/LocalStack.ts", ...net()]);
    trader = await (await node.provider.getSigner(2)).getAddress();
    lp = await (await node.provider.getSigner(1)).getAddress();
  });

  after(async function () {
    await stopAll();
    if (deploymentId)
      fs.rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
  });

  /** The lines a failed command printed on stderr (npm's noise removed by `hardhat`). */
  const errorLines = (stderr: string) => stderr.split("\n").filter((l) => l.trim() !== "");

  it("a task on the in-process network (no --network) says where it looked and suggests --network localhost", async function () {
    const r = await hardhat(node, ["markets", "--deployment-id", deploymentId]);
    expect(r.code).to.equal(1);
    const lines = errorLines(r.stderr);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      new RegExp(
        `^error: no contract at 0x[0-9a-fA-F]{40} \\(Clearinghouse of deployment "${deploymentId}"\\) on network "hardhat" \\(chain 31337\\): .*pass --network localhost`,
      ),
    );
    expect(r.stderr).not.to.contain("could not decode");
    const missing = await hardhat(node, ["markets", "--network", "localhost", "--deployment-id", "nope"]);
    expect(missing.code).to.equal(1);
    expect(errorLines(missing.stderr)).to.deep.equal([
      `error: no Ignition deployment "nope" for network "localhost" (chain 31337) (deploy/deployments/nope/deployed_addresses.json not found; deployments: ${fs.readdirSync(path.join(ROOT, "deploy", "deployments")).join(", ")}): deploy there first (npx hardhat ignition deploy deploy/modules/LocalStack.ts --network localhost) or pass the right --network / --deployment-id`,
    ]);
  });

  it("bad input: one line of error, exit status 1, no stack trace", async function () {
    const cases: [string[], string][] = [
      [["trade", "--market", "ETH", "--size", "abc"], 'error: --size: "abc" is not a number'],
      [
        ["trade", "--market", "DOGE", "--size", "1"],
        'error: no market "DOGE"; markets: ETH (id 0), BTC (id 1)',
      ],
      [
        ["liquidate"],
        "error: pass the account to liquidate: --account-id <id>, or --address <owner> [--subaccount n]",
      ],
      [["deposit", "--amount", "1.0000001"], 'error: --amount: "1.0000001" has more than 6 decimals'],
      [["account", "--address", "0x1234"], 'error: --address: "0x1234" is not an address'],
      [
        ["mock:advance-time", "--seconds", "-5"],
        'error: --seconds must be a positive number of seconds, got "-5"',
      ],
      [["account", "--from", "99"], 'error: --from 99: network "localhost" has 20 accounts (0..19)'],
    ];
    const results = await Promise.all(cases.map(([args]) => hardhat(node, [...args, ...net()])));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(" ")).to.equal(1);
      expect(errorLines(r.stderr), cases[i][0].join(" ")).to.deep.equal([cases[i][1]]);
    });
  });

  it("mock:mint and deposit: 1,000 USDC into the trader's subaccount 0", async function () {
    const minted = await ok(node, ["mock:mint", "--amount", DEPOSIT, ...asTrader()]);
    expect(minted).to.contain(`Minted 1,000.00 USDC to ${trader}`);
    const out = await ok(node, ["deposit", "--amount", DEPOSIT, ...asTrader()]);
    expect(out).to.contain(`Deposited 1,000.000000 USDC into ${trader} / subaccount 0.`);
    expect(out).to.match(/account balance: 1,000\.000000 USDC/);
  });

  it("trade against the empty pool: the decoded error in human units and a hint to add liquidity", async function () {
    const r = await hardhat(node, ["trade", "--market", "ETH", "--size", "2", ...asTrader()]);
    expect(r.code).to.equal(1);
    // Open interest is capped at 1x the pool's cash, and the pool is empty: notional = 2 * $3,000 at the oracle price.
    expect(errorLines(r.stderr)).to.deep.equal([
      "error: reverted: ClearinghousePoolOpenInterestCapExceeded(marketId=0, notional=$6,000, cap=$0)",
      "hint: the liquidity pool is empty, so no position can open: add liquidity first, e.g. npx hardhat " +
        "pool:deposit --amount 100000 --network localhost (on a local chain, mock:mint the USDC before)",
    ]);
    expect(r.stderr + r.stdout).not.to.match(/0x[0-9a-fA-F]{40,}/); // no raw revert blob
    const json = await hardhat(node, ["trade", "--market", "ETH", "--size", "2", "--json", ...asTrader()]);
    const error = (JSON.parse(json.stdout) as { error: Record<string, unknown> }).error;
    expect(error.args).to.deep.equal({ marketId: "0", notional: "$6,000", cap: "$0" });
    expect(error.rawArgs).to.deep.equal({ marketId: "0", notional: (6000n * WAD).toString(), cap: "0" });
  });

  it("pool:deposit: an LP funds the pool", async function () {
    const deployed = JSON.parse(
      fs.readFileSync(
        path.join(ROOT, "deploy", "deployments", deploymentId, "deployed_addresses.json"),
        "utf8",
      ),
    ) as Record<string, string>;
    const token = MockERC20__factory.connect(deployed["LocalStack#USDC"], await node.provider.getSigner(1));
    await (await token.mint(lp, usdc(POOL_DEPOSIT))).wait();
    const out = await okJson<{ amount: string; sharesMinted: string; totalAssets: string; shares: string }>(
      node,
      ["pool:deposit", "--amount", POOL_DEPOSIT, ...asLp()],
    );
    expect(out.amount).to.equal("100000");
    expect(out.totalAssets).to.equal("100000");
    // ERC-4626 with a decimals offset of 6: one USDC unit (6 decimals) mints 10^6 share units (12 decimals).
    expect(out.sharesMinted).to.equal("100000");
    expect(out.shares).to.equal("100000");
  });

  it("trade beyond the initial margin: says how much USDC is missing", async function () {
    // A 4 ETH buy from zero skew: fill 3000 * (1 + 4 / 2 / 100,000) = 3000.06, taker fee 4 * 3000.06 * 0.05% =
    // 6.00012, unrealized PnL at the oracle 4 * (3000 - 3000.06) = -0.24; equity 1000 - 6.00012 - 0.24 = 993.75988
    // against an initial margin of 4 * 3000 * 10% = 1200: 206.24012 short.
    const size = wad("4");
    const fill = fillPrice(0n, size);
    const fee = (((size * fill) / WAD) * TAKER) / WAD;
    const equityAfter = usdc(DEPOSIT) * 10n ** 12n - fee + (size * (PRICE - fill)) / WAD;
    const initialMargin = (((size * PRICE) / WAD) * IMF) / WAD;
    expect(ethers.formatUnits(equityAfter, 18)).to.equal("993.75988");
    const missing = ethers.formatUnits(ceilDiv(initialMargin - equityAfter, 10n ** 12n), 6);
    expect(missing).to.equal("206.24012");
    const r = await hardhat(node, ["trade", "--market", "ETH", "--size", "4", ...asTrader()]);
    expect(r.code).to.equal(1);
    const accountId = (BigInt(trader) << 96n).toString();
    expect(errorLines(r.stderr)).to.deep.equal([
      `error: reverted: ClearinghouseInsufficientMargin(accountId=${accountId}, equity=$993.75988, initialMargin=$1,200)`,
      `hint: the account would be $${missing} short of its initial margin: deposit at least ${missing} USDC more ` +
        `(npx hardhat deposit --amount ${missing} --network localhost) or trade smaller`,
    ]);
  });

  it("trade with a limit below the fill: the slippage error and what to change", async function () {
    const r = await hardhat(node, [
      "trade",
      "--market",
      "ETH",
      "--size",
      "1",
      "--acceptable-price",
      "2900",
      ...asTrader(),
    ]);
    expect(r.code).to.equal(1);
    expect(ethers.formatUnits(fillPrice(0n, WAD), 18)).to.equal("3000.015");
    expect(errorLines(r.stderr)).to.deep.equal([
      "error: reverted: ClearinghouseSlippageExceeded(sizeDelta=1, fillPrice=$3,000.015, acceptablePrice=$2,900)",
      "hint: the fill price $3,000.015 is above your limit $2,900: the price or the skew moved since the preview; " +
        "try again, or allow more with --slippage (percent) or --acceptable-price",
    ]);
  });

  let t0: number;

  it("trade --market ETH --size 2 --slippage 0.5: fills at the skew-premium price, pays the taker fee", async function () {
    t0 = (await node.provider.getBlock("latest"))!.timestamp + 100;
    await rpc(node, "evm_setNextBlockTimestamp", [t0]);
    const out = await okJson<Record<string, string>>(node, [
      "trade",
      "--market",
      "ETH",
      "--size",
      "2",
      "--slippage",
      "0.5",
      ...asTrader(),
    ]);
    expect(openFill).to.equal(wad("3000.03"));
    expect(out.fillPrice).to.equal("3000.03");
    expect(out.previewFillPrice).to.equal("3000.03");
    expect(out.acceptablePrice).to.equal("3015.03015"); // 3000.03 * 1.005
    expect(out.fee).to.equal(ethers.formatUnits(openFee, 18)); // 2 * 3000.03 * 0.05% = 3.00003
    expect(out.fee).to.equal("3.00003");
    expect(out.accountDelta).to.equal("-3.00003");
    expect(out.realizedPnl).to.equal("0");
    expect(out.newSize).to.equal("2");
    expect(out.entryPrice).to.equal("3000.03");
  });

  it("markets: price, skew, open interest and funding rate", async function () {
    const out = await ok(node, ["markets", ...net()]);
    // funding / day = skew / skewScale * 10% = 2 / 100,000 * 10% = 0.0002%
    expect(out).to.match(
      /0\s+ETH-PERP\s+\$3,000\.00\s+\+2\.0000\s+2\.0000\s+0.0000\s+4,000\s+\+0\.0002%\s+10\.0x\s+0\.050% \/ 0\.020%/,
    );
    expect(out).to.match(
      /1\s+BTC-PERP\s+\$60,000\.00\s+0\.0000\s+0\.0000\s+0\.0000\s+200\s+0\.0000%\s+10\.0x/,
    );
  });

  // Account numbers right after the trade (funding accrued since is below $0.00001).
  const notional = (SIZE * PRICE) / WAD; // $6,000
  const unrealized = notional - (SIZE * openFill) / WAD; // -$0.06
  const equity = balanceAfterOpen * 10n ** 12n + unrealized; // $996.93997
  const im = (notional * IMF) / WAD; // $600
  const mm = (notional * MMF) / WAD; // $300
  // Liquidation price (ETH alone moves): p* = p + (MM - E) / (size * (1 - mmf)).
  const liquidationPrice = PRICE + ((mm - equity) * WAD) / (SIZE - (SIZE * MMF) / WAD);

  it("account: collateral, position with entry price, PnL, funding and liquidation distance, and the margin picture", async function () {
    expect(balanceAfterOpen).to.equal(usdc("996.99997"));
    const table = await ok(node, ["account", ...asTrader()]);
    expect(table).to.contain(`Account ${trader} / subaccount 0`);
    expect(table).to.match(/USDC\s+996\.999970\s+\(par\)\s+100%\s+\$997\.00/);
    expect(ethers.formatUnits(liquidationPrice, 18).slice(0, 9)).to.equal("2633.1894"); // 3000 - 696.94003 / 1.9
    expect(table).to.match(
      /ETH-PERP\s+LONG\s+2\.0000\s+\$3,000\.03\s+\$3,000\.00\s+\$6,000\.00\s+-\$0\.06\s+\$0\.0000\s+\$2,633\.19\s+-12\.23%/,
    );
    expect(table).to.match(/equity\s+\$996\.94\n/);
    expect(table).to.match(/collateral value\s+\$997\.00\n/);
    expect(table).to.match(/unrealized PnL\s+-\$0\.06\n/);
    expect(table).to.match(/initial margin\s+\$600\.00\n/);
    expect(table).to.match(/maintenance margin\s+\$300\.00\n/);
    expect(table).to.match(/free collateral\s+\$396\.94\n/);
    expect(table).to.match(/margin ratio \(equity \/ MM\)\s+3\.32x\n/); // 996.94 / 300
    expect(table).to.match(/liquidatable\s+no/);

    const json = await okJson<{
      collateral: { symbol: string; balance: string; value: string }[];
      positions: Record<string, string>[];
      equity: string;
      initialMargin: string;
      maintenanceMargin: string;
      freeCollateral: string;
      marginRatio: string;
      liquidatable: boolean;
    }>(node, ["account", ...asTrader()]);
    expect(json.collateral.map(({ symbol, balance, value }) => ({ symbol, balance, value }))).to.deep.equal([
      { symbol: "USDC", balance: "996.99997", value: "996.99997" },
    ]);
    const p = json.positions[0];
    expect(p.market).to.equal("ETH-PERP");
    expect(p.side).to.equal("LONG");
    expect(p.size).to.equal("2");
    expect(p.entryPrice).to.equal("3000.03");
    expect(p.markPrice).to.equal("3000");
    expect(p.notional).to.equal("6000");
    expect(p.unrealizedPnl).to.equal("-0.06");
    expect(json.initialMargin).to.equal("600");
    expect(json.maintenanceMargin).to.equal("300");
    const tolerance = wad("0.00001"); // funding accrued while the commands run
    expect(absDiff(wad(json.equity), equity) < tolerance, `equity ${json.equity}`).to.equal(true);
    expect(absDiff(wad(json.freeCollateral), equity - im) < tolerance).to.equal(true);
    expect(
      absDiff(wad(p.liquidationPrice), liquidationPrice) < wad("0.0001"),
      `liq ${p.liquidationPrice}`,
    ).to.equal(true);
    const distance = ((liquidationPrice - PRICE) * WAD) / PRICE;
    expect(absDiff(wad(p.liquidationDistance), distance) < wad("0.0000001")).to.equal(true);
    expect(json.liquidatable).to.equal(false);
  });

  it("close 60 s later: fills at the same premium, pays the maker fee and 60 s of funding", async function () {
    await rpc(node, "evm_setNextBlockTimestamp", [t0 + Number(ELAPSED)]);
    const out = await okJson<Record<string, string>>(node, ["close", "--market", "ETH-PERP", ...asTrader()]);
    expect(out.sizeDelta).to.equal("-2");
    expect(out.fillPrice).to.equal("3000.03");
    expect(out.fee).to.equal(ethers.formatUnits(closeFee, 18)); // 2 * 3000.03 * 0.02% = 1.200012
    expect(out.fee).to.equal("1.200012");
    expect(out.realizedPnl).to.equal("0");
    expect(out.newSize).to.equal("0");
    // 2 * (2 / 100,000 * 10% / 86,400 s * 60 s * $3,000) = $0.0000083333…
    expect(absDiff(wad(out.fundingPaid), funding) <= 10n ** 9n, `funding ${out.fundingPaid}`).to.equal(true);
    // fee and funding leave the account in USDC units, rounded against the account
    expect(out.accountDelta).to.equal(ethers.formatUnits(-ceilDiv(closeFee + funding, 10n ** 12n), 6));
    expect(out.accountDelta).to.equal("-1.200021");
  });

  it("withdraw --amount max: everything left goes back to the wallet", async function () {
    const expected = balanceAfterOpen - ceilDiv(closeFee + funding, 10n ** 12n);
    expect(expected).to.equal(usdc("995.799949"));
    const out = await ok(node, ["withdraw", "--amount", "max", ...asTrader()]);
    expect(out).to.contain(`Withdrew 995.799949 USDC from ${trader} / subaccount 0.`);
    expect(out).to.match(/account balance: 0\.000000 USDC/);
  });

  it("pool:request-withdraw, then pool:withdraw after the delay: the LP gets its deposit plus fees and funding", async function () {
    const request = await okJson<{ sharesRequested: string; request: { status: string } }>(node, [
      "pool:request-withdraw",
      ...asLp(),
    ]);
    expect(request.sharesRequested).to.equal("100000");
    expect(request.request.status).to.match(/^waiting until /);

    const early = await hardhat(node, ["pool:withdraw", ...asLp()]);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.match(
      /error: reverted: PoolWithdrawalNotReady\(owner=0x[0-9a-fA-F]{40}, unlockTime=20\d\d-[-0-9T:]+Z, blockTimestamp=20\d\d-[-0-9T:]+Z\)/,
    );
    expect(early.stderr).to.match(
      /hint: the request is redeemable from .*npx hardhat mock:advance-time --seconds \d+ --network localhost/,
    );

    const moved = await ok(node, ["mock:advance-time", "--seconds", "86401", ...net()]);
    expect(moved).to.match(/re-posted the mock feeds of ETH, BTC/);

    const out = await okJson<{ assets: string; sharesRedeemed: string }>(node, ["pool:withdraw", ...asLp()]);
    expect(out.sharesRedeemed).to.equal("100000");
    // The pool kept 80% of both fees (20% went to the insurance fund) and received the funding.
    const expected =
      usdc(POOL_DEPOSIT) + (((openFee + closeFee) * (WAD - INSURANCE_SHARE)) / WAD + funding) / 10n ** 12n;
    expect(
      absDiff(usdc(out.assets), expected) <= 2n,
      `assets ${out.assets} vs ${ethers.formatUnits(expected, 6)}`,
    ).to.equal(true);
  });

  it("a stale price: the refusal names the age and the command that re-posts the mock feeds", async function () {
    // The local feeds' heartbeat is a day (deploy/config.ts): two days without an update make them stale.
    await ok(node, ["mock:advance-time", "--seconds", String(2 * 86_400), "--no-refresh", ...net()]);
    const r = await hardhat(node, ["trade", "--market", "ETH", "--size", "1", ...asTrader()]);
    expect(r.code).to.equal(1);
    const [error, hint] = errorLines(r.stderr);
    expect(error).to.match(
      /^error: reverted: OracleStalePrice\(asset="ETH", feed=0x[0-9a-fA-F]{40}, updatedAt=.*Z, maxAge=\d+ s, blockTimestamp=.*Z\)$/,
    );
    expect(hint).to.match(
      /^hint: the ETH price is \d+ s old and the oracle accepts at most \d+ s: on a local chain re-post the mock feeds \(npx hardhat mock:advance-time --seconds 1 --network localhost/,
    );
    await ok(node, ["mock:advance-time", "--seconds", "1", ...net()]);
    const markets = await ok(node, ["markets", ...net()]);
    expect(markets).to.match(/0\s+ETH-PERP\s+\$3,000\.00/);
  });
});
