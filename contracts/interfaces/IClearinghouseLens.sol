// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketState} from "../types/Market.sol";
import {IClearinghouse} from "./IClearinghouse.sol";

/// @title IClearinghouseLens
/// @notice Read-only periphery over one Clearinghouse: the views a keeper, a task, the simulation or an app needs,
/// at one address. It holds no state and no privilege. Views that format stored state (`positions`, `market`,
/// `marketState`, `marketParams`, `riskParams`) are computed here from the Clearinghouse's raw getters with the same
/// libraries the core uses; views that must agree with an action (`accountState`, the previews, health) are the core's
/// own, forwarded, so they run the action's code.
/// @dev All prices and USD values are 18-decimal fixed point (WAD); sizes are signed WAD base units, long > 0.
interface IClearinghouseLens {
    /// @notice One open position with its PnL and funding at current prices.
    /// @param entryPrice `|openNotional| / |size|`, rounded down (WAD).
    /// @param unrealizedPnl `size * price - openNotional`, rounded toward -infinity (USD, WAD).
    /// @param pendingFunding Funding the position owes, accrued to now (USD, WAD; negative = owed to it).
    struct PositionView {
        uint256 marketId;
        int256 size;
        int256 openNotional;
        uint256 entryPrice;
        int256 unrealizedPnl;
        int256 pendingFunding;
    }

    /// @notice A market's parameters and live state, funding accrued to now.
    /// @param fundingRatePerDay `clamp(skew / skewScale, -1, 1) * maxFundingRatePerDay`, signed like the skew (WAD).
    struct MarketView {
        IClearinghouse.MarketParams params;
        uint256 oraclePrice;
        int256 skew;
        uint256 longOpenInterest;
        uint256 shortOpenInterest;
        int256 fundingIndex;
        int256 fundingRatePerDay;
    }

    /// @notice No market with this id (the Clearinghouse's error, raised by the lens's own views too).
    error ClearinghouseUnknownMarket(uint256 marketId);

    /// @notice The Clearinghouse this lens reads.
    function clearinghouse() external view returns (IClearinghouse);

    /* COMPUTED HERE */

    /// @notice The account's open positions, in market-id order, at current prices with funding accrued to now.
    function positions(uint256 accountId) external view returns (PositionView[] memory);

    /// @notice `IClearinghouse.accountState` of every account of `accountIds`, in their order, in one call: each
    /// market's price and funding are read once for the whole batch, and every account is summed by the core's own
    /// `MarginLib`, so each state equals `accountState` of that account in the same block. For a monitor, a risk
    /// dashboard or a simulation that reads many accounts; any id is accepted (an unused one is all zeros).
    function accountStates(
        uint256[] calldata accountIds
    ) external view returns (IClearinghouse.AccountState[] memory states);

    /// @notice A market's parameters and state, funding accrued to now.
    function market(uint256 marketId) external view returns (MarketView memory);

    /// @notice A market's risk parameters. Reverts with `ClearinghouseUnknownMarket` for an unknown id.
    function marketParams(uint256 marketId) external view returns (IClearinghouse.MarketParams memory);

    /// @notice A market's stored state: open interest, funding index as of its last accrual, and the aggregates
    /// behind the pool's NAV (`MarketLib.poolValue`). Reverts with `ClearinghouseUnknownMarket` for an unknown id.
    function marketState(uint256 marketId) external view returns (MarketState memory);

    /// @notice The protocol-wide risk parameters.
    function riskParams() external view returns (IClearinghouse.RiskParams memory);

    /// @notice Builds an account id from its owner and subaccount (DESIGN §4).
    function accountIdOf(address owner, uint96 subaccount) external pure returns (uint256);

    /// @notice Recovers the owner from an account id.
    function ownerOf(uint256 accountId) external pure returns (address);

    /* FORWARDED TO THE CLEARINGHOUSE */

    /// @notice `IClearinghouse.accountState`.
    function accountState(uint256 accountId) external view returns (IClearinghouse.AccountState memory);

    /// @notice `IClearinghouse.isLiquidatable`.
    function isLiquidatable(uint256 accountId) external view returns (bool);

    /// @notice `IClearinghouse.liquidatable`: one price read per market for the whole batch.
    function liquidatable(uint256[] calldata accountIds) external view returns (bool[] memory);

    /// @notice `IClearinghouse.previewTrade`.
    function previewTrade(
        uint256 accountId,
        uint256 marketId,
        int256 sizeDelta
    ) external view returns (uint256 fillPrice, uint256 fee, IClearinghouse.AccountState memory afterTrade);

    /// @notice `IClearinghouse.previewLiquidation`.
    function previewLiquidation(uint256 accountId) external view returns (IClearinghouse.LiquidationPreview memory);

    /// @notice `IClearinghouse.positionCount`.
    function positionCount(uint256 accountId) external view returns (uint256);

    /// @notice `IClearinghouse.marketCount`.
    function marketCount() external view returns (uint256);
}
