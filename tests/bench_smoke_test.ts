// Runs every benchmark once with a tiny iteration count, so a change to the
// code they measure cannot leave them broken. Timings are not checked,
// because one round on a shared machine is no measure of speed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BENCHMARKS, summaryTable } from "../bench/suite.ts";
import { runFromCommandLine } from "../bench/main.ts";
import type { Output } from "../bench/_harness.ts";

const RATIO_LINE = /^ {3}ratio {4}\d+\.\d{3} \(/m;
const SKIP_LINE = /^\d\. [^\n]+: skipped: \S/m;

function captureOutput(): Output & { text(): string } {
  let text = "";
  return {
    write: (chunk) => {
      text += chunk;
    },
    text: () => text,
  };
}

describe("benchmarks at smoke scale", () => {
  for (const benchmark of BENCHMARKS) {
    it(`${benchmark.name} prints a ratio line`, async () => {
      const output = captureOutput();

      const results = await benchmark.run({ scale: "smoke", output });

      if (results.length === 0) {
        // Only a benchmark whose tool is missing may produce no result, and it prints the reason.
        assert.match(output.text(), SKIP_LINE);
        return;
      }
      assert.match(output.text(), RATIO_LINE);
      for (const result of results) {
        assert.ok(
          Number.isFinite(result.ratio) && result.ratio > 0,
          `${result.name}: ratio ${result.ratio}`,
        );
        assert.ok(
          output.text().includes(result.name),
          `${result.name} is missing from the output`,
        );
      }
    });
  }

  it("command line runs the named benchmark", async () => {
    const output = captureOutput();

    const results = await runFromCommandLine(["--smoke", "parse"], output);

    assert.ok(results.length > 0);
    assert.ok(results.every((result) => result.name.startsWith("2. ")));
    assert.match(output.text(), /^machine: \d+ × /m);
    assert.match(output.text(), /^\| 2\. parseFingerprint, colon hex \|/m);
  });

  it("command line rejects an unknown name", async () => {
    await assert.rejects(
      runFromCommandLine(["--smoke", "nonexistent"], captureOutput()),
      /Unknown benchmark "nonexistent"/,
    );
  });

  it("summary table has a row per result", () => {
    const table = summaryTable([{
      name: "1. example",
      baselineLabel: "a",
      certpinLabel: "b",
      baselineMs: 0.002,
      certpinMs: 0.003,
      ratioKind: "time",
      ratio: 1.5,
      ratioRange: [1.4, 1.6],
      cpuRatio: 1.25,
      rounds: 3,
      iterations: 10,
      goal: { kind: "ratio-at-most", value: 1.5 },
      met: true,
    }]);

    assert.match(
      table,
      /^\| 1\. example \| 2\.00 µs \| 3\.00 µs \| 1\.500 \(time\) \| 1\.250 \| ratio ≤ 1\.50: met \|$/m,
    );
  });
});
