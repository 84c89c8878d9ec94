/**
 * The keeper settles a batch of orders over JSON-RPC (DESIGN §21): a real `hardhat node` with the LocalStack, several
 * traders commit market orders, the ETH price is pushed (the first round after every commit), and ONE keeper round
 * (`npx hardhat keeper --once`) settles them all: each position is the committed size, and the keeper's subaccount 0
 * holds n × the deployment's settlement fee (deploy/config.ts), never read back from the chain.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { LOCAL_ORDER_PARAMS } from "../../../deploy/config";
import {
  ETH_MARKET,
  FEED,
  Processes,
  USDC,
  WAD,
  idOf,
  jsonLines,
  keeperArgs,
  mined,
  startLocalChain,
  withTimeout,
} from "./node";
import type { LocalChain } from "./node";

const FEE = LOCAL_ORDER_PARAMS.settlementFee;

describe("Keeper end to end: a batch of orders settled in one round", function () {
  this.timeout(240_000);

  const procs = new Processes();
  let chain: LocalChain;
  let tmpDir: string;

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-keeper-orders-"));
    chain = await startLocalChain(procs, "keeper-orders");
  });

  after(async function () {
    this.timeout(30_000);
    await chain?.close();
    await procs.killAll();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it("settles every committed market order at the pushed round and earns n × the settlement fee", async function () {
    const { usdc, vault, clearinghouse, pool, ethFeed, orderBook } = chain.contracts();
    const { wallets, provider } = chain;
    const keeperWallet = wallets[19];
    // The keeper process starts in seconds, not within the 15 s a settlement price may be old on an L2.
    await mined(orderBook.setMaxPriceAge(600));
    const lp = wallets[11];
    await mined(usdc.connect(lp).mint(lp.address, USDC(1_000_000)));
    await mined(usdc.connect(lp).approve(await pool.getAddress(), ethers.MaxUint256));
    await mined(pool.connect(lp).deposit(USDC(1_000_000), lp.address));

    const sizes = [WAD(2), WAD("-1.5"), WAD("0.7"), WAD(-3), WAD(1)];
    const traders = wallets.slice(1, 1 + sizes.length);
    const { timestamp } = (await provider.getBlock("latest"))!;
    for (const [i, trader] of traders.entries()) {
      await mined(usdc.connect(trader).mint(trader.address, USDC(10_000)));
      await mined(usdc.connect(trader).approve(await vault.getAddress(), ethers.MaxUint256));
      await mined(vault.connect(trader).deposit(0, await usdc.getAddress(), USDC(10_000)));
      const size = sizes[i];
      await mined(
        orderBook
          .connect(trader)
          .commitOrder(
            idOf(trader.address, 0),
            ETH_MARKET,
            size,
            size > 0n ? ethers.MaxUint256 : 0n,
            timestamp + 3_000,
            false,
          ),
      );
    }
    // The first round after every commit (and past minDelay): one push settles the whole batch.
    await provider.send("evm_increaseTime", [2]);
    await mined(ethFeed.updateAnswer(FEED(3_010)));

    const stateFile = path.join(tmpDir, "keeper-state.json");
    const keeper = procs.start(
      "keeper",
      keeperArgs(chain, stateFile, 0, ["--once", "--log-level", "info"]),
      { LOCALHOST_RPC_URL: chain.rpcUrl, KEEPER_PRIVATE_KEY: keeperWallet.privateKey },
      true,
    );
    const { code } = await withTimeout(keeper.exited, 180_000, "the keeper's round");
    expect(code, keeper.tail()).to.equal(0);

    for (const [i, trader] of traders.entries()) {
      expect((await clearinghouse.position(idOf(trader.address, 0), ETH_MARKET)).size).to.equal(sizes[i]);
    }
    expect(await vault.balanceOf(idOf(keeperWallet.address, 0), await usdc.getAddress())).to.equal(
      BigInt(sizes.length) * FEE,
    );
    const lines = jsonLines(keeper);
    expect(lines.filter((l) => l.event === "order_settle_sent")).to.have.length(sizes.length);
    expect(lines.filter((l) => l.event === "order_settle_succeeded")).to.have.length(sizes.length);
    expect(lines.filter((l) => /^order_.*(failed|skipped|lost)$/.test(l.event))).to.deep.equal([]);
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { pendingOrders?: string[] };
    expect(state.pendingOrders).to.deep.equal([]);
  });
});
