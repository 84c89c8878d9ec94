/**
 * Admin tasks: list and update market and collateral parameters, pause and unpause.
 *
 * Every change is one call on one contract that needs a role. If the signer holds the role, the call is sent. On a
 * production deployment the role belongs to the TimelockController, and the same command walks the operation
 * through it: the first run schedules it (when the signer is a proposer) or prints the `schedule` call for the
 * proposer multisig; once the delay has passed, the same command again executes it (when the signer may execute) or
 * prints the `execute` call. Otherwise the call is printed for a holder of the role to submit.
 */
import { ethers } from "ethers";
import type { Contract, BaseContract } from "ethers";
import type { IClearinghouse } from "../../../typechain-types";
import { formatFixed, formatPercent, formatUsd, heading, renderTable } from "../../lib/format";
import type { Row } from "../../lib/format";
import { assetSymbol, listMarkets, listTokens, resolveMarket, resolveToken, send } from "./context";
import type { TaskContext } from "./context";
import type { TaskOutput } from "./run";
import { exact, parseDecimal, parseWad } from "./units";

export const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
export const RISK_ADMIN = ethers.id("RISK_ADMIN");
export const GUARDIAN = ethers.id("GUARDIAN");
const ROLE_NAMES: Record<string, string> = {
  [DEFAULT_ADMIN_ROLE]: "DEFAULT_ADMIN_ROLE",
  [RISK_ADMIN]: "RISK_ADMIN",
  [GUARDIAN]: "GUARDIAN",
};

/** Timelock operation states (OpenZeppelin `TimelockController.OperationState`). */
const OPERATION_STATES = ["Unset", "Waiting", "Ready", "Done"] as const;

const date = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");

export interface AdminCallArgs {
  /** Go through the timelock even if the signer holds the role. */
  viaTimelock?: boolean;
  /** Timelock salt (bytes32 or a number), to repeat an operation that was already executed. */
  salt?: string;
  /** Print the call instead of sending anything. */
  dryRun?: boolean;
}

interface AccessControlled {
  hasRole(role: string, account: string): Promise<boolean>;
  getAddress(): Promise<string>;
}

export interface AdminCall {
  /** `Clearinghouse.setMarketParams(0, …)`, for messages. */
  description: string;
  target: BaseContract & AccessControlled;
  role: string;
  data: string;
}

function parseSalt(salt: string | undefined): string {
  if (salt === undefined) return ethers.ZeroHash;
  if (/^0x[0-9a-fA-F]{64}$/.test(salt)) return salt;
  if (/^\d+$/.test(salt)) return ethers.toBeHex(BigInt(salt), 32);
  throw new Error(`--salt must be a bytes32 hex value or an integer, got "${salt}"`);
}

/** Sends, schedules, executes or prints one role-gated call (see the file comment). */
export async function adminCall(ctx: TaskContext, call: AdminCall, opts: AdminCallArgs) {
  const target = await call.target.getAddress();
  const role = ROLE_NAMES[call.role] ?? call.role;
  const base = { call: call.description, target, data: call.data, role };
  const signerHasRole = await call.target.hasRole(call.role, ctx.signerAddress);

  if (signerHasRole && !opts.viaTimelock) {
    if (opts.dryRun) {
      return {
        json: { ...base, mode: "dry-run" },
        lines: [`  dry run: would send ${call.description} to ${target}`, `  data ${call.data}`],
      };
    }
    const receipt = await send(ctx.signer.sendTransaction({ to: target, data: call.data }));
    return {
      json: { ...base, mode: "sent", txHash: receipt.hash },
      lines: [`  sent ${call.description}`, `  tx ${receipt.hash}`],
    };
  }

  const timelock = ctx.timelock;
  const timelockAddress = timelock ? await timelock.getAddress() : undefined;
  if (!timelock || !timelockAddress || !(await call.target.hasRole(call.role, timelockAddress))) {
    // Neither the signer nor a timelock can do it: hand the call to a holder of the role.
    return {
      json: { ...base, mode: "calldata", value: "0" },
      lines: [
        `  ${ctx.signerAddress} does not hold ${role} on ${target}${timelock ? " and neither does the timelock" : ""}.`,
        `  Submit this transaction from a ${role} holder (e.g. in the multisig's transaction builder):`,
        `    to    ${target}`,
        `    value 0`,
        `    data  ${call.data}`,
      ],
    };
  }

  const salt = parseSalt(opts.salt);
  const predecessor = ethers.ZeroHash;
  const id = await timelock.hashOperation(target, 0n, call.data, predecessor, salt);
  const state = OPERATION_STATES[Number(await timelock.getOperationState(id))];
  const [proposerRole, executorRole] = await Promise.all([
    timelock.PROPOSER_ROLE(),
    timelock.EXECUTOR_ROLE(),
  ]);
  const op = { ...base, timelock: timelockAddress, operationId: id, salt, predecessor, state };

  if (state === "Unset") {
    const delay = await timelock.getMinDelay();
    const scheduleData = timelock.interface.encodeFunctionData("schedule", [
      target,
      0n,
      call.data,
      predecessor,
      salt,
      delay,
    ]);
    if (!opts.dryRun && (await timelock.hasRole(proposerRole, ctx.signerAddress))) {
      const receipt = await send(timelock.schedule(target, 0n, call.data, predecessor, salt, delay));
      const readyAt = await timelock.getTimestamp(id);
      return {
        json: { ...op, mode: "scheduled", state: "Waiting", readyAt: Number(readyAt), txHash: receipt.hash },
        lines: [
          `  scheduled ${call.description} on the timelock ${timelockAddress}`,
          `  operation ${id}`,
          `  executable from ${date(readyAt)} (delay ${delay} s): run the same command again then to execute it`,
          `  tx ${receipt.hash}`,
        ],
      };
    }
    return {
      json: {
        ...op,
        mode: "schedule-calldata",
        to: timelockAddress,
        value: "0",
        scheduleData,
        delay: Number(delay),
      },
      lines: [
        `  The timelock ${timelockAddress} holds ${role}; ${ctx.signerAddress} is not a proposer.`,
        `  Step 1 — a proposer (the governance multisig) submits:`,
        `    to    ${timelockAddress}`,
        `    value 0`,
        `    data  ${scheduleData}`,
        `  (schedule of ${call.description}, delay ${delay} s, salt ${salt}; operation ${id})`,
        `  Step 2 — after the delay, run this command again for the execute call.`,
      ],
    };
  }
  if (state === "Waiting") {
    const readyAt = await timelock.getTimestamp(id);
    return {
      json: { ...op, mode: "waiting", readyAt: Number(readyAt) },
      lines: [`  operation ${id} (${call.description}) is scheduled: executable from ${date(readyAt)}`],
    };
  }
  if (state === "Ready") {
    const executeData = timelock.interface.encodeFunctionData("execute", [
      target,
      0n,
      call.data,
      predecessor,
      salt,
    ]);
    const mayExecute =
      (await timelock.hasRole(executorRole, ctx.signerAddress)) ||
      (await timelock.hasRole(executorRole, ethers.ZeroAddress));
    if (!opts.dryRun && mayExecute) {
      const receipt = await send(timelock.execute(target, 0n, call.data, predecessor, salt));
      return {
        json: { ...op, mode: "executed", state: "Done", txHash: receipt.hash },
        lines: [
          `  executed ${call.description} through the timelock (operation ${id})`,
          `  tx ${receipt.hash}`,
        ],
      };
    }
    return {
      json: { ...op, mode: "execute-calldata", to: timelockAddress, value: "0", executeData },
      lines: [
        `  operation ${id} (${call.description}) is ready. An executor submits:`,
        `    to    ${timelockAddress}`,
        `    value 0`,
        `    data  ${executeData}`,
      ],
    };
  }
  return {
    json: { ...op, mode: "done" },
    lines: [
      `  operation ${id} (${call.description}) was already executed.`,
      "  To apply the same change again, pass a new --salt.",
    ],
  };
}

/* ROLES */

async function rolesRows(ctx: TaskContext): Promise<Row[]> {
  const holders: [string, string][] = [["signer", ctx.signerAddress]];
  if (ctx.addresses.timelock) holders.push(["timelock", ctx.addresses.timelock]);
  const contracts: [string, AccessControlled][] = [
    ["PriceOracle", ctx.oracle],
    ["Vault", ctx.vault],
    ["Clearinghouse", ctx.clearinghouse],
    ["LiquidityPool", ctx.pool],
  ];
  const rows: Row[] = [];
  for (const [label, address] of holders) {
    const cells = [`${label} ${address.slice(0, 8)}…${address.slice(-4)}`];
    for (const [, contract] of contracts) {
      const held: string[] = [];
      if (await contract.hasRole(DEFAULT_ADMIN_ROLE, address)) held.push("admin");
      if (await contract.hasRole(RISK_ADMIN, address)) held.push("risk");
      if (await contract.hasRole(GUARDIAN, address)) held.push("guardian");
      cells.push(held.join(", ") || "-");
    }
    rows.push(cells);
  }
  return rows;
}

const ROLE_COLUMNS = ["holder", "PriceOracle", "Vault", "Clearinghouse", "LiquidityPool"];

/* MARKETS */

type MarketField = Exclude<keyof IClearinghouse.MarketParamsStruct, "asset">;

/** How each market parameter is given on the command line and shown. */
const MARKET_FIELDS: { field: MarketField; option: string; kind: "fraction" | "base" | "usd" | "seconds" }[] =
  [
    { field: "imf", option: "imf", kind: "fraction" },
    { field: "mmf", option: "mmf", kind: "fraction" },
    { field: "liquidationFee", option: "liquidationFee", kind: "fraction" },
    { field: "takerFee", option: "takerFee", kind: "fraction" },
    { field: "makerFee", option: "makerFee", kind: "fraction" },
    { field: "maxFundingRatePerDay", option: "maxFundingRatePerDay", kind: "fraction" },
    { field: "skewScale", option: "skewScale", kind: "base" },
    { field: "maxOpenInterest", option: "maxOpenInterest", kind: "base" },
    { field: "minPositionNotional", option: "minPositionNotional", kind: "usd" },
    { field: "maxLiquidationNotionalPerWindow", option: "maxLiquidationNotionalPerWindow", kind: "usd" },
    { field: "liquidationWindow", option: "liquidationWindow", kind: "seconds" },
  ];
export const MARKET_OPTIONS = MARKET_FIELDS.map((f) => f.option);

function showField(kind: "fraction" | "base" | "usd" | "seconds", value: bigint): string {
  switch (kind) {
    case "fraction":
      return `${formatPercent(value, { dp: 4 })} (${exact(value, 18)})`;
    case "base":
      return formatFixed(value, { dp: 4 });
    case "usd":
      return formatUsd(value);
    case "seconds":
      return `${value} s`;
  }
}

function jsonField(kind: "fraction" | "base" | "usd" | "seconds", value: bigint): string | number {
  return kind === "seconds" ? Number(value) : exact(value, 18);
}

export async function adminMarkets(ctx: TaskContext): Promise<TaskOutput> {
  const markets = await listMarkets(ctx);
  const risk = await ctx.lens.riskParams();
  const paused = await ctx.clearinghouse.paused();
  const poolPaused = await ctx.pool.paused();
  const rows: Row[] = MARKET_FIELDS.map((f) => [
    f.field,
    ...markets.map((m) => showField(f.kind, BigInt(m.params[f.field]))),
  ]);
  const s = ctx.settlement;
  const lines = [
    ...heading("Market parameters"),
    ...renderTable(["parameter", ...markets.map((m) => `${m.name} (id ${m.marketId})`)], rows),
    ...heading("Risk parameters"),
    ...renderTable(
      ["parameter", "value"],
      [
        ["maxPositionsPerAccount", String(risk.maxPositionsPerAccount)],
        ["insuranceFeeShare", formatPercent(risk.insuranceFeeShare)],
        ["maxOpenInterestToPool", `${formatFixed(risk.maxOpenInterestToPool, { dp: 2 })}x`],
        ["liquidationBuffer", formatPercent(risk.liquidationBuffer)],
        ["keeperShare", formatPercent(risk.keeperShare)],
        ["minKeeperReward", formatUsd(risk.minKeeperReward, { decimals: s.decimals })],
        ["maxKeeperReward", formatUsd(risk.maxKeeperReward, { decimals: s.decimals })],
        ["maxPnlToPool", formatPercent(risk.maxPnlToPool)],
        ["Clearinghouse paused", paused ? "YES" : "no"],
        ["LiquidityPool paused", poolPaused ? "YES" : "no"],
      ],
    ),
    ...heading("Roles"),
    ...renderTable(ROLE_COLUMNS, await rolesRows(ctx)),
  ];
  const json = {
    markets: markets.map((m) => ({
      marketId: m.marketId,
      market: m.name,
      asset: m.symbol,
      ...Object.fromEntries(
        MARKET_FIELDS.map((f) => [f.field, jsonField(f.kind, BigInt(m.params[f.field]))]),
      ),
    })),
    risk: {
      maxPositionsPerAccount: Number(risk.maxPositionsPerAccount),
      insuranceFeeShare: exact(risk.insuranceFeeShare, 18),
      maxOpenInterestToPool: exact(risk.maxOpenInterestToPool, 18),
      liquidationBuffer: exact(risk.liquidationBuffer, 18),
      keeperShare: exact(risk.keeperShare, 18),
      minKeeperReward: exact(risk.minKeeperReward, s.decimals),
      maxKeeperReward: exact(risk.maxKeeperReward, s.decimals),
      maxPnlToPool: exact(risk.maxPnlToPool, 18),
    },
    paused: { clearinghouse: paused, pool: poolPaused },
  };
  return { lines, json };
}

/** `--market` and any of the market options (`imf`, `takerFee`, …) as strings in human units. */
export type SetMarketArgs = AdminCallArgs & { market: string };

export async function setMarket(ctx: TaskContext, args: SetMarketArgs): Promise<TaskOutput> {
  const market = await resolveMarket(ctx, args.market);
  const current = market.params;
  const next: Record<string, bigint | string> = { asset: current.asset };
  const changes: Row[] = [];
  for (const f of MARKET_FIELDS) {
    const given = (args as unknown as Record<string, string | undefined>)[f.option];
    const old = BigInt(current[f.field]);
    let value = old;
    if (given !== undefined) {
      value =
        f.kind === "seconds"
          ? parseDecimal(given, 0, `--${kebab(f.option)}`)
          : parseWad(given, `--${kebab(f.option)}`);
      if (value < 0n) throw new Error(`--${kebab(f.option)} must not be negative`);
      if (value !== old) changes.push([f.field, showField(f.kind, old), showField(f.kind, value)]);
    }
    next[f.field] = value;
  }
  if (changes.length === 0) {
    throw new Error(
      `nothing to change: pass at least one of ${MARKET_OPTIONS.map((o) => `--${kebab(o)}`).join(", ")} with a new value`,
    );
  }
  const data = ctx.clearinghouse.interface.encodeFunctionData("setMarketParams", [
    market.marketId,
    next as never,
  ]);
  const result = await adminCall(
    ctx,
    {
      description: `Clearinghouse.setMarketParams(${market.marketId} ${market.name})`,
      target: ctx.clearinghouse,
      role: RISK_ADMIN,
      data,
    },
    args,
  );
  return {
    lines: [
      `${market.name} (id ${market.marketId})`,
      ...renderTable(["parameter", "now", "new"], changes),
      ...result.lines,
    ],
    json: {
      marketId: market.marketId,
      market: market.name,
      changes: changes.map((r) => (r as string[])[0]),
      ...result.json,
    },
  };
}

/* COLLATERAL */

export async function adminCollaterals(ctx: TaskContext): Promise<TaskOutput> {
  const tokens = (await listTokens(ctx)).slice(1);
  const rows: Row[] = [];
  const json: unknown[] = [];
  for (const t of tokens) {
    const [config, total] = await Promise.all([
      ctx.vault.collateralConfig(t.address),
      ctx.vault.totalAccountBalance(t.address),
    ]);
    let price = "-";
    try {
      price = formatUsd(await ctx.oracle.price(config.asset));
    } catch {
      price = "unavailable";
    }
    rows.push([
      t.symbol,
      t.address,
      String(t.decimals),
      assetSymbol(config.asset),
      price,
      formatPercent(config.weight, { dp: 2 }),
      formatPercent(config.liquidationDiscount, { dp: 2 }),
      formatFixed(BigInt(total), { decimals: t.decimals, dp: 4 }),
      formatFixed(config.depositCap, { decimals: t.decimals, dp: 4 }),
    ]);
    json.push({
      token: t.address,
      symbol: t.symbol,
      decimals: t.decimals,
      asset: assetSymbol(config.asset),
      weight: exact(config.weight, 18),
      liquidationDiscount: exact(config.liquidationDiscount, 18),
      depositCap: exact(config.depositCap, t.decimals),
      totalDeposited: exact(BigInt(total), t.decimals),
    });
  }
  const max = await ctx.vault.maxCollateralsPerAccount();
  return {
    lines: [
      ...heading("Collateral tokens"),
      `  settlement token: ${ctx.settlement.symbol} ${ctx.settlement.address} (${ctx.settlement.decimals} decimals, at par)`,
      ...renderTable(
        [
          "token",
          { header: "address", align: "left" },
          "decimals",
          "asset",
          "price",
          "weight",
          "liq. discount",
          "deposited",
          "deposit cap",
        ],
        rows,
      ),
      `  at most ${max} collateral tokens per account`,
    ],
    json: { settlementToken: ctx.settlement, collaterals: json, maxCollateralsPerAccount: Number(max) },
  };
}

export interface SetCollateralArgs extends AdminCallArgs {
  token: string;
  asset?: string;
  weight?: string;
  liquidationDiscount?: string;
  depositCap?: string;
}

export async function setCollateral(ctx: TaskContext, args: SetCollateralArgs): Promise<TaskOutput> {
  const token = await resolveToken(ctx, args.token);
  if (token.address === ctx.settlement.address)
    throw new Error("the settlement token is not configured as collateral");
  const listed = (await ctx.vault.collateralTokens())
    .map((a) => ethers.getAddress(a))
    .includes(token.address);
  const current = listed ? await ctx.vault.collateralConfig(token.address) : undefined;
  const need = (name: string) => {
    throw new Error(`${token.symbol} is not listed yet: --${name} is required`);
  };
  const asset =
    args.asset !== undefined ? ethers.encodeBytes32String(args.asset) : (current?.asset ?? need("asset"));
  const weight =
    args.weight !== undefined ? parseWad(args.weight, "--weight") : (current?.weight ?? need("weight"));
  const discount =
    args.liquidationDiscount !== undefined
      ? parseWad(args.liquidationDiscount, "--liquidation-discount")
      : (current?.liquidationDiscount ?? need("liquidation-discount"));
  const cap =
    args.depositCap !== undefined
      ? parseDecimal(args.depositCap, token.decimals, "--deposit-cap")
      : (current?.depositCap ?? need("deposit-cap"));
  const rows: Row[] = [
    ["asset", current ? assetSymbol(current.asset) : "-", assetSymbol(asset as string)],
    ["weight", current ? formatPercent(current.weight) : "-", formatPercent(weight as bigint)],
    [
      "liquidationDiscount",
      current ? formatPercent(current.liquidationDiscount) : "-",
      formatPercent(discount as bigint),
    ],
    [
      "depositCap",
      current ? formatFixed(current.depositCap, { decimals: token.decimals, dp: 4 }) : "-",
      formatFixed(cap as bigint, { decimals: token.decimals, dp: 4 }),
    ],
  ];
  const data = ctx.vault.interface.encodeFunctionData("setCollateral", [
    token.address,
    asset,
    weight,
    discount,
    cap,
  ] as never);
  const result = await adminCall(
    ctx,
    { description: `Vault.setCollateral(${token.symbol})`, target: ctx.vault, role: RISK_ADMIN, data },
    args,
  );
  return {
    lines: [
      `${token.symbol} ${token.address}${listed ? "" : " (new)"}`,
      ...renderTable(["parameter", "now", "new"], rows),
      ...result.lines,
    ],
    json: { token: token.address, symbol: token.symbol, listed, ...result.json },
  };
}

/* PAUSE */

export interface PauseArgs extends AdminCallArgs {
  target: string;
}

export async function setPaused(ctx: TaskContext, args: PauseArgs, pause: boolean): Promise<TaskOutput> {
  const which = args.target.toLowerCase();
  const targets: [string, Contract | (BaseContract & AccessControlled & { interface: ethers.Interface })][] =
    [];
  if (which === "all" || which === "clearinghouse") targets.push(["Clearinghouse", ctx.clearinghouse]);
  if (which === "all" || which === "pool") targets.push(["LiquidityPool", ctx.pool]);
  if (targets.length === 0)
    throw new Error(`--target must be all, clearinghouse or pool, got "${args.target}"`);
  const fn = pause ? "pause" : "unpause";
  const lines: string[] = [];
  const results: unknown[] = [];
  for (const [name, contract] of targets) {
    const isPaused = (await (contract as unknown as { paused(): Promise<boolean> }).paused()) as boolean;
    if (isPaused === pause) {
      lines.push(`${name} is already ${pause ? "paused" : "running"}`);
      results.push({ contract: name, mode: "unchanged", paused: isPaused });
      continue;
    }
    const result = await adminCall(
      ctx,
      {
        description: `${name}.${fn}()`,
        target: contract as BaseContract & AccessControlled,
        role: GUARDIAN,
        data: contract.interface.encodeFunctionData(fn, []),
      },
      args,
    );
    lines.push(`${name}.${fn}()`, ...result.lines);
    results.push({ contract: name, ...result.json });
  }
  return { lines, json: { action: fn, results } };
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
