/** Who holds which role on each contract: the signer and, on a production deployment, the timelock. */
import type { Row } from "../../common/table";
import type { TaskContext } from "../frame/context";
import { DEFAULT_ADMIN_ROLE, GUARDIAN, RISK_ADMIN } from "./call";
import type { AccessControlled } from "./call";

export async function rolesRows(ctx: TaskContext): Promise<Row[]> {
  const holders: [string, string][] = [["signer", ctx.signerAddress]];
  if (ctx.addresses.timelock) holders.push(["timelock", ctx.addresses.timelock]);
  const contracts: [string, AccessControlled][] = [
    ["PriceOracle", ctx.oracle],
    ["Vault", ctx.vault],
    ["Clearinghouse", ctx.clearinghouse],
    ["LiquidityPool", ctx.pool],
  ];
  const rows: Row[] = [];
  for (const [label, address] of holders) {
    const cells = [`${label} ${address.slice(0, 8)}…${address.slice(-4)}`];
    for (const [, contract] of contracts) {
      const held: string[] = [];
      if (await contract.hasRole(DEFAULT_ADMIN_ROLE, address)) held.push("admin");
      if (await contract.hasRole(RISK_ADMIN, address)) held.push("risk");
      if (await contract.hasRole(GUARDIAN, address)) held.push("guardian");
      cells.push(held.join(", ") || "-");
    }
    rows.push(cells);
  }
  return rows;
}

export const ROLE_COLUMNS = ["holder", "PriceOracle", "Vault", "Clearinghouse", "LiquidityPool"];
