// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearinghouse} from "./IClearinghouse.sol";

/// @title IOrderBook
/// @notice Two-step market orders that cannot front-run the oracle (DESIGN §21). A trader (or an operator it approved)
/// commits an order and pays a settlement fee, escrowed from its margin into the OrderBook's own Vault account; after
/// `minDelay` any keeper settles it at the price published by the first oracle round after the commit (the keeper
/// proves the round, it cannot choose it) and earns the fee; past its deadline anyone may cancel it and earn the fee.
/// @dev At most one pending order per (account, market): the order id is `orderIdOf(accountId, marketId)`, reused by
/// the next order of that pair once this one is settled or cancelled. An order is three storage slots.
interface IOrderBook {
    /// @notice A pending order as stored.
    /// @param acceptablePrice Worst fill accepted (WAD): a maximum for buys, a minimum for sells; saturated at
    /// `type(uint128).max` (no limit for a buy).
    /// @param committedAt The commit's block timestamp: the settlement price must be published after it.
    /// @param deadline Last second at which it may be settled; cancellable by anyone after it.
    /// @param fee Escrowed settlement fee (settlement-token units), paid to whoever settles or cancels it.
    /// @param kind 0 a market order; 1 limit, 2 stop-loss, 3 take-profit (a conditional order, trigger in `triggerOf`).
    struct Order {
        uint256 accountId;
        int128 sizeDelta;
        uint128 acceptablePrice;
        uint40 committedAt;
        uint40 deadline;
        uint8 marketId;
        bool reduceOnly;
        uint96 fee;
        uint8 kind;
    }

    /// @notice What `settleOrder(orderId, proof)` would do now (DESIGN §15.6: equal to the settlement).
    /// @param price The order's settlement price (WAD) and `publishedAt` its round's `updatedAt`.
    /// @param filled Whether the trade goes through; if not, `reason` is the refusal (the trade's revert data, or
    /// `OrderBookNotReduceOnly`) and the order is cancelled, the keeper still paid.
    /// @param fillPrice The trade's fill price (WAD) and `tradeFee` its fee (USD, WAD), when filled.
    /// @param afterTrade The account after the trade, when filled.
    struct SettlementPreview {
        uint256 price;
        uint256 publishedAt;
        bool filled;
        uint256 fillPrice;
        uint256 tradeFee;
        IClearinghouse.AccountState afterTrade;
        bytes reason;
    }

    /// @notice Emitted when an order is committed; `fee` was escrowed from the account.
    event OrderCommitted(
        uint256 indexed orderId,
        uint256 indexed accountId,
        uint256 indexed marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline,
        bool reduceOnly,
        uint256 fee,
        address sender
    );
    /// @notice Emitted when a keeper settles an order and its trade fills at `fillPrice` (the oracle round's `price`
    /// published at `publishedAt`); the keeper's subaccount 0 received `fee`.
    event OrderSettled(
        uint256 indexed orderId,
        uint256 indexed accountId,
        uint256 indexed marketId,
        int256 sizeDelta,
        uint256 price,
        uint256 publishedAt,
        uint256 fillPrice,
        uint256 fee,
        address keeper
    );
    /// @notice Emitted when an order is cancelled: its trade was refused at settlement (`reason`: the trade's revert
    /// data), it expired (`reason`: `OrderBookOrderExpired`), its owner or operator cancelled a conditional order
    /// (`reason` empty: `fee` refunded to the account, `feeRecipient` its owner) or the position a stop-loss or
    /// take-profit protected is gone (`reason`: `OrderBookNothingToProtect`). Otherwise `fee` went to
    /// `feeRecipient`'s subaccount 0.
    event OrderCancelled(
        uint256 indexed orderId,
        uint256 indexed accountId,
        uint256 indexed marketId,
        bytes reason,
        uint256 fee,
        address feeRecipient
    );
    /// @notice Emitted with `OrderCommitted` for a conditional order: its kind (1 limit, 2 stop-loss, 3 take-profit)
    /// and trigger price (WAD); `triggerAbove`: triggered when the price is at or above the trigger, else at or below.
    event ConditionalOrderCommitted(uint256 indexed orderId, uint8 kind, uint256 triggerPrice, bool triggerAbove);
    /// @notice Emitted when governance sets the order parameters.
    event OrderParamsSet(uint256 settlementFee, uint256 minDelay, uint256 maxLifetime);
    /// @notice Emitted when governance sets the oldest settlement price accepted (seconds after its publication).
    event OrderMaxPriceAgeSet(uint256 maxPriceAge);

    /// @notice `caller` is neither the owner of `accountId` nor an operator it approved.
    error OrderBookUnauthorized(uint256 accountId, address caller);
    /// @notice The settlement price was published at `publishedAt`, more than `maxPriceAge` seconds before now: a
    /// price that old would let whoever settles (or withholds) the order trade on what happened since.
    error OrderBookPriceTooOld(uint256 orderId, uint256 publishedAt, uint256 maxPriceAge, uint256 blockTimestamp);
    /// @notice A cancellation reason: the operator that committed the order is no longer approved for its account.
    error OrderBookOperatorRevoked(uint256 orderId, address operator);
    /// @notice The (account, market) pair already has a pending order.
    error OrderBookOrderPending(uint256 orderId, uint256 accountId, uint256 marketId);
    /// @notice No pending order has this id.
    error OrderBookUnknownOrder(uint256 orderId);
    /// @notice The market is not listed.
    error OrderBookUnknownMarket(uint256 marketId);
    /// @notice An order of zero size.
    error OrderBookZeroSizeDelta();
    /// @notice The deadline is outside `[now + minDelay, now + maxLifetime]`.
    error OrderBookInvalidDeadline(uint256 deadline, uint256 earliest, uint256 latest);
    /// @notice Settled before `committedAt + minDelay`.
    error OrderBookTooEarly(uint256 orderId, uint256 settleableAt, uint256 blockTimestamp);
    /// @notice Settled after its deadline (cancel it instead); also the reason of an expired order's cancellation.
    error OrderBookOrderExpired(uint256 orderId, uint256 deadline, uint256 blockTimestamp);
    /// @notice Cancelled by someone other than as allowed: a market order only after its deadline.
    error OrderBookNotExpired(uint256 orderId, uint256 deadline, uint256 blockTimestamp);
    /// @notice A reduce-only order that would not reduce the position (the cancellation's reason).
    error OrderBookNotReduceOnly(uint256 accountId, uint256 marketId, int256 size, int256 sizeDelta);
    /// @notice The trade ran out of gas (the 63/64 rule): the keeper sent too little; the order stays pending.
    error OrderBookInsufficientGas(uint256 gasBefore, uint256 gasAfter);
    /// @notice A conditional order's kind is not 1 (limit), 2 (stop-loss) or 3 (take-profit), or its trigger is zero.
    error OrderBookInvalidConditionalOrder(uint8 kind, uint256 triggerPrice);
    /// @notice The conditional order's trigger is not crossed by the latest price.
    error OrderBookNotTriggered(uint256 orderId, uint256 price, uint256 triggerPrice, bool triggerAbove);
    /// @notice A stop-loss or take-profit that would not reduce the account's position (none, same side, or larger).
    error OrderBookNothingToProtect(uint256 accountId, uint256 marketId, int256 size, int256 sizeDelta);
    /// @notice `caller` may not cancel this order now (see `cancelOrder`).
    error OrderBookNotCancellable(uint256 orderId, address caller);
    /// @notice A governance parameter out of its bounds.
    error OrderBookInvalidParameter(bytes32 name, uint256 value);

    /// @notice Commits a market order for `accountId` (owner or operator) and escrows the settlement fee from the
    /// committer's own settlement balance: the account's when its owner commits, the operator's subaccount 0 when an
    /// operator does (an operator never spends the account's margin on fees). The paying account must not be
    /// liquidatable after paying it; nothing else is locked. An order an operator committed is cancelled at
    /// settlement (`OrderBookOperatorRevoked`, the keeper paid) if the operator was revoked in between.
    /// @param acceptablePrice Worst fill accepted (WAD); above `type(uint128).max` means no limit for a buy.
    /// @param deadline Last second of settlement, in `[now + minDelay, now + maxLifetime]`.
    /// @param reduceOnly Refused at settlement (cancelled, keeper paid) unless it reduces the position without flipping.
    function commitOrder(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline,
        bool reduceOnly
    ) external returns (uint256 orderId);

    /// @notice Settles a pending order, by anyone, from `committedAt + minDelay` to `deadline` inclusive, at the
    /// price source's price for it (`proof`: for push feeds `abi.encode(uint80 roundId)` of the first round after
    /// the commit), which must have been published at most `maxPriceAge()` seconds ago (`OrderBookPriceTooOld`). The
    /// trade runs the Clearinghouse's own code (`tradeAt`: margin checks, fees, skew premium); if it is refused the
    /// order is cancelled with the reason. Either way the caller's subaccount 0 earns the fee.
    /// @dev Reverts `OrderBookInsufficientGas` when the trade ran out of gas, so a keeper cannot force a refusal by
    /// sending too little gas.
    /// @return filled Whether the trade filled.
    function settleOrder(uint256 orderId, bytes calldata proof) external returns (bool filled);

    /// @notice Commits a conditional order (DESIGN §21): `kind` 1 limit, 2 stop-loss, 3 take-profit. Triggered when
    /// the latest price, published after the commit, reaches `triggerPrice`: limit buys at or below it, limit sells at
    /// or above; stop-losses against the position (a long's sell at or below, a short's buy at or above), take-profits
    /// with it (a long's sell at or above, a short's buy at or below). Settled at that latest price, if the fill satisfies `acceptablePrice`. Stop-losses
    /// and take-profits are reduce-only and must reduce the account's position when committed. No deadline. At most
    /// one of each kind per (account, market): three per market, so an account holds at most 3 × 256.
    function commitConditionalOrder(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 triggerPrice,
        uint8 kind
    ) external returns (uint256 orderId);

    /// @notice Cancels an order. A market order: by anyone past its deadline, the fee to the caller's subaccount 0. A
    /// conditional order: by the owner or an operator at any time, the fee refunded to whoever paid it (the account,
    /// or the subaccount 0 of the operator that committed it); by anyone when the
    /// position a stop-loss or take-profit protects is gone or flipped, the fee to the caller's subaccount 0.
    function cancelOrder(uint256 orderId) external;

    /// @notice The id of the (account, market, kind) conditional order: `keccak256(abi.encode(accountId, marketId,
    /// kind))`.
    function conditionalOrderIdOf(uint256 accountId, uint256 marketId, uint8 kind) external pure returns (uint256);

    /// @notice A pending conditional order's trigger price (WAD; zero for a market order or none).
    function triggerOf(uint256 orderId) external view returns (uint256 triggerPrice);

    /// @notice What `settleOrder(orderId, proof)` would do now; reverts as it would (timing, proof).
    function previewOrderSettlement(
        uint256 orderId,
        bytes calldata proof
    ) external view returns (SettlementPreview memory preview);

    /// @notice The pending order `orderId` (zero when none).
    function order(uint256 orderId) external view returns (Order memory);

    /// @notice The id of the (account, market) pair's order: `uint256(keccak256(abi.encode(accountId, marketId)))`.
    function orderIdOf(uint256 accountId, uint256 marketId) external pure returns (uint256);

    /// @notice The OrderBook's own Vault account (its subaccount 0), which holds the escrowed fees.
    function escrowAccountId() external view returns (uint256);

    /// @notice Settlement fee (settlement-token units), minimum delay before settlement and maximum lifetime of an
    /// order (seconds).
    function params() external view returns (uint96 settlementFee, uint32 minDelay, uint32 maxLifetime);

    /// @notice Sets the order parameters (risk admin): `minDelay` at most 1 hour, `minDelay < maxLifetime <= 1 day`,
    /// `settlementFee <= type(uint96).max`.
    function setParams(uint256 settlementFee, uint256 minDelay, uint256 maxLifetime) external;

    /// @notice The oldest settlement price accepted, in seconds after its publication (15 at deployment).
    function maxPriceAge() external view returns (uint256);

    /// @notice Sets `maxPriceAge` (risk admin), from 1 second to 1 hour.
    function setMaxPriceAge(uint256 maxPriceAge) external;

    /// @notice The operator that committed a pending order and paid its fee (the zero address when the owner did).
    function operatorOf(uint256 orderId) external view returns (address);
}
