/**
 * Loads data with an async function whenever `key` changes (the block number, the account, the inputs), keeping the
 * previous data on screen while the next load runs. An error is kept as its message.
 */
import { useEffect, useRef, useState } from "react";

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  /** The key the data was loaded for. */
  key?: string;
}

export function useAsync<T>(load: () => Promise<T>, key: string | undefined): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({});
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  useEffect(() => {
    if (key === undefined) return;
    let live = true;
    loadRef.current().then(
      (data) => live && setState({ data, key }),
      (error: unknown) => live && setState((prev) => ({ data: prev.data, error, key })),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}
