/**
 * The injected EIP-1193 wallet through ethers' `BrowserProvider`: the connected address and the chain id, kept up to
 * date by the wallet's `accountsChanged` and `chainChanged` events, and the block number, which every view reloads on.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { BrowserProvider } from "ethers";
import { errorMessage } from "../../../scripts/common/errors";

export interface Wallet {
  /** Undefined when no wallet is injected. */
  provider?: BrowserProvider;
  address?: string;
  chainId?: bigint;
  block?: number;
  error?: string;
  connect: () => void;
}

const asAddress = (accounts: unknown): string | undefined =>
  Array.isArray(accounts) && typeof accounts[0] === "string" ? accounts[0] : undefined;

export function useWallet(): Wallet {
  const ethereum = typeof window === "undefined" ? undefined : window.ethereum;
  const provider = useMemo(() => {
    if (!ethereum) return undefined;
    const p = new BrowserProvider(ethereum, "any");
    p.pollingInterval = 1000;
    return p;
  }, [ethereum]);
  const [address, setAddress] = useState<string>();
  const [chainId, setChainId] = useState<bigint>();
  const [block, setBlock] = useState<number>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!ethereum) return;
    const onAccounts = (accounts: unknown) => setAddress(asAddress(accounts));
    const onChain = (id: unknown) => setChainId(BigInt(String(id)));
    ethereum.request({ method: "eth_accounts" }).then(onAccounts, (e) => setError(errorMessage(e)));
    ethereum.request({ method: "eth_chainId" }).then(onChain, (e) => setError(errorMessage(e)));
    ethereum.on?.("accountsChanged", onAccounts);
    ethereum.on?.("chainChanged", onChain);
    return () => {
      ethereum.removeListener?.("accountsChanged", onAccounts);
      ethereum.removeListener?.("chainChanged", onChain);
    };
  }, [ethereum]);

  useEffect(() => {
    if (!provider || chainId === undefined) return;
    const onBlock = (n: number) => setBlock(n);
    provider.getBlockNumber().then(onBlock, (e) => setError(errorMessage(e)));
    void provider.on("block", onBlock);
    return () => void provider.off("block", onBlock);
  }, [provider, chainId]);

  const connect = useCallback(() => {
    if (!ethereum) return;
    ethereum.request({ method: "eth_requestAccounts" }).then(
      (accounts) => setAddress(asAddress(accounts)),
      (e) => setError(errorMessage(e)),
    );
  }, [ethereum]);

  return { provider, address, chainId, block, error, connect };
}
