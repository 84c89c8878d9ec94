import { execFile } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { InputError, parseSimulateArgs, simulateArgvError } from "../../../scripts/sim/options";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Runs `npx hardhat <args>` in the repository and returns its exit code and output. */
function hardhat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["hardhat", ...args],
      { cwd: ROOT, env: { ...process.env, KEEL_DEBUG: "" }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        const lines = stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
        resolve({ code, stdout, stderr: lines.join("\n") });
      },
    );
  });
}

const rejects = (args: Parameters<typeof parseSimulateArgs>[0]): string => {
  try {
    parseSimulateArgs(args);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as Error).message;
  }
  return expect.fail(`accepted ${JSON.stringify(args)}`);
};

describe("simulate: options", function () {
  describe("parseSimulateArgs", function () {
    it("takes the defaults, and numbers as strings (the command line) or numbers (scripts)", function () {
      expect(parseSimulateArgs({})).to.deep.equal({
        scenario: "baseline",
        seed: 1,
        accounts: 40,
        steps: 168,
        out: "reports",
        settings: [],
      });
      expect(
        parseSimulateArgs({ scenario: "crash", seed: "4294967295", accounts: 1, steps: "2", out: "/tmp/x" }),
      ).to.deep.equal({
        scenario: "crash",
        seed: 4294967295,
        accounts: 1,
        steps: 2,
        out: "/tmp/x",
        settings: [],
      });
    });

    it("names the bad value and the allowed ones", function () {
      expect(rejects({ scenario: "bogus" })).to.equal(
        'unknown scenario "bogus": choose baseline, crash, cascade, cross-vs-isolated, latency-arb, adversaries, history-crash or session',
      );
      expect(rejects({ steps: "0" })).to.equal("--steps 0 is out of range: use an integer from 2 to 5000");
      expect(rejects({ steps: 5001 })).to.equal(
        "--steps 5001 is out of range: use an integer from 2 to 5000",
      );
      expect(rejects({ seed: "-1" })).to.equal(
        "--seed -1 is out of range: use an integer from 0 to 4294967295",
      );
      expect(rejects({ seed: "4294967296" })).to.equal(
        "--seed 4294967296 is out of range: use an integer from 0 to 4294967295",
      );
      expect(rejects({ seed: "1.5" })).to.equal(
        '--seed "1.5" is not a whole number: use an integer from 0 to 4294967295',
      );
      expect(rejects({ accounts: "ten" })).to.equal(
        '--accounts "ten" is not a whole number: use an integer from 1 to 500',
      );
      expect(rejects({ accounts: 0 })).to.equal("--accounts 0 is out of range: use an integer from 1 to 500");
      expect(rejects({ out: " " })).to.equal("--out is empty: give a directory (default reports)");
    });
  });

  describe("simulateArgvError", function () {
    const known =
      "--scenario, --seed, --seeds, --accounts, --steps, --prices, --rescale, --from, --to, --sweep, --set, --out or --no-compile";

    it("accepts the task's options and Hardhat's, before or after the task's name", function () {
      expect(simulateArgvError(["simulate"])).to.equal(undefined);
      expect(
        simulateArgvError([
          "--network",
          "localhost",
          "simulate",
          "--seed",
          "-1",
          "--no-compile",
          "--show-stack-traces",
        ]),
      ).to.equal(undefined);
      expect(
        simulateArgvError(["simulate", "--scenario", "crash", "--network", "localhost", "--out", "x"]),
      ).to.equal(undefined);
    });

    it("leaves other tasks' command lines alone", function () {
      expect(simulateArgvError(["test", "--foo"])).to.equal(undefined);
      expect(simulateArgvError(["--network", "simulate", "keeper", "--foo"])).to.equal(undefined);
    });

    it("names an unknown option, a stray argument or a missing value, with the known options", function () {
      expect(simulateArgvError(["simulate", "--foo"])).to.equal(
        `unknown option --foo for simulate: the options are ${known} (and Hardhat's, such as --network)`,
      );
      expect(simulateArgvError(["simulate", "crash"])).to.equal(
        `simulate takes no argument "crash": its options are ${known}`,
      );
      expect(simulateArgvError(["simulate", "--steps"])).to.equal(
        `--steps needs a value: the options are ${known}`,
      );
      expect(simulateArgvError(["simulate", "--seed=3"])).to.equal(
        `write --seed <value>, not --seed=3: the options are ${known}`,
      );
    });
  });

  describe("npx hardhat simulate with bad input", function () {
    this.timeout(180_000);

    it("prints one line of error, no stack trace, and exits with status 1", async function () {
      const cases: [string[], string][] = [
        [["--scenario", "bogus"], 'error: unknown scenario "bogus": choose baseline, crash, cascade'],
        [["--steps", "0"], "error: --steps 0 is out of range: use an integer from 2 to 5000"],
        [["--seed", "-1"], "error: --seed -1 is out of range"],
        [["--foo", "1"], "error: unknown option --foo for simulate: the options are --scenario"],
        [["--seeds", "5..1"], 'error: --seeds "5..1": the range 5..1 runs backwards: write 1..5'],
        [["--sweep", "imf=0.2:0.1:0.05"], "error: --sweep imf=0.2:0.1:0.05: from 0.2 is above to 0.1"],
        [["--prices", "no-such.csv"], "error: --prices no-such.csv: no such file"],
        [
          ["--prices", "test/unit/sim/fixtures/unordered.csv"],
          "error: --prices test/unit/sim/fixtures/unordered.csv: line 3: timestamps go backwards",
        ],
      ];
      const runs = await Promise.all(cases.map(([args]) => hardhat(["simulate", "--no-compile", ...args])));
      runs.forEach((r, i) => {
        const [args, expected] = cases[i];
        expect(r.code, args.join(" ")).to.equal(1);
        expect(r.stderr.split("\n"), args.join(" ")).to.have.length(1);
        expect(r.stderr, args.join(" ")).to.contain(expected);
        expect(r.stderr + r.stdout, args.join(" ")).not.to.match(/\n\s+at |Error:/);
      });
    });
  });
});
