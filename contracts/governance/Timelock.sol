// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Compiles OpenZeppelin's TimelockController so the production Ignition modules can deploy it: on real networks it
// holds the admin and risk-admin roles of every Keel contract (DESIGN §13).
// solhint-disable-next-line no-unused-import
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
