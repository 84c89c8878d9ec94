// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILiquidityPool} from "./interfaces/ILiquidityPool.sol";
import {IClearinghouse} from "./interfaces/IClearinghouse.sol";
import {IVault} from "./interfaces/IVault.sol";
import {FixedPointMath} from "./libraries/FixedPointMath.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title LiquidityPool
/// @notice ERC-4626 shares over the pool's ledger in the Vault; the assets never sit in this contract.
contract LiquidityPool is ILiquidityPool, ERC4626, AccessControl, Pausable, ReentrancyGuardTransient {
    using FixedPointMath for int256;
    using FixedPointMath for uint256;
    using SafeCast for uint256;
    using Math for uint256;

    /// @dev Shares carry 6 more decimals than the asset: OpenZeppelin's virtual-share defence against the
    /// first-depositor inflation attack.
    uint8 private constant DECIMALS_OFFSET = 6;
    uint64 private constant MAX_WITHDRAWAL_DELAY = 30 days;
    /// @dev A request must wait at least this long: with no delay an LP who sees a price move or bad debt coming
    /// could exit ahead of it in one transaction (DESIGN §18.2).
    uint64 private constant MIN_WITHDRAWAL_DELAY = 1 hours;
    /// @dev Deposits and mints need a share worth at least 1/100 of its initial price (DESIGN §18.21).
    uint256 private constant MIN_SHARE_PRICE_DIVISOR = 100;
    uint64 private constant MIN_WITHDRAWAL_WINDOW = 1 hours;

    IVault public immutable vault;
    IClearinghouse public immutable clearinghouse;
    uint256 private immutable _toWad;

    /// @inheritdoc ILiquidityPool
    uint64 public withdrawalDelay;
    /// @inheritdoc ILiquidityPool
    uint64 public withdrawalWindow;
    mapping(address owner => WithdrawalRequest) private _requests;

    constructor(
        address admin,
        IVault vault_,
        IClearinghouse clearinghouse_,
        uint64 withdrawalDelay_,
        uint64 withdrawalWindow_
    ) ERC20("Keel Liquidity Pool", "keelLP") ERC4626(IERC20(vault_.settlementToken())) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(Roles.RISK_ADMIN, admin);
        _grantRole(Roles.GUARDIAN, admin);
        vault = vault_;
        clearinghouse = clearinghouse_;
        _toWad = 10 ** (18 - vault_.settlementDecimals());
        _setWithdrawalDelay(withdrawalDelay_, withdrawalWindow_);
    }

    /* POOL VALUE */

    /// @inheritdoc ILiquidityPool
    function poolValue() public view returns (int256) {
        (int256 unrealizedValue, ) = poolExposure();
        // Bad debt booked but not yet through the waterfall: insurance pays first, the rest is the pool's (§10.5).
        uint256 pendingLoss = vault.pendingBadDebt().zeroFloorSub(vault.insuranceBalance());
        // WAD -> settlement units toward -infinity: the pool is never valued above what it holds.
        int256 cash = vault.poolBalance().toInt256() - pendingLoss.toInt256();
        return (cash * int256(_toWad) + unrealizedValue).divFloor(_toWad);
    }

    /// @inheritdoc ILiquidityPool
    function minimumDepositValue() public view returns (uint256) {
        // 1% of the supply's value at the initial price of 10^-offset units a share, rounded up (against the
        // depositor). Zero only for an empty pool, whose first deposit sets the price.
        return totalSupply().mulDivUp(1, 10 ** DECIMALS_OFFSET * MIN_SHARE_PRICE_DIVISOR);
    }

    /* ERC-4626 */

    /// @notice The pool's value (`poolValue()`) floored at zero, as ERC-4626 requires a uint: nothing prices shares
    /// from this floor (see `_convertToShares`, `_convertToAssets`).
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        int256 value = poolValue();
        return value <= 0 ? 0 : uint256(value);
    }

    /// @dev Zero while paused or while the pool is worth less than `minimumDepositValue()`, as ERC-4626 requires of
    /// a deposit limit.
    function maxDeposit(address receiver) public view override(ERC4626, IERC4626) returns (uint256) {
        return paused() || !_depositable(poolValue()) ? 0 : super.maxDeposit(receiver);
    }

    /// @dev Zero while paused or while the pool is worth less than `minimumDepositValue()`.
    function maxMint(address receiver) public view override(ERC4626, IERC4626) returns (uint256) {
        return paused() || !_depositable(poolValue()) ? 0 : super.maxMint(receiver);
    }

    /// @dev The matured request, limited by the pool's available liquidity; zero while the pool is worth nothing.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 assets = _convertToAssets(_maturedShares(owner), Math.Rounding.Floor);
        return Math.min(assets, availableLiquidity());
    }

    /// @dev The matured request, limited by the pool's available liquidity; zero while the pool is worth nothing.
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 liquidShares = _convertToShares(availableLiquidity(), Math.Rounding.Floor);
        return Math.min(_maturedShares(owner), liquidShares);
    }

    /// @dev Priced from the signed pool value, read once; refused below `minimumDepositValue()`.
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 shares) {
        int256 value = _checkDepositValue();
        shares = _toShares(assets, uint256(value), Math.Rounding.Floor);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @dev Priced from the signed pool value, read once; refused below `minimumDepositValue()`.
    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 assets) {
        int256 value = _checkDepositValue();
        assets = _toAssets(shares, uint256(value), Math.Rounding.Ceil);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ILiquidityPool
    function recapitalize(uint256 assets) external nonReentrant {
        if (assets == 0) revert PoolZeroAmount();
        // A gift while deposits are open could be front-run by a deposit that takes part of it; at a supply of zero it
        // would go to the first depositor (test/attacks/recapitalizeFrontRun.test.ts).
        int256 value = poolValue();
        uint256 supply = totalSupply();
        if (supply == 0 || _depositable(value)) revert PoolRecapitalizeRefused(value, minimumDepositValue(), supply);
        _pull(_msgSender(), assets);
        emit Recapitalized(_msgSender(), assets);
    }

    /// @dev Only escrowed, matured shares; reverts with the specific reason rather than a bare limit.
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        shares = _toShares(assets, _checkSolvent(), Math.Rounding.Ceil);
        _checkExit(owner, shares, assets);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev Only escrowed, matured shares; reverts with the specific reason rather than a bare limit.
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        assets = _toAssets(shares, _checkSolvent(), Math.Rounding.Floor);
        _checkExit(owner, shares, assets);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /* WITHDRAWAL REQUESTS */

    /// @inheritdoc ILiquidityPool
    function requestWithdraw(uint256 shares) external nonReentrant {
        if (shares == 0) revert PoolZeroAmount();
        _transfer(msg.sender, address(this), shares);
        WithdrawalRequest storage request = _requests[msg.sender];
        uint256 total = request.shares + shares;
        uint256 unlockTime = block.timestamp + withdrawalDelay;
        request.shares = total.toUint128();
        request.unlockTime = uint64(unlockTime);
        request.expiry = uint64(unlockTime + withdrawalWindow);
        emit WithdrawalRequested(msg.sender, shares, total, unlockTime);
    }

    /// @inheritdoc ILiquidityPool
    function cancelWithdraw() external nonReentrant {
        uint256 shares = _requests[msg.sender].shares;
        if (shares == 0) revert PoolZeroAmount();
        delete _requests[msg.sender];
        _transfer(address(this), msg.sender, shares);
        emit WithdrawalCancelled(msg.sender, shares);
    }

    /// @inheritdoc ILiquidityPool
    function withdrawalRequest(address owner) external view returns (WithdrawalRequest memory) {
        return _requests[owner];
    }

    /// @inheritdoc ILiquidityPool
    function availableLiquidity() public view returns (uint256) {
        (, uint256 claims) = poolExposure();
        // Claims round up in settlement units: the reserve is never understated.
        return vault.poolBalance().zeroFloorSub(claims.mulDivUp(1, _toWad));
    }

    /// @inheritdoc ILiquidityPool
    function poolExposure() public view returns (int256 unrealizedValue, uint256 traderClaims) {
        // One call: the Clearinghouse reads its packed market state directly (DESIGN §11, O(markets)).
        return clearinghouse.poolExposure();
    }

    /* ADMINISTRATION */

    /// @inheritdoc ILiquidityPool
    function setWithdrawalDelay(uint64 delay, uint64 window) external onlyRole(Roles.RISK_ADMIN) {
        _setWithdrawalDelay(delay, window);
    }

    /// @inheritdoc ILiquidityPool
    function pause() external onlyRole(Roles.GUARDIAN) {
        _pause();
    }

    /// @inheritdoc ILiquidityPool
    function unpause() external onlyRole(Roles.GUARDIAN) {
        _unpause();
    }

    /* INTERNAL */

    /// @dev OpenZeppelin's conversion with the signed pool value in place of `totalAssets()`. While the pool is worth
    /// nothing no amount of assets is worth a share: the conversion rounds against the caller to its limit (0 shares
    /// received, `type(uint256).max` shares owed), never from a floor at zero.
    function _convertToShares(uint256 assets, Math.Rounding rounding) internal view override returns (uint256) {
        int256 value = poolValue();
        if (value > 0) return _toShares(assets, uint256(value), rounding);
        return assets == 0 || !Math.unsignedRoundsUp(rounding) ? 0 : type(uint256).max;
    }

    /// @dev As `_convertToShares`: while the pool is worth nothing a share is worth 0 assets, and no amount of assets
    /// buys one.
    function _convertToAssets(uint256 shares, Math.Rounding rounding) internal view override returns (uint256) {
        int256 value = poolValue();
        if (value > 0) return _toAssets(shares, uint256(value), rounding);
        return shares == 0 || !Math.unsignedRoundsUp(rounding) ? 0 : type(uint256).max;
    }

    /// @dev `assets * (supply + 10^offset) / (value + 1)` for a positive `value` (OpenZeppelin's virtual shares).
    function _toShares(uint256 assets, uint256 value, Math.Rounding rounding) private view returns (uint256) {
        return assets.mulDiv(totalSupply() + 10 ** DECIMALS_OFFSET, value + 1, rounding);
    }

    /// @dev `shares * (value + 1) / (supply + 10^offset)` for a positive `value`.
    function _toAssets(uint256 shares, uint256 value, Math.Rounding rounding) private view returns (uint256) {
        return shares.mulDiv(value + 1, totalSupply() + 10 ** DECIMALS_OFFSET, rounding);
    }

    function _depositable(int256 value) private view returns (bool) {
        return value >= 0 && uint256(value) >= minimumDepositValue();
    }

    /// @dev The pool value, when a deposit may be priced from it.
    function _checkDepositValue() private view returns (int256 value) {
        value = poolValue();
        if (!_depositable(value)) revert PoolValueTooLow(value, minimumDepositValue());
    }

    /// @dev The pool value, when shares can be redeemed against it.
    function _checkSolvent() private view returns (uint256) {
        int256 value = poolValue();
        if (value <= 0) revert PoolInsolvent(value);
        return uint256(value);
    }

    /// @dev Tokens go straight from the LP to the Vault; only what arrived is credited.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        if (assets == 0 || shares == 0) revert PoolZeroAmount();
        _pull(caller, assets);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    /// @dev Tokens go straight from `from` to the Vault and are credited to the pool ledger; only what arrived counts.
    function _pull(address from, uint256 assets) private {
        IERC20 token = IERC20(asset());
        uint256 before = token.balanceOf(address(vault));
        SafeERC20.safeTransferFrom(token, from, address(vault), assets);
        uint256 received = token.balanceOf(address(vault)) - before;
        if (received != assets) revert PoolTransferAmountMismatch(assets, received);
        vault.fundPool(from, assets);
    }

    /// @dev Burns escrowed shares and pays from the pool ledger.
    function _withdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal override {
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _requests[owner].shares -= shares.toUint128();
        _burn(address(this), shares);
        vault.defundPool(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    function _checkExit(address owner, uint256 shares, uint256 assets) private view {
        if (shares == 0 || assets == 0) revert PoolZeroAmount();
        WithdrawalRequest memory request = _requests[owner];
        if (shares > request.shares) revert PoolWithdrawalExceedsRequest(owner, shares, request.shares);
        if (block.timestamp < request.unlockTime) {
            revert PoolWithdrawalNotReady(owner, request.unlockTime, block.timestamp);
        }
        if (block.timestamp >= request.expiry) revert PoolWithdrawalExpired(owner, request.expiry, block.timestamp);
        uint256 available = availableLiquidity();
        if (assets > available) revert PoolInsufficientLiquidity(assets, available);
    }

    function _maturedShares(address owner) private view returns (uint256) {
        WithdrawalRequest memory request = _requests[owner];
        return block.timestamp < request.unlockTime || block.timestamp >= request.expiry ? 0 : request.shares;
    }

    function _setWithdrawalDelay(uint64 delay, uint64 window) private {
        if (delay < MIN_WITHDRAWAL_DELAY || delay > MAX_WITHDRAWAL_DELAY)
            revert PoolInvalidParameter("withdrawalDelay", delay);
        if (window < MIN_WITHDRAWAL_WINDOW || window > MAX_WITHDRAWAL_DELAY) {
            revert PoolInvalidParameter("withdrawalWindow", window);
        }
        withdrawalDelay = delay;
        withdrawalWindow = window;
        emit WithdrawalDelaySet(delay, window);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
