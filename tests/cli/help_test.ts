// The help texts of certpin and of each command, and the errors for a
// missing or unknown command.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCliInProcess, runCliProcess } from "../helpers/cli.ts";
import { VERSION } from "../../src/version.ts";

const COMMANDS = [
  "fingerprint",
  "verify",
  "pin",
  "pins",
  "check",
  "fetch",
  "checkpoint",
];

/** The arguments that print a help text, and what that text must mention. */
const HELP_CASES: [string[], string[]][] = [
  [["fingerprint"], [
    "--file",
    "--json",
    "--algorithm",
    "--servername",
    "--timeout",
    "--help",
  ]],
  [["verify"], [
    "--pins-file",
    "--words",
    "--ca",
    "--servername",
    "--timeout",
    "--json",
    "--help",
  ]],
  [["fetch"], [
    "--pin",
    "--request",
    "--header",
    "--data",
    "--data-file",
    "--output",
    "--location",
    "--verbose",
    "--timeout",
    "--store",
    "--help",
  ]],
  [["pin"], [
    "--expect",
    "--yes",
    "--replace",
    "--add",
    "--public-key",
    "--servername",
    "--timeout",
    "--store",
    "--help",
  ]],
  [["pins"], ["list", "remove", "import", "export", "--store", "--help"]],
  [["pins", "list"], ["--json", "--store"]],
  [["pins", "import"], ["--host", "--replace", "--store"]],
  [["pins", "export"], ["--format", "-o FILE", "--store"]],
  [["check"], [
    "--store",
    "--concurrency",
    "--warn-days",
    "--timeout",
    "--json",
    "--help",
  ]],
  [["checkpoint"], [
    "login",
    "--user",
    "--pin",
    "--domain",
    "--timeout",
    "--store",
    "--help",
  ]],
];

describe("certpin help", () => {
  for (const flag of ["--help", "-h", "help"]) {
    it(`prints the command list for ${flag}`, async () => {
      const result = await runCliInProcess([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, /^certpin: /);
      assert.match(result.stdout, /^Usage: certpin <command> \[options\]$/m);
      for (const command of COMMANDS) {
        assert.match(
          result.stdout,
          new RegExp(`^  ${command} +\\S`, "m"),
          `${command} is not listed`,
        );
      }
      assert.match(result.stdout, /--version/);
      assert.match(result.stdout, /Exit codes: 0 ok/);
    });
  }

  it("prints the version", async () => {
    const result = await runCliInProcess(["--version"]);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, `certpin ${VERSION}\n`);
  });

  it("prints help to stderr without a command", async () => {
    const result = await runCliInProcess([]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^Usage: certpin <command> \[options\]$/m);
    assert.match(result.stderr, /^ {2}fingerprint +\S/m);
  });

  it("rejects an unknown command", async () => {
    const result = await runCliInProcess(["fingreprint", "192.0.2.10"]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      'certpin: Unknown command "fingreprint". Run "certpin --help" for the list of commands.\n',
    );
  });
});

/**
 * Returns the lines of the Options block whose description does not start
 * in the column of the first option's description.
 */
function misalignedOptionLines(help: string): string[] {
  const block = help.split("\nOptions:\n")[1]?.split("\n\n")[0] ?? "";
  const lines = block.split("\n").filter((line) => line.trim() !== "");
  const columnOf = (line: string): number =>
    line.startsWith("  -")
      ? (/^ {2}-.*?\S {2,}/.exec(line)?.[0].length ?? -1)
      : line.length - line.trimStart().length;
  const column = columnOf(lines[0] ?? "");
  return lines.filter((line) => columnOf(line) !== column);
}

describe("certpin COMMAND --help", () => {
  for (const [args, mentions] of HELP_CASES) {
    const name = args.join(" ");
    const command = args[0] ?? "";
    it(`describes ${name}`, async () => {
      for (const flag of ["--help", "-h"]) {
        const result = await runCliInProcess([...args, flag]);
        assert.equal(result.code, 0, `${name} ${flag}: ${result.stderr}`);
        assert.equal(result.stderr, "", `${name} ${flag}`);
        assert.ok(
          result.stdout.startsWith(`Usage: certpin ${command}`),
          `${name} ${flag} starts with: ${result.stdout.slice(0, 40)}`,
        );
        assert.ok(result.stdout.endsWith("\n"), `${name} ${flag}`);
        assert.match(result.stdout, /Exit codes/, `${name} ${flag}`);
        for (const mention of mentions) {
          assert.ok(
            result.stdout.includes(mention),
            `${name} ${flag} does not mention ${mention}`,
          );
        }
        assert.deepEqual(
          misalignedOptionLines(result.stdout),
          [],
          `${name} ${flag}: options whose description starts elsewhere`,
        );
      }
    });
  }

  it("rewords a value that starts with a dash", async () => {
    const result = await runCliInProcess([
      "verify",
      "127.0.0.1",
      "--timeout",
      "-5",
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'certpin: Missing value for --timeout: the next argument starts with "-". To give a value that starts with "-", write --timeout=VALUE. Run "certpin verify --help" for usage.\n',
    );
  });

  it("names an unknown option in one sentence", async () => {
    const result = await runCliInProcess(["fetch", "--pins-file", "x"]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'certpin: Unknown option --pins-file. Run "certpin fetch --help" for usage.\n',
    );
  });

  it("wins over the other arguments", async () => {
    // A help flag anywhere prints the help, even after an invalid target
    // and pin.
    const result = await runCliInProcess([
      "verify",
      "127.0.0.1:99999",
      "not-a-pin",
      "--help",
    ]);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, "");
    assert.match(result.stdout, /^Usage: certpin verify/);
  });
});

describe("certpin with its output closed", () => {
  // The reader of the pipe is gone before certpin writes, as with
  // `certpin pins list | head -1`: the write fails with EPIPE.
  it("exits 0 after --help, without a trace", async () => {
    const result = await runCliProcess(["--help"], { closeOutput: true });
    assert.equal(result.code, 0);
  });

  it("keeps the exit code of a usage error", async () => {
    const result = await runCliProcess(["verify"], { closeOutput: true });
    assert.equal(result.code, 2);
  });
});
