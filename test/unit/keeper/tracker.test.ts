/**
 * The account tracker (pure): which logs it ingests and how account ids pack (DESIGN §4). Its topics against
 * the deployed contracts are checked in liquidation.network.test.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { accountIdOf as refAccountIdOf } from "../../shared/fixtures";
import {
  AccountTracker,
  DEPOSITED_TOPIC,
  TRADE_EXECUTED_TOPIC,
  accountIdOf,
  splitAccountId,
} from "../../../scripts/keeper";
import { topicOf } from "./helpers";

describe("Keeper: AccountTracker", function () {
  it("ingests each account once and ignores other events", function () {
    const tracker = new AccountTracker();
    const other = ethers.id("Withdrawn(uint256,address,address,uint256)");
    const found = tracker.ingest([
      { topics: [DEPOSITED_TOPIC, topicOf(7n)] },
      { topics: [TRADE_EXECUTED_TOPIC, topicOf(7n), topicOf(0n)] },
      { topics: [DEPOSITED_TOPIC.toUpperCase().replace("0X", "0x"), topicOf(3n)] },
      { topics: [other, topicOf(99n)] },
      { topics: [DEPOSITED_TOPIC] },
      { topics: [] },
    ]);
    expect(found).to.deep.equal([7n, 3n]);
    expect(tracker.size).to.equal(2);
    expect(tracker.ids()).to.deep.equal([3n, 7n]);
    expect(tracker.ingest([{ topics: [DEPOSITED_TOPIC, topicOf(3n)] }])).to.deep.equal([]);
    expect(tracker.add(7n)).to.equal(false);
    expect(tracker.add(8n)).to.equal(true);
    expect(new AccountTracker([5n, 5n, 1n]).ids()).to.deep.equal([1n, 5n]);
  });

  it("packs and splits account ids like DESIGN §4", function () {
    const owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const id = accountIdOf(owner, 42n);
    expect(id).to.equal(refAccountIdOf(owner, 42n));
    expect(splitAccountId(id)).to.deep.equal({ owner, subaccount: 42n });
    const max = (1n << 96n) - 1n;
    expect(splitAccountId(accountIdOf(owner, max)).subaccount).to.equal(max);
  });
});
