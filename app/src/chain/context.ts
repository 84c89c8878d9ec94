/** What every page reads: the deployment, the connected trader, the selected subaccount and the latest block. */
import { createContext, useContext } from "react";
import type { JsonRpcSigner } from "ethers";
import type { Keel } from "./keel";

export interface Session {
  keel: Keel;
  address: string;
  signer: () => Promise<JsonRpcSigner>;
  subaccount: bigint;
  accountId: bigint;
  block: number;
  setSubaccount: (subaccount: bigint) => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a connected session");
  return session;
}
