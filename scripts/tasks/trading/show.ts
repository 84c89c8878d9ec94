/** How the trader tasks print numbers: USD with cents, token amounts with their symbol, a position's side. */
import { formatFixed, formatSide, formatUsd } from "../../common/format";
import type { TokenInfo } from "../frame/context";

export const usd = (v: bigint, dp = 2): string => formatUsd(v, { dp });
export const signedUsd = (v: bigint, dp = 2): string => formatUsd(v, { dp, signed: true });
export const tokenAmount = (v: bigint, t: TokenInfo, dp = Math.min(t.decimals, 6)): string =>
  `${formatFixed(v, { decimals: t.decimals, dp })} ${t.symbol}`;
export const side = formatSide;
