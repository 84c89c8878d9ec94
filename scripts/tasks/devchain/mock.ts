/**
 * Local-only helpers for trying Keel on a development chain: move a mock Chainlink feed, mint mock tokens, move time.
 * Each refuses to run unless the chain id is a local development chain's (31337 or 1337), whatever the network is
 * called, so none can touch a real deployment.
 */
import { ethers } from "ethers";
import { MockERC20__factory, MockV3Aggregator__factory } from "../../../typechain-types";
import { increaseTime } from "../../common/devchain";
import { formatFixed, formatUsd } from "../../common/format";
import { exact, parsePositive, parseSeconds } from "../../common/units";
import { requireLocalChain } from "../frame/context";
import type { TaskContext } from "../frame/context";
import { assetSymbol, listMarkets, parseAddress, resolveMarket, resolveToken } from "../frame/lookup";
import type { TaskOutput } from "../frame/run";
import { send } from "../frame/tx";

export async function setPrice(
  ctx: TaskContext,
  args: { market?: string; asset?: string; price: string },
): Promise<TaskOutput> {
  requireLocalChain(ctx, "set a mock price");
  let asset: string;
  if (args.asset !== undefined) asset = ethers.encodeBytes32String(args.asset);
  else if (args.market !== undefined) asset = (await resolveMarket(ctx, args.market)).params.asset;
  else throw new Error("pass --market ETH or --asset ETH");
  const config = await ctx.oracle.feedConfig(asset);
  if (config.feed === ethers.ZeroAddress) throw new Error(`no feed for asset ${assetSymbol(asset)}`);
  const decimals = Number(config.decimals);
  const answer = parsePositive(args.price, decimals, "--price");
  const feed = MockV3Aggregator__factory.connect(config.feed, ctx.signer);
  const receipt = await send(feed.updateAnswer(answer));
  const price = await ctx.oracle.price(asset);
  return {
    lines: [
      `${assetSymbol(asset)} / USD mock feed ${config.feed} now answers ${formatFixed(answer, { decimals, dp: decimals })}; ` +
        `oracle price ${formatUsd(price, { dp: 4 })}.`,
      `  tx ${receipt.hash}`,
    ],
    json: {
      asset: assetSymbol(asset),
      feed: config.feed,
      answer: exact(answer, decimals),
      price: exact(price, 18),
      txHash: receipt.hash,
    },
  };
}

export async function mint(
  ctx: TaskContext,
  args: { amount: string; token?: string; to?: string },
): Promise<TaskOutput> {
  requireLocalChain(ctx, "mint mock tokens");
  const token = await resolveToken(ctx, args.token);
  const amount = parsePositive(args.amount, token.decimals, "--amount");
  const to = args.to === undefined ? ctx.signerAddress : parseAddress(args.to, "--to");
  const erc20 = MockERC20__factory.connect(token.address, ctx.signer);
  const receipt = await send(erc20.mint(to, amount));
  const balance = await erc20.balanceOf(to);
  return {
    lines: [
      `Minted ${formatFixed(amount, { decimals: token.decimals, dp: 2 })} ${token.symbol} to ${to}; ` +
        `wallet balance ${formatFixed(balance, { decimals: token.decimals, dp: 2 })} ${token.symbol}.`,
      `  tx ${receipt.hash}`,
    ],
    json: {
      token: token.address,
      symbol: token.symbol,
      to,
      amount: exact(amount, token.decimals),
      balance: exact(balance, token.decimals),
      txHash: receipt.hash,
    },
  };
}

/** Moves the chain's clock and re-posts every mock feed's answer so no price goes stale. */
export async function advanceTime(
  ctx: TaskContext,
  args: { seconds: string; refreshFeeds: boolean },
): Promise<TaskOutput> {
  requireLocalChain(ctx, "move time");
  const seconds = parseSeconds(args.seconds, "--seconds");
  await increaseTime(ctx.hre, Number(seconds));
  const refreshed: string[] = [];
  if (args.refreshFeeds) {
    const assets = new Set((await listMarkets(ctx)).map((m) => m.params.asset));
    for (const token of await ctx.vault.collateralTokens())
      assets.add((await ctx.vault.collateralConfig(token)).asset);
    for (const asset of assets) {
      const feed = MockV3Aggregator__factory.connect((await ctx.oracle.feedConfig(asset)).feed, ctx.signer);
      await send(feed.updateAnswer(await feed.latestAnswer()));
      refreshed.push(assetSymbol(asset));
    }
  }
  const block = await ctx.hre.ethers.provider.getBlock("latest");
  return {
    lines: [
      `Moved time by ${seconds} s; latest block ${block!.number} at ${new Date(block!.timestamp * 1000).toISOString()}.`,
      ...(refreshed.length ? [`  re-posted the mock feeds of ${refreshed.join(", ")}`] : []),
    ],
    json: { seconds: Number(seconds), blockNumber: block!.number, timestamp: block!.timestamp, refreshed },
  };
}
