/** Every interface whose custom errors a Keel transaction can revert with, for decoding a task's failures. */
import type { Interface } from "ethers";
import {
  ClearinghouseLens__factory,
  Clearinghouse__factory,
  ERC4626__factory,
  Errors__factory,
  LiquidityPool__factory,
  MockERC20__factory,
  MockV3Aggregator__factory,
  OrderBook__factory,
  PriceOracle__factory,
  SafeCast__factory,
  SafeERC20__factory,
  TimelockController__factory,
  Vault__factory,
} from "../../../typechain-types";

export const ERROR_INTERFACES: Interface[] = [
  Clearinghouse__factory.createInterface(),
  ClearinghouseLens__factory.createInterface(),
  Vault__factory.createInterface(),
  OrderBook__factory.createInterface(),
  LiquidityPool__factory.createInterface(),
  PriceOracle__factory.createInterface(),
  TimelockController__factory.createInterface(),
  MockERC20__factory.createInterface(),
  MockV3Aggregator__factory.createInterface(),
  ERC4626__factory.createInterface(),
  SafeERC20__factory.createInterface(),
  SafeCast__factory.createInterface(),
  Errors__factory.createInterface(),
];
