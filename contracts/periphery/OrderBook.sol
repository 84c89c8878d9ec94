// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IClearinghouse} from "../interfaces/IClearinghouse.sol";
import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IOrderPriceSource} from "../interfaces/IOrderPriceSource.sol";
import {AccountId} from "../libraries/AccountId.sol";
import {Roles} from "../libraries/Roles.sol";

/// @title OrderBook
/// @notice Two-step market orders settled at a price published after their commit (DESIGN §21). Holds no tokens: the
/// escrowed fees sit in its own Vault account, moved by the Clearinghouse's ORDER entries, which this contract holds.
contract OrderBook is IOrderBook, AccessControl, ReentrancyGuardTransient {
    using SafeCast for int256;

    uint256 private constant MAX_MIN_DELAY = 1 hours;
    uint256 private constant MAX_LIFETIME = 1 days;
    uint256 private constant MAX_PRICE_AGE = 1 hours;
    /// @dev Seconds: on an L2 a keeper settles within a few blocks of a round's publication.
    uint32 private constant DEFAULT_MAX_PRICE_AGE = 15;
    uint8 private constant LIMIT = 1;
    uint8 private constant STOP_LOSS = 2;
    uint8 private constant TAKE_PROFIT = 3;

    IClearinghouse public immutable clearinghouse;
    IOrderPriceSource public immutable priceSource;
    /// @inheritdoc IOrderBook
    uint256 public immutable escrowAccountId;

    struct Params {
        uint96 settlementFee;
        uint32 minDelay;
        uint32 maxLifetime;
        uint32 maxPriceAge;
    }

    Params private _params;
    mapping(uint256 orderId => Order) private _orders;
    /// @dev Each market's oracle key, cached at its first order (a listed market's asset never changes).
    mapping(uint256 marketId => bytes32) private _assets;
    /// @dev A conditional order's trigger price, beside its `Order` (market orders never touch it).
    mapping(uint256 orderId => uint256) private _triggers;
    /// @dev The operator that committed a pending order and paid its fee; zero when the owner did (the common case
    /// pays no storage for it).
    mapping(uint256 orderId => address) private _operators;

    constructor(
        address admin,
        IClearinghouse clearinghouse_,
        IOrderPriceSource priceSource_,
        uint256 settlementFee,
        uint256 minDelay,
        uint256 maxLifetime
    ) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(Roles.RISK_ADMIN, admin);
        clearinghouse = clearinghouse_;
        priceSource = priceSource_;
        escrowAccountId = AccountId.from(address(this), 0);
        _setParams(settlementFee, minDelay, maxLifetime);
        _setMaxPriceAge(DEFAULT_MAX_PRICE_AGE);
    }

    /* ORDERS */

    /// @inheritdoc IOrderBook
    function commitOrder(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline,
        bool reduceOnly
    ) external nonReentrant returns (uint256 orderId) {
        _checkOrder(accountId, marketId, sizeDelta);
        Params memory p = _params;
        if (deadline < block.timestamp + p.minDelay || deadline > block.timestamp + p.maxLifetime) {
            revert OrderBookInvalidDeadline(deadline, block.timestamp + p.minDelay, block.timestamp + p.maxLifetime);
        }
        orderId = orderIdOf(accountId, marketId);
        _commit(orderId, accountId, marketId, sizeDelta, acceptablePrice, deadline, reduceOnly, 0, p.settlementFee);
    }

    /// @inheritdoc IOrderBook
    function commitConditionalOrder(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 triggerPrice,
        uint8 kind
    ) external nonReentrant returns (uint256 orderId) {
        _checkOrder(accountId, marketId, sizeDelta);
        if (kind == 0 || kind > TAKE_PROFIT || triggerPrice == 0 || triggerPrice > type(uint128).max) {
            revert OrderBookInvalidConditionalOrder(kind, triggerPrice);
        }
        if (kind != LIMIT) {
            int256 size = clearinghouse.position(accountId, marketId).size;
            if (!_reduces(size, sizeDelta)) revert OrderBookNothingToProtect(accountId, marketId, size, sizeDelta);
        }
        orderId = conditionalOrderIdOf(accountId, marketId, kind);
        _triggers[orderId] = triggerPrice;
        // No deadline: a conditional order lives until it triggers or is cancelled.
        uint96 fee = _params.settlementFee;
        _commit(orderId, accountId, marketId, sizeDelta, acceptablePrice, type(uint40).max, kind != LIMIT, kind, fee);
        emit ConditionalOrderCommitted(orderId, kind, triggerPrice, _triggerAbove(kind, sizeDelta));
    }

    /// @inheritdoc IOrderBook
    function settleOrder(uint256 orderId, bytes calldata proof) external nonReentrant returns (bool filled) {
        Order memory o = _orders[orderId];
        (uint256 price, uint256 publishedAt) = _settlementPrice(orderId, o, proof);
        bytes memory reason = _refusal(orderId, o);
        delete _orders[orderId];
        if (o.kind != 0) delete _triggers[orderId];
        if (_operators[orderId] != address(0)) delete _operators[orderId];

        uint256 fillPrice;
        if (reason.length == 0) {
            uint256 gasBefore = gasleft();
            try clearinghouse.tradeAt(o.accountId, o.marketId, o.sizeDelta, o.acceptablePrice, price) returns (
                uint256 fill
            ) {
                fillPrice = fill;
                filled = true;
            } catch (bytes memory revertData) {
                // The 63/64 rule: a call that ran out of gas leaves this frame at most about 1/64 of the gas
                // (plus the reserves of the frames below it); a refused trade always carries its error. Either sign
                // of an out-of-gas failure reverts, so a keeper cannot force a refusal with too little gas.
                uint256 gasAfter = gasleft();
                if (revertData.length == 0 || gasAfter < gasBefore / 16) {
                    revert OrderBookInsufficientGas(gasBefore, gasAfter);
                }
                reason = revertData;
            }
        }
        _payFee(o.fee);
        if (filled) {
            emit OrderSettled(
                orderId,
                o.accountId,
                o.marketId,
                o.sizeDelta,
                price,
                publishedAt,
                fillPrice,
                o.fee,
                msg.sender
            );
        } else {
            emit OrderCancelled(orderId, o.accountId, o.marketId, reason, o.fee, msg.sender);
        }
    }

    /// @inheritdoc IOrderBook
    function cancelOrder(uint256 orderId) external nonReentrant {
        Order memory o = _orders[orderId];
        if (o.accountId == 0) revert OrderBookUnknownOrder(orderId);
        uint8 kind = o.kind;
        bytes memory reason;
        uint256 feeTo = AccountId.from(msg.sender, 0);
        if (kind == 0) {
            if (block.timestamp <= o.deadline) revert OrderBookNotExpired(orderId, o.deadline, block.timestamp);
            reason = abi.encodeWithSelector(OrderBookOrderExpired.selector, orderId, o.deadline, block.timestamp);
        } else if (msg.sender == AccountId.ownerOf(o.accountId) || clearinghouse.isOperator(o.accountId, msg.sender)) {
            // The owner's own cancellation: the fee goes back to whoever paid it.
            address operator = _operators[orderId];
            feeTo = operator == address(0) ? o.accountId : AccountId.from(operator, 0);
        } else {
            int256 size = clearinghouse.position(o.accountId, o.marketId).size;
            // Only a stop-loss or take-profit whose position is gone or flipped, by anyone.
            if (kind == LIMIT || _reduces(size, o.sizeDelta)) revert OrderBookNotCancellable(orderId, msg.sender);
            reason = abi.encodeWithSelector(
                OrderBookNothingToProtect.selector,
                o.accountId,
                o.marketId,
                size,
                o.sizeDelta
            );
        }
        delete _orders[orderId];
        if (kind != 0) delete _triggers[orderId];
        if (_operators[orderId] != address(0)) delete _operators[orderId];
        if (o.fee != 0) clearinghouse.transferMargin(escrowAccountId, feeTo, o.fee);
        emit OrderCancelled(orderId, o.accountId, o.marketId, reason, o.fee, AccountId.ownerOf(feeTo));
    }

    /* VIEWS */

    /// @inheritdoc IOrderBook
    function previewOrderSettlement(
        uint256 orderId,
        bytes calldata proof
    ) external view returns (SettlementPreview memory preview) {
        Order memory o = _orders[orderId];
        (preview.price, preview.publishedAt) = _settlementPrice(orderId, o, proof);
        preview.reason = _refusal(orderId, o);
        if (preview.reason.length != 0) return preview;
        try
            clearinghouse.previewTradeAt(o.accountId, o.marketId, o.sizeDelta, o.acceptablePrice, preview.price)
        returns (uint256 fillPrice, uint256 fee, IClearinghouse.AccountState memory afterTrade) {
            preview.filled = true;
            preview.fillPrice = fillPrice;
            preview.tradeFee = fee;
            preview.afterTrade = afterTrade;
        } catch (bytes memory revertData) {
            preview.reason = revertData;
        }
    }

    /// @inheritdoc IOrderBook
    function order(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    /// @inheritdoc IOrderBook
    function orderIdOf(uint256 accountId, uint256 marketId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(accountId, marketId)));
    }

    /// @inheritdoc IOrderBook
    function conditionalOrderIdOf(uint256 accountId, uint256 marketId, uint8 kind) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(accountId, marketId, kind)));
    }

    /// @inheritdoc IOrderBook
    function triggerOf(uint256 orderId) external view returns (uint256 triggerPrice) {
        return _triggers[orderId];
    }

    /// @inheritdoc IOrderBook
    function operatorOf(uint256 orderId) external view returns (address) {
        return _operators[orderId];
    }

    /// @inheritdoc IOrderBook
    function maxPriceAge() external view returns (uint256) {
        return _params.maxPriceAge;
    }

    /// @inheritdoc IOrderBook
    function params() external view returns (uint96 settlementFee, uint32 minDelay, uint32 maxLifetime) {
        Params memory p = _params;
        return (p.settlementFee, p.minDelay, p.maxLifetime);
    }

    /* ADMINISTRATION */

    /// @inheritdoc IOrderBook
    function setParams(
        uint256 settlementFee,
        uint256 minDelay,
        uint256 maxLifetime
    ) external onlyRole(Roles.RISK_ADMIN) {
        _setParams(settlementFee, minDelay, maxLifetime);
    }

    /// @inheritdoc IOrderBook
    function setMaxPriceAge(uint256 maxPriceAge_) external onlyRole(Roles.RISK_ADMIN) {
        _setMaxPriceAge(maxPriceAge_);
    }

    /* INTERNALS */

    /// @dev The caller is the owner or an operator; the size is not zero; the market is listed.
    function _checkOrder(uint256 accountId, uint256 marketId, int256 sizeDelta) private {
        if (msg.sender != AccountId.ownerOf(accountId) && !clearinghouse.isOperator(accountId, msg.sender)) {
            revert OrderBookUnauthorized(accountId, msg.sender);
        }
        if (sizeDelta == 0) revert OrderBookZeroSizeDelta();
        _asset(marketId);
    }

    /// @dev Stores an order and escrows its fee (one pending order per id).
    function _commit(
        uint256 orderId,
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta,
        uint256 acceptablePrice,
        uint256 deadline,
        bool reduceOnly,
        uint8 kind,
        uint96 fee
    ) private {
        if (_orders[orderId].accountId != 0) revert OrderBookOrderPending(orderId, accountId, marketId);
        // Saturated: above 2^128 - 1 WAD no price is reachable, so the limit means the same.
        uint128 limit = acceptablePrice > type(uint128).max ? type(uint128).max : uint128(acceptablePrice);
        _orders[orderId] = Order({
            accountId: accountId,
            sizeDelta: sizeDelta.toInt128(),
            acceptablePrice: limit,
            // Timestamps fit 40 bits until the year 36812; a market order's deadline is within a day of now.
            committedAt: uint40(block.timestamp),
            deadline: uint40(deadline),
            // The asset is cached, so the market is listed: ids are below 256.
            marketId: uint8(marketId),
            reduceOnly: reduceOnly,
            fee: fee,
            kind: kind
        });
        // An operator pays the fee from its own account, never from the account it trades for: otherwise it could
        // drain that account through fees it collects itself (test/attacks/operatorFeeDrain.test.ts).
        uint256 payer = accountId;
        if (msg.sender != AccountId.ownerOf(accountId)) {
            _operators[orderId] = msg.sender;
            payer = AccountId.from(msg.sender, 0);
        }
        if (fee != 0) clearinghouse.transferMargin(payer, escrowAccountId, fee);
        emit OrderCommitted(orderId, accountId, marketId, sizeDelta, limit, deadline, reduceOnly, fee, msg.sender);
    }

    /// @dev Whether a trade of `sizeDelta` reduces a position of `size` without flipping it.
    function _reduces(int256 size, int256 sizeDelta) private pure returns (bool) {
        int256 newSize = size + sizeDelta;
        return size != 0 && (size > 0) != (sizeDelta > 0) && (size > 0 ? newSize >= 0 : newSize <= 0);
    }

    /// @dev Whether a conditional order triggers at or above its price (else at or below): limit sells, stop-loss
    /// buys (a short's) and take-profit sells (a long's).
    function _triggerAbove(uint8 kind, int256 sizeDelta) private pure returns (bool) {
        bool sell = sizeDelta < 0;
        return kind == STOP_LOSS ? !sell : sell;
    }

    /// @dev The order's settlement price after the timing checks: pending, `minDelay` elapsed, deadline not passed.
    function _settlementPrice(
        uint256 orderId,
        Order memory o,
        bytes calldata proof
    ) private view returns (uint256 price, uint256 publishedAt) {
        if (o.accountId == 0) revert OrderBookUnknownOrder(orderId);
        uint256 settleableAt = uint256(o.committedAt) + _params.minDelay;
        if (block.timestamp < settleableAt) revert OrderBookTooEarly(orderId, settleableAt, block.timestamp);
        if (block.timestamp > o.deadline) revert OrderBookOrderExpired(orderId, o.deadline, block.timestamp);
        if (o.kind == 0) {
            (price, publishedAt) = priceSource.settlementPrice(_assets[o.marketId], o.committedAt, proof);
        } else {
            // A conditional order: the latest price, published after the commit, must reach the trigger.
            (price, publishedAt) = priceSource.latestPriceAfter(_assets[o.marketId], o.committedAt);
        }
        // A price older than that would give whoever settles, or holds back, the order an option on what happened
        // since (test/attacks/staleRoundOption.test.ts).
        uint256 maxAge = _params.maxPriceAge;
        if (block.timestamp > publishedAt + maxAge) {
            revert OrderBookPriceTooOld(orderId, publishedAt, maxAge, block.timestamp);
        }
        if (o.kind == 0) return (price, publishedAt);
        uint256 trigger = _triggers[orderId];
        bool above = _triggerAbove(o.kind, o.sizeDelta);
        if (above ? price < trigger : price > trigger) revert OrderBookNotTriggered(orderId, price, trigger, above);
    }

    /// @dev Why the order is refused before its trade (empty if it is not): its operator was revoked, or it is
    /// reduce-only and would not reduce the position without flipping.
    function _refusal(uint256 orderId, Order memory o) private view returns (bytes memory) {
        address operator = _operators[orderId];
        if (operator != address(0) && !clearinghouse.isOperator(o.accountId, operator)) {
            return abi.encodeWithSelector(OrderBookOperatorRevoked.selector, orderId, operator);
        }
        if (!o.reduceOnly) return "";
        int256 size = clearinghouse.position(o.accountId, o.marketId).size;
        if (_reduces(size, o.sizeDelta)) return "";
        return abi.encodeWithSelector(OrderBookNotReduceOnly.selector, o.accountId, o.marketId, size, o.sizeDelta);
    }

    /// @dev Pays the escrowed fee to the caller's subaccount 0.
    function _payFee(uint256 fee) private {
        if (fee != 0) clearinghouse.transferMargin(escrowAccountId, AccountId.from(msg.sender, 0), fee);
    }

    /// @dev The market's oracle key, cached at its first order; reverts for an unlisted market.
    function _asset(uint256 marketId) private returns (bytes32 asset) {
        asset = _assets[marketId];
        if (asset != bytes32(0)) return asset;
        if (marketId >= clearinghouse.marketCount()) revert OrderBookUnknownMarket(marketId);
        asset = clearinghouse.marketConfig(marketId).asset;
        _assets[marketId] = asset;
    }

    function _setParams(uint256 settlementFee, uint256 minDelay, uint256 maxLifetime) private {
        if (settlementFee > type(uint96).max) revert OrderBookInvalidParameter("settlementFee", settlementFee);
        if (minDelay > MAX_MIN_DELAY) revert OrderBookInvalidParameter("minDelay", minDelay);
        if (maxLifetime <= minDelay || maxLifetime > MAX_LIFETIME) {
            revert OrderBookInvalidParameter("maxLifetime", maxLifetime);
        }
        // All three fit: checked above.
        _params = Params(uint96(settlementFee), uint32(minDelay), uint32(maxLifetime), _params.maxPriceAge);
        emit OrderParamsSet(settlementFee, minDelay, maxLifetime);
    }

    function _setMaxPriceAge(uint256 maxPriceAge_) private {
        if (maxPriceAge_ == 0 || maxPriceAge_ > MAX_PRICE_AGE) {
            revert OrderBookInvalidParameter("maxPriceAge", maxPriceAge_);
        }
        // Fits: checked above.
        _params.maxPriceAge = uint32(maxPriceAge_);
        emit OrderMaxPriceAgeSet(maxPriceAge_);
    }
}
