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

    IClearinghouse public immutable clearinghouse;
    IOrderPriceSource public immutable priceSource;
    /// @inheritdoc IOrderBook
    uint256 public immutable escrowAccountId;

    struct Params {
        uint96 settlementFee;
        uint32 minDelay;
        uint32 maxLifetime;
    }

    Params private _params;
    mapping(uint256 orderId => Order) private _orders;
    /// @dev Each market's oracle key, cached at its first order (a listed market's asset never changes).
    mapping(uint256 marketId => bytes32) private _assets;

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
        if (msg.sender != AccountId.ownerOf(accountId) && !clearinghouse.isOperator(accountId, msg.sender)) {
            revert OrderBookUnauthorized(accountId, msg.sender);
        }
        if (sizeDelta == 0) revert OrderBookZeroSizeDelta();
        _asset(marketId);
        orderId = orderIdOf(accountId, marketId);
        Order storage stored = _orders[orderId];
        if (stored.accountId != 0) revert OrderBookOrderPending(orderId, accountId, marketId);
        Params memory p = _params;
        if (deadline < block.timestamp + p.minDelay || deadline > block.timestamp + p.maxLifetime) {
            revert OrderBookInvalidDeadline(deadline, block.timestamp + p.minDelay, block.timestamp + p.maxLifetime);
        }
        // Saturated: above 2^128 - 1 WAD no price is reachable, so the limit means the same.
        uint128 limit = acceptablePrice > type(uint128).max ? type(uint128).max : uint128(acceptablePrice);
        _orders[orderId] = Order({
            accountId: accountId,
            sizeDelta: sizeDelta.toInt128(),
            acceptablePrice: limit,
            // Timestamps fit 40 bits until the year 36812; the deadline is within a day of now (checked above).
            committedAt: uint40(block.timestamp),
            deadline: uint40(deadline),
            // The asset is cached, so the market is listed: ids are below 256.
            marketId: uint8(marketId),
            reduceOnly: reduceOnly,
            fee: p.settlementFee
        });
        if (p.settlementFee != 0) clearinghouse.transferMargin(accountId, escrowAccountId, p.settlementFee);
        emit OrderCommitted(
            orderId,
            accountId,
            marketId,
            sizeDelta,
            limit,
            deadline,
            reduceOnly,
            p.settlementFee,
            msg.sender
        );
    }

    /// @inheritdoc IOrderBook
    function settleOrder(uint256 orderId, bytes calldata proof) external nonReentrant returns (bool filled) {
        Order memory o = _orders[orderId];
        (uint256 price, uint256 publishedAt) = _settlementPrice(orderId, o, proof);
        delete _orders[orderId];

        bytes memory reason = _reduceOnlyRefusal(o);
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
        if (block.timestamp <= o.deadline) revert OrderBookNotExpired(orderId, o.deadline, block.timestamp);
        delete _orders[orderId];
        _payFee(o.fee);
        bytes memory reason = abi.encodeWithSelector(
            OrderBookOrderExpired.selector,
            orderId,
            o.deadline,
            block.timestamp
        );
        emit OrderCancelled(orderId, o.accountId, o.marketId, reason, o.fee, msg.sender);
    }

    /* VIEWS */

    /// @inheritdoc IOrderBook
    function previewOrderSettlement(
        uint256 orderId,
        bytes calldata proof
    ) external view returns (SettlementPreview memory preview) {
        Order memory o = _orders[orderId];
        (preview.price, preview.publishedAt) = _settlementPrice(orderId, o, proof);
        preview.reason = _reduceOnlyRefusal(o);
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

    /* INTERNALS */

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
        return priceSource.settlementPrice(_assets[o.marketId], o.committedAt, proof);
    }

    /// @dev The refusal of a reduce-only order that would not reduce the position without flipping (empty if none).
    function _reduceOnlyRefusal(Order memory o) private view returns (bytes memory) {
        if (!o.reduceOnly) return "";
        int256 size = clearinghouse.position(o.accountId, o.marketId).size;
        int256 newSize = size + o.sizeDelta;
        bool reduces = size != 0 && (size > 0) != (o.sizeDelta > 0) && (size > 0 ? newSize >= 0 : newSize <= 0);
        if (reduces) return "";
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
        _params = Params(uint96(settlementFee), uint32(minDelay), uint32(maxLifetime));
        emit OrderParamsSet(settlementFee, minDelay, maxLifetime);
    }
}
