/**
 * Keeper end to end: a real `hardhat node`, the LocalStack deployed with `hardhat ignition deploy`, and the keeper
 * run as a process (`npx hardhat keeper --network localhost ...`), everything over JSON-RPC on 127.0.0.1.
 *
 *   1. 50 accounts (10 owners × 5 subaccounts) deposit 10,000 USDC each and open positions: 5 chosen ones a 9x ETH
 *      long, the other 45 2x longs or shorts on ETH or BTC. ETH then drops 8%: a 9x long loses ~72% of its
 *      collateral and falls well under its 5% maintenance margin, a 2x position keeps > 80% of its equity against a
 *      maintenance margin of ~10% of it, so exactly the 5 chosen accounts are liquidatable (checked on chain too).
 *   2. The keeper (already running, 50 accounts tracked) liquidates exactly those 5; /metrics agrees.
 *   3. The keeper is killed (SIGKILL, a crash). 3 new owners open 9x BTC longs and BTC drops 8%: only they become
 *      liquidatable (the first 5 hold ETH only and are healthy after their partial liquidation).
 *   4. The keeper restarts on the same checkpoint, resumes scanning after the checkpoint's block, discovers the 3
 *      new accounts and liquidates them; no account is liquidated twice. SIGTERM then stops it cleanly.
 *
 * Every process the test starts (node, deploy, keepers) runs in its own process group and is killed in `after`,
 * with the deployment folder deploy/deployments/keeper-e2e-<port> and the temporary files (helpers: ./node.ts).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import type { HDNodeWallet } from "ethers";
import {
  BTC_MARKET,
  ETH_MARKET,
  FEED,
  HOST,
  Processes,
  USDC,
  WAD,
  freePort,
  getMetrics,
  idOf,
  jsonLines,
  keeperArgs as keeperCommand,
  mined,
  signalGroup,
  startLocalChain,
  waitFor,
  withTimeout,
} from "./node";
import type { LocalChain } from "./node";

/* THE TEST */

describe("Keeper end to end (hardhat node + keeper process)", function () {
  this.timeout(240_000);

  const procs = new Processes();
  const start = procs.start.bind(procs);
  let chain: LocalChain;
  let rpcUrl: string;
  let tmpDir: string;
  let stateFile: string;
  let provider: ethers.JsonRpcProvider;
  let wallets: HDNodeWallet[];
  let keeperWallet: HDNodeWallet;

  const keeperArgs = (metricsPort: number) => keeperCommand(chain, stateFile, metricsPort);
  const keeperEnv = () => ({ LOCALHOST_RPC_URL: rpcUrl, KEEPER_PRIVATE_KEY: keeperWallet.privateKey });

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-keeper-e2e-"));
    stateFile = path.join(tmpDir, "keeper-state.json");
    chain = await startLocalChain(procs, "keeper-e2e");
    ({ rpcUrl, provider, wallets } = chain);
    keeperWallet = wallets[19];
  });

  after(async function () {
    this.timeout(30_000);
    await chain?.close();
    await procs.killAll();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it("liquidates exactly the liquidatable accounts, and after a crash and restart misses none", async function () {
    const { usdc, vault, clearinghouse, pool, ethFeed, btcFeed } = chain.contracts();
    const usdcAddress = await usdc.getAddress();
    const vaultAddress = await vault.getAddress();

    // The LP: 1,000,000 USDC in the pool (the counterparty of every position).
    const lp = wallets[11];
    await mined(usdc.connect(lp).mint(lp.address, USDC(1_000_000)));
    await mined(usdc.connect(lp).approve(await pool.getAddress(), ethers.MaxUint256));
    await mined(pool.connect(lp).deposit(USDC(1_000_000), lp.address));

    /** Deposits 10,000 USDC into each subaccount and trades `plan(sub)` there. */
    const openAccounts = async (
      owner: HDNodeWallet,
      plans: { sub: number; marketId: bigint; size: bigint }[],
    ): Promise<void> => {
      const ch = clearinghouse.connect(owner);
      await mined(usdc.connect(owner).mint(owner.address, USDC(10_000) * BigInt(plans.length)));
      await mined(usdc.connect(owner).approve(vaultAddress, ethers.MaxUint256));
      for (const { sub, marketId, size } of plans) {
        await mined(vault.connect(owner).deposit(sub, usdcAddress, USDC(10_000)));
        // Owners trade concurrently, so a trade's gas depends on which lands first: no exact estimate.
        await mined(
          ch.trade(sub, marketId, size, size > 0n ? ethers.MaxUint256 : 0n, { gasLimit: 1_000_000 }),
        );
      }
    };

    // 10 owners × 5 subaccounts. The chosen 5: a 9x ETH long (30 ETH ≈ $90k on $10k). The others: 2x.
    const owners = wallets.slice(1, 11);
    const chosen = new Set([
      idOf(owners[0].address, 0),
      idOf(owners[2].address, 2),
      idOf(owners[4].address, 4),
      idOf(owners[6].address, 1),
      idOf(owners[9].address, 3),
    ]);
    const healthyPlans = [
      { marketId: ETH_MARKET, size: WAD("6.6") },
      { marketId: BTC_MARKET, size: WAD("0.33") },
      { marketId: ETH_MARKET, size: WAD("-6.6") },
      { marketId: BTC_MARKET, size: WAD("-0.33") },
    ];
    const allIds: bigint[] = [];
    await Promise.all(
      owners.map((owner, o) =>
        openAccounts(
          owner,
          [0, 1, 2, 3, 4].map((sub) => {
            const id = idOf(owner.address, sub);
            allIds.push(id);
            return chosen.has(id)
              ? { sub, marketId: ETH_MARKET, size: WAD(30) }
              : { sub, ...healthyPlans[(o + sub) % 4] };
          }),
        ),
      ),
    );
    expect(allIds).to.have.length(50);
    expect((await clearinghouse.liquidatable(allIds)).some((x) => x)).to.equal(false);

    // The keeper starts and discovers the 50 accounts; nothing to do yet.
    const metricsPort1 = await freePort();
    const keeper1 = start("keeper-1", keeperArgs(metricsPort1), keeperEnv(), true);
    await waitFor(
      "keeper 1 to track 50 accounts",
      60_000,
      async () =>
        (await getMetrics(metricsPort1)).get("keel_keeper_accounts_tracked") === 50 ? true : undefined,
      keeper1.tail(),
    );

    // ETH -8%: exactly the chosen 5 become liquidatable.
    await mined(ethFeed.updateAnswer(FEED(2760)));
    const flagged = await clearinghouse.liquidatable(allIds);
    expect(new Set(allIds.filter((_, i) => flagged[i]))).to.deep.equal(chosen);

    const liquidations = async () =>
      (await clearinghouse.queryFilter(clearinghouse.filters.Liquidated(), 0, "latest")).map((e) => e.args);
    const first = await waitFor(
      "5 Liquidated events",
      60_000,
      async () => {
        const events = await liquidations();
        return events.length >= 5 ? events : undefined;
      },
      keeper1.tail(),
    );
    expect(first).to.have.length(5);
    expect(new Set(first.map((e) => e.accountId))).to.deep.equal(chosen);
    for (const e of first) expect(e.keeper).to.equal(keeperWallet.address);
    const rewards1 = first.reduce((sum, e) => sum + e.keeperReward, 0n);
    expect(rewards1).to.be.greaterThan(0n);
    expect(await vault.balanceOf(idOf(keeperWallet.address, 0), usdcAddress)).to.equal(rewards1);

    const m1 = await waitFor("keeper 1 to count 5 successes", 30_000, async () => {
      const m = await getMetrics(metricsPort1);
      return m.get("keel_keeper_liquidations_succeeded_total") === 5 ? m : undefined;
    });
    expect(m1.get("keel_keeper_accounts_tracked")).to.equal(50);
    expect(m1.get("keel_keeper_liquidations_sent_total")).to.equal(5);
    expect(m1.get("keel_keeper_liquidations_lost_total")).to.equal(0);
    expect(m1.get("keel_keeper_liquidations_failed_total")).to.equal(0);
    expect(m1.get("keel_keeper_rewards_total")).to.equal(Number(rewards1));
    expect(m1.get("keel_keeper_checks_total")).to.be.at.least(100); // 50 accounts, at least two blocks
    const logs1 = jsonLines(keeper1);
    const succeeded1 = logs1.filter((l) => l.event === "liquidation_succeeded");
    expect(new Set(succeeded1.map((l) => BigInt(l.accountId as string)))).to.deep.equal(chosen);
    for (const l of succeeded1) {
      expect(l).to.include.keys("ts", "level", "accountId", "block", "txHash", "rewardUsdc", "rewardRaw");
      const event = first.find((e) => e.accountId === BigInt(l.accountId as string))!;
      // The reward in USDC, exact (6 decimals), and raw.
      expect(l).to.include({
        rewardUsdc: ethers.formatUnits(event.keeperReward, 6),
        rewardRaw: event.keeperReward.toString(),
        leftBadDebt: false,
      });
    }
    expect(
      logs1.filter((l) => l.level === "error"),
      keeper1.tail(),
    ).to.deep.equal([]);

    // Crash: SIGKILL, no chance to clean up. The checkpoint on disk is whatever the last round wrote.
    signalGroup(keeper1, "SIGKILL");
    await withTimeout(keeper1.exited, 10_000, "keeper 1 to die");
    const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
      lastScannedBlock: number;
      accounts: string[];
    };
    expect(checkpoint.accounts).to.have.length(50);
    expect(checkpoint.lastScannedBlock).to.be.greaterThan(0);

    // While it is down: 3 new owners open 9x BTC longs, then BTC -8%. Only they become liquidatable.
    const newOwners = wallets.slice(12, 15);
    await Promise.all(
      newOwners.map((w) => openAccounts(w, [{ sub: 0, marketId: BTC_MARKET, size: WAD("1.5") }])),
    );
    const newIds = newOwners.map((w) => idOf(w.address, 0));
    await mined(btcFeed.updateAnswer(FEED(55_200)));
    const everyone = [...allIds, ...newIds];
    const flagged2 = await clearinghouse.liquidatable(everyone);
    expect(new Set(everyone.filter((_, i) => flagged2[i]))).to.deep.equal(new Set(newIds));

    // Restart on the same checkpoint.
    const metricsPort2 = await freePort();
    const keeper2 = start("keeper-2", keeperArgs(metricsPort2), keeperEnv(), true);
    const all = await waitFor(
      "3 more Liquidated events",
      60_000,
      async () => {
        const events = await liquidations();
        return events.length >= 8 ? events : undefined;
      },
      keeper2.tail(),
    );
    const second = all.slice(5);
    expect(new Set(second.map((e) => e.accountId))).to.deep.equal(new Set(newIds));
    const m2 = await waitFor("keeper 2 to count 3 successes", 30_000, async () => {
      const m = await getMetrics(metricsPort2);
      return m.get("keel_keeper_liquidations_succeeded_total") === 3 ? m : undefined;
    });
    expect(m2.get("keel_keeper_accounts_tracked")).to.equal(53);
    expect(m2.get("keel_keeper_liquidations_sent_total")).to.equal(3);
    expect(m2.get("keel_keeper_liquidations_failed_total")).to.equal(0);

    // It resumed from the checkpoint instead of rescanning from the deployment block.
    const logs2 = jsonLines(keeper2);
    const loaded = logs2.find((l) => l.event === "checkpoint_loaded");
    expect(loaded, keeper2.tail()).to.include({
      lastScannedBlock: checkpoint.lastScannedBlock,
      accounts: 50,
    });
    const discovered = logs2.filter((l) => l.event === "accounts_discovered");
    expect(discovered[0]).to.include({ fromBlock: checkpoint.lastScannedBlock + 1, count: 3 });

    // Let a few more rounds pass (new blocks included): still no account liquidated twice.
    await mined(ethFeed.updateAnswer(FEED(2760)));
    await new Promise((r) => setTimeout(r, 1_000));
    const final = await liquidations();
    expect(final).to.have.length(8);
    expect(new Set(final.map((e) => e.accountId)).size).to.equal(8);
    const m3 = await getMetrics(metricsPort2);
    expect(m3.get("keel_keeper_liquidations_sent_total")).to.equal(3);
    expect(
      jsonLines(keeper2).filter((l) => l.level === "error"),
      keeper2.tail(),
    ).to.deep.equal([]);

    // Clean shutdown: SIGTERM → finish the round, write the checkpoint, close /metrics, exit.
    signalGroup(keeper2, "SIGTERM");
    await withTimeout(keeper2.exited, 30_000, "keeper 2 to stop on SIGTERM");
    await waitFor("keeper 2's last log line", 5_000, () =>
      jsonLines(keeper2).some((l) => l.event === "stopped") ? true : undefined,
    );
    const events2 = jsonLines(keeper2).map((l) => l.event);
    expect(events2[events2.length - 1]).to.equal("stopped");
    expect(events2.indexOf("stopping")).to.be.within(0, events2.length - 2);
    const head = await provider.getBlockNumber();
    const finalCheckpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
      lastScannedBlock: number;
      accounts: string[];
    };
    expect(finalCheckpoint.accounts).to.have.length(53);
    expect(finalCheckpoint.lastScannedBlock).to.equal(head);
    await expect(fetch(`http://${HOST}:${metricsPort2}/metrics`)).to.be.rejected;
  });
});
