/**
 * The app's frame: the wallet connection, the deployment of the wallet's chain, the subaccount, and the five pages.
 */
import { useMemo, useState } from "react";
import { shortAddress } from "../../scripts/common/format";
import { accountIdOf } from "../../scripts/common/accounts";
import { SessionContext } from "./chain/context";
import type { Session } from "./chain/context";
import { deploymentIdFor, loadAddresses } from "./chain/deployment";
import { loadKeel } from "./chain/keel";
import { useAsync } from "./chain/useAsync";
import { useWallet } from "./chain/useWallet";
import { SubaccountPicker } from "./components/SubaccountPicker";
import { revertMessage } from "./lib/revert";
import { AccountPage } from "./pages/AccountPage";
import { FundsPage } from "./pages/FundsPage";
import { MarketsPage } from "./pages/MarketsPage";
import { PoolPage } from "./pages/PoolPage";
import { TradePage } from "./pages/TradePage";

const PAGES = {
  markets: MarketsPage,
  trade: TradePage,
  account: AccountPage,
  funds: FundsPage,
  pool: PoolPage,
};
const TITLES: Record<keyof typeof PAGES, string> = {
  markets: "Markets",
  trade: "Trade",
  account: "Account",
  funds: "Deposit / withdraw",
  pool: "Pool",
};
type PageName = keyof typeof PAGES;

export function App() {
  const wallet = useWallet();
  const [page, setPage] = useState<PageName>("markets");
  const [subaccount, setSubaccount] = useState(0n);
  const { provider, chainId, address, block } = wallet;
  const deploymentId = chainId === undefined ? undefined : deploymentIdFor(chainId, window.location.search);
  const { data: keel, error } = useAsync(
    async () => loadKeel(await loadAddresses(deploymentId!, chainId!), provider!),
    provider && deploymentId ? `${deploymentId}-${chainId}` : undefined,
  );
  const session = useMemo<Session | undefined>(
    () =>
      keel && address && block !== undefined
        ? {
            keel,
            address,
            signer: () => provider!.getSigner(address),
            subaccount,
            accountId: accountIdOf(address, subaccount),
            block,
            setSubaccount,
          }
        : undefined,
    [keel, address, block, subaccount, provider],
  );
  const Page = PAGES[page];

  return (
    <div className="app">
      <header>
        <h1>Keel</h1>
        <nav>
          {(Object.keys(PAGES) as PageName[]).map((name) => (
            <button
              key={name}
              data-testid={`nav-${name}`}
              className={name === page ? "active" : ""}
              onClick={() => setPage(name)}
            >
              {TITLES[name]}
            </button>
          ))}
        </nav>
        <div className="wallet">
          {!provider ? (
            <span className="error">No wallet found: install MetaMask or Rabby (any EIP-1193 wallet).</span>
          ) : address ? (
            <>
              <span data-testid="address">{shortAddress(address)}</span> · chain {chainId?.toString()} · block{" "}
              <span data-testid="block">{block ?? "…"}</span>{" "}
              <SubaccountPicker key={address} address={address} value={subaccount} onChange={setSubaccount} />
            </>
          ) : (
            <button data-testid="connect" onClick={wallet.connect}>
              Connect wallet
            </button>
          )}
        </div>
      </header>
      {wallet.error ? (
        <p className="error" role="alert">
          {wallet.error}
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert" data-testid="deployment-error">
          {revertMessage(error, [])}
        </p>
      ) : null}
      <main>
        {session ? (
          <SessionContext.Provider value={session}>
            <Page />
          </SessionContext.Provider>
        ) : (
          <p className="muted">{address ? "Loading the deployment…" : "Connect a wallet to start."}</p>
        )}
      </main>
    </div>
  );
}
