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
const INT_MIN = -(2n ** 255n);
const INT_MAX = 2n ** 255n - 1n;
const UINT_MAX = 2n ** 256n - 1n;

/** Eight fields per state, in the struct's order; each row exercises signs and bounds. */
const rows: [bigint, bigint, bigint, bigint, bigint, bigint, bigint, boolean][] = [
  [INT_MIN, INT_MAX, -1n, 0n, UINT_MAX, 0n, INT_MIN, true],
  [1n, -1n, INT_MAX, INT_MIN, 0n, UINT_MAX, INT_MAX, false],
  [-123456789n * 10n ** 18n, 5n * 10n ** 17n, -2n, 3n, 10n ** 18n, 7n, -(10n ** 30n), true],
];

describe("sim: decoding accountStates' return data", function () {
  it("gives what ethers' decoder gives, field by field", function () {
    const data = lens.encodeFunctionResult(fragment, [rows]);
    const reference = lens.decodeFunctionResult(fragment, data)[0] as unknown[][];
    const decoded = decodeStaticTupleArray<Record<string, bigint | boolean>>(fragment, data, rows.length);
    const names = fragment.outputs[0].arrayChildren?.components?.map((c) => c.name) ?? [];
    expect(names).to.have.length(8);
    decoded.forEach((state, i) => {
      expect(Object.keys(state)).to.deep.equal(names);
      names.forEach((name, k) => expect(state[name], `${i}.${name}`).to.equal(reference[i][k]));
    });
    expect(decodeStaticTupleArray(fragment, lens.encodeFunctionResult(fragment, [[]]), 0)).to.deep.equal([]);
  });

  it("refuses data of another length, count, offset or field value", function () {
    const data = lens.encodeFunctionResult(fragment, [rows]);
    expect(() => decodeStaticTupleArray(fragment, data, 2)).to.throw("not an array of 2 tuples");
    expect(() => decodeStaticTupleArray(fragment, data.slice(0, -64), 3)).to.throw(
      "not an array of 3 tuples",
    );
    const badOffset = `0x${"40".padStart(64, "0")}${data.slice(66)}`;
    expect(() => decodeStaticTupleArray(fragment, badOffset, 3)).to.throw("not an array of 3 tuples");
    // The first state's bool word set to 2: not a bool.
    const boolAt = 2 + 2 * 64 + 7 * 64;
    const badBool = `${data.slice(0, boolAt)}${"2".padStart(64, "0")}${data.slice(boolAt + 64)}`;
    expect(() => decodeStaticTupleArray(fragment, badBool, 3)).to.throw("is not a bool");
  });

  it("decodes narrower ints within their range, one unit apart from overflow", function () {
    const small = FunctionFragment.from("function g() returns ((uint8 u, int8 i)[])");
    const words = (u: bigint, i: bigint) =>
      `0x${[32n, 1n, u, BigInt.asUintN(256, i)].map((w) => w.toString(16).padStart(64, "0")).join("")}`;
    expect(decodeStaticTupleArray(small, words(255n, -128n), 1)).to.deep.equal([{ u: 255n, i: -128n }]);
    expect(decodeStaticTupleArray(small, words(0n, 127n), 1)).to.deep.equal([{ u: 0n, i: 127n }]);
    expect(() => decodeStaticTupleArray(small, words(256n, 0n), 1)).to.throw("256 overflows uint8");
    expect(() => decodeStaticTupleArray(small, words(0n, -129n), 1)).to.throw("-129 overflows int8");
    expect(() => decodeStaticTupleArray(small, words(0n, 128n), 1)).to.throw("128 overflows int8");
  });

  it("refuses a function that does not return one dynamic array of static int, uint or bool tuples", function () {
    const other = FunctionFragment.from("function f() returns ((address a)[])");
    const encoded = AbiCoder.defaultAbiCoder().encode(["(address a)[]"], [[]]);
    expect(() => decodeStaticTupleArray(other, encoded, 0)).to.throw(
      "type address is not a static int, uint or bool",
    );
    expect(() =>
      decodeStaticTupleArray(lens.getFunction("marketCount") as FunctionFragment, "0x", 0),
    ).to.throw("does not return one dynamic array of tuples");
    const fixed = FunctionFragment.from("function h() returns ((uint256 a)[2])");
    expect(() => decodeStaticTupleArray(fixed, `0x${"0".repeat(128)}`, 2)).to.throw(
      "does not return one dynamic array of tuples",
    );
  });
});
