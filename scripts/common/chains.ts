/**
 * Chain-id rules: which chains are local development chains (Hardhat, Anvil: 31337; Ganache and others: 1337), the
 * only chains where tools may mint mock tokens, move mock feeds or move time, and where a tool may fall back to a
 * well-known development account.
 */

/** Chain ids of local development nodes. */
export const LOCAL_CHAIN_IDS: ReadonlySet<bigint> = new Set([31337n, 1337n]);

/** The name Hardhat gives its in-process network (empty at every start, gone at exit). */
export const IN_PROCESS_NETWORK = "hardhat";

export const isLocalChain = (chainId: bigint | number): boolean => LOCAL_CHAIN_IDS.has(BigInt(chainId));

/** `network "localhost" (chain 31337)`: how messages name the chain a tool looked at. */
export const describeNetwork = (network: string, chainId: bigint | number): string =>
  `network "${network}" (chain ${chainId})`;

/**
 * Throws unless the chain is a local development chain; `what` says what was refused (`mint mock tokens`). The rule
 * is the chain id, whatever the network is called, so nothing local-only can touch a real deployment.
 */
export function requireLocalChain(network: string, chainId: bigint | number, what: string): void {
  if (!isLocalChain(chainId)) {
    throw new Error(
      `refusing to ${what} on ${describeNetwork(network, chainId)}: only local development chains ` +
        `(chain id ${[...LOCAL_CHAIN_IDS].join(" or ")}) allow it`,
    );
  }
}
