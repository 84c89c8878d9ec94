// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IVault} from "./interfaces/IVault.sol";
import {IClearinghouse} from "./interfaces/IClearinghouse.sol";
import {AccountId} from "./libraries/AccountId.sol";

/// @title Vault
/// @notice Custody of every token in Keel and the ledgers over it (DESIGN §2).
contract Vault is IVault, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @inheritdoc IVault
    address public immutable settlementToken;
    /// @inheritdoc IVault
    uint8 public immutable settlementDecimals;

    /// @inheritdoc IVault
    address public clearinghouse;
    /// @inheritdoc IVault
    address public liquidityPool;

    /// @inheritdoc IVault
    uint256 public poolBalance;
    /// @inheritdoc IVault
    uint256 public insuranceBalance;
    /// @inheritdoc IVault
    mapping(address token => int256) public totalAccountBalance;

    mapping(uint256 accountId => mapping(address token => int256)) private _balances;

    constructor(address admin, address settlementToken_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        settlementToken = settlementToken_;
        settlementDecimals = IERC20Metadata(settlementToken_).decimals();
    }

    /// @notice Wires in the Clearinghouse and the LiquidityPool, once. Admin only.
    function initialize(address clearinghouse_, address liquidityPool_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (clearinghouse != address(0) || clearinghouse_ == address(0) || liquidityPool_ == address(0)) {
            revert VaultInvalidInitialization();
        }
        clearinghouse = clearinghouse_;
        liquidityPool = liquidityPool_;
        emit Initialized(clearinghouse_, liquidityPool_);
    }

    /* ACCOUNT ACTIONS */

    /// @inheritdoc IVault
    function deposit(uint96 subaccount, address token, uint256 amount) external nonReentrant {
        _deposit(AccountId.from(msg.sender, subaccount), token, amount);
    }

    /// @inheritdoc IVault
    function depositFor(uint256 accountId, address token, uint256 amount) external nonReentrant {
        if (AccountId.ownerOf(accountId) == address(0)) revert VaultInvalidAccount(accountId);
        _deposit(accountId, token, amount);
    }

    /// @inheritdoc IVault
    function withdraw(uint96 subaccount, address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert VaultZeroAmount();
        if (token != settlementToken) revert VaultUnsupportedToken(token);
        uint256 accountId = AccountId.from(msg.sender, subaccount);
        int256 balance = _balances[accountId][token];
        int256 signedAmount = amount.toInt256();
        // No withdrawing into debt: the balance itself must cover the amount.
        if (balance < signedAmount) revert VaultInsufficientBalance(accountId, token, balance, amount);

        _balances[accountId][token] = balance - signedAmount;
        totalAccountBalance[token] -= signedAmount;
        IClearinghouse(clearinghouse).checkWithdrawal(accountId);

        IERC20(token).safeTransfer(msg.sender, amount);
        emit Withdrawn(accountId, token, msg.sender, amount);
    }

    /// @inheritdoc IVault
    function fundInsurance(uint256 amount) external nonReentrant {
        _pull(settlementToken, amount);
        insuranceBalance += amount;
        emit InsuranceFunded(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function balanceOf(uint256 accountId, address token) external view returns (int256) {
        return _balances[accountId][token];
    }

    /* LEDGER MOVES */

    /// @inheritdoc IVault
    function transferSettlement(uint256 accountId, int256 accountDelta, int256 poolDelta, int256 insuranceDelta)
        external
        nonReentrant
    {
        if (msg.sender != clearinghouse) revert VaultUnauthorizedCaller(msg.sender);
        if (accountDelta + poolDelta + insuranceDelta != 0) {
            revert VaultUnbalancedTransfer(accountDelta, poolDelta, insuranceDelta);
        }
        if (accountDelta != 0) {
            _balances[accountId][settlementToken] += accountDelta;
            totalAccountBalance[settlementToken] += accountDelta;
        }
        if (poolDelta != 0) poolBalance = _applyDelta(poolBalance, poolDelta, false);
        if (insuranceDelta != 0) insuranceBalance = _applyDelta(insuranceBalance, insuranceDelta, true);
    }

    /// @inheritdoc IVault
    function settleLiquidation(
        uint256 accountId,
        int256 accountDelta,
        uint256 keeperAccountId,
        uint256 keeperReward,
        int256 poolDelta,
        int256 insuranceDelta
    ) external nonReentrant {
        if (msg.sender != clearinghouse) revert VaultUnauthorizedCaller(msg.sender);
        int256 reward = keeperReward.toInt256();
        if (accountDelta + reward + poolDelta + insuranceDelta != 0) {
            revert VaultUnbalancedLiquidation(accountDelta, keeperReward, poolDelta, insuranceDelta);
        }
        _balances[accountId][settlementToken] += accountDelta;
        if (reward != 0) _balances[keeperAccountId][settlementToken] += reward;
        totalAccountBalance[settlementToken] += accountDelta + reward;
        if (poolDelta != 0) poolBalance = _applyDelta(poolBalance, poolDelta, false);
        if (insuranceDelta != 0) insuranceBalance = _applyDelta(insuranceBalance, insuranceDelta, true);
    }

    /// @inheritdoc IVault
    function fundPool(address from, uint256 amount) external nonReentrant {
        if (msg.sender != liquidityPool) revert VaultUnauthorizedCaller(msg.sender);
        poolBalance += amount;
        emit PoolFunded(from, amount);
    }

    /// @inheritdoc IVault
    function defundPool(address to, uint256 amount) external nonReentrant {
        if (msg.sender != liquidityPool) revert VaultUnauthorizedCaller(msg.sender);
        if (poolBalance < amount) revert VaultInsufficientPoolBalance(poolBalance, amount);
        poolBalance -= amount;
        IERC20(settlementToken).safeTransfer(to, amount);
        emit PoolDefunded(to, amount);
    }

    /* INTERNAL */

    /// @dev Credits only what arrived: a token that delivers less than `amount` (fee-on-transfer) is refused.
    function _deposit(uint256 accountId, address token, uint256 amount) private {
        if (token != settlementToken) revert VaultUnsupportedToken(token);
        _pull(token, amount);
        int256 signedAmount = amount.toInt256();
        _balances[accountId][token] += signedAmount;
        totalAccountBalance[token] += signedAmount;
        emit Deposited(accountId, token, msg.sender, amount);
    }

    /// @dev Takes `amount` of `token` from the caller, refusing tokens that deliver anything else.
    function _pull(address token, uint256 amount) private {
        if (amount == 0) revert VaultZeroAmount();
        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert VaultTransferAmountMismatch(token, amount, received);
    }

    /// @dev Applies a signed delta to an unsigned ledger that can never go negative (v3-core `addDelta`).
    function _applyDelta(uint256 balance, int256 delta, bool insurance) private pure returns (uint256) {
        if (delta >= 0) return balance + uint256(delta);
        uint256 needed = uint256(-delta);
        if (balance < needed) {
            if (insurance) revert VaultInsufficientInsuranceBalance(balance, needed);
            revert VaultInsufficientPoolBalance(balance, needed);
        }
        return balance - needed;
    }
}
