// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPriceOracle
/// @notice Chainlink-backed USD prices with staleness, sanity-bound and L2 sequencer checks (DESIGN §5).
/// @dev Assets are keyed by a `bytes32` symbol (e.g. `"ETH"`). Every price is USD per whole unit of the asset,
/// 18-decimal fixed point (WAD), whatever the decimals of the feed.
interface IPriceOracle {
    /// @notice How an asset is priced.
    /// @param feed The Chainlink `AggregatorV3Interface` (proxy) for ASSET/USD.
    /// @param heartbeat The feed's published heartbeat in seconds: an answer older than `heartbeat +
    /// stalenessBuffer` is stale.
    /// @param decimals The feed's decimals, read when the feed is set.
    /// @param minPrice Lowest accepted price (WAD).
    /// @param maxPrice Highest accepted price (WAD).
    struct FeedConfig {
        address feed;
        uint32 heartbeat;
        uint8 decimals;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @notice Emitted when an asset's feed is set or replaced.
    event FeedSet(
        bytes32 indexed asset,
        address indexed feed,
        uint32 heartbeat,
        uint8 decimals,
        uint128 minPrice,
        uint128 maxPrice
    );
    /// @notice Emitted when the L2 sequencer uptime feed or its grace period is set (`feed == 0` disables it).
    event SequencerUptimeFeedSet(address indexed feed, uint32 gracePeriod);
    /// @notice Emitted when the staleness buffer added to every feed's heartbeat changes (seconds).
    event StalenessBufferSet(uint32 buffer);

    /// @notice The asset has no feed.
    error OracleUnknownAsset(bytes32 asset);
    /// @notice The feed answered zero or a negative price.
    error OracleNonPositivePrice(bytes32 asset, address feed, int256 answer);
    /// @notice The feed's `updatedAt` is zero or later than the current block.
    error OracleInvalidTimestamp(bytes32 asset, address feed, uint256 updatedAt, uint256 blockTimestamp);
    /// @notice The answer is older than `maxAge`, the feed's heartbeat plus the staleness buffer.
    error OracleStalePrice(bytes32 asset, address feed, uint256 updatedAt, uint256 maxAge, uint256 blockTimestamp);
    /// @notice The normalised price is outside the asset's `[minPrice, maxPrice]`.
    error OraclePriceOutOfBounds(bytes32 asset, address feed, uint256 price, uint256 minPrice, uint256 maxPrice);
    /// @notice The L2 sequencer uptime feed reports the sequencer down (`answer == 1`).
    error OracleSequencerDown(address sequencerFeed, int256 answer);
    /// @notice The sequencer came back up too recently: `block.timestamp - startedAt <= gracePeriod`.
    error OracleSequencerGracePeriod(
        address sequencerFeed,
        uint256 startedAt,
        uint256 gracePeriod,
        uint256 blockTimestamp
    );
    /// @notice The sequencer uptime feed returned an uninitialised round (`startedAt == 0`).
    error OracleSequencerInvalidRound(address sequencerFeed);
    /// @notice A feed configuration is invalid; `name` is the offending parameter.
    error OracleInvalidConfig(bytes32 asset, bytes32 name, uint256 value);

    /// @notice The USD price of `asset` (WAD). Reverts on any failed check with the values in the error.
    function price(bytes32 asset) external view returns (uint256 priceWad);

    /// @notice Whether `asset` has a feed configured (does not check the feed's answer).
    function hasFeed(bytes32 asset) external view returns (bool);

    /// @notice The feed configuration of `asset` (zero when unset).
    function feedConfig(bytes32 asset) external view returns (FeedConfig memory);

    /// @notice The L2 sequencer uptime feed (zero when not on an L2) and its grace period in seconds.
    function sequencerUptimeFeed() external view returns (address feed, uint32 gracePeriod);

    /// @notice Sets the feed of `asset`. Risk admin only.
    /// @dev Reverts with `OracleInvalidConfig` for a zero feed, a zero heartbeat, feed decimals above 36, or
    /// `minPrice == 0` / `minPrice > maxPrice`.
    function setFeed(bytes32 asset, address feed, uint32 heartbeat, uint128 minPrice, uint128 maxPrice) external;

    /// @notice Sets the L2 sequencer uptime feed and its grace period (`feed == 0` disables the check). Admin only.
    function setSequencerUptimeFeed(address feed, uint32 gracePeriod) external;

    /// @notice Seconds added to every feed's heartbeat before an answer is stale: a heartbeat round lands on chain
    /// some seconds after it is due (DESIGN §5). 0 at deployment; set per network.
    function stalenessBuffer() external view returns (uint32);

    /// @notice Sets the staleness buffer, at most 3,600 s (`OracleInvalidConfig(0, "stalenessBuffer", buffer)`).
    /// Risk admin only.
    function setStalenessBuffer(uint32 buffer) external;
}
