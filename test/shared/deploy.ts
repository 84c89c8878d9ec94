import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { Clearinghouse, ClearinghouseLens } from "../../typechain-types";

/**
 * Deploys a Clearinghouse outside Ignition: its linked logic libraries first (`LiquidationLogic`, `ConfigLogic`,
 * `DeleverageLogic`, DESIGN §2), then the core linked to them, then its lens. For tests that wire a system by hand (a Vault over another
 * token, the gas fixture's fixed deployer).
 */
export async function deployClearinghouse(
  args: unknown[],
  signer?: Signer,
  overrides: Record<string, unknown> = {},
): Promise<{ clearinghouse: Clearinghouse; lens: ClearinghouseLens }> {
  const deploy = async (name: string, deployArgs: unknown[], libraries?: Record<string, string>) => {
    const factory = await ethers.getContractFactory(name, { signer, libraries });
    const contract = await factory.deploy(...deployArgs, overrides);
    await contract.waitForDeployment();
    return contract;
  };
  const liquidationLogic = await deploy("LiquidationLogic", []);
  const configLogic = await deploy("ConfigLogic", []);
  const deleverageLogic = await deploy("DeleverageLogic", []);
  const clearinghouse = (await deploy("Clearinghouse", args, {
    LiquidationLogic: await liquidationLogic.getAddress(),
    ConfigLogic: await configLogic.getAddress(),
    DeleverageLogic: await deleverageLogic.getAddress(),
  })) as unknown as Clearinghouse;
  const lens = (await deploy("ClearinghouseLens", [
    await clearinghouse.getAddress(),
  ])) as unknown as ClearinghouseLens;
  return { clearinghouse, lens };
}
