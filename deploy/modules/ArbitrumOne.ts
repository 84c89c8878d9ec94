/**
 * Keel on Arbitrum One (chain 42161):
 *   npx hardhat ignition deploy deploy/modules/ArbitrumOne.ts --network arbitrumOne \
 *     --parameters deploy/parameters/arbitrum-one.json
 */
import { ARBITRUM_ONE } from "../networks";
import { productionModule } from "./Production";

export default productionModule(ARBITRUM_ONE);
