/**
 * Liveness (issue 13, item 7, the liquidation part): a liquidation whose profit exceeds the pool's cash.
 *
 * Set-up: a $20,000 pool (open-interest cap raised to 10x its cash); Alice, long 50 ETH from $3,000 on $100,000 of
 * collateral, is up $50,000 at $4,000. The risk admin then raises ETH's margins (imf 100%, mmf 95%, liquidation fee
 * 90%): Alice is liquidatable and her equity is below the full penalty, so the whole position closes at the oracle
 * price and realizes +$50,000 that the pool's ~$20,000 of cash cannot pay.
 *
 * Before the fix (commit "Attack test (red)", measured): `liquidate` reverts from inside the Vault with
 * `VaultInsufficientPoolBalance(20060015000, 49962499652)` (the pool's $20,060 of cash, the $49,962 profit), an error of the ledger that says
 * nothing about the liquidation (a keeper cannot tell it from a bug). After the fix: the Clearinghouse refuses first
 * with `ClearinghouseInsufficientPoolLiquidity(needed, available)`, the profit the pool would pay and its cash, and
 * writes nothing (auto-deleveraging, a separate item, brings the profit back under the pool's cash).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  USDC,
  WAD,
  accountIdOf,
  deployFixture,
  latestTime,
  mintAndApprove,
  setPrice,
  txTime,
} from "../shared/fixtures";
import { DEFAULT_MARKETS, DEFAULT_RISK, toMarketParams } from "../../deploy/config";
import { localModel } from "../shared/model";

describe("Attack: a liquidation whose profit exceeds the pool's cash", function () {
  it("is refused by the Clearinghouse with the shortfall's numbers, and the preview still answers", async function () {
    const sys = await loadFixture(deployFixture);
    const [, lp, alice, keeper] = sys.signers;
    const model = localModel();
    const id = accountIdOf(alice.address);
    await sys.clearinghouse.setRiskParams({ ...DEFAULT_RISK, maxOpenInterestToPool: WAD(10) });
    await mintAndApprove(sys, lp, USDC(20_000), await sys.pool.getAddress());
    await sys.pool.connect(lp).deposit(USDC(20_000), lp.address);
    await mintAndApprove(sys, alice, USDC(100_000), await sys.vault.getAddress());
    await sys.vault.connect(alice).deposit(0, await sys.usdc.getAddress(), USDC(100_000));
    model.pool = USDC(20_000);
    model.deposit(id, USDC(100_000));
    const open = await sys.clearinghouse.connect(alice).trade(0, 0, WAD(50), ethers.MaxUint256);
    model.trade(id, 0, WAD(50), await txTime(open));
    await setPrice(sys.ethFeed, "4000");
    model.setPrice(0, WAD(4000));
    const params = { ...DEFAULT_MARKETS[0], imf: WAD(1), mmf: WAD("0.95"), liquidationFee: WAD("0.9") };
    model.accrue(0, await txTime(await sys.clearinghouse.setMarketParams(0, toMarketParams(params))));
    model.markets[0].params = params;

    const r = model.previewLiquidation(id, (await latestTime()) + 1n, DEFAULT_RISK);
    expect(r.fraction).to.equal(WAD(1));
    const needed = -r.poolDelta;
    expect(needed).to.be.greaterThan(model.pool);
    await expect(sys.clearinghouse.connect(keeper).liquidate(id))
      .to.be.revertedWithCustomError(sys.clearinghouse, "ClearinghouseInsufficientPoolLiquidity")
      .withArgs(needed, model.pool);
    // Nothing was written, and the keeper's view still answers (it never reverts for a valued account).
    expect((await sys.clearinghouse.position(id, 0)).size).to.equal(WAD(50));
    const preview = await sys.clearinghouse.previewLiquidation(id);
    expect(preview.fraction).to.equal(WAD(1));
  });
});
