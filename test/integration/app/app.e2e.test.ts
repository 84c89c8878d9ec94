/**
 * The trader's app (app/) end to end in a real browser: a `hardhat node` with the LocalStack, the app built with Vite
 * and served by `vite preview`, headless Debian Chromium (playwright-core) with a test EIP-1193 wallet that forwards to
 * the node. A trader connects, deposits, reads the preview and opens a long, the ETH feed moves, the account's equity,
 * margin ratio and liquidation price follow the TypeScript reference (test/shared/math.ts), a limit order is committed
 * and cancelled, the position is closed and the margin withdrawn; a refused trade shows its revert in words; an LP
 * deposits and requests a withdrawal. No console error. Screenshots of every page go to reports/app/.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import type { Browser, Page } from "playwright-core";
import { LOCAL_ORDER_PARAMS, LOCAL_WITHDRAWAL_DELAY, LOCAL_WITHDRAWAL_WINDOW } from "../../../deploy/config";
import { formatUsdExact } from "../../../scripts/common/format";
import { marginRequirement } from "../../shared/math";
import type { RefPosition } from "../../shared/math";
import {
  ETH_MARKET,
  FEED,
  HOST,
  Processes,
  ROOT,
  USDC,
  WAD,
  freePort,
  mined,
  startLocalChain,
  waitFor,
} from "../keeper/node";
import type { LocalChain } from "../keeper/node";
import { collectErrors, launchChromium, rawOf, screenshot, until } from "./browser";
import { ETH, previewRef, ratioRef, stateRef, tradeRef } from "./reference";
import { injectWallet, switchAccount } from "./wallet";

const SHOTS = path.join(ROOT, "reports", "app");

/** `APP_E2E_DEV=1` runs the scenario on the Vite dev server (`npm run app`) instead of a production build. */
const DEV_SERVER = process.env.APP_E2E_DEV === "1";

/** `vite build` into `outDir`, then `vite preview` of it on `port`. */
async function buildAndPreview(procs: Processes, outDir: string, port: number) {
  const build = procs.start("vite build", [
    "vite",
    "build",
    "--config",
    "app/vite.config.mts",
    "--outDir",
    outDir,
  ]);
  expect((await build.exited).code, `vite build failed:\n${build.tail()}`).to.equal(0);
  return procs.start("vite preview", [
    "vite",
    "preview",
    "--config",
    "app/vite.config.mts",
    "--outDir",
    outDir,
    "--host",
    HOST,
    "--port",
    String(port),
    "--strictPort",
  ]);
}

/** Waits for the transaction status under `scope` to say `<label>: confirmed in block N`; returns N. */
async function confirmed(page: Page, scope: string, label: string): Promise<number> {
  let text = "";
  return until(
    `${label} to confirm`,
    async () => {
      const failed = await page.$(`${scope} > [data-testid=tx-error]`);
      if (failed) throw new Error(`${label}: ${await failed.textContent()}`);
      text =
        (await page.textContent(`${scope} > [data-testid=tx-status]`, { timeout: 1000 }).catch(() => "")) ??
        "";
      const m = new RegExp(`^${label}: confirmed in block (\\d+)`).exec(text);
      if (m) return Number(m[1]);
      throw new Error(`status "${text}"`);
    },
    30_000,
  );
}

/** Waits until the page shows data read at block `block` or later. */
async function blockAtLeast(page: Page, block: number): Promise<void> {
  await until(`the app at block ${block}`, async () =>
    Number(await page.textContent("[data-testid=block]")) >= block ? true : undefined,
  );
}

describe("The trader's app in a real browser", function () {
  this.timeout(300_000);
  const procs = new Processes();
  let chain: LocalChain;
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];
  let outDir: string;
  let base: string;

  before(async function () {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-app-"));
    chain = await startLocalChain(procs, "app-e2e");
    const port = await freePort();
    const server = DEV_SERVER
      ? procs.start("vite", [
          "vite",
          "--config",
          "app/vite.config.mts",
          "--host",
          HOST,
          "--port",
          String(port),
        ])
      : await buildAndPreview(procs, outDir, port);
    const url = `http://${HOST}:${port}/?deployment=${chain.deploymentId}`;
    await waitFor(
      "vite to serve the app",
      30_000,
      async () => ((await fetch(url)).ok ? true : undefined),
      server.tail(),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    errors = collectErrors(page);
    await injectWallet(page, chain.rpcUrl, chain.wallets[1].address);
    base = `http://${HOST}:${port}/`;
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close();
    await chain?.close();
    await procs.killAll();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  // The trader's settlement balance and ETH position by the reference, carried from step to step.
  let balance = 0n;
  let position: RefPosition = { size: 0n, openNotional: 0n, lastFundingIndex: 0n };

  it("connects the wallet and shows the markets", async function () {
    const { usdc, vault, clearinghouse, pool } = chain.contracts();
    const [, trader, lp, counterparty] = chain.wallets;
    const seed = chain.wallets[11];
    // The pool backs open interest (each side's notional at most the pool's cash); a counterparty is short 1 ETH so
    // the trader's long leaves the skew at zero: no funding accrues while it is open.
    await mined(usdc.connect(seed).mint(seed.address, USDC(1_000_000)));
    await mined(usdc.connect(seed).approve(await pool.getAddress(), ethers.MaxUint256));
    await mined(pool.connect(seed).deposit(USDC(1_000_000), seed.address));
    await mined(usdc.connect(counterparty).mint(counterparty.address, USDC(10_000)));
    await mined(usdc.connect(counterparty).approve(await vault.getAddress(), ethers.MaxUint256));
    await mined(vault.connect(counterparty).deposit(0, await usdc.getAddress(), USDC(10_000)));
    await mined(clearinghouse.connect(counterparty).trade(0, ETH_MARKET, WAD(-1), 0));
    await mined(usdc.connect(trader).mint(trader.address, USDC(10_000)));
    await mined(usdc.connect(lp).mint(lp.address, USDC(5_000)));

    // A deployment id with no deployment: one line saying what to deploy (its 404 is the only console error).
    await page.goto(`${base}?deployment=none-here`);
    await page.click("[data-testid=connect]");
    expect(await (await page.waitForSelector("[data-testid=deployment-error]")).textContent()).to.match(
      /^No Keel deployment "none-here" for chain 31337 \(deployments: .*app-e2e-\d+.*\)\. Deploy one: npx hardhat ignition deploy deploy\/modules\/LocalStack\.ts --network localhost$/,
    );
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/^console: Failed to load resource: .* 404/);
    errors.length = 0;
    await page.goto(`${base}?deployment=${chain.deploymentId}`);

    await page.click("[data-testid=connect]");
    expect(await page.textContent("[data-testid=address]")).to.equal(
      `${trader.address.slice(0, 8)}…${trader.address.slice(-4)}`,
    );
    expect(await rawOf(page, "[data-testid=market-ETH] [data-testid=oracle-price]")).to.equal(
      WAD(3_000).toString(),
    );
    await screenshot(page, SHOTS, "markets");
  });

  it("deposits 1,000 USDC: the approval, then the deposit", async function () {
    await page.click("[data-testid=nav-funds]");
    await page.waitForSelector("[data-testid=vault-allowance][data-raw='0']");
    await page.fill("[data-testid=funds-amount]", "1000");
    expect(await page.textContent("[data-testid=deposit]")).to.equal("Approve & deposit");
    await page.click("[data-testid=deposit]");
    const deposited = await confirmed(page, "[data-testid=funds]", "Deposit USDC");
    await blockAtLeast(page, deposited);
    await until("the account balance", async () =>
      (await rawOf(page, "[data-testid=account-balance]")) === USDC(1_000).toString() ? true : undefined,
    );
    balance = USDC(1_000);
    await screenshot(page, SHOTS, "funds");
  });

  it("switches to a new subaccount, an account of its own, and back", async function () {
    await page.click("[data-testid=nav-account]");
    const shown = () => rawOf(page, "[data-testid=balance-USDC]");
    await until("subaccount 0's deposit", async () =>
      (await shown()) === USDC(1_000).toString() ? true : undefined,
    );
    await page.click("[data-testid=subaccount-new]");
    expect(await page.inputValue("[data-testid=subaccount]")).to.equal("1");
    await until("subaccount 1's empty balance", async () => ((await shown()) === "0" ? true : undefined));
    await page.selectOption("[data-testid=subaccount]", "0");
    await until("subaccount 0 again", async () =>
      (await shown()) === USDC(1_000).toString() ? true : undefined,
    );
  });

  it("previews a 1 ETH long as the reference does, then trades it", async function () {
    await page.click("[data-testid=nav-trade]");
    await page.fill("[data-testid=trade-amount]", "1");
    const open = previewRef(WAD(3_000), WAD(-1), WAD(1));
    expect(await rawOf(page, "[data-testid=preview-fill]")).to.equal(open.fill.toString());
    expect(await rawOf(page, "[data-testid=preview-fee]")).to.equal(open.fee.toString());
    const opened = tradeRef(position, WAD(-1), WAD(3_000), WAD(1));
    const after = { size: WAD(1), openNotional: opened.newOpenNotional, lastFundingIndex: 0n };
    const liq = BigInt(await rawOf(page, "[data-testid=preview-liq]"));
    expect(
      stateRef(balance + opened.accountDelta, after, liq).liquidatable,
      "at the liquidation price",
    ).to.equal(true);
    expect(stateRef(balance + opened.accountDelta, after, liq + 1n).liquidatable, "one wei above").to.equal(
      false,
    );
    await screenshot(page, SHOTS, "trade");
    await page.click("[data-testid=trade-submit]");
    await confirmed(page, "[data-testid=trade]", "Trade");
    balance += opened.accountDelta;
    position = after;
  });

  it("lists a committed limit order and cancels it", async function () {
    await page.selectOption("[data-testid=trade-type]", "limit");
    await page.fill("[data-testid=trade-amount]", "0.5");
    await page.fill("[data-testid=trade-trigger]", "2000");
    await page.click("[data-testid=trade-submit]");
    await confirmed(page, "[data-testid=trade]", "Commit limit order");
    const row = await page.waitForSelector("[data-testid=order-limit]");
    expect(await row.textContent()).to.contain("≤ $2,000.00");
    await page.click("[data-testid=order-limit] [data-testid=order-cancel]");
    await page.waitForSelector("[data-testid=no-orders]");
  });

  it("commits a two-step market order, which its owner cannot cancel before its deadline", async function () {
    await page.selectOption("[data-testid=trade-type]", "two-step");
    await page.fill("[data-testid=trade-amount]", "0.5");
    await rawOf(page, "[data-testid=preview-fill]");
    await page.click("[data-testid=trade-submit]");
    await confirmed(page, "[data-testid=trade]", "Commit two-step order");
    balance -= LOCAL_ORDER_PARAMS.settlementFee; // escrowed for the keeper that settles it
    const row = await page.waitForSelector("[data-testid=order-market]");
    expect(await row.textContent()).to.contain("0.5000");
    await page.click("[data-testid=order-market] [data-testid=order-cancel]");
    const refused = await (await page.waitForSelector(".panel > [data-testid=tx-error]")).textContent();
    expect(refused).to.match(
      /^Cancel order failed: Order book not expired: order id \d+, deadline \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, block timestamp \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(OrderBookNotExpired\)$/,
    );
    await page.selectOption("[data-testid=trade-type]", "market");
  });

  it("follows a fall of ETH to 2,900: equity, margin ratio and liquidation price as the reference says", async function () {
    const moved = await (await chain.contracts().ethFeed.updateAnswer(FEED(2_900))).wait();
    await page.click("[data-testid=nav-account]");
    await until("the account read after the move", async () =>
      Number(await page.getAttribute("[data-testid=account]", "data-block")) >= moved!.blockNumber
        ? true
        : undefined,
    );
    const before = stateRef(balance, position, WAD(3_000));
    const after = stateRef(balance, position, WAD(2_900));
    expect(await rawOf(page, "[data-testid=equity]")).to.equal(after.equity.toString());
    expect(await rawOf(page, "[data-testid=maintenance-margin]")).to.equal(
      after.maintenanceMargin.toString(),
    );
    expect(await rawOf(page, "[data-testid=margin-ratio]")).to.equal(ratioRef(after).toString());
    expect(after.equity < before.equity && ratioRef(after) > ratioRef(before)).to.equal(true);
    const liq = BigInt(await rawOf(page, "[data-testid=position-ETH] [data-testid=liq-price]"));
    expect(stateRef(balance, position, liq).liquidatable).to.equal(true);
    expect(stateRef(balance, position, liq + 1n).liquidatable).to.equal(false);
    await screenshot(page, SHOTS, "account");
    await page.click("[data-testid=nav-markets]");
    await page.waitForSelector("[data-testid=market-ETH] svg.chart"); // two rounds now: a line
    await screenshot(page, SHOTS, "markets-after-move");
  });

  it("closes the position and withdraws the max", async function () {
    const trader = chain.wallets[1];
    await page.click("[data-testid=nav-trade]");
    await page.click("[data-testid=trade-close]");
    expect(await rawOf(page, "[data-testid=preview-fill]")).to.equal(
      previewRef(WAD(2_900), 0n, WAD(-1)).fill.toString(),
    );
    await page.click("[data-testid=trade-submit]");
    await confirmed(page, "[data-testid=trade]", "Trade");
    balance += tradeRef(position, 0n, WAD(2_900), WAD(-1)).accountDelta;
    position = { size: 0n, openNotional: 0n, lastFundingIndex: 0n };
    await page.click("[data-testid=nav-funds]");
    await until("the max withdrawable after the close", async () =>
      (await rawOf(page, "[data-testid=max-withdraw]")) === balance.toString() ? true : undefined,
    );
    await page.click("[data-testid=max]");
    await page.click("[data-testid=withdraw]");
    await confirmed(page, "[data-testid=funds]", "Withdraw USDC");
    expect(await chain.contracts().usdc.balanceOf(trader.address)).to.equal(USDC(9_000) + balance);
    balance = 0n;
  });

  it("shows a refused trade's revert in words, with units", async function () {
    await page.click("[data-testid=nav-trade]");
    await page.fill("[data-testid=trade-amount]", "100");
    await page.waitForSelector("[data-testid=preview-warning]"); // the preview warns; the trader sends anyway
    await page.click("[data-testid=trade-submit]");
    const refused = await (
      await page.waitForSelector("[data-testid=trade] > [data-testid=tx-error]")
    ).textContent();
    // The margin check after the trade, by the reference: the fee taken from an empty balance, the premium as PnL.
    const t = tradeRef(position, WAD(-1), WAD(2_900), WAD(100));
    const equity = stateRef(
      balance + t.accountDelta,
      { ...position, size: t.newSize, openNotional: t.newOpenNotional },
      WAD(2_900),
    ).equity;
    const im = marginRequirement(WAD(100), WAD(2_900), ETH.imf);
    expect(refused).to.equal(
      `Trade failed: Clearinghouse insufficient margin: equity ${formatUsdExact(equity)}, ` +
        `initial margin ${formatUsdExact(im)} (ClearinghouseInsufficientMargin)`,
    );
    await screenshot(page, SHOTS, "trade-refused");
  });

  it("lets an LP deposit 5,000 USDC, request the withdrawal of its shares and redeem them a day later", async function () {
    await switchAccount(page, chain.wallets[2].address);
    await page.click("[data-testid=nav-pool]");
    await page.waitForSelector("[data-testid=lp-shares][data-raw='0']");
    await page.fill("[data-testid=pool-assets]", "5000");
    await page.click("[data-testid=pool-deposit]");
    await confirmed(page, "[data-testid=pool]", "Deposit to pool");
    const value = await until("the LP's position", async () => {
      const v = BigInt(await rawOf(page, "[data-testid=lp-value]"));
      return v > 0n ? v : undefined;
    });
    expect(value <= USDC(5_000) && value >= USDC(5_000) - 2n, `LP value ${value}`).to.equal(true);
    await page.click("[data-testid=pool-max-shares]");
    await page.click("[data-testid=pool-request]");
    const requested = await confirmed(page, "[data-testid=pool]", "Request withdrawal");
    const at = BigInt((await chain.provider.getBlock(requested))!.timestamp);
    const status = await page.waitForSelector("[data-testid=pool-request-status][data-phase=waiting]");
    const iso = (s: bigint) => new Date(Number(s) * 1000).toISOString().replace(".000Z", "Z");
    const unlock = at + BigInt(LOCAL_WITHDRAWAL_DELAY);
    expect(await status.textContent()).to.contain(
      `redeemable from ${iso(unlock)} until ${iso(unlock + BigInt(LOCAL_WITHDRAWAL_WINDOW))}`,
    );
    await screenshot(page, SHOTS, "pool");

    // A day later the window is open: redeem. Only the day's funding on the counterparty's 1 ETH short (paid to the
    // pool, cents) separates what comes back from what the shares were worth at the request.
    // The feeds publish again after the day (the pool's value needs fresh prices).
    await chain.provider.send("evm_increaseTime", [LOCAL_WITHDRAWAL_DELAY]);
    const { ethFeed, btcFeed } = chain.contracts();
    await mined(ethFeed.updateAnswer(FEED(2_900)));
    await mined(btcFeed.updateAnswer(FEED(60_000)));
    await page.waitForSelector("[data-testid=pool-request-status][data-phase=open]");
    await page.click("[data-testid=pool-redeem]");
    await confirmed(page, "[data-testid=pool]", "Redeem");
    const back = await chain.contracts().usdc.balanceOf(chain.wallets[2].address);
    expect(back >= value && back <= value + USDC(1), `redeemed ${back} for shares worth ${value}`).to.equal(
      true,
    );
  });

  it("logged no console error and no page error", function () {
    expect(errors, errors.join("\n")).to.deep.equal([]);
  });
});
