/**
 * Runs certpin's benchmarks from the command line.
 *
 * Usage: `deno task bench [--smoke] [NAME...]`. NAME selects benchmarks by
 * name (fingerprint, parse, connect, fetch, cli, check); all run without one.
 * `--smoke` runs one tiny round of each, to check that they still work.
 *
 * @module
 */

import process from "node:process";
import type { Scale } from "./_harness.ts";
import { runBenchmarks } from "./suite.ts";

const args = process.argv.slice(2);
const scale: Scale = args.includes("--smoke") ? "smoke" : "full";
const names = args.filter((arg) => arg !== "--smoke");
await runBenchmarks(names, scale);
