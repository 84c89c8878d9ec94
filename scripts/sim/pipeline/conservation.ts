/**
 * Conservation, checked at the end of every run. For USDC: the Vault's token balance equals the sum of its ledgers
 * (every account's signed balance, the pool, the insurance fund), which equals Σ deposits − Σ withdrawals, exactly;
 * the on-chain total equals the sum over every account; the flows the simulation recorded equal the Vault's events.
 * For every other collateral token: the Vault holds what the accounts' ledgers say, which is what went in minus what
 * came out. And zero-sum at marks: traders' equity, the keeper's balance, the pool's value and the insurance fund add up
 * to the net deposits, up to the rounding in the protocol's favour.
 */
import type { System } from "../../lib/system";
import type { TokenInfo } from "../agents/env";
import type { Conservation, PoolValueAtMarks, TokenConservation } from "../types";
import { TO_WAD, WAD, ceilDiv } from "../units";
import { netFlows } from "../world";
import type { Flows, TokenFlows } from "../world";
import type { KnownAccount } from "./setup";

export async function checkConservation(
  sys: System,
  known: KnownAccount[],
  keeperAccount: bigint,
  /** The OrderBook's account (pending orders' settlement fees). */
  escrowAccount: bigint,
  flows: Flows,
  eventFlows: Flows,
  tokens: Map<string, TokenInfo>,
  tokenFlows: Map<string, TokenFlows>,
  eventTokenFlows: Map<string, TokenFlows>,
): Promise<Conservation> {
  const usdc = sys.addresses.usdc;
  const vaultTokenBalance = await sys.usdc.balanceOf(sys.addresses.vault);
  const totalAccountBalance = await sys.vault.totalAccountBalance(usdc);
  const poolBalance = await sys.vault.poolBalance();
  const insuranceBalance = await sys.vault.insuranceBalance();
  let sumOfKnownAccounts = 0n;
  for (const k of known) sumOfKnownAccounts += await sys.vault.balanceOf(k.accountId, usdc);
  const keeperBalance = await sys.vault.balanceOf(keeperAccount, usdc);
  const escrowBalance = await sys.vault.balanceOf(escrowAccount, usdc);
  sumOfKnownAccounts += keeperBalance + escrowBalance;
  const netDeposits = netFlows(flows);
  const ledgerTotal = totalAccountBalance + poolBalance + insuranceBalance;
  const tolerance = 0n;
  const ledgerGap = vaultTokenBalance - ledgerTotal;
  const depositGap = netDeposits - ledgerTotal;
  const accountSumGap = totalAccountBalance - sumOfKnownAccounts;
  const flowsAgree = (Object.keys(flows) as (keyof Flows)[]).every((k) => flows[k] === eventFlows[k]);

  // Every collateral token: the Vault holds exactly what the accounts' ledgers say, which is what went in minus what
  // came out (withdrawals, and seizures by collateral liquidations).
  const tokenChecks: TokenConservation[] = [];
  for (const token of tokens.values()) {
    const vaultBalance = await token.contract.balanceOf(sys.addresses.vault);
    const total = await sys.vault.totalAccountBalance(token.address);
    let sum = 0n;
    for (const k of known) sum += await sys.vault.balanceOf(k.accountId, token.address);
    sum += await sys.vault.balanceOf(keeperAccount, token.address);
    const f = tokenFlows.get(token.symbol) ?? { deposited: 0n, withdrawn: 0n, seized: 0n };
    const e = eventTokenFlows.get(token.symbol) ?? { deposited: 0n, withdrawn: 0n, seized: 0n };
    const same = f.deposited === e.deposited && f.withdrawn === e.withdrawn && f.seized === e.seized;
    tokenChecks.push({
      symbol: token.symbol,
      decimals: token.decimals,
      vaultTokenBalance: vaultBalance,
      totalAccountBalance: total,
      sumOfKnownAccounts: sum,
      flows: { ...f },
      eventFlows: { ...e },
      ok:
        same &&
        vaultBalance === total &&
        total === sum &&
        vaultBalance === f.deposited - f.withdrawn - f.seized,
    });
  }

  // Zero-sum at marks: the traders' equity (without their collateral tokens, which are not settlement-token money),
  // the keeper's balance, the fees escrowed for pending orders, the pool's value and the insurance fund.
  let equity = 0n;
  for (const k of known) {
    equity += (await sys.clearinghouse.accountState(k.accountId)).equity;
    const [, otherValue, hasOther] = await sys.vault.accountCollateral(k.accountId);
    if (hasOther) equity -= otherValue;
  }
  const pool = await poolValueAtMarks(sys, poolBalance);
  const poolValue = pool.value;
  const markToMarketGapWad =
    equity +
    (keeperBalance + escrowBalance) * TO_WAD +
    poolValue +
    insuranceBalance * TO_WAD -
    netDeposits * TO_WAD;

  const within = (x: bigint) => (x < 0n ? -x : x) <= tolerance;
  return {
    vaultTokenBalance,
    totalAccountBalance,
    sumOfKnownAccounts,
    poolBalance,
    insuranceBalance,
    flows: { ...flows },
    eventFlows: { ...eventFlows },
    netDeposits,
    ledgerTotal,
    ledgerGap,
    depositGap,
    accountSumGap,
    tolerance,
    tokens: tokenChecks,
    ok:
      within(ledgerGap) &&
      within(depositGap) &&
      within(accountSumGap) &&
      flowsAgree &&
      tokenChecks.every((t) => t.ok),
    markToMarketGapWad,
    keeperBalance,
    escrowBalance,
    poolAtMarks: pool,
  };
}

/** The pool's value at marks: its cash, the unrealized value of its exposure, and the skew premium added back. */
async function poolValueAtMarks(sys: System, poolBalance: bigint): Promise<PoolValueAtMarks> {
  const [unrealized] = await sys.pool.poolExposure();
  // The pool's value nets the skew premium closing the skew would pay (DESIGN §11); at marks it is added back.
  let premium = 0n;
  const marketCount = Number(await sys.clearinghouse.marketCount());
  for (let marketId = 0; marketId < marketCount; marketId++) {
    const view = await sys.lens.market(marketId);
    const skewScale = (await sys.clearinghouse.marketConfig(marketId)).skew.skewScale;
    const s = view.skew < 0n ? -view.skew : view.skew;
    premium += ceilDiv(ceilDiv(s * s, 2n * skewScale) * view.oraclePrice, WAD);
  }
  return { value: poolBalance * TO_WAD + unrealized + premium, unrealized, premium };
}
