/**
 * Keel on Base (chain 8453):
 *   npx hardhat ignition deploy deploy/modules/Base.ts --network base --parameters deploy/parameters/base.json
 */
import { BASE } from "../networks";
import { productionModule } from "./Production";

export default productionModule(BASE);
