// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file, gas-custom-errors
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @title MockOCR2Aggregator
/// @notice A Chainlink-like aggregator for gas measurement: `latestRoundData` reads the same two storage slots as
/// Chainlink's `OCR2Aggregator` (the hot variables holding the latest round id, then that round's transmission:
/// answer and timestamps packed in one slot), so a cold read costs what the real one does, unlike a one-slot mock.
/// @dev Test-only: anyone can post an answer.
contract MockOCR2Aggregator is AggregatorV3Interface {
    /// @dev OCR2Aggregator's `HotVars`: the latest config digest, epoch and round, threshold and round id.
    struct HotVars {
        bytes16 latestConfigDigest;
        uint40 latestEpochAndRound;
        uint8 threshold;
        uint32 latestAggregatorRoundId;
    }

    /// @dev OCR2Aggregator's `Transmission`: one slot per round.
    struct Transmission {
        int192 answer;
        uint32 observationsTimestamp;
        uint32 transmissionTimestamp;
    }

    uint8 public immutable override decimals;
    HotVars internal _hotVars;
    mapping(uint32 roundId => Transmission) internal _transmissions;

    constructor(uint8 decimals_, int256 initialAnswer) {
        decimals = decimals_;
        _hotVars.latestConfigDigest = bytes16(keccak256("keel.mock.ocr2"));
        _hotVars.threshold = 1;
        updateAnswer(initialAnswer);
    }

    /// @notice Posts a new round with `answer`, observed and transmitted now.
    function updateAnswer(int256 answer) public {
        updateRoundData(answer, block.timestamp);
    }

    /// @notice Posts a new round with `answer` observed and transmitted at `timestamp`.
    function updateRoundData(int256 answer, uint256 timestamp) public {
        uint32 roundId = _hotVars.latestAggregatorRoundId + 1;
        _hotVars.latestAggregatorRoundId = roundId;
        _hotVars.latestEpochAndRound += 1;
        _transmissions[roundId] = Transmission(int192(answer), uint32(timestamp), uint32(timestamp));
    }

    function description() external pure override returns (string memory) {
        return "MockOCR2Aggregator";
    }

    function version() external pure override returns (uint256) {
        return 6;
    }

    function getRoundData(uint80 roundId) public view override returns (uint80, int256, uint256, uint256, uint80) {
        Transmission memory t = _transmissions[uint32(roundId)];
        return (roundId, t.answer, t.observationsTimestamp, t.transmissionTimestamp, roundId);
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(_hotVars.latestAggregatorRoundId);
    }
}

/// @title MockAggregatorProxy
/// @notice A Chainlink-like feed proxy for gas measurement, shaped as `EACAggregatorProxy`: `latestRoundData` reads
/// the access controller slot (open access: zero), then the current phase (phase id and aggregator packed in one
/// slot), forwards to the aggregator in a separate contract and stamps the phase into the round ids. A cold read
/// through it touches two cold accounts and four cold slots, about 15.7k gas, like the real path.
/// @dev Test-only: anyone can switch the aggregator.
contract MockAggregatorProxy is AggregatorV3Interface {
    struct Phase {
        uint16 id;
        AggregatorV3Interface aggregator;
    }

    uint256 private constant PHASE_OFFSET = 64;

    /// @dev EACAggregatorProxy's access controller; zero means open access.
    address public accessController;
    Phase private _currentPhase;

    constructor(AggregatorV3Interface aggregator_) {
        _setAggregator(aggregator_);
    }

    /// @notice Points the proxy at a new aggregator (a new phase), as Chainlink does on an aggregator upgrade.
    function setAggregator(AggregatorV3Interface aggregator_) external {
        _setAggregator(aggregator_);
    }

    /// @notice The aggregator of the current phase.
    function aggregator() external view returns (AggregatorV3Interface) {
        return _currentPhase.aggregator;
    }

    function decimals() external view override returns (uint8) {
        return _currentPhase.aggregator.decimals();
    }

    function description() external view override returns (string memory) {
        return _currentPhase.aggregator.description();
    }

    function version() external view override returns (uint256) {
        return _currentPhase.aggregator.version();
    }

    function getRoundData(uint80 roundId) external view override returns (uint80, int256, uint256, uint256, uint80) {
        _checkAccess();
        Phase memory current = _currentPhase;
        (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) = current
            .aggregator
            .getRoundData(uint64(roundId));
        return (_phaseId(current.id, id), answer, startedAt, updatedAt, _phaseId(current.id, answeredInRound));
    }

    function latestRoundData() external view override returns (uint80, int256, uint256, uint256, uint80) {
        _checkAccess();
        Phase memory current = _currentPhase;
        (uint80 id, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) = current
            .aggregator
            .latestRoundData();
        return (_phaseId(current.id, id), answer, startedAt, updatedAt, _phaseId(current.id, answeredInRound));
    }

    function _checkAccess() private view {
        address controller = accessController;
        // Open access when no controller is set (the common configuration for on-chain consumers).
        if (controller != address(0)) revert("No access");
    }

    function _setAggregator(AggregatorV3Interface aggregator_) private {
        _currentPhase = Phase(_currentPhase.id + 1, aggregator_);
    }

    function _phaseId(uint16 phase, uint80 roundId) private pure returns (uint80) {
        return uint80((uint256(phase) << PHASE_OFFSET) | uint64(roundId));
    }
}
