/**
 * Subaccounts (DESIGN §4): each is a separate cross-margin account of the same wallet, so a position can be isolated
 * by opening it in a subaccount of its own. The numbers used are remembered per wallet in localStorage.
 */
import { useState } from "react";

const keyOf = (address: string) => `keel.subaccounts.${address.toLowerCase()}`;

function remembered(address: string): bigint[] {
  try {
    const list = JSON.parse(localStorage.getItem(keyOf(address)) ?? "[]") as string[];
    return [...new Set(["0", ...list])].map((s) => BigInt(s)).sort((a, b) => (a < b ? -1 : 1));
  } catch {
    return [0n];
  }
}

export function SubaccountPicker({
  address,
  value,
  onChange,
}: {
  address: string;
  value: bigint;
  onChange: (s: bigint) => void;
}) {
  const [list, setList] = useState(() => remembered(address));
  const create = () => {
    const next = list.reduce((a, b) => (b > a ? b : a), 0n) + 1n;
    const updated = [...list, next];
    localStorage.setItem(keyOf(address), JSON.stringify(updated.map(String)));
    setList(updated);
    onChange(next);
  };
  return (
    <span className="subaccounts">
      Subaccount{" "}
      <select
        data-testid="subaccount"
        value={value.toString()}
        onChange={(e) => onChange(BigInt(e.target.value))}
      >
        {list.map((s) => (
          <option key={s.toString()} value={s.toString()}>
            #{s.toString()}
          </option>
        ))}
      </select>{" "}
      <button data-testid="subaccount-new" onClick={create}>
        New subaccount
      </button>
    </span>
  );
}
