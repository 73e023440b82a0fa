/**
 * Runs certpin's benchmarks from the command line.
 *
 * Usage: `deno task bench [--smoke] [NAME...]`, or under Node after
 * `deno task build:npm`: `node npm/esm/bench/main.js [--smoke] [NAME...]`.
 * NAME selects benchmarks by name (fingerprint, parse, connect, http, cli,
 * check); all run without one. `--smoke` runs one tiny round of each, to
 * check that they still work.
 *
 * @module
 */

import process from "node:process";
import type { ComparisonResult, Output, Scale } from "./_harness.ts";
import { runBenchmarks } from "./suite.ts";

/**
 * Reads the command-line arguments and runs the benchmarks they select.
 *
 * @param args Arguments after the script name.
 * @param output Where to write; standard output unless given.
 * @returns Every result, in order.
 * @throws {TypeError} When an argument names no benchmark.
 */
export async function runFromCommandLine(
  args: readonly string[],
  output?: Output,
): Promise<ComparisonResult[]> {
  const scale: Scale = args.includes("--smoke") ? "smoke" : "full";
  const names = args.filter((arg) => arg !== "--smoke");
  return await runBenchmarks(names, scale, output);
}

// Deno sets import.meta.main for the entry module; Node 20 does not, so the
// compiled file recognizes itself by its path.
if (
  import.meta.main ?? process.argv[1]?.replaceAll("\\", "/").endsWith(
    "/bench/main.js",
  )
) {
  await runFromCommandLine(process.argv.slice(2));
}
