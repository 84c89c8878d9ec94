/**
 * Keeper end to end, multi-collateral: a real `hardhat node` with the LocalStack (helpers: ./node.ts) and the keeper
 * run as a process (`npx hardhat keeper --network localhost --max-repay 6000 --min-profit 1`).
 *
 *   1. Dave deposits 5 WETH and Erin 1 WETH, nothing else; both go long ETH (Dave 28 ETH, 7x his WETH at its 0.8
 *      haircut; Erin 7.5 ETH, 9.4x). Frank, a bystander, holds 10 WETH and a small long: his fees leave him a small
 *      USDC debt, which is ordinary borrowing against WETH and must be left alone.
 *   2. The keeper starts with no USDC in its wallet: it says so. ETH falls 12% to 2,640: both positions are closed in
 *      full (Dave's equity, still positive thanks to his WETH, is under the penalty; Erin's is negative), and each
 *      account is left with a USDC debt and its WETH. The keeper cannot repay: it warns (`insufficient_funds`) and
 *      counts `no_funds`; it does not spam `liquidate` on the emptied accounts.
 *   3. The keeper is sent 20,000 USDC. It approves the Vault once, repays 6,000 of Dave's debt (the per-transaction
 *      budget) and leaves the rest: his remaining WETH then covers it with the Vault's buffer (DESIGN §12, §18.20), so
 *      it is ordinary borrowing again. It takes all of Erin's WETH for part of hers and runs the rest of hers through
 *      `settleBadDebt`: she ends with zero USDC debt.
 *   4. Events, balances (accounts, keeper wallet), the JSON log lines and /metrics agree; SIGTERM then stops the keeper
 *      with a checkpoint whose debt watch list is empty.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import type { HDNodeWallet } from "ethers";
import {
  ETH_MARKET,
  FEED,
  Processes,
  USDC,
  WAD,
  freePort,
  getMetrics,
  idOf,
  jsonLines,
  keeperArgs,
  mined,
  signalGroup,
  startLocalChain,
  waitFor,
  withTimeout,
} from "./node";
import type { LocalChain } from "./node";

describe("Keeper end to end: collateral liquidation and bad debt (hardhat node + keeper process)", function () {
  this.timeout(120_000);

  const procs = new Processes();
  let chain: LocalChain;
  let tmpDir: string;

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-keeper-collateral-e2e-"));
    chain = await startLocalChain(procs, "keeper-collateral-e2e");
  });

  after(async function () {
    this.timeout(30_000);
    await chain?.close();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it("brings accounts with WETH collateral and a USDC debt back to zero debt: collateral first, then bad debt", async function () {
    const { usdc, weth, vault, clearinghouse, pool, ethFeed } = chain.contracts();
    const { wallets } = chain;
    const usdcAddress = await usdc.getAddress();
    const wethAddress = await weth.getAddress();
    const vaultAddress = await vault.getAddress();
    const keeperWallet: HDNodeWallet = wallets[19];
    const stateFile = path.join(tmpDir, "keeper-state.json");

    // The LP: 1,000,000 USDC in the pool.
    const lp = wallets[11];
    await mined(usdc.connect(lp).mint(lp.address, USDC(1_000_000)));
    await mined(usdc.connect(lp).approve(await pool.getAddress(), ethers.MaxUint256));
    await mined(pool.connect(lp).deposit(USDC(1_000_000), lp.address));

    // Traders with WETH only.
    const [dave, erin, frank] = [wallets[1], wallets[2], wallets[3]];
    const open = async (who: HDNodeWallet, wethAmount: bigint, size: bigint) => {
      await mined(weth.connect(who).mint(who.address, wethAmount));
      await mined(weth.connect(who).approve(vaultAddress, ethers.MaxUint256));
      await mined(vault.connect(who).deposit(0, wethAddress, wethAmount));
      await mined(
        clearinghouse.connect(who).trade(0, ETH_MARKET, size, ethers.MaxUint256, { gasLimit: 1_000_000 }),
      );
    };
    await Promise.all([
      open(dave, WAD(5), WAD(28)),
      open(erin, WAD(1), WAD("7.5")),
      open(frank, WAD(10), WAD(1)),
    ]);
    const [daveId, erinId, frankId] = [dave, erin, frank].map((w) => idOf(w.address, 0));
    const usdcOf = (id: bigint, blockTag?: number) => vault.balanceOf(id, usdcAddress, { blockTag });
    const frankDebt = await usdcOf(frankId);
    expect(frankDebt).to.be.lessThan(0n); // his trading fee, owed in USDC against his WETH
    expect(await clearinghouse.liquidatable([daveId, erinId, frankId])).to.deep.equal([false, false, false]);

    // The keeper starts with no USDC: it says so, and tracks the three accounts.
    const metricsPort = await freePort();
    const keeper = procs.start(
      "keeper",
      keeperArgs(chain, stateFile, metricsPort, ["--max-repay", "6000", "--min-profit", "1"]),
      { LOCALHOST_RPC_URL: chain.rpcUrl, KEEPER_PRIVATE_KEY: keeperWallet.privateKey },
      true,
    );
    await waitFor(
      "the keeper to track 3 accounts",
      60_000,
      async () =>
        (await getMetrics(metricsPort)).get("keel_keeper_accounts_tracked") === 3 ? true : undefined,
      keeper.tail(),
    );
    expect(jsonLines(keeper).find((l) => l.event === "no_settlement_funds")).to.include({ level: "warn" });

    // ETH -12%: Dave and Erin are liquidated in full and left with USDC debt and WETH; the keeper cannot repay yet.
    const dropBlock = (await mined(ethFeed.updateAnswer(FEED(2640)))).blockNumber;
    await waitFor(
      "the keeper to report its lack of USDC",
      30_000,
      () => (jsonLines(keeper).some((l) => l.event === "insufficient_funds") ? true : undefined),
      keeper.tail(),
    );
    const liquidated = await clearinghouse.queryFilter(clearinghouse.filters.Liquidated(), dropBlock);
    expect(new Set(liquidated.map((e) => e.args.accountId))).to.deep.equal(new Set([daveId, erinId]));
    const byAccount = new Map(liquidated.map((e) => [e.args.accountId, e.args]));
    expect(byAccount.get(daveId)!.fraction).to.equal(WAD(1));
    expect(byAccount.get(daveId)!.equityBefore).to.be.greaterThan(0n); // positive thanks to his WETH
    expect(byAccount.get(erinId)!.fraction).to.equal(WAD(1));
    expect(byAccount.get(erinId)!.equityBefore).to.be.lessThan(0n);
    for (const id of [daveId, erinId]) {
      expect(await clearinghouse.positionCount(id)).to.equal(0n);
      expect(await usdcOf(id)).to.be.lessThan(0n);
      expect(await vault.accountCollaterals(id)).to.deep.equal([wethAddress]);
    }
    const warning = jsonLines(keeper).find((l) => l.event === "insufficient_funds")!;
    expect(warning).to.include({ level: "warn", walletUsdc: "0.0", accounts: 2 });
    const noFunds = await waitFor("the no_funds metric", 10_000, async () => {
      const m = await getMetrics(metricsPort);
      return m.get('keel_keeper_collateral_liquidations_total{result="no_funds"}') === 2 ? m : undefined;
    });
    expect(noFunds.get("keel_keeper_settlement_wallet_balance")).to.equal(0);
    expect(noFunds.get("keel_keeper_debt_accounts")).to.equal(2);

    // Funded: the keeper repays.
    const debts = new Map([
      [daveId, -(await usdcOf(daveId))],
      [erinId, -(await usdcOf(erinId))],
    ]);
    const fundBlock = (await mined(usdc.mint(keeperWallet.address, USDC(20_000)))).blockNumber;
    const settled = await waitFor(
      "Erin's bad debt to be settled and Dave's debt partly repaid",
      30_000,
      async () => {
        const events = await vault.queryFilter(vault.filters.BadDebtSettled(erinId), fundBlock);
        return events.length > 0 && (await usdcOf(daveId)) === USDC(6_000) - debts.get(daveId)!
          ? events
          : undefined;
      },
      keeper.tail(),
    );

    // Dave: one repayment (the 6,000 USDC budget) for WETH at the 5% discount; the rest is covered with the buffer.
    const seizures = await vault.queryFilter(vault.filters.CollateralLiquidated(), fundBlock);
    const daveSeizures = seizures.filter((e) => e.args.accountId === daveId);
    expect(daveSeizures.map((e) => e.args.repaid)).to.deep.equal([USDC(6_000)]);
    const price = WAD(2640);
    const discount = (await vault.collateralConfig(wethAddress)).liquidationDiscount;
    for (const e of seizures) {
      expect(e.args.keeper).to.equal(keeperWallet.address);
      expect(e.args.token).to.equal(wethAddress);
      expect(e.args.price).to.equal(price);
      // Worth repaid × (1 + discount) at the oracle price, rounded down (unless clamped to the holding).
      const expected = (((e.args.repaid * 10n ** 12n * (WAD(1) + discount)) / WAD(1)) * WAD(1)) / price;
      if (e.args.accountId === daveId) expect(e.args.seized).to.equal(expected);
    }
    const daveDebtLeft = debts.get(daveId)! - USDC(6_000);
    expect(await usdcOf(daveId)).to.equal(-daveDebtLeft);
    const daveWethLeft = await vault.balanceOf(daveId, wethAddress);
    expect(daveWethLeft).to.equal(WAD(5) - daveSeizures.reduce((sum, e) => sum + e.args.seized, 0n));
    // Haircut value (0.8) of what is left at least the debt × 1.1: not open to collateral liquidation.
    expect((daveWethLeft * price * 8n) / 10n / WAD(1)).to.be.at.least(
      (daveDebtLeft * 10n ** 12n * 11n) / 10n,
    );

    // Erin: all her WETH for part of her debt (the seizure is clamped to her holding), then the waterfall.
    const erinSeizures = seizures.filter((e) => e.args.accountId === erinId);
    expect(erinSeizures).to.have.length(1);
    expect(erinSeizures[0].args.seized).to.equal(WAD(1));
    expect(erinSeizures[0].args.repaid).to.be.lessThan(debts.get(erinId)!);
    const { badDebt, insuranceDraw, poolWriteOff, unrecovered } = settled[0].args;
    expect(badDebt).to.equal(debts.get(erinId)! - erinSeizures[0].args.repaid);
    expect(insuranceDraw + poolWriteOff).to.equal(badDebt);
    expect(unrecovered).to.equal(0n);
    expect(await usdcOf(erinId)).to.equal(0n);
    expect(await vault.balanceOf(erinId, wethAddress)).to.equal(0n);
    expect(await vault.accountCollaterals(erinId)).to.deep.equal([]);

    // The keeper's wallet paid the repayments and holds the WETH; Frank was left alone; no account was liquidated
    // twice (no no-op `liquidate` on the emptied accounts).
    const repaid = seizures.reduce((sum, e) => sum + e.args.repaid, 0n);
    const seized = seizures.reduce((sum, e) => sum + e.args.seized, 0n);
    expect(await usdc.balanceOf(keeperWallet.address)).to.equal(USDC(20_000) - repaid);
    expect(await weth.balanceOf(keeperWallet.address)).to.equal(seized);
    expect(await usdcOf(frankId)).to.equal(frankDebt);
    expect(await vault.balanceOf(frankId, wethAddress)).to.equal(WAD(10));
    expect(await clearinghouse.queryFilter(clearinghouse.filters.Liquidated(), dropBlock)).to.have.length(2);
    const rewards = liquidated.reduce((sum, e) => sum + e.args.keeperReward, 0n);
    expect(await usdcOf(idOf(keeperWallet.address, 0))).to.equal(rewards);

    // Metrics and log lines.
    const m = await waitFor("the keeper's metrics to count the bad debt settlement", 10_000, async () => {
      const metrics = await getMetrics(metricsPort);
      return metrics.get('keel_keeper_bad_debt_settlements_total{result="succeeded"}') === 1
        ? metrics
        : undefined;
    });
    expect(m.get('keel_keeper_collateral_liquidations_total{result="succeeded"}')).to.equal(2);
    expect(m.get('keel_keeper_collateral_liquidations_total{result="failed"}')).to.equal(0);
    expect(m.get('keel_keeper_collateral_liquidations_total{result="lost"}')).to.equal(0);
    expect(m.get("keel_keeper_collateral_liquidations_sent_total")).to.equal(2);
    expect(m.get("keel_keeper_collateral_repaid_total")).to.equal(Number(repaid));
    expect(m.get('keel_keeper_bad_debt_settlements_total{result="failed"}')).to.equal(0);
    expect(m.get("keel_keeper_bad_debt_settled_total")).to.equal(Number(badDebt));
    expect(m.get("keel_keeper_liquidations_succeeded_total")).to.equal(2);
    expect(m.get("keel_keeper_liquidations_sent_total")).to.equal(2);
    const logs = jsonLines(keeper);
    const collateralLines = logs.filter((l) => l.event === "collateral_liquidated");
    expect(collateralLines).to.have.length(2);
    for (const l of collateralLines) {
      expect(l).to.include.keys("ts", "accountId", "block", "txHash", "token", "repaidUsdc", "seizedToken");
      expect(l).to.include({ level: "info", token: wethAddress, symbol: "WETH", priceUsd: "2640.0" });
      const event = seizures.find((e) => e.transactionHash === l.txHash)!;
      expect(l).to.include({
        repaidUsdc: ethers.formatUnits(event.args.repaid, 6),
        repaidRaw: event.args.repaid.toString(),
        seizedToken: ethers.formatUnits(event.args.seized, 18),
        seizedRaw: event.args.seized.toString(),
      });
    }
    expect(collateralLines.map((l) => BigInt(l.repaidRaw as string)).reduce((a, b) => a + b)).to.equal(
      repaid,
    );
    expect(logs.find((l) => l.event === "bad_debt_settled")).to.include({
      level: "info",
      accountId: erinId.toString(),
      badDebtRaw: badDebt.toString(),
      badDebtUsdc: ethers.formatUnits(badDebt, 6),
      insuranceDrawUsdc: ethers.formatUnits(insuranceDraw, 6),
      poolWriteOffUsdc: ethers.formatUnits(poolWriteOff, 6),
      unrecoveredUsdc: "0.0",
    });
    expect(logs.filter((l) => l.event === "settlement_approved")).to.have.length(1);
    expect(
      logs.filter((l) => l.level === "error"),
      keeper.tail(),
    ).to.deep.equal([]);

    // Clean stop: the checkpoint's debt watch list is empty once the accounts owe nothing.
    await waitFor("the debt watch list to empty", 10_000, async () =>
      (await getMetrics(metricsPort)).get("keel_keeper_debt_accounts") === 0 ? true : undefined,
    );
    signalGroup(keeper, "SIGTERM");
    await withTimeout(keeper.exited, 30_000, "the keeper to stop on SIGTERM");
    const stopped = await waitFor("the keeper's last log line", 5_000, () =>
      jsonLines(keeper).find((l) => l.event === "stopped"),
    );
    expect(stopped).to.include({ collateralLiquidated: 2, badDebtSettled: 1, debtAccounts: 0 });
    const checkpoint = JSON.parse(fs.readFileSync(stateFile, "utf8")) as {
      accounts: string[];
      debtAccounts?: string[];
    };
    expect(checkpoint.accounts).to.have.length(3);
    expect(checkpoint.debtAccounts).to.deep.equal([]);
  });
});
