import hre from "hardhat";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { runSimulation } from "../../../scripts/sim/run";
import type { SimulationOptions } from "../../../scripts/sim/run";
import type { SimulationResult } from "../../../scripts/sim/types";

/** A simulation on the in-process network, the chain put back as it was afterwards (the stack's deployment too). */
export async function simulateIsolated(options: SimulationOptions): Promise<SimulationResult> {
  const snapshot = await takeSnapshot();
  try {
    return await runSimulation(hre, options);
  } finally {
    await snapshot.restore();
  }
}
