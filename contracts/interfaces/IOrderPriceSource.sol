// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOrderPriceSource
/// @notice The price an order settles at: one published after the order's commit, proven by the keeper and never
/// chosen by it (DESIGN §21). Push feeds (Chainlink aggregators) are implemented by `PriceOracle`; a pull oracle
/// (e.g. Chainlink Data Streams, with a signed report as the proof) can implement the same interface.
interface IOrderPriceSource {
    /// @notice The proof is not one ABI-encoded `uint80` round id.
    error OrderPriceInvalidProof(bytes32 asset, uint256 proofLength);
    /// @notice The round was published at or before the commit: `updatedAt <= committedAt`.
    error OrderPriceRoundTooOld(bytes32 asset, uint80 roundId, uint256 updatedAt, uint256 committedAt);
    /// @notice The round is not the first after the commit: the previous round was already published after it.
    error OrderPriceRoundNotFirst(bytes32 asset, uint80 roundId, uint256 previousUpdatedAt, uint256 committedAt);
    /// @notice The round is the first of its phase (or its previous round does not exist): nothing proves it is the
    /// first after the commit.
    error OrderPriceNoPreviousRound(bytes32 asset, uint80 roundId);
    /// @notice The latest answer was published at or before the commit: a conditional order waits for a newer one.
    error OrderPriceNotPublishedAfter(bytes32 asset, uint256 updatedAt, uint256 committedAt);

    /// @notice The latest price of `asset` (WAD), if published after `committedAt`: what a conditional order is
    /// triggered by and settles at (DESIGN §21). Same checks and errors as `IPriceOracle.price`.
    /// @return priceWad The price (WAD).
    /// @return publishedAt The latest round's `updatedAt`.
    function latestPriceAfter(
        bytes32 asset,
        uint256 committedAt
    ) external view returns (uint256 priceWad, uint256 publishedAt);

    /// @notice The price of `asset` (WAD, as `IPriceOracle.price`) published by the first update after `committedAt`.
    /// @dev For push feeds `proof` is `abi.encode(uint80 roundId)`: valid only if that round's `updatedAt >
    /// committedAt` and the previous round's `updatedAt <= committedAt` (the first round after the commit, so neither
    /// the keeper nor the trader can choose among rounds). The round passes every check of `IPriceOracle.price`
    /// (sequencer, positive answer, timestamp, staleness against now, bounds), with the same errors.
    /// @return priceWad The price (WAD).
    /// @return publishedAt The round's `updatedAt`.
    function settlementPrice(
        bytes32 asset,
        uint256 committedAt,
        bytes calldata proof
    ) external view returns (uint256 priceWad, uint256 publishedAt);
}
