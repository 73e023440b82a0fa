/**
 * The list of benchmarks and a runner for a selection of them. A run prints
 * a machine description, then for each benchmark the baseline a user would
 * otherwise run, certpin, and their ratio. It ends with a Markdown table of
 * every ratio.
 *
 * @module
 */

import os from "node:os";
import process from "node:process";
import {
  type BenchContext,
  type Benchmark,
  type ComparisonResult,
  describeGoal,
  formatDuration,
  type Output,
  type Scale,
  stdoutOutput,
} from "./_harness.ts";
import { fingerprintBenchmark } from "./fingerprint_bench.ts";
import { parseBenchmark } from "./parse_bench.ts";
import { connectBenchmark } from "./connect_bench.ts";
import { httpBenchmark } from "./http_bench.ts";
import { cliBenchmark } from "./cli_bench.ts";
import { checkBenchmark } from "./check_bench.ts";

/** Every benchmark, in the order they run. */
export const BENCHMARKS: readonly Benchmark[] = [
  fingerprintBenchmark,
  parseBenchmark,
  connectBenchmark,
  httpBenchmark,
  cliBenchmark,
  checkBenchmark,
];

/**
 * Runs the named benchmarks (all when `names` is empty) and writes their
 * results, then the summary table.
 *
 * @param names Benchmark names to run; all when empty.
 * @param scale `full` for real numbers, `smoke` for one tiny round each.
 * @param output Where to write.
 * @returns Every result, in order.
 */
export async function runBenchmarks(
  names: readonly string[],
  scale: Scale,
  output: Output = stdoutOutput,
): Promise<ComparisonResult[]> {
  const unknown = names.filter((name) =>
    !BENCHMARKS.some((benchmark) => benchmark.name === name)
  );
  if (unknown.length > 0) {
    throw new TypeError(
      `Unknown benchmark "${unknown.join('", "')}": expected one of ${
        BENCHMARKS.map((benchmark) => benchmark.name).join(", ")
      }`,
    );
  }

  const context: BenchContext = { scale, output };
  output.write(`${describeMachine()}\n\n`);
  const results: ComparisonResult[] = [];
  for (const benchmark of BENCHMARKS) {
    if (names.length > 0 && !names.includes(benchmark.name)) continue;
    results.push(...await benchmark.run(context));
    output.write("\n");
  }
  output.write(summaryTable(results));
  return results;
}

/** Describes the machine and runtime, for the record of a run. */
export function describeMachine(): string {
  const cpus = os.cpus();
  const versions = process.versions as Record<string, string | undefined>;
  const runtime = versions.deno === undefined
    ? `Node ${versions.node}`
    : `Deno ${versions.deno} (V8 ${versions.v8}, Node API ${versions.node})`;
  return [
    `machine: ${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${
      Math.round(os.totalmem() / 2 ** 30)
    } GiB, ${os.platform()} ${os.release()}`,
    `runtime: ${runtime}, OpenSSL ${versions.openssl ?? "unknown"}`,
    `load average at start: ${
      os.loadavg().map((load) => load.toFixed(2)).join(" ")
    }`,
  ].join("\n");
}

/** Formats the results as a Markdown table, one row per comparison. */
export function summaryTable(results: readonly ComparisonResult[]): string {
  const rows = results.map((result) => {
    const goal = result.goal === undefined
      ? "none"
      : `${describeGoal(result.goal)}: ${result.met ? "met" : "missed"}`;
    const cpu = result.cpuRatio === undefined
      ? "–"
      : result.cpuRatio.toFixed(3);
    return `| ${result.name} | ${formatDuration(result.baselineMs)} | ${
      formatDuration(result.certpinMs)
    } | ${result.ratio.toFixed(3)} (${result.ratioKind}) | ${cpu} | ${goal} |`;
  });
  return [
    "| Benchmark | Baseline per op | certpin per op | Ratio | CPU ratio | Goal |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
