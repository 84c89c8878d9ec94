/**
 * The Keeper against the in-process Hardhat network (positions): the events' topics, discovery, liquidation and
 * reward, bad debt in the log, lost races, nonce re-sync, the runner. The keeper as a process against a real
 * `hardhat node` is tested in test/integration/keeper/.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { FEED, accountIdOf as refAccountIdOf, fundedFixture } from "../../shared/fixtures";
import {
  BAD_DEBT_SETTLED_TOPIC,
  COLLATERAL_LIQUIDATED_TOPIC,
  DELEVERAGED_TOPIC,
  DEPOSITED_TOPIC,
  LIQUIDATED_TOPIC,
  MemoryLogger,
  TRADE_EXECUTED_TOPIC,
} from "../../../scripts/keeper";
import { KeeperRunner } from "../../../scripts/keeper/runner";
import { keeperFixture, makeLiquidationKeeper } from "./helpers";

describe("Keeper on the Hardhat network: liquidation", function () {
  it("uses the topics of the contracts' events", async function () {
    const { vault, clearinghouse } = await loadFixture(fundedFixture);
    expect(DEPOSITED_TOPIC).to.equal(vault.interface.getEvent("Deposited").topicHash);
    expect(TRADE_EXECUTED_TOPIC).to.equal(clearinghouse.interface.getEvent("TradeExecuted").topicHash);
    expect(LIQUIDATED_TOPIC).to.equal(clearinghouse.interface.getEvent("Liquidated").topicHash);
    expect(COLLATERAL_LIQUIDATED_TOPIC).to.equal(vault.interface.getEvent("CollateralLiquidated").topicHash);
    expect(BAD_DEBT_SETTLED_TOPIC).to.equal(vault.interface.getEvent("BadDebtSettled").topicHash);
    expect(DELEVERAGED_TOPIC).to.equal(clearinghouse.interface.getEvent("Deleveraged").topicHash);
  });

  it("discovers accounts from logs, liquidates exactly the liquidatable ones and books the reward", async function () {
    const sys = await loadFixture(keeperFixture);
    const { keeper, logger } = makeLiquidationKeeper(sys);
    const latest = await ethers.provider.getBlockNumber();
    const discovered = await keeper.scanLogs(0, latest);
    expect(new Set(discovered)).to.deep.equal(new Set([sys.aliceId, sys.bobId, sys.carolId, sys.carol1Id]));
    expect(await keeper.scanLogs(0, latest)).to.deep.equal([]); // idempotent

    const outcomes = await keeper.checkAndLiquidate();
    expect(outcomes.map((o) => [o.accountId, o.status])).to.deep.equal(
      [
        [sys.aliceId, "succeeded"],
        [sys.carol1Id, "succeeded"],
      ].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    expect(keeper.stats.checks).to.equal(4);
    expect(keeper.stats.checkCalls).to.equal(2); // batches of 2
    expect(keeper.stats.sent).to.equal(2);
    expect(keeper.stats.succeeded).to.equal(2);

    const events = await sys.clearinghouse.queryFilter(sys.clearinghouse.filters.Liquidated(), latest + 1);
    expect(events.map((e) => e.args.accountId).sort()).to.deep.equal([sys.aliceId, sys.carol1Id].sort());
    const rewards = events.reduce((sum, e) => sum + e.args.keeperReward, 0n);
    expect(rewards).to.be.greaterThan(0n);
    expect(keeper.stats.rewards).to.equal(rewards);
    const keeperAccount = refAccountIdOf(sys.keeperA.address, 0);
    expect(await sys.vault.balanceOf(keeperAccount, await sys.usdc.getAddress())).to.equal(rewards);

    // Log lines carry the reward in USDC (6 decimals, exact) and raw, and say no bad debt was left.
    const succeeded = logger.events("liquidation_succeeded");
    expect(succeeded).to.have.length(2);
    for (const line of succeeded) {
      expect(line).to.include.keys("accountId", "block", "txHash", "rewardUsdc", "rewardRaw");
      const event = events.find((e) => e.args.accountId === line.accountId)!;
      expect(line.rewardRaw).to.equal(event.args.keeperReward);
      expect(line.rewardUsdc).to.equal(ethers.formatUnits(event.args.keeperReward, 6));
      expect(line.rewardUsdc).to.match(/^\d+\.\d{1,6}$/);
      expect(line.equityBeforeUsd).to.equal(ethers.formatUnits(event.args.equityBefore, 18));
      expect(line.leftBadDebt).to.equal(false);
    }
    expect(logger.entries.filter((e) => e.level === "error")).to.deep.equal([]);

    // Healthy now: the next round sends nothing.
    expect(await keeper.checkAndLiquidate()).to.deep.equal([]);
    expect(keeper.stats.sent).to.equal(2);
  });

  it("says in `liquidation_succeeded` when a liquidation left bad debt, and how much", async function () {
    const sys = await loadFixture(keeperFixture);
    await sys.ethFeed.updateAnswer(FEED(2580)); // -14%: Alice's 9x long is under water (USDC only: the waterfall)
    const { keeper, logger } = makeLiquidationKeeper(sys);
    keeper.tracker.add(sys.aliceId);
    const [outcome] = await keeper.checkAndLiquidate();
    expect(outcome).to.include({ action: "liquidate", accountId: sys.aliceId, status: "succeeded" });
    const [settled] = await sys.vault.queryFilter(sys.vault.filters.BadDebtSettled(sys.aliceId));
    const { badDebt, insuranceDraw, poolWriteOff, unrecovered } = settled.args;
    expect(badDebt).to.be.greaterThan(0n);
    expect(settled.transactionHash).to.equal(outcome.txHash); // in the liquidation's own transaction
    expect(outcome).to.include({ badDebt });
    expect(logger.events("liquidation_succeeded")[0]).to.include({
      leftBadDebt: true,
      badDebtCover: "waterfall",
      badDebtRaw: badDebt,
      badDebtUsdc: ethers.formatUnits(badDebt, 6),
      insuranceDrawUsdc: ethers.formatUnits(insuranceDraw, 6),
      poolWriteOffUsdc: ethers.formatUnits(poolWriteOff, 6),
      unrecoveredUsdc: ethers.formatUnits(unrecovered, 6),
    });
  });

  it("logs a race lost to another keeper as `lost`, and a recovered account as `skipped`, not as errors", async function () {
    const sys = await loadFixture(keeperFixture);
    const a = makeLiquidationKeeper(sys, sys.keeperA);
    const b = makeLiquidationKeeper(sys, sys.keeperB);
    for (const id of [sys.aliceId, sys.bobId]) {
      a.keeper.tracker.add(id);
      b.keeper.tracker.add(id);
    }
    const checkedAt = await ethers.provider.getBlockNumber();
    const hits = await b.keeper.findLiquidatable(checkedAt);
    expect(hits).to.deep.equal([sys.aliceId]);

    await a.keeper.checkAndLiquidate(); // A gets there first
    const lost = await b.keeper.liquidateAccounts(hits, checkedAt);
    expect(lost).to.have.length(1);
    expect(lost[0].status).to.equal("lost");
    expect(lost[0].winner).to.equal(sys.keeperA.address);
    expect(b.keeper.stats).to.include({ lost: 1, failed: 0, sent: 0 });
    expect(b.logger.events("liquidation_lost")[0]).to.include({
      level: "info",
      winner: sys.keeperA.address,
    });

    // Bob was never liquidatable (a stale or wrong check): skipped.
    const skipped = await a.keeper.liquidateAccounts([sys.bobId], checkedAt);
    expect(skipped[0].status).to.equal("skipped");
    // Alice again, as a restarted keeper with an old check would: already liquidated by this keeper.
    const again = await a.keeper.liquidateAccounts([sys.aliceId], checkedAt);
    expect(again[0].status).to.equal("skipped");
    expect(a.logger.events("liquidation_skipped")[1].reason).to.equal("already liquidated by this keeper");
    expect([...a.logger.entries, ...b.logger.entries].filter((e) => e.level === "error")).to.deep.equal([]);
    expect(
      await sys.clearinghouse.queryFilter(sys.clearinghouse.filters.Liquidated(sys.aliceId)),
    ).to.have.length(1);
  });

  it("re-syncs its nonce after another transaction from the same key", async function () {
    const sys = await loadFixture(keeperFixture);
    const { keeper, logger } = makeLiquidationKeeper(sys);
    keeper.tracker.add(sys.aliceId);
    keeper.tracker.add(sys.carol1Id);
    const [first] = await keeper.liquidateAccounts([sys.aliceId], await ethers.provider.getBlockNumber());
    expect(first.status).to.equal("succeeded");
    // The same key sends something behind the keeper's back: its local nonce is now stale.
    await sys.keeperA.sendTransaction({ to: sys.keeperA.address, value: 1n });
    const [second] = await keeper.liquidateAccounts([sys.carol1Id], await ethers.provider.getBlockNumber());
    expect(second.status).to.equal("succeeded");
    expect(logger.events("send_retry")).to.have.length(1);
    expect(keeper.stats).to.include({ sent: 2, succeeded: 2, failed: 0 });
  });

  it("runs rounds with a checkpoint callback through KeeperRunner", async function () {
    const sys = await loadFixture(keeperFixture);
    const { keeper } = makeLiquidationKeeper(sys);
    const checkpoints: number[] = [];
    const runner = new KeeperRunner({
      keeper,
      provider: ethers.provider,
      logger: new MemoryLogger(),
      startBlock: 0,
      pollIntervalMs: 10,
      maxBlockRange: 5,
      checkpoint: (block) => void checkpoints.push(block),
    });
    const head = await ethers.provider.getBlockNumber();
    const first = await runner.round();
    expect(first).to.deep.equal({ head, scannedFrom: 0, checked: true });
    expect(checkpoints[checkpoints.length - 1]).to.equal(head);
    expect(checkpoints.length).to.equal(Math.ceil((head + 1) / 5));
    expect(keeper.tracker.size).to.equal(4);
    expect(keeper.stats.succeeded).to.equal(2);
    const second = await runner.round(); // the two liquidations mined two blocks
    expect(second.scannedFrom).to.equal(head + 1);
    expect((await runner.round()).checked).to.equal(false); // nothing new
  });
});
