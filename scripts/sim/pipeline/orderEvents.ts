/**
 * The OrderBook's events as rows of events.csv (DESIGN §21): an order committed (its size, limit and escrowed fee),
 * settled (the round's price, the fill, the fee and the keeper that earned it) or cancelled (why, and who got the fee).
 */
import { ethers } from "ethers";
import type { Log } from "ethers";
import { decodeRevertData } from "../../common/errors";
import type { System } from "../../lib/system";
import type { SimEvent } from "../types";
import { fmt } from "../units";

type AccountColumns = Pick<SimEvent, "accountId" | "agent" | "subaccount">;

export function orderEventRow(
  sys: System,
  log: Log,
  base: SimEvent,
  account: (id: bigint) => AccountColumns,
  market: (marketId: bigint) => string,
  party: (address: string) => string,
): SimEvent | undefined {
  let parsed: ethers.LogDescription | null;
  try {
    parsed = sys.orderBook.interface.parseLog(log);
  } catch {
    parsed = null;
  }
  if (!parsed || !["OrderCommitted", "OrderSettled", "OrderCancelled"].includes(parsed.name))
    return undefined;
  const a = parsed.args;
  const common = {
    ...base,
    ...account(a.accountId as bigint),
    market: market(a.marketId as bigint),
    amountUsdc: fmt(a.fee as bigint, 6),
  };
  switch (parsed.name) {
    case "OrderCommitted":
      return {
        ...common,
        type: "order_committed",
        size: fmt(a.sizeDelta as bigint, 18),
        price: fmt(a.acceptablePrice as bigint, 18),
      };
    case "OrderSettled":
      return {
        ...common,
        type: "order_settled",
        size: fmt(a.sizeDelta as bigint, 18),
        price: fmt(a.fillPrice as bigint, 18),
        feeRecipient: party(a.keeper as string),
      };
    case "OrderCancelled": {
      const reason = a.reason as string;
      return {
        ...common,
        type: "order_cancelled",
        feeRecipient: party(a.feeRecipient as string),
        reason:
          reason === "0x"
            ? ""
            : (decodeRevertData(reason, [
                sys.orderBook.interface,
                sys.clearinghouse.interface,
                sys.vault.interface,
              ])?.name ?? reason.slice(0, 10)),
      };
    }
    default:
      return undefined;
  }
}
