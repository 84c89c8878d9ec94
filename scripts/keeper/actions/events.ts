/** The protocol events the keeper's actions read from their receipts, with the argument types typechain generated. */
import type { LogDescription } from "ethers";
import type { DeleveragedEvent, LiquidatedEvent } from "../../../typechain-types/contracts/Clearinghouse";
import type {
  BadDebtBookedEvent,
  BadDebtSettledEvent,
  CollateralLiquidatedEvent,
} from "../../../typechain-types/contracts/Vault";

export interface EventArgs {
  Liquidated: LiquidatedEvent.OutputObject;
  Deleveraged: DeleveragedEvent.OutputObject;
  BadDebtSettled: BadDebtSettledEvent.OutputObject;
  BadDebtBooked: BadDebtBookedEvent.OutputObject;
  CollateralLiquidated: CollateralLiquidatedEvent.OutputObject;
}

/**
 * The arguments of `parsed` if it is the event `name`. The cast is the ABI boundary: the log was parsed with the
 * emitting contract's interface, whose ABI typechain's types were generated from.
 */
export function argsOf<K extends keyof EventArgs>(
  parsed: LogDescription | null | undefined,
  name: K,
): EventArgs[K] | undefined {
  return parsed?.name === name ? (parsed.args as unknown as EventArgs[K]) : undefined;
}
