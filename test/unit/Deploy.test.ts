import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployFixture } from "../shared/fixtures";

describe("LocalStack", function () {
  it("lists the default markets", async function () {
    const { clearinghouse } = await loadFixture(deployFixture);
    expect(await clearinghouse.marketCount()).to.equal(2n);
  });
});
