/** The liquidation commands: position liquidation, collateral liquidation and bad-debt settlement. */
import { network } from "hardhat";
import type { IClearinghouse } from "../../../typechain-types/contracts/Clearinghouse";
import * as math from "../../shared/math";
import { TO_WAD, WAD } from "../model";
import type { InvariantModel } from "../model";
import { accountState } from "../checks";
import { accountIdOf, same, show } from "../system";
import type { Suite } from "../system";
import { sameOwner, splitAccountId } from "../../../scripts/common/accounts";
import { KeelCommand, act, expectEvent, fail, pendingCall, tokenAddress } from "./core";
import type { Box, Post } from "./core";

/* LIQUIDATION */

function isLiquidatableAt(m: InvariantModel, id: bigint, t: bigint): boolean {
  return (
    (m.positionCount(id) > 0 || m.balance(id) < 0n) &&
    m.assetErrors(m.accountAssets(id), t).length === 0 &&
    m.state(id, t).liquidatable
  );
}

function liquidatableAccounts(m: InvariantModel, s: Suite, t: bigint): bigint[] {
  return s.accounts.filter((id) => isLiquidatableAt(m, id, t));
}

export const ownerOf = (s: Suite, id: bigint) => {
  const owner = splitAccountId(id).owner;
  return [...s.actors.traders, s.actors.keeper].find((x) => x.address === owner)!;
};

export class LiquidateCommand extends KeelCommand {
  constructor(
    readonly target: number,
    /** Only when some account is liquidatable, and then one of those. */
    readonly preferLiquidatable: boolean,
    /** The account's owner liquidates it (the reward goes to the owner's subaccount 0). */
    readonly self: boolean,
  ) {
    super();
  }

  check(b: Readonly<Box>): boolean {
    if (!this.preferLiquidatable) return true;
    const t = b.m.now + 1n;
    return b.ids.flat().some((id) => isLiquidatableAt(b.m, id, t));
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const candidates = this.preferLiquidatable ? liquidatableAccounts(m, s, t) : [];
    const id = candidates.length
      ? candidates[this.target % candidates.length]
      : s.accounts[this.target % (s.accounts.length - 1)]; // not the OrderBook's escrow account (the last)
    const liquidator = this.self ? ownerOf(s, id) : s.actors.keeper;
    const keeperId = accountIdOf(liquidator.address);
    const outcome = m.tryLiquidate(id, keeperId, t);
    const ch = s.clearinghouse.interface;

    // §15.6: isLiquidatable and previewLiquidation at the liquidation's own timestamp agree with what it then does.
    await network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    const views = await pendingCall(
      s,
      s.address.multicall,
      s.multicall.interface.encodeFunctionData("tryAggregate", [
        [
          { target: s.address.clearinghouse, data: ch.encodeFunctionData("isLiquidatable", [id]) },
          { target: s.address.clearinghouse, data: ch.encodeFunctionData("previewLiquidation", [id]) },
        ],
      ]),
    );
    if (!views.ok) fail(`lens reverted: ${views.error}`);
    const [, okFlags, results] = s.multicall.interface.decodeFunctionResult(
      "tryAggregate",
      views.data,
    ) as unknown as [bigint, boolean[], string[]];
    // The preview's keeper is its caller (the multicall), never the owner: it shows the subsidy a keeper gets.
    const viewed = this.self ? m.tryLiquidate(id, 1n, t) : outcome;
    if (outcome.ok && viewed.ok) {
      const r = viewed.value;
      if (!okFlags[0] || !okFlags[1])
        fail(`isLiquidatable/previewLiquidation reverted for an account the model liquidates`);
      if (ch.decodeFunctionResult("isLiquidatable", results[0])[0] !== true)
        fail("isLiquidatable is false but liquidate succeeds (§15.6)");
      const p = ch.decodeFunctionResult(
        "previewLiquidation",
        results[1],
      )[0] as IClearinghouse.LiquidationPreviewStructOutput;
      const got = [
        p.liquidatable,
        p.equity,
        p.maintenanceMargin,
        p.fraction,
        [...p.marketIds],
        [...p.sizesClosed],
        [...p.notionalsClosed],
        p.penalty,
        p.keeperReward,
        p.badDebt,
        p.insuranceDraw,
        p.poolWriteOff,
        p.capAllows,
      ];
      const want = [
        true,
        r.before.equity,
        r.before.maintenanceMargin,
        r.fraction,
        r.legs.map((l) => BigInt(l.marketId)),
        r.legs.map((l) => l.sizeClosed),
        r.legs.map((l) => l.notionalClosed),
        r.penalty,
        r.keeperReward,
        r.badDebt,
        r.insuranceDraw,
        r.poolWriteOff,
        true,
      ];
      if (!same(got, want))
        fail(
          `previewLiquidation disagrees with the liquidation: ${show({ name: "got", args: got })} vs ${show({ name: "want", args: want })}`,
        );
    } else if (!outcome.ok && outcome.errors.some((e) => e.name === "ClearinghouseNotLiquidatable")) {
      if (okFlags[0] && ch.decodeFunctionResult("isLiquidatable", results[0])[0] !== false) {
        fail("isLiquidatable is true but liquidate reverts with ClearinghouseNotLiquidatable (§15.6)");
      }
    }

    // Owner's accounts before, at the liquidation's timestamp: no actor gains by liquidating itself (§15.4).
    const ownerIds = s.accounts.filter((x) => sameOwner(x, id));
    const ownerEquity = (model: InvariantModel) =>
      ownerIds.every((x) => model.assetErrors(model.accountAssets(x), t).length === 0)
        ? ownerIds.reduce((sum, x) => sum + model.state(x, t).equity, 0n)
        : null;
    const ownerBefore = this.self ? ownerEquity(m) : null;

    const label = this.self ? "liquidate.self" : "liquidate";
    const data = ch.encodeFunctionData("liquidate", [id]);
    const done = await act(b, s, label, outcome, liquidator.address, s.address.clearinghouse, data, t);
    if (done === null) return;
    const r = done.value;
    expectEvent(
      s,
      done.logs,
      s.address.clearinghouse,
      "Liquidated",
      [
        id,
        liquidator.address,
        r.fraction,
        r.before.equity,
        r.before.maintenanceMargin,
        r.notionalClosed,
        r.penalty,
        r.keeperReward,
      ],
      label,
    );
    for (const leg of r.legs) {
      expectEvent(
        s,
        done.logs,
        s.address.clearinghouse,
        "PositionLiquidated",
        [id, BigInt(leg.marketId), leg.sizeClosed, leg.market.price, leg.realizedPnl, leg.fundingOwed],
        label,
      );
    }
    if (r.badDebt > 0n) {
      expectEvent(
        s,
        done.logs,
        s.address.vault,
        "BadDebtSettled",
        [id, r.badDebt, r.insuranceDraw, r.poolWriteOff, r.badDebt - r.insuranceDraw - r.poolWriteOff],
        label,
      );
    }
    const ownerAfter = this.self ? ownerEquity(b.m) : null;
    return (snap) => {
      // §15.4: only below maintenance margin; never a worse margin ratio unless it closes the account fully.
      if (!(r.before.equity < r.before.maintenanceMargin))
        fail(`${label}: liquidated at equity ${r.before.equity} >= MM ${r.before.maintenanceMargin} (§15.4)`);
      const a = snap.accounts.find((x) => x.id === id)!;
      const positionsLeft = a.positions.ok
        ? (a.positions.value[0] as unknown[]).length
        : b.m.positionCount(id);
      if (positionsLeft > 0) {
        const after = accountState(snap, id);
        if (after.equity * r.before.maintenanceMargin < r.before.equity * after.maintenanceMargin) {
          fail(
            `${label}: margin ratio fell from ${r.before.equity}/${r.before.maintenanceMargin} to ${after.equity}/${after.maintenanceMargin} (§15.4)`,
          );
        }
      } else if (r.fraction !== WAD) fail(`${label}: positions gone although fraction ${r.fraction} < 1`);
      if (ownerBefore !== null && ownerAfter !== null) {
        // Only the loss waterfall (paid whoever liquidates) may raise the owner's equity.
        const socialized = (r.insuranceDraw + r.poolWriteOff) * TO_WAD;
        if (ownerAfter > ownerBefore + socialized) {
          fail(`self-liquidation raised the owner's equity from ${ownerBefore} to ${ownerAfter} (§15.4)`);
        }
      }
    };
  }

  toString() {
    return `liquidate(target ${this.target}${this.preferLiquidatable ? " among the liquidatable" : ""}${this.self ? ", by its owner" : ""})`;
  }
}

export class LiquidateCollateralCommand extends KeelCommand {
  constructor(
    readonly target: number,
    readonly token: number,
    readonly permille: number,
    readonly prefer: boolean,
  ) {
    super();
  }

  /** An account with debt and collateral to take (unless not `prefer`). */
  check(b: Readonly<Box>): boolean {
    return !this.prefer || b.m.accounts().some((id) => b.m.balance(id) < 0n && b.m.held(id).length > 0);
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const candidates = this.prefer
      ? s.accounts.filter((id) => m.balance(id) < 0n && m.held(id).length > 0)
      : [];
    const id = candidates.length
      ? candidates[this.target % candidates.length]
      : s.accounts[this.target % (s.accounts.length - 1)];
    const held = m.held(id);
    const token =
      this.prefer && held.length
        ? held[this.token % held.length]
        : tokenAddress(s, 1 + (this.token % 2)).toLowerCase();
    const debt = m.balance(id) < 0n ? -m.balance(id) : 0n;
    const repay = this.permille > 1_000 ? 10n ** 15n : math.max(1n, (debt * BigInt(this.permille)) / 1_000n);
    const before = m.assetErrors(m.accountAssets(id), t).length ? null : m.state(id, t).equity;
    const keeper = s.actors.keeper.address;
    const outcome = m.tryLiquidateCollateral(id, token, repay, t);
    const data = s.vault.interface.encodeFunctionData("liquidateCollateral", [id, token, repay]);
    const done = await act(b, s, "liquidateCollateral", outcome, keeper, s.address.vault, data, t);
    if (done === null) return;
    const r = done.value;
    expectEvent(
      s,
      done.logs,
      s.address.vault,
      "CollateralLiquidated",
      [id, keeper, token, r.repaid, r.seized, r.price],
      "liquidateCollateral",
    );
    return (snap) => {
      // weight * (1 + discount) <= 1: a collateral liquidation never lowers the account's equity.
      if (before !== null) {
        const after = accountState(snap, id).equity;
        if (after < before) fail(`liquidateCollateral lowered equity from ${before} to ${after}`);
      }
    };
  }

  toString() {
    return `liquidateCollateral(target ${this.target}${this.prefer ? " among the indebted" : ""}, token ${this.token}, ${this.permille > 1_000 ? "all" : `${this.permille}‰ of the debt`})`;
  }
}

export class SettleBadDebtCommand extends KeelCommand {
  constructor(
    readonly target: number,
    readonly prefer: boolean,
  ) {
    super();
  }

  /** An account with only debt left (unless not `prefer`). */
  check(b: Readonly<Box>): boolean {
    const m = b.m;
    return (
      !this.prefer ||
      m.accounts().some((id) => m.balance(id) < 0n && m.positionCount(id) === 0 && m.held(id).length === 0)
    );
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const m = b.m;
    const t = m.now + 1n;
    const candidates = this.prefer
      ? s.accounts.filter((id) => m.balance(id) < 0n && m.positionCount(id) === 0 && m.held(id).length === 0)
      : [];
    const id = candidates.length
      ? candidates[this.target % candidates.length]
      : s.accounts[this.target % (s.accounts.length - 1)];
    const data = s.vault.interface.encodeFunctionData("settleBadDebt", [id]);
    const done = await act(
      b,
      s,
      "settleBadDebt",
      m.trySettleBadDebt(id, t),
      s.actors.donor.address,
      s.address.vault,
      data,
      t,
    );
    if (done?.value.settled) {
      const r = done.value;
      expectEvent(
        s,
        done.logs,
        s.address.vault,
        "BadDebtSettled",
        [id, r.badDebt, r.insuranceDraw, r.poolWriteOff, r.unrecovered],
        "settleBadDebt",
      );
    }
  }

  toString() {
    return `settleBadDebt(target ${this.target}${this.prefer ? " among the settleable" : ""})`;
  }
}
