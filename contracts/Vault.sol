// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IVault} from "./interfaces/IVault.sol";
import {IClearinghouse} from "./interfaces/IClearinghouse.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";
import {AccountId} from "./libraries/AccountId.sol";
import {Bitmap} from "./libraries/Bitmap.sol";
import {WAD} from "./libraries/Constants.sol";
import {FixedPointMath} from "./libraries/FixedPointMath.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title Vault
/// @notice Custody of every token in Keel and the ledgers over it (DESIGN §2), and the collateral registry that
/// values an account's non-settlement tokens (DESIGN §12).
contract Vault is IVault, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;
    using FixedPointMath for uint256;

    uint256 private constant MAX_COLLATERAL_TOKENS = 64;
    uint256 private constant MAX_COLLATERALS_PER_ACCOUNT = 16;
    uint256 private constant MAX_LIQUIDATION_DISCOUNT = 0.5e18;
    uint256 private constant MAX_TOKEN_DECIMALS = 36;
    uint64 private constant DEFAULT_COLLATERAL_LIQUIDATION_BUFFER = 0.1e18;

    /// @notice Prices non-settlement collateral.
    IPriceOracle public immutable oracle;

    /// @inheritdoc IVault
    address public immutable settlementToken;
    /// @inheritdoc IVault
    uint8 public immutable settlementDecimals;

    /// @inheritdoc IVault
    address public clearinghouse;
    /// @inheritdoc IVault
    address public liquidityPool;

    /// @dev The pool's and the insurance fund's settlement-token ledgers, in one slot: a trade or a liquidation
    /// moves both.
    struct ProtocolLedgers {
        uint128 pool;
        uint128 insurance;
    }

    /// @dev An account's settlement-token balance (signed: negative is debt) and the set of other collateral tokens it
    /// holds (bit `i` for `_collateralTokens[i]`), in one slot: valuing an account reads both.
    struct AccountLedger {
        int128 settlementBalance;
        uint64 heldCollaterals;
    }

    ProtocolLedgers private _ledgers;
    /// @inheritdoc IVault
    mapping(address token => int256) public totalAccountBalance;

    mapping(uint256 accountId => AccountLedger) private _accounts;
    /// @dev Balances of non-settlement collateral tokens (never negative).
    mapping(uint256 accountId => mapping(address token => int256)) private _balances;

    mapping(address token => CollateralConfig) private _collaterals;
    address[] private _collateralTokens;
    uint8 public maxCollateralsPerAccount;
    /// @inheritdoc IVault
    uint64 public collateralLiquidationBuffer;
    /// @inheritdoc IVault
    uint256 public pendingBadDebt;
    /// @dev Per closed-out account left owing while it holds other collateral: the part of its debt that collateral
    /// does not cover at haircut value (settlement units). Σ = `pendingBadDebt`.
    mapping(uint256 accountId => uint256) private _bookedBadDebt;
    /// @dev 10 ** (18 - settlement decimals): settlement-token units to WAD.
    uint256 private immutable _toWad;

    constructor(address admin, address settlementToken_, IPriceOracle oracle_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(Roles.RISK_ADMIN, admin);
        settlementToken = settlementToken_;
        oracle = oracle_;
        uint8 decimals = IERC20Metadata(settlementToken_).decimals();
        if (decimals > 18) revert VaultInvalidCollateralParameter(settlementToken_, "decimals", decimals);
        settlementDecimals = decimals;
        _toWad = 10 ** (18 - decimals);
        _setMaxCollateralsPerAccount(4);
        _setCollateralLiquidationBuffer(DEFAULT_COLLATERAL_LIQUIDATION_BUFFER);
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
        // Nobody adds a token to someone else's account (DESIGN §18.18): settlement tokens only repay debt.
        if (token != settlementToken) revert VaultDepositForNotSettlement(accountId, token);
        _deposit(accountId, token, amount);
    }

    /// @inheritdoc IVault
    function withdraw(uint96 subaccount, address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert VaultZeroAmount();
        uint256 accountId = AccountId.from(msg.sender, subaccount);
        int256 balance = _balanceOf(accountId, token);
        int256 signedAmount = amount.toInt256();
        // No withdrawing into debt: the balance itself must cover the amount (unlisted tokens have none).
        if (balance < signedAmount) revert VaultInsufficientBalance(accountId, token, balance, amount);

        if (token == settlementToken) {
            _accounts[accountId].settlementBalance = (balance - signedAmount).toInt128();
        } else {
            _balances[accountId][token] = balance - signedAmount;
            if (balance == signedAmount) _removeHeld(accountId, token);
        }
        totalAccountBalance[token] -= signedAmount;
        IClearinghouse(clearinghouse).checkWithdrawal(accountId);

        IERC20(token).safeTransfer(msg.sender, amount);
        emit Withdrawn(accountId, token, msg.sender, amount);
    }

    /// @inheritdoc IVault
    function fundInsurance(uint256 amount) external nonReentrant {
        _pull(settlementToken, amount);
        _ledgers.insurance = (_ledgers.insurance + amount).toUint128();
        emit InsuranceFunded(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function balanceOf(uint256 accountId, address token) external view returns (int256) {
        return _balanceOf(accountId, token);
    }

    /// @inheritdoc IVault
    function poolBalance() external view returns (uint256) {
        return _ledgers.pool;
    }

    /// @inheritdoc IVault
    function insuranceBalance() external view returns (uint256) {
        return _ledgers.insurance;
    }

    /* LEDGER MOVES */

    /// @inheritdoc IVault
    function transferSettlement(
        uint256 accountId,
        int256 accountDelta,
        int256 poolDelta,
        int256 insuranceDelta
    ) external nonReentrant {
        if (msg.sender != clearinghouse) revert VaultUnauthorizedCaller(msg.sender);
        if (accountDelta + poolDelta + insuranceDelta != 0) {
            revert VaultUnbalancedTransfer(accountDelta, poolDelta, insuranceDelta);
        }
        if (accountDelta != 0) {
            _addSettlement(accountId, accountDelta);
            totalAccountBalance[settlementToken] += accountDelta;
        }
        _applyLedgerDeltas(poolDelta, insuranceDelta);
    }

    /// @inheritdoc IVault
    function transferBetween(uint256 fromAccountId, uint256 toAccountId, uint256 amount) external nonReentrant {
        if (msg.sender != clearinghouse) revert VaultUnauthorizedCaller(msg.sender);
        int256 signedAmount = amount.toInt256();
        int256 balance = _accounts[fromAccountId].settlementBalance;
        if (balance < signedAmount) revert VaultInsufficientBalance(fromAccountId, settlementToken, balance, amount);
        _accounts[fromAccountId].settlementBalance = (balance - signedAmount).toInt128();
        _addSettlement(toAccountId, signedAmount);
    }

    /// @inheritdoc IVault
    function settleLiquidation(
        uint256 accountId,
        int256 accountDelta,
        uint256 keeperAccountId,
        uint256 keeperReward,
        int256 poolDelta,
        int256 insuranceDelta,
        bool closedOut
    ) external nonReentrant {
        if (msg.sender != clearinghouse) revert VaultUnauthorizedCaller(msg.sender);
        int256 reward = keeperReward.toInt256();
        if (accountDelta + reward + poolDelta + insuranceDelta != 0) {
            revert VaultUnbalancedLiquidation(accountDelta, keeperReward, poolDelta, insuranceDelta);
        }
        _addSettlement(accountId, accountDelta);
        if (reward != 0) _addSettlement(keeperAccountId, reward);
        totalAccountBalance[settlementToken] += accountDelta + reward;
        _applyLedgerDeltas(poolDelta, insuranceDelta);
        // A closed-out account left owing with no other collateral: its debt is bad debt now. One holding other
        // collateral offers it to keepers first (`liquidateCollateral`), then `settleBadDebt`; meanwhile the part of
        // its debt that collateral does not cover at haircut value is booked, in this transaction (DESIGN §10.5).
        if (closedOut) {
            AccountLedger memory account = _accounts[accountId];
            int256 settlement = account.settlementBalance;
            if (settlement < 0 && account.heldCollaterals == 0) _coverBadDebt(accountId, settlement);
            else _book(accountId, settlement < 0 ? _uncovered(accountId, settlement, account.heldCollaterals) : 0);
        }
    }

    /// @inheritdoc IVault
    function previewBadDebtCover(
        uint256 badDebt,
        int256 poolDelta,
        int256 insuranceDelta
    ) external view returns (uint256 insuranceDraw, uint256 poolWriteOff) {
        ProtocolLedgers memory ledgers = _ledgers;
        int256 pool = int256(uint256(ledgers.pool)) + poolDelta;
        int256 insurance = int256(uint256(ledgers.insurance)) + insuranceDelta;
        return _waterfall(badDebt, insurance <= 0 ? 0 : uint256(insurance), pool <= 0 ? 0 : uint256(pool));
    }

    /// @inheritdoc IVault
    function fundPool(address from, uint256 amount) external nonReentrant {
        if (msg.sender != liquidityPool) revert VaultUnauthorizedCaller(msg.sender);
        _ledgers.pool = (_ledgers.pool + amount).toUint128();
        emit PoolFunded(from, amount);
    }

    /// @inheritdoc IVault
    function defundPool(address to, uint256 amount) external nonReentrant {
        if (msg.sender != liquidityPool) revert VaultUnauthorizedCaller(msg.sender);
        uint256 pool = _ledgers.pool;
        if (pool < amount) revert VaultInsufficientPoolBalance(pool, amount);
        // amount <= pool < 2^128.
        _ledgers.pool = uint128(pool - amount);
        IERC20(settlementToken).safeTransfer(to, amount);
        emit PoolDefunded(to, amount);
    }

    /* COLLATERAL LIQUIDATION AND BAD DEBT */

    /// @inheritdoc IVault
    function liquidateCollateral(
        uint256 accountId,
        address token,
        uint256 repayAmount
    ) external nonReentrant returns (uint256 repaid, uint256 seized) {
        if (repayAmount == 0) revert VaultZeroAmount();
        CollateralConfig memory config = _collateralConfig(token);
        int256 settlement = _accounts[accountId].settlementBalance;
        if (settlement >= 0) revert VaultNoDebt(accountId);
        uint256 booked = _bookedBadDebt[accountId];
        if (!_collateralLiquidatable(accountId, settlement, booked)) revert VaultCollateralNotLiquidatable(accountId);
        uint256 held = uint256(_balances[accountId][token]);
        if (held == 0) revert VaultCollateralNotHeld(accountId, token);
        uint256 price = oracle.price(config.asset);
        uint256 unit = 10 ** config.decimals;
        uint256 premium = WAD + config.liquidationDiscount;

        repaid = Math.min(repayAmount, uint256(-settlement));
        // Rounds down: the keeper gets at most the discount.
        seized = (repaid * _toWad).mulDivDown(premium, WAD).mulDivDown(unit, price);
        if (seized > held) {
            seized = held;
            // Rounds up: for a clamped seizure the keeper repays at least its discounted value.
            repaid = held.mulDivUp(price, unit).mulDivUp(WAD, premium).mulDivUp(1, _toWad);
        }

        _pull(settlementToken, repaid);
        _accounts[accountId].settlementBalance = (settlement + repaid.toInt256()).toInt128();
        totalAccountBalance[settlementToken] += repaid.toInt256();
        _balances[accountId][token] -= seized.toInt256();
        totalAccountBalance[token] -= seized.toInt256();
        if (seized == held) _removeHeld(accountId, token);
        // The repayment lowers the debt; what the collateral left does not cover only shrinks (weight * (1 + discount)
        // <= 1): the booked amount is capped by the debt, no repricing (a broken feed of another token blocks nothing).
        if (booked != 0) _book(accountId, Math.min(booked, uint256(-settlement) - repaid));
        IERC20(token).safeTransfer(msg.sender, seized);
        emit CollateralLiquidated(accountId, msg.sender, token, repaid, seized, price);
    }

    /// @inheritdoc IVault
    function settleBadDebt(uint256 accountId) external nonReentrant {
        AccountLedger memory account = _accounts[accountId];
        int256 settlement = account.settlementBalance;
        uint256 positions = IClearinghouse(clearinghouse).positionCount(accountId);
        uint256 held = account.heldCollaterals;
        if (settlement < 0 && positions == 0) {
            // Only debt left: the waterfall. Collateral left: re-mark what it does not cover at today's prices.
            if (held == 0) _coverBadDebt(accountId, settlement);
            else _book(accountId, _uncovered(accountId, settlement, held));
        } else if (_bookedBadDebt[accountId] != 0) {
            // Repaid, or trading again: nothing of its debt is pending any more.
            _book(accountId, 0);
        } else if (settlement >= 0) {
            revert VaultNoDebt(accountId);
        } else {
            revert VaultBadDebtNotSettleable(accountId, positions, Bitmap.popCount(held));
        }
    }

    /// @inheritdoc IVault
    function badDebtBooked(uint256 accountId) external view returns (uint256) {
        return _bookedBadDebt[accountId];
    }

    /* COLLATERAL REGISTRY */

    /// @inheritdoc IVault
    function setCollateral(
        address token,
        bytes32 asset,
        uint64 weight,
        uint64 liquidationDiscount,
        uint128 depositCap
    ) external onlyRole(Roles.RISK_ADMIN) {
        if (token == settlementToken || token == address(0)) {
            revert VaultInvalidCollateralParameter(token, "token", uint160(token));
        }
        if (weight == 0 || weight > WAD) revert VaultInvalidCollateralParameter(token, "weight", weight);
        // weight * (1 + discount) <= 1: seizing collateral at the discount never lowers the account's equity.
        if (liquidationDiscount > MAX_LIQUIDATION_DISCOUNT || uint256(weight).wMulUp(WAD + liquidationDiscount) > WAD) {
            revert VaultInvalidCollateralParameter(token, "liquidationDiscount", liquidationDiscount);
        }
        if (!oracle.hasFeed(asset)) revert VaultInvalidCollateralParameter(token, "asset", uint256(asset));
        CollateralConfig storage config = _collaterals[token];
        if (config.asset == bytes32(0)) {
            uint256 index = _collateralTokens.length;
            if (index == MAX_COLLATERAL_TOKENS) revert VaultInvalidCollateralParameter(token, "count", index);
            uint8 decimals = IERC20Metadata(token).decimals();
            if (decimals > MAX_TOKEN_DECIMALS) revert VaultInvalidCollateralParameter(token, "decimals", decimals);
            _collateralTokens.push(token);
            config.index = uint8(index);
            config.decimals = decimals;
        }
        config.asset = asset;
        config.weight = weight;
        config.liquidationDiscount = liquidationDiscount;
        config.depositCap = depositCap;
        emit CollateralSet(token, config);
    }

    /// @inheritdoc IVault
    function setMaxCollateralsPerAccount(uint8 max) external onlyRole(Roles.RISK_ADMIN) {
        _setMaxCollateralsPerAccount(max);
    }

    /// @inheritdoc IVault
    function setCollateralLiquidationBuffer(uint64 buffer) external onlyRole(Roles.RISK_ADMIN) {
        _setCollateralLiquidationBuffer(buffer);
    }

    /// @inheritdoc IVault
    function collateralConfig(address token) external view returns (CollateralConfig memory) {
        return _collateralConfig(token);
    }

    /// @inheritdoc IVault
    function collateralTokens() external view returns (address[] memory) {
        return _collateralTokens;
    }

    /// @inheritdoc IVault
    function accountCollaterals(uint256 accountId) external view returns (address[] memory tokens) {
        uint256 held = _accounts[accountId].heldCollaterals;
        tokens = new address[](Bitmap.popCount(held));
        for (uint256 i; held != 0; ++i) {
            tokens[i] = _collateralTokens[Bitmap.lowestBit(held)];
            held &= held - 1;
        }
    }

    /// @inheritdoc IVault
    function accountCollateral(
        uint256 accountId
    ) external view returns (int256 settlementBalance, uint256 otherCollateralValue, bool hasOtherCollateral) {
        AccountLedger memory account = _accounts[accountId];
        settlementBalance = account.settlementBalance;
        hasOtherCollateral = account.heldCollaterals != 0;
        otherCollateralValue = _haircutValue(accountId, account.heldCollaterals);
    }

    /* INTERNAL */

    /// @dev Credits only what arrived: a token that delivers less than `amount` (fee-on-transfer) is refused.
    function _deposit(uint256 accountId, address token, uint256 amount) private {
        int256 signedAmount = amount.toInt256();
        if (token != settlementToken) {
            CollateralConfig memory config = _collateralConfig(token);
            uint256 total = uint256(totalAccountBalance[token]) + amount;
            if (total > config.depositCap) revert VaultDepositCapExceeded(token, total, config.depositCap);
            if (_balances[accountId][token] == 0) _addHeld(accountId, config.index);
            _pull(token, amount);
            _balances[accountId][token] += signedAmount;
        } else {
            _pull(token, amount);
            _addSettlement(accountId, signedAmount);
        }
        totalAccountBalance[token] += signedAmount;
        uint256 booked = _bookedBadDebt[accountId];
        if (booked != 0) _book(accountId, _bookedAfterDeposit(accountId, token, amount, booked));
        emit Deposited(accountId, token, msg.sender, amount);
    }

    /// @dev A deposit into an account with booked bad debt: settlement tokens repay (the booked amount is capped by
    /// what is still owed); another token covers its haircut value (rounded down: the booking shrinks by no more).
    function _bookedAfterDeposit(
        uint256 accountId,
        address token,
        uint256 amount,
        uint256 booked
    ) private view returns (uint256) {
        if (token == settlementToken) {
            int256 settlement = _accounts[accountId].settlementBalance;
            return settlement >= 0 ? 0 : Math.min(booked, uint256(-settlement));
        }
        CollateralConfig memory config = _collaterals[token];
        uint256 value = (amount * oracle.price(config.asset)).mulDivDown(config.weight, 10 ** config.decimals * WAD);
        return booked.zeroFloorSub(value / _toWad);
    }

    /// @dev An account with positions: while the Clearinghouse says liquidatable. Without: while it has booked bad
    /// debt, or its haircut collateral value is below its debt * (1 + collateralLiquidationBuffer) (DESIGN §12).
    function _collateralLiquidatable(uint256 accountId, int256 settlement, uint256 booked) private view returns (bool) {
        IClearinghouse ch = IClearinghouse(clearinghouse);
        if (ch.positionCount(accountId) != 0) return ch.isLiquidatable(accountId);
        if (booked != 0) return true;
        // Rounded down: the keeper, who profits from the discount, gets no benefit of the doubt.
        uint256 required = (uint256(-settlement) * _toWad).mulDivDown(WAD + collateralLiquidationBuffer, WAD);
        return _haircutValue(accountId, _accounts[accountId].heldCollaterals) < required;
    }

    /// @dev Σ over the held tokens of balance * price * weight / 10^decimals (USD, WAD), each rounded down
    /// (collateral value rounds against the account).
    function _haircutValue(uint256 accountId, uint256 held) private view returns (uint256 value) {
        while (held != 0) {
            address token = _collateralTokens[Bitmap.lowestBit(held)];
            held &= held - 1;
            CollateralConfig memory config = _collaterals[token];
            uint256 balance = uint256(_balances[accountId][token]);
            value += (balance * oracle.price(config.asset)).mulDivDown(config.weight, 10 ** config.decimals * WAD);
        }
    }

    /// @dev The part of a debt (`settlement < 0`) the held collateral does not cover at haircut value, in settlement
    /// units. The value rounds down, so the uncovered part rounds up: the pool is never valued above what it holds.
    function _uncovered(uint256 accountId, int256 settlement, uint256 held) private view returns (uint256) {
        return uint256(-settlement).zeroFloorSub(_haircutValue(accountId, held) / _toWad);
    }

    /// @dev Sets an account's booked bad debt and keeps `pendingBadDebt` equal to their sum.
    function _book(uint256 accountId, uint256 amount) private {
        uint256 old = _bookedBadDebt[accountId];
        if (old == amount) return;
        _bookedBadDebt[accountId] = amount;
        uint256 pending = pendingBadDebt + amount - old;
        pendingBadDebt = pending;
        emit BadDebtBooked(accountId, amount, pending);
    }

    /// @dev Takes `amount` of `token` from the caller, refusing tokens that deliver anything else.
    function _pull(address token, uint256 amount) private {
        if (amount == 0) revert VaultZeroAmount();
        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - balanceBefore;
        if (received != amount) revert VaultTransferAmountMismatch(token, amount, received);
    }

    function _collateralConfig(address token) private view returns (CollateralConfig memory config) {
        config = _collaterals[token];
        if (config.asset == bytes32(0)) revert VaultUnsupportedToken(token);
    }

    function _addHeld(uint256 accountId, uint8 index) private {
        AccountLedger storage account = _accounts[accountId];
        uint64 held = account.heldCollaterals;
        if (Bitmap.popCount(held) >= maxCollateralsPerAccount)
            revert VaultTooManyCollaterals(accountId, maxCollateralsPerAccount);
        // index < MAX_COLLATERAL_TOKENS = 64.
        account.heldCollaterals = held | (uint64(1) << index);
    }

    function _removeHeld(uint256 accountId, address token) private {
        _accounts[accountId].heldCollaterals &= ~(uint64(1) << _collaterals[token].index);
    }

    function _balanceOf(uint256 accountId, address token) private view returns (int256) {
        return token == settlementToken ? _accounts[accountId].settlementBalance : _balances[accountId][token];
    }

    function _addSettlement(uint256 accountId, int256 delta) private {
        AccountLedger storage account = _accounts[accountId];
        account.settlementBalance = (account.settlementBalance + delta).toInt128();
    }

    /// @dev Applies signed deltas to the pool and insurance ledgers, neither of which can go negative.
    function _applyLedgerDeltas(int256 poolDelta, int256 insuranceDelta) private {
        if (poolDelta == 0 && insuranceDelta == 0) return;
        ProtocolLedgers memory ledgers = _ledgers;
        _ledgers = ProtocolLedgers(
            _applyDelta(ledgers.pool, poolDelta, false).toUint128(),
            _applyDelta(ledgers.insurance, insuranceDelta, true).toUint128()
        );
    }

    /// @dev The loss waterfall (DESIGN §10), the only place Keel runs it: the insurance fund pays the debt first, then
    /// the pool (socialized to LPs, its NAV drops); what neither can pay stays on the account as unrecovered debt.
    function _coverBadDebt(uint256 accountId, int256 settlement) private {
        _book(accountId, 0);
        uint256 badDebt = uint256(-settlement);
        ProtocolLedgers memory ledgers = _ledgers;
        (uint256 insuranceDraw, uint256 poolWriteOff) = _waterfall(badDebt, ledgers.insurance, ledgers.pool);
        // Each draw is at most its ledger.
        _ledgers = ProtocolLedgers(uint128(ledgers.pool - poolWriteOff), uint128(ledgers.insurance - insuranceDraw));
        int256 covered = (insuranceDraw + poolWriteOff).toInt256();
        _accounts[accountId].settlementBalance = (settlement + covered).toInt128();
        totalAccountBalance[settlementToken] += covered;
        emit BadDebtSettled(accountId, badDebt, insuranceDraw, poolWriteOff, badDebt - insuranceDraw - poolWriteOff);
    }

    /// @dev Who pays `badDebt`: the insurance fund first, then the pool; never reverts.
    function _waterfall(
        uint256 badDebt,
        uint256 insuranceAvailable,
        uint256 poolAvailable
    ) private pure returns (uint256 insuranceDraw, uint256 poolWriteOff) {
        insuranceDraw = Math.min(badDebt, insuranceAvailable);
        poolWriteOff = Math.min(badDebt - insuranceDraw, poolAvailable);
    }

    function _setCollateralLiquidationBuffer(uint64 buffer) private {
        if (buffer > WAD) revert VaultInvalidCollateralParameter(address(0), "collateralLiquidationBuffer", buffer);
        collateralLiquidationBuffer = buffer;
        emit CollateralLiquidationBufferSet(buffer);
    }

    function _setMaxCollateralsPerAccount(uint8 max) private {
        if (max == 0 || max > MAX_COLLATERALS_PER_ACCOUNT) {
            revert VaultInvalidCollateralParameter(address(0), "maxCollateralsPerAccount", max);
        }
        maxCollateralsPerAccount = max;
        emit MaxCollateralsPerAccountSet(max);
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
