// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IOrderPriceSource} from "../interfaces/IOrderPriceSource.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title PriceOracle
/// @notice Chainlink adapter: one feed per asset with its own heartbeat and bounds, and an optional L2 sequencer
/// uptime feed. `answeredInRound` is deprecated by Chainlink and deliberately not read.
/// It is also the order price source for push feeds (`IOrderPriceSource`, DESIGN §21): the first round after a commit.
contract PriceOracle is IPriceOracle, IOrderPriceSource, AccessControl {
    uint256 private constant MAX_FEED_DECIMALS = 36;
    uint32 private constant MAX_STALENESS_BUFFER = 1 hours;

    mapping(bytes32 asset => FeedConfig) private _feeds;
    address private _sequencerFeed;
    uint32 private _gracePeriod;
    /// @inheritdoc IPriceOracle
    uint32 public stalenessBuffer;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(Roles.RISK_ADMIN, admin);
    }

    /// @inheritdoc IPriceOracle
    function price(bytes32 asset) external view returns (uint256 priceWad) {
        FeedConfig memory config = _config(asset);
        (int256 answer, uint256 updatedAt) = _latestAnswer(config.feed);
        return _checkedPrice(asset, config, answer, updatedAt);
    }

    /// @inheritdoc IOrderPriceSource
    function latestPriceAfter(
        bytes32 asset,
        uint256 committedAt
    ) external view returns (uint256 priceWad, uint256 publishedAt) {
        FeedConfig memory config = _config(asset);
        (int256 answer, uint256 updatedAt) = _latestAnswer(config.feed);
        if (updatedAt <= committedAt) revert OrderPriceNotPublishedAfter(asset, updatedAt, committedAt);
        return (_checkedPrice(asset, config, answer, updatedAt), updatedAt);
    }

    /// @inheritdoc IOrderPriceSource
    function settlementPrice(
        bytes32 asset,
        uint256 committedAt,
        bytes calldata proof
    ) external view returns (uint256 priceWad, uint256 publishedAt) {
        FeedConfig memory config = _config(asset);
        if (proof.length != 32) revert OrderPriceInvalidProof(asset, proof.length);
        uint80 roundId = abi.decode(proof, (uint80));
        AggregatorV3Interface feed = AggregatorV3Interface(config.feed);
        (, int256 answer, , uint256 updatedAt, ) = feed.getRoundData(roundId);
        if (updatedAt <= committedAt) revert OrderPriceRoundTooOld(asset, roundId, updatedAt, committedAt);
        // Proxy round ids are `phaseId << 64 | aggregatorRoundId`, and an aggregator's rounds start at 1: round 1 of
        // a phase has no previous round in that phase to prove it is the first after the commit.
        if (uint64(roundId) <= 1) revert OrderPriceNoPreviousRound(asset, roundId);
        (, , , uint256 previousUpdatedAt, ) = feed.getRoundData(roundId - 1);
        if (previousUpdatedAt == 0) revert OrderPriceNoPreviousRound(asset, roundId);
        if (previousUpdatedAt > committedAt) {
            revert OrderPriceRoundNotFirst(asset, roundId, previousUpdatedAt, committedAt);
        }
        return (_checkedPrice(asset, config, answer, updatedAt), updatedAt);
    }

    /// @inheritdoc IPriceOracle
    function hasFeed(bytes32 asset) external view returns (bool) {
        return _feeds[asset].feed != address(0);
    }

    /// @inheritdoc IPriceOracle
    function feedConfig(bytes32 asset) external view returns (FeedConfig memory) {
        return _feeds[asset];
    }

    /// @inheritdoc IPriceOracle
    function sequencerUptimeFeed() external view returns (address feed, uint32 gracePeriod) {
        return (_sequencerFeed, _gracePeriod);
    }

    /// @inheritdoc IPriceOracle
    function setFeed(
        bytes32 asset,
        address feed,
        uint32 heartbeat,
        uint128 minPrice,
        uint128 maxPrice
    ) external onlyRole(Roles.RISK_ADMIN) {
        if (feed == address(0)) revert OracleInvalidConfig(asset, "feed", 0);
        if (heartbeat == 0) revert OracleInvalidConfig(asset, "heartbeat", 0);
        if (minPrice == 0) revert OracleInvalidConfig(asset, "minPrice", 0);
        if (minPrice > maxPrice) revert OracleInvalidConfig(asset, "maxPrice", maxPrice);
        uint8 decimals = AggregatorV3Interface(feed).decimals();
        if (decimals > MAX_FEED_DECIMALS) revert OracleInvalidConfig(asset, "decimals", decimals);
        _feeds[asset] = FeedConfig(feed, heartbeat, decimals, minPrice, maxPrice);
        emit FeedSet(asset, feed, heartbeat, decimals, minPrice, maxPrice);
    }

    /// @inheritdoc IPriceOracle
    function setSequencerUptimeFeed(address feed, uint32 gracePeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _sequencerFeed = feed;
        _gracePeriod = gracePeriod;
        emit SequencerUptimeFeedSet(feed, gracePeriod);
    }

    /// @inheritdoc IPriceOracle
    function setStalenessBuffer(uint32 buffer) external onlyRole(Roles.RISK_ADMIN) {
        if (buffer > MAX_STALENESS_BUFFER) revert OracleInvalidConfig(bytes32(0), "stalenessBuffer", buffer);
        stalenessBuffer = buffer;
        emit StalenessBufferSet(buffer);
    }

    /// @dev The asset's feed configuration, after the sequencer check (before any feed is read).
    function _config(bytes32 asset) private view returns (FeedConfig memory config) {
        config = _feeds[asset];
        if (config.feed == address(0)) revert OracleUnknownAsset(asset);
        if (_sequencerFeed != address(0)) _checkSequencer();
    }

    /// @dev DESIGN §5's checks of one answer (positive, timestamp, staleness against now, bounds) and its
    /// normalisation to WAD.
    function _checkedPrice(
        bytes32 asset,
        FeedConfig memory config,
        int256 answer,
        uint256 updatedAt
    ) private view returns (uint256 priceWad) {
        if (answer <= 0) revert OracleNonPositivePrice(asset, config.feed, answer);
        if (updatedAt == 0 || updatedAt > block.timestamp) {
            revert OracleInvalidTimestamp(asset, config.feed, updatedAt, block.timestamp);
        }
        // An answer exactly `heartbeat + stalenessBuffer` old is accepted.
        uint256 maxAge = uint256(config.heartbeat) + stalenessBuffer;
        if (block.timestamp - updatedAt > maxAge) {
            revert OracleStalePrice(asset, config.feed, updatedAt, maxAge, block.timestamp);
        }
        // Exact for decimals <= 18; for more decimals the division truncates below 1 wei of a WAD price.
        uint256 scale;
        // decimals <= MAX_FEED_DECIMALS = 36, so the power is at most 10^18 and cannot overflow.
        unchecked {
            scale = 10 ** (config.decimals <= 18 ? 18 - config.decimals : config.decimals - 18);
        }
        priceWad = config.decimals <= 18 ? uint256(answer) * scale : uint256(answer) / scale;
        if (priceWad < config.minPrice || priceWad > config.maxPrice) {
            revert OraclePriceOutOfBounds(asset, config.feed, priceWad, config.minPrice, config.maxPrice);
        }
    }

    /// @dev `latestRoundData()` of `feed`, reading only the two words used (answer, updatedAt); reverts with the
    /// feed's own revert data if it reverts, and if it returns less than the five words of the interface.
    function _latestAnswer(address feed) private view returns (int256 answer, uint256 updatedAt) {
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            let ok := staticcall(gas(), feed, ptr, 4, ptr, 0xa0)
            if iszero(ok) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), 0xa0) {
                revert(0, 0)
            }
            answer := mload(add(ptr, 0x20))
            updatedAt := mload(add(ptr, 0x60))
        }
    }

    /// @dev Chainlink L2 sequencer uptime feed: `answer == 0` up, `1` down; `startedAt` is when the status last
    /// changed. Prices are refused while down and until more than `gracePeriod` seconds have passed since it came back up.
    function _checkSequencer() private view {
        (, int256 answer, uint256 startedAt, , ) = AggregatorV3Interface(_sequencerFeed).latestRoundData();
        if (answer != 0) revert OracleSequencerDown(_sequencerFeed, answer);
        if (startedAt == 0) revert OracleSequencerInvalidRound(_sequencerFeed);
        if (block.timestamp <= startedAt + _gracePeriod) {
            revert OracleSequencerGracePeriod(_sequencerFeed, startedAt, _gracePeriod, block.timestamp);
        }
    }
}
