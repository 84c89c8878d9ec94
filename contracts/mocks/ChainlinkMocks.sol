// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Compiles Chainlink's own mock aggregator so tests and the local deployment can use its artifact.
// solhint-disable-next-line no-unused-import
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
