import { expect } from "chai";
import {
  MAX_SUBACCOUNT,
  accountIdOf,
  ownerOf,
  parseAccountId,
  parseSubaccount,
  sameOwner,
  splitAccountId,
  subaccountOf,
} from "../../../scripts/common/accounts";

// Hardhat's account 1; its id for subaccount 5, written out by hand: the address's 20 bytes followed by 12 bytes of 5.
const OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ID_5 = BigInt("0x70997970c51812dc3a010c7d01b50e0d17dc79c8" + "000000000000000000000005");

describe("common/accounts", function () {
  it("packs the owner into the top 160 bits and the subaccount into the low 96 (DESIGN §4)", function () {
    expect(accountIdOf(OWNER, 5n)).to.equal(ID_5);
    expect(accountIdOf(OWNER.toLowerCase(), 5)).to.equal(ID_5);
    expect(accountIdOf(OWNER)).to.equal(ID_5 - 5n);
    expect(accountIdOf(OWNER, 2n ** 96n - 1n)).to.equal(ID_5 - 5n + 79228162514264337593543950335n);
  });

  it("splits an id back into its checksummed owner and subaccount", function () {
    expect(splitAccountId(ID_5)).to.deep.equal({ owner: OWNER, subaccount: 5n });
    expect(ownerOf(ID_5)).to.equal(OWNER);
    expect(subaccountOf(ID_5)).to.equal(5n);
    expect(MAX_SUBACCOUNT).to.equal(79228162514264337593543950335n);
    expect(sameOwner(ID_5, ID_5 - 5n)).to.equal(true);
    expect(sameOwner(ID_5, ID_5 + 2n ** 96n)).to.equal(false);
  });

  it("rejects subaccounts outside 96 bits and ids outside uint256", function () {
    expect(() => accountIdOf(OWNER, 2n ** 96n)).to.throw(/outside 0\.\.2\^96-1/);
    expect(() => accountIdOf(OWNER, -1n)).to.throw(/outside/);
    expect(() => accountIdOf("0x1234", 0n)).to.throw();
    expect(() => splitAccountId(2n ** 256n)).to.throw(/not a uint256/);
  });

  it("parses account ids and subaccounts given on the command line", function () {
    expect(parseAccountId(ID_5.toString())).to.equal(ID_5);
    expect(parseAccountId("0x70997970c51812dc3a010c7d01b50e0d17dc79c8000000000000000000000005")).to.equal(
      ID_5,
    );
    expect(() => parseAccountId("5")).to.throw(/--account-id 5 has no owner/);
    expect(() => parseAccountId("abc")).to.throw(/--account-id: "abc" is not an account id/);
    expect(parseSubaccount(undefined)).to.equal(0n);
    expect(parseSubaccount("7")).to.equal(7n);
    expect(() => parseSubaccount("-1")).to.throw(
      /--subaccount must be an integer from 0 to 2\^96-1, got "-1"/,
    );
    expect(() => parseSubaccount("79228162514264337593543950336")).to.throw(/--subaccount/);
  });
});
