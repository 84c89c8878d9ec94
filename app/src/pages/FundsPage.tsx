/**
 * Deposit / withdraw any listed collateral for the selected subaccount: the wallet balance, the approval step when
 * the Vault's allowance is short, and the most that can be withdrawn now (app/src/lib/margin.ts).
 */
import { useState } from "react";
import { formatTokenExact } from "../../../scripts/common/format";
import { parsePositive } from "../../../scripts/common/units";
import { loadAccount } from "../chain/account";
import { useSession } from "../chain/context";
import type { Keel, TokenInfo } from "../chain/keel";
import { useAsync } from "../chain/useAsync";
import { useTx } from "../chain/useTx";
import { ErrorLine } from "../components/ErrorLine";
import { Metric } from "../components/Metric";
import { TxStatus } from "../components/TxStatus";
import { maxWithdrawable, valuePerUnitWad } from "../lib/margin";
import { exact } from "../../../scripts/common/units";

async function loadFunds(keel: Keel, owner: string, accountId: bigint, block: number, token: TokenInfo) {
  const account = await loadAccount(keel, accountId, block);
  const erc20 = keel.token(token.address);
  const [wallet, allowance] = await Promise.all([
    erc20.balanceOf(owner, { blockTag: block }),
    erc20.allowance(owner, keel.addresses.vault, { blockTag: block }),
  ]);
  const price = token.asset ? await keel.oracle.price(token.asset, { blockTag: block }) : undefined;
  const balance = account.balances.find((b) => b.token.address === token.address)?.balance ?? 0n;
  const settlementBalance = account.balances[0].balance;
  const max = maxWithdrawable({
    balance,
    freeCollateral: account.state.freeCollateral,
    hasPositionsOrDebt: account.positions.length > 0 || settlementBalance < 0n,
    valuePerUnitWad: valuePerUnitWad(token.decimals, price, token.weight),
  });
  return { wallet, allowance, balance, max };
}

export function FundsPage() {
  const { keel, address, accountId, subaccount, block, signer } = useSession();
  const tokens = [keel.settlement, ...keel.collaterals];
  const [tokenIndex, setTokenIndex] = useState(0);
  const [amount, setAmount] = useState("");
  const [inputError, setInputError] = useState<string>();
  const token = tokens[tokenIndex];
  const { data, error } = useAsync(
    () => loadFunds(keel, address, accountId, block, token),
    `${accountId}-${block}-${token.address}`,
  );
  const { state, run } = useTx();

  const parsed = (): bigint | undefined => {
    try {
      setInputError(undefined);
      return parsePositive(amount, token.decimals, "Amount");
    } catch (err) {
      setInputError((err as Error).message);
      return undefined;
    }
  };
  const deposit = async () => {
    const value = parsed();
    if (value === undefined || !data) return;
    const s = await signer();
    const steps = [];
    if (data.allowance < value) {
      steps.push({
        label: `Approve ${token.symbol}`,
        send: () => keel.token(token.address).connect(s).approve(keel.addresses.vault, value),
      });
    }
    steps.push({
      label: `Deposit ${token.symbol}`,
      send: () => keel.vault.connect(s).deposit(subaccount, token.address, value),
    });
    if (await run(steps)) setAmount("");
  };
  const withdraw = async () => {
    const value = parsed();
    if (value === undefined) return;
    const s = await signer();
    if (
      await run([
        {
          label: `Withdraw ${token.symbol}`,
          send: () => keel.vault.connect(s).withdraw(subaccount, token.address, value),
        },
      ])
    )
      setAmount("");
  };

  return (
    <section data-testid="funds">
      <h2>Deposit / withdraw</h2>
      <label>
        Token{" "}
        <select
          data-testid="funds-token"
          value={tokenIndex}
          onChange={(e) => setTokenIndex(Number(e.target.value))}
        >
          {tokens.map((t, i) => (
            <option key={t.address} value={i}>
              {t.symbol}
            </option>
          ))}
        </select>
      </label>
      <ErrorLine error={error} />
      {data ? (
        <div className="metrics">
          <Metric
            id="wallet-balance"
            label="In your wallet"
            value={formatTokenExact(data.wallet, token)}
            raw={data.wallet}
          />
          <Metric
            id="account-balance"
            label="In the account"
            value={formatTokenExact(data.balance, token)}
            raw={data.balance}
          />
          <Metric
            id="vault-allowance"
            label="Vault allowance"
            value={formatTokenExact(data.allowance, token)}
            raw={data.allowance}
          />
          <Metric
            id="max-withdraw"
            label="Max withdrawable"
            value={formatTokenExact(data.max, token)}
            raw={data.max}
          />
        </div>
      ) : null}
      <div className="form">
        <input
          data-testid="funds-amount"
          placeholder={`amount in ${token.symbol}`}
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <button data-testid="max" onClick={() => data && setAmount(exact(data.max, token.decimals))}>
          Max
        </button>
        <button data-testid="deposit" disabled={!data} onClick={() => void deposit()}>
          {data && amount && data.allowance < (safeParse(amount, token.decimals) ?? 0n)
            ? "Approve & deposit"
            : "Deposit"}
        </button>
        <button data-testid="withdraw" onClick={() => void withdraw()}>
          Withdraw
        </button>
      </div>
      {inputError ? (
        <p className="error" role="alert">
          {inputError}
        </p>
      ) : null}
      <TxStatus state={state} />
    </section>
  );
}

function safeParse(amount: string, decimals: number): bigint | undefined {
  try {
    return parsePositive(amount, decimals, "Amount");
  } catch {
    return undefined;
  }
}
