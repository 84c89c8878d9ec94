/**
 * A test EIP-1193 wallet injected into the page: `window.ethereum` forwards every request to the test's `hardhat node`
 * through a function the test exposes (`page.exposeFunction`), so it signs with the node's unlocked accounts
 * (`eth_sendTransaction` with `from`). `eth_requestAccounts` connects the account the test chose, and
 * `window.__keelTestWallet.setAccount(address)` switches to another one (emitting `accountsChanged`), as a wallet does.
 */
import type { Page } from "playwright-core";

interface RpcAnswer {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** Forwards one JSON-RPC request to the node; the node's error object comes back as it is. */
async function forward(rpcUrl: string, method: string, params: unknown): Promise<string> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
  });
  const body = (await res.json()) as RpcAnswer;
  return JSON.stringify(body.error ? { error: body.error } : { result: body.result });
}

/** The page side, run before any of the app's scripts. Plain JavaScript: it is serialized into the page. */
function installWallet(account: string): void {
  type Listener = (...args: unknown[]) => void;
  const w = globalThis as unknown as Record<string, unknown>;
  const listeners: Record<string, Listener[]> = {};
  let connected: string | undefined;
  const emit = (event: string, value: unknown) => (listeners[event] ?? []).forEach((l) => l(value));
  const rpc = w.__keelTestRpc as (method: string, params: string) => Promise<string>;
  w.__keelTestWallet = {
    setAccount(address: string) {
      connected = address;
      emit("accountsChanged", [address]);
    },
  };
  w.ethereum = {
    isKeelTestWallet: true,
    async request({ method, params }: { method: string; params?: unknown }) {
      if (method === "eth_requestAccounts") {
        connected = connected ?? account;
        emit("accountsChanged", [connected]);
        return [connected];
      }
      if (method === "eth_accounts") return connected ? [connected] : [];
      const answer = JSON.parse(await rpc(method, JSON.stringify(params ?? []))) as RpcAnswer;
      if (answer.error) {
        const err = new Error(answer.error.message) as Error & { code: number; data: unknown };
        err.code = answer.error.code;
        err.data = answer.error.data;
        throw err;
      }
      return answer.result;
    },
    on(event: string, listener: Listener) {
      (listeners[event] = listeners[event] ?? []).push(listener);
    },
    removeListener(event: string, listener: Listener) {
      listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener);
    },
  };
}

/** Injects the wallet into every page the test opens; `account` is the address it connects first. */
export async function injectWallet(page: Page, rpcUrl: string, account: string): Promise<void> {
  await page.exposeFunction("__keelTestRpc", (method: string, params: string) =>
    forward(rpcUrl, method, JSON.parse(params)),
  );
  await page.addInitScript(installWallet, account);
}

/** Switches the injected wallet to another account, as a user does in MetaMask. */
export async function switchAccount(page: Page, address: string): Promise<void> {
  await page.evaluate((a) => {
    (
      globalThis as unknown as { __keelTestWallet: { setAccount(a: string): void } }
    ).__keelTestWallet.setAccount(a);
  }, address);
}
