/**
 * The multi-collateral fixtures built on `collateralFixture`: the decimals matrix, a WETH-backed position, feeds,
 * leverage, an underwater account, bad debt.
 */
import { ETH, USDC, WAD, accountIdOf, mintAndApprove } from "../../shared/fixtures";
import {
  collateralFixture,
  depositToken,
  depositUsdc,
  trade,
  movePrice,
  listToken,
  liquidate,
  liquidateCollateral,
} from "./collateralContext";
import type { Listed } from "./collateralContext";

export const MATRIX_ANSWERS: Record<number, bigint> = {
  8: 234_567_890_123n, // 2,345.67890123 USD
  18: 2_345_678_901_234_567_891_234n, // 2,345.678901234567891234 USD
};
export const MATRIX = [6, 8, 18, 24].flatMap((decimals, i) =>
  [8, 18].map((feedDecimals, j) => ({
    decimals,
    feedDecimals,
    symbol: `T${decimals}F${feedDecimals}`,
    weight: WAD(["0.8", "0.75", "0.5", "1", "0.9", "0.65", "0.6", "0.95"][2 * i + j]),
  })),
);

/** Tokens of 6, 8, 18 and 24 decimals, each priced by an 8-decimal and an 18-decimal feed under its own asset key. */
export async function matrixFixture() {
  const ctx = await collateralFixture();
  const listed: Listed[] = [];
  for (const c of MATRIX) {
    const cap = 1_000_000n * 10n ** BigInt(c.decimals);
    listed.push(
      await listToken(
        ctx,
        c.symbol,
        c.decimals,
        c.feedDecimals,
        MATRIX_ANSWERS[c.feedDecimals],
        c.weight,
        cap,
        // weight * (1 + discount) must stay <= 1.
        c.weight === WAD(1) ? 0n : WAD("0.05"),
      ),
    );
  }
  return { ...ctx, listed };
}

/** Gina posts 10 WETH and no USDC, then goes long 20 ETH at 3,012.34567891 USD: her settlement balance is the fee debt. */
export async function wethPositionFixture() {
  const ctx = await collateralFixture();
  await movePrice(ctx, ETH, "3012.34567891");
  await depositToken(ctx, ctx.gina, ctx.weth, WAD(10));
  const tx = await trade(ctx, ctx.gina, ETH, WAD(20));
  return { ...ctx, tradeFee: tx.fee };
}

/**
 * Hank holds WETH and USDC and no WBTC; Ivy holds WBTC and USDC; both are long 5 ETH. Judy holds WBTC and USDC and
 * has no position.
 */
export async function feedFixture() {
  const ctx = await collateralFixture();
  await depositToken(ctx, ctx.hank, ctx.weth, WAD(5));
  await depositUsdc(ctx, ctx.hank, USDC(5_000));
  await trade(ctx, ctx.hank, ETH, WAD(5));
  await depositToken(ctx, ctx.ivy, ctx.wbtc, 50_000_000n); // 0.5 WBTC
  await depositUsdc(ctx, ctx.ivy, USDC(5_000));
  await trade(ctx, ctx.ivy, ETH, WAD(5));
  await depositToken(ctx, ctx.judy, ctx.wbtc, 10_000_000n); // 0.1 WBTC
  await depositUsdc(ctx, ctx.judy, USDC(1_000));
  return ctx;
}

/**
 * Dave and Erin each post 10 WETH (24,000 USD at weight 0.8) and Kim 0.5 WBTC (22,500 USD at 0.75), no USDC, and
 * each goes long 60 ETH: their settlement balances are the fee debts. Frank, the keeper, has 300,000 USDC in his
 * wallet, approved to the Vault.
 */
export async function leveragedFixture() {
  const ctx = await collateralFixture();
  await depositToken(ctx, ctx.dave, ctx.weth, WAD(10));
  await trade(ctx, ctx.dave, ETH, WAD(60));
  await depositToken(ctx, ctx.erin, ctx.weth, WAD(10));
  await trade(ctx, ctx.erin, ETH, WAD(60));
  await depositToken(ctx, ctx.kim, ctx.wbtc, 50_000_000n);
  await trade(ctx, ctx.kim, ETH, WAD(60));
  await mintAndApprove(ctx, ctx.frank, USDC(300_000), await ctx.vault.getAddress());
  return ctx;
}

/** ETH falls to 2,500: Dave, Erin and Kim are closed out by Frank and owe more than their collateral is worth. */
export async function underwaterFixture() {
  const ctx = await leveragedFixture();
  await movePrice(ctx, ETH, "2500");
  for (const who of [ctx.dave, ctx.erin, ctx.kim]) await liquidate(ctx, ctx.frank, accountIdOf(who.address));
  return ctx;
}

/** The underwater accounts after Frank took all of Dave's and Erin's WETH: only debt is left on them. */
export async function badDebtFixture() {
  const ctx = await underwaterFixture();
  for (const who of [ctx.dave, ctx.erin]) {
    await liquidateCollateral(ctx, ctx.frank, accountIdOf(who.address), ctx.weth, USDC(1_000_000));
  }
  return ctx;
}
