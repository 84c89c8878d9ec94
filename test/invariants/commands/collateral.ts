/** The collateral commands: deposits, withdrawals, and a deposit and its withdrawal in one block. */
import { ethers } from "hardhat";
import * as math from "../../shared/math";
import { TO_WAD } from "../model";
import type { InvariantModel } from "../model";
import { accountState } from "../checks";
import { accountIdOf, same } from "../system";
import type { Suite } from "../system";
import { checkEconomics } from "../economics";
import {
  KeelCommand,
  TOKENS,
  USDC_UNIT,
  act,
  expectEvent,
  fail,
  freeCollateral,
  sameBlock,
  tally,
  tokenAddress,
  trader,
} from "./core";
import type { Box, Post } from "./core";

/* COLLATERAL */

export class DepositCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly token: number,
    readonly permille: number,
    /** Sent by the donor through `depositFor`. */
    readonly forOther: boolean,
  ) {
    super();
  }

  amount(): bigint {
    const p = BigInt(this.permille);
    return [p * 20n * USDC_UNIT, p * 5n * 10n ** 15n, p * 20_000n][this.token];
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const owner = trader(s, this.trader);
    const id = accountIdOf(owner.address, this.sub);
    const token = tokenAddress(s, this.token);
    const amount = this.amount();
    const v = s.vault.interface;
    // A third party may deposit only the settlement token (DESIGN §18.18).
    const forOther = this.forOther && this.token === 0;
    const from = forOther ? s.actors.donor : owner;
    const data = forOther
      ? v.encodeFunctionData("depositFor", [id, token, amount])
      : v.encodeFunctionData("deposit", [this.sub, token, amount]);
    const done = await act(
      b,
      s,
      `deposit.${TOKENS[this.token]}`,
      b.m.tryDeposit(id, token, amount, t),
      from.address,
      s.address.vault,
      data,
      t,
    );
    if (done)
      expectEvent(s, done.logs, s.address.vault, "Deposited", [id, token, from.address, amount], "deposit");
  }

  toString() {
    const units = ethers.formatUnits(this.amount(), [6, 18, 8][this.token]);
    return `deposit(trader ${this.trader}/${this.sub}, ${units} ${TOKENS[this.token]}${this.forOther ? ", by the donor" : ""})`;
  }
}

export type WithdrawMode = "all" | "fraction" | "free" | "freePlusOne";

export class WithdrawCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly token: number,
    readonly mode: WithdrawMode,
    readonly permille: number,
    /** Run even if the account holds none of the token (the Vault must refuse it). */
    readonly force: boolean,
  ) {
    super();
  }

  /** Something to withdraw (unless forced). */
  check(b: Readonly<Box>): boolean {
    const tokens = [b.m.usdc, b.m.weth, b.m.wbtc];
    return this.force || b.m.balanceIn(b.ids[this.trader][this.sub], tokens[this.token]) > 0n;
  }

  amount(m: InvariantModel, id: bigint, token: string, t: bigint): bigint {
    const balance = m.balanceIn(id, token);
    const mode =
      this.token === 0
        ? this.mode
        : this.mode === "free" || this.mode === "freePlusOne"
          ? "fraction"
          : this.mode;
    switch (mode) {
      case "all":
        return balance > 0n ? balance : 1n;
      case "fraction":
        return math.max(1n, (balance * BigInt(this.permille)) / 1_000n);
      case "free":
      case "freePlusOne": {
        // The largest withdrawal that keeps equity >= IM (IM is WAD, the balance moves in 6-decimal units).
        const free = math.divFloor(freeCollateral(m, id, t, 0n), TO_WAD);
        const amount = math.min(math.max(free, 1n), math.max(balance, 1n));
        return mode === "free" ? amount : amount + 1n;
      }
    }
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, this.sub);
    const token = tokenAddress(s, this.token);
    const amount = this.amount(b.m, id, token, t);
    const outcome = b.m.tryWithdraw(id, token, amount, t);
    const data = s.vault.interface.encodeFunctionData("withdraw", [this.sub, token, amount]);
    const label = `withdraw.${this.mode}`;
    const done = await act(b, s, label, outcome, who.address, s.address.vault, data, t);
    if (done === null) return;
    expectEvent(s, done.logs, s.address.vault, "Withdrawn", [id, token, who.address, amount], label);
    return (snap) => {
      // §15.3: after an accepted withdrawal an account with positions or debt still has equity >= IM.
      if (done.value.priced) {
        const st = accountState(snap, id);
        if (st.equity < st.initialMargin)
          fail(`${label}: accepted with equity ${st.equity} < IM ${st.initialMargin} (§15.3)`);
      }
    };
  }

  toString() {
    return `withdraw(trader ${this.trader}/${this.sub}, ${TOKENS[this.token]}, ${this.mode}${this.mode === "fraction" ? ` ${this.permille}‰` : ""}${this.force ? ", forced" : ""})`;
  }
}

/** §15.5: deposit → withdraw in one block gives back exactly what went in, and the account is where it was. */
export class RoundTripDepositCommand extends KeelCommand {
  constructor(
    readonly trader: number,
    readonly sub: number,
    readonly token: number,
    readonly permille: number,
  ) {
    super();
  }

  async exec(b: Box, s: Suite): Promise<Post> {
    const t = b.m.now + 1n;
    const who = trader(s, this.trader);
    const id = accountIdOf(who.address, this.sub);
    const token = tokenAddress(s, this.token);
    const amount = [
      BigInt(this.permille) * 10n * USDC_UNIT,
      BigInt(this.permille) * 10n ** 15n,
      BigInt(this.permille) * 10_000n,
    ][this.token];
    const dep = b.m.tryDeposit(id, token, amount, t);
    const wd = dep.ok ? dep.next.tryWithdraw(id, token, amount, t) : dep;
    const v = s.vault.interface;
    if (!dep.ok || !wd.ok) {
      await act(
        b,
        s,
        "roundTrip.deposit-only",
        dep,
        who.address,
        s.address.vault,
        v.encodeFunctionData("deposit", [this.sub, token, amount]),
        t,
      );
      return;
    }
    const before = [b.m.balanceIn(id, token), b.m.vaultTokens.get(token.toLowerCase())];
    const txs: [string, string, string][] = [
      [who.address, s.address.vault, v.encodeFunctionData("deposit", [this.sub, token, amount])],
      [who.address, s.address.vault, v.encodeFunctionData("withdraw", [this.sub, token, amount])],
    ];
    await sameBlock(s, t, txs);
    const m0 = b.m;
    b.m = wd.next;
    tally("roundTrip.deposit", true);
    await checkEconomics(
      s,
      m0,
      b.m,
      txs.map(([from, to, data], i) => ({
        label: `roundTrip.${i ? "withdraw" : "deposit"}`,
        from,
        to,
        data,
        value: null,
      })),
    );
    return (snap) => {
      const a = snap.accounts.find((x) => x.id === id)!;
      const balance = [a.usdc, a.weth, a.wbtc][this.token];
      const held = [snap.held.usdc, snap.held.weth, snap.held.wbtc][this.token];
      if (!same([balance, held], before))
        fail(
          `deposit→withdraw in one block moved value: ${[balance, held].join()} vs ${before.join()} (§15.5)`,
        );
    };
  }

  toString() {
    return `roundTripDeposit(trader ${this.trader}/${this.sub}, ${TOKENS[this.token]}, ${this.permille}‰)`;
  }
}
