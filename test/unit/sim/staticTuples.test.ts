/**
 * The simulation's decoder of `accountStates`'s return data against ethers' own decoder (the reference) on extreme
 * values, and its refusals of data of another shape.
 */
import { expect } from "chai";
import { AbiCoder, FunctionFragment, Interface } from "ethers";
import { decodeStaticTupleArray } from "../../../scripts/sim/pipeline/staticTuples";
import { ClearinghouseLens__factory } from "../../../typechain-types";

const lens = new Interface(ClearinghouseLens__factory.abi);
const fragment = lens.getFunction("accountStates") as FunctionFragment;
/** `IClearinghouse.AccountState`'s fields in the struct's order, as written in the Solidity source. */
const NAMES = [
  "equity",
  "collateralValue",
  "unrealizedPnl",
  "pendingFunding",
  "initialMargin",
  "maintenanceMargin",
  "freeCollateral",
  "liquidatable",
];
const INT_MIN = -(2n ** 255n);
const INT_MAX = 2n ** 255n - 1n;
const UINT_MAX = 2n ** 256n - 1n;

/** Eight fields per state, in the struct's order; each row exercises signs and bounds. */
const rows: [bigint, bigint, bigint, bigint, bigint, bigint, bigint, boolean][] = [
  [INT_MIN, INT_MAX, -1n, 0n, UINT_MAX, 0n, INT_MIN, true],
  [1n, -1n, INT_MAX, INT_MIN, 0n, UINT_MAX, INT_MAX, false],
  [-123456789n * 10n ** 18n, 5n * 10n ** 17n, -2n, 3n, 10n ** 18n, 7n, -(10n ** 30n), true],
];
const data = lens.encodeFunctionResult(fragment, [rows]);
/** `data` with word `index` (0: the offset, 1: the length, then the tuples' fields) replaced. */
const withWord = (index: number, value: bigint) =>
  `${data.slice(0, 2 + index * 64)}${value.toString(16).padStart(64, "0")}${data.slice(2 + (index + 1) * 64)}`;

describe("sim: decoding accountStates' return data", function () {
  it("gives what ethers' decoder gives, field by field", function () {
    const reference = lens.decodeFunctionResult(fragment, data)[0] as unknown[][];
    const decoded = decodeStaticTupleArray(fragment, data, rows.length, NAMES);
    decoded.forEach((state, i) => {
      expect(Object.keys(state)).to.deep.equal(NAMES);
      NAMES.forEach((name, k) => expect(state[name], `${i}.${name}`).to.equal(reference[i][k]));
    });
    expect(
      decodeStaticTupleArray(fragment, lens.encodeFunctionResult(fragment, [[]]), 0, NAMES),
    ).to.deep.equal([]);
  });

  it("refuses data of another size, offset, length word or field value", function () {
    expect(() => decodeStaticTupleArray(fragment, data, 2, NAMES)).to.throw("not an array of 2 tuples");
    expect(() => decodeStaticTupleArray(fragment, data.slice(0, -64), 3, NAMES)).to.throw(
      "not an array of 3",
    );
    expect(() => decodeStaticTupleArray(fragment, "0x", 3, NAMES)).to.throw(
      "not an array of 3 tuples (0 bytes)",
    );
    // Same size, one word changed.
    expect(() => decodeStaticTupleArray(fragment, withWord(0, 0x40n), 3, NAMES)).to.throw(
      "not an array of 3",
    );
    expect(() => decodeStaticTupleArray(fragment, withWord(1, 2n), 3, NAMES)).to.throw("not an array of 3");
    // The first state's bool: 1 is true, 2 is not a bool.
    expect(decodeStaticTupleArray(fragment, withWord(2 + 7, 1n), 3, NAMES)[0].liquidatable).to.equal(true);
    expect(() => decodeStaticTupleArray(fragment, withWord(2 + 7, 2n), 3, NAMES)).to.throw("2 is not a bool");
  });

  it("refuses field names other than the expected ones, in order", function () {
    const swapped = [NAMES[1], NAMES[0], ...NAMES.slice(2)];
    expect(() => decodeStaticTupleArray(fragment, data, 3, swapped)).to.throw(
      "expected (collateralValue, equity",
    );
    expect(() => decodeStaticTupleArray(fragment, data, 3, NAMES.slice(0, 7))).to.throw(
      "returns fields (equity",
    );
  });

  it("decodes narrower ints within their range, one unit apart from overflow", function () {
    const small = FunctionFragment.from("function g() returns ((uint8 u, int8 i)[])");
    const words = (u: bigint, i: bigint) =>
      `0x${[32n, 1n, u, BigInt.asUintN(256, i)].map((w) => w.toString(16).padStart(64, "0")).join("")}`;
    const decode = (hex: string) => decodeStaticTupleArray(small, hex, 1, ["u", "i"]);
    expect(decode(words(255n, -128n))).to.deep.equal([{ u: 255n, i: -128n }]);
    expect(decode(words(0n, 127n))).to.deep.equal([{ u: 0n, i: 127n }]);
    expect(() => decode(words(256n, 0n))).to.throw("256 overflows uint8");
    expect(() => decode(words(0n, -129n))).to.throw("-129 overflows int8");
    expect(() => decode(words(0n, 128n))).to.throw("128 overflows int8");
  });

  it("refuses a function that does not return one dynamic array of static int, uint or bool tuples", function () {
    const other = FunctionFragment.from("function f() returns ((address a)[])");
    const encoded = AbiCoder.defaultAbiCoder().encode(["(address a)[]"], [[]]);
    expect(() => decodeStaticTupleArray(other, encoded, 0, ["a"])).to.throw(
      "type address is not a static int, uint or bool",
    );
    const count = lens.getFunction("marketCount") as FunctionFragment;
    expect(() => decodeStaticTupleArray(count, "0x", 0, [])).to.throw(
      "does not return one dynamic array of tuples",
    );
    const fixed = FunctionFragment.from("function h() returns ((uint256 a)[2])");
    expect(() => decodeStaticTupleArray(fixed, `0x${"0".repeat(128)}`, 2, ["a"])).to.throw(
      "does not return one dynamic array of tuples",
    );
  });
});
