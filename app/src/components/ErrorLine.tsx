/** A failed view call or load, shown as one line (the decoded revert in words when there is one). */
import { revertMessage } from "../lib/revert";
import { useSession } from "../chain/context";

export function ErrorLine({ error }: { error: unknown }) {
  const { keel } = useSession();
  if (error === undefined) return null;
  return (
    <p className="error" role="alert">
      {revertMessage(error, keel.interfaces, keel.units)}
    </p>
  );
}
