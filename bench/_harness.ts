/**
 * A small benchmark harness on `performance.now()`, so the same files run
 * under Deno and Node. It compares certpin with the baseline a user would
 * otherwise run. Rounds alternate between the two sides, the side that goes
 * first alternates too, and the first rounds only warm up. The headline is
 * the median of the per-round ratios, because a shared machine's speed
 * drifts between rounds but rarely within one pair of them.
 *
 * @module
 */

import process from "node:process";

/** How much work a run does: `full` for real numbers, `smoke` to check that a benchmark still runs. */
export type Scale = "full" | "smoke";

/** One side of a comparison: a label and a function that performs `iterations` operations. */
export interface Side {
  /** Label of the code this side runs, such as `createHash("sha256")`. */
  label: string;
  /** Performs the operation `iterations` times, one after another. */
  run(iterations: number): void | Promise<void>;
}

/**
 * Orientation of the ratio. `time`: certpin's time per operation divided by
 * the baseline's, so lower is better. `throughput`: certpin's operations per
 * second divided by the baseline's, so higher is better.
 */
export type RatioKind = "time" | "throughput";

/** A goal a result is held to. */
export type Goal =
  /** The ratio must be at most `value`. */
  | { kind: "ratio-at-most"; value: number }
  /** The ratio must be at least `value`. */
  | { kind: "ratio-at-least"; value: number }
  /** The ratio must be below `value` (strictly). */
  | { kind: "ratio-below"; value: number }
  /** certpin must reach `value` operations per second. */
  | { kind: "rate-at-least"; value: number };

/** The outcome of one comparison. */
export interface ComparisonResult {
  /** Benchmark number and name, such as `1. fingerprint, RSA 2048`. */
  name: string;
  /** Label of the baseline side. */
  baselineLabel: string;
  /** Label of the certpin side. */
  certpinLabel: string;
  /** Median milliseconds per operation of the baseline. */
  baselineMs: number;
  /** Median milliseconds per operation of certpin. */
  certpinMs: number;
  /** Orientation of `ratio`. */
  ratioKind: RatioKind;
  /** Median of the per-round ratios. */
  ratio: number;
  /** Lowest and highest per-round ratio, to show the noise. */
  ratioRange: [number, number];
  /**
   * The same ratio computed from the process's CPU time instead of wall
   * time, when measured. Other processes on a shared machine delay this
   * process without adding to its CPU time, so this ratio stays steadier
   * under load. It counts every thread of the process, the garbage
   * collector's included, but no child process.
   */
  cpuRatio?: number;
  /** Median CPU milliseconds per operation of the baseline, when measured. */
  baselineCpuMs?: number;
  /** Median CPU milliseconds per operation of certpin, when measured. */
  certpinCpuMs?: number;
  /** Measured rounds per side. */
  rounds: number;
  /** Operations per round per side. */
  iterations: number;
  /** The goal, when the benchmark has one. */
  goal?: Goal;
  /** Whether the goal was met; undefined without a goal. */
  met?: boolean;
  /** A line explaining what the numbers mean, when the ratio needs one. */
  note?: string;
}

/** Options of {@linkcode compare}. */
export interface CompareOptions {
  /** Benchmark number and name. */
  name: string;
  /** The code a user would otherwise run. */
  baseline: Side;
  /** The certpin side. */
  certpin: Side;
  /** Operations per round per side. */
  iterations: number;
  /** Measured rounds per side. */
  rounds: number;
  /** Rounds run before measuring, whose times are discarded. */
  warmupRounds: number;
  /** Orientation of the ratio; `time` unless given. */
  ratioKind?: RatioKind;
  /** The goal, if any. */
  goal?: Goal;
  /** A line explaining what the numbers mean. */
  note?: string;
  /**
   * Whether to report the CPU ratio; true unless set to false, for sides
   * whose work happens in child processes, which the CPU time leaves out.
   */
  cpuRatio?: boolean;
}

/** Round counts for a scale: smoke runs one round of each side with no warm-up. */
export interface RoundPlan {
  /** Operations per round per side. */
  iterations: number;
  /** Measured rounds. */
  rounds: number;
  /** Discarded warm-up rounds. */
  warmupRounds: number;
}

/**
 * Returns the plan for a scale: the given full plan, or one round of
 * `smokeIterations` operations with no warm-up.
 */
export function plan(
  scale: Scale,
  full: RoundPlan,
  smokeIterations = 1,
): RoundPlan {
  return scale === "full"
    ? full
    : { iterations: smokeIterations, rounds: 1, warmupRounds: 0 };
}

/** Runs both sides in alternating rounds and returns the medians and the ratio. */
export async function compare(
  options: CompareOptions,
): Promise<ComparisonResult> {
  const { baseline, certpin, iterations } = options;
  const baselineRounds: Measurement[] = [];
  const certpinRounds: Measurement[] = [];
  const total = options.warmupRounds + options.rounds;

  for (let round = 0; round < total; round++) {
    const baselineFirst = round % 2 === 0;
    const first = baselineFirst ? baseline : certpin;
    const second = baselineFirst ? certpin : baseline;
    const firstRound = await measure(first, iterations);
    const secondRound = await measure(second, iterations);
    if (round < options.warmupRounds) continue;
    baselineRounds.push(baselineFirst ? firstRound : secondRound);
    certpinRounds.push(baselineFirst ? secondRound : firstRound);
  }

  return summarize({
    name: options.name,
    baselineLabel: baseline.label,
    certpinLabel: certpin.label,
    baselineSamples: baselineRounds.map((round) => round.wallMs),
    certpinSamples: certpinRounds.map((round) => round.wallMs),
    ...(options.cpuRatio === false ? {} : {
      baselineCpuSamples: baselineRounds.map((round) => round.cpuMs),
      certpinCpuSamples: certpinRounds.map((round) => round.cpuMs),
    }),
    ratioKind: options.ratioKind ?? "time",
    iterations,
    ...(options.goal === undefined ? {} : { goal: options.goal }),
    ...(options.note === undefined ? {} : { note: options.note }),
  });
}

/** Measured samples and their description, for {@linkcode summarize}. */
export interface Samples {
  /** Benchmark number and name. */
  name: string;
  /** Label of the baseline side. */
  baselineLabel: string;
  /** Label of the certpin side. */
  certpinLabel: string;
  /** Milliseconds per operation of the baseline, one per round. */
  baselineSamples: number[];
  /** Milliseconds per operation of certpin, one per round, paired with `baselineSamples`. */
  certpinSamples: number[];
  /** CPU milliseconds per operation of the baseline, one per round, when measured. */
  baselineCpuSamples?: number[];
  /** CPU milliseconds per operation of certpin, one per round, when measured. */
  certpinCpuSamples?: number[];
  /** Orientation of the ratio. */
  ratioKind: RatioKind;
  /** Operations per round per side. */
  iterations: number;
  /** The goal, if any. */
  goal?: Goal;
  /** A line explaining what the numbers mean. */
  note?: string;
}

/**
 * Turns paired samples into a result: medians of each side and the median of
 * the per-round ratios. Benchmarks whose baseline is computed rather than run
 * call this directly.
 */
export function summarize(samples: Samples): ComparisonResult {
  const ratios = pairedRatios(
    samples.baselineSamples,
    samples.certpinSamples,
    samples.ratioKind,
  );
  const result: ComparisonResult = {
    name: samples.name,
    baselineLabel: samples.baselineLabel,
    certpinLabel: samples.certpinLabel,
    baselineMs: median(samples.baselineSamples),
    certpinMs: median(samples.certpinSamples),
    ratioKind: samples.ratioKind,
    ratio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    rounds: ratios.length,
    iterations: samples.iterations,
  };
  if (
    samples.baselineCpuSamples !== undefined &&
    samples.certpinCpuSamples !== undefined
  ) {
    result.baselineCpuMs = median(samples.baselineCpuSamples);
    result.certpinCpuMs = median(samples.certpinCpuSamples);
    result.cpuRatio = median(pairedRatios(
      samples.baselineCpuSamples,
      samples.certpinCpuSamples,
      samples.ratioKind,
    ));
  }
  if (samples.note !== undefined) result.note = samples.note;
  if (samples.goal !== undefined) {
    result.goal = samples.goal;
    result.met = goalMet(samples.goal, result);
  }
  return result;
}

// The ratio of each round's pair, oriented as `kind` defines.
function pairedRatios(
  baseline: readonly number[],
  certpin: readonly number[],
  kind: RatioKind,
): number[] {
  return baseline.map((baselineMs, index) => {
    const certpinMs = certpin[index] ?? Number.NaN;
    return kind === "time" ? certpinMs / baselineMs : baselineMs / certpinMs;
  });
}

/** Returns the median of the numbers; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}

/** Wall and CPU milliseconds per operation of one round. */
interface Measurement {
  wallMs: number;
  cpuMs: number;
}

// Runs a side once and returns wall and CPU milliseconds per operation. The
// CPU time is the whole process's, servers and other threads included.
async function measure(side: Side, iterations: number): Promise<Measurement> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await side.run(iterations);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wallMs: wallMs / iterations,
    cpuMs: (cpu.user + cpu.system) / 1000 / iterations,
  };
}

/** Runs a side once and returns milliseconds per operation. */
export async function timePerOperation(
  side: Side,
  iterations: number,
): Promise<number> {
  const start = performance.now();
  await side.run(iterations);
  return (performance.now() - start) / iterations;
}

function goalMet(goal: Goal, result: ComparisonResult): boolean {
  switch (goal.kind) {
    case "ratio-at-most":
      return result.ratio <= goal.value;
    case "ratio-at-least":
      return result.ratio >= goal.value;
    case "ratio-below":
      return result.ratio < goal.value;
    case "rate-at-least":
      // Wall time of the one JavaScript thread, not the process's CPU time:
      // the latter includes V8's garbage collector threads on other cores.
      return 1000 / result.certpinMs >= goal.value;
  }
}

/** Describes a goal in words, such as `≤ 1.05` or `≥ 1,000,000 op/s`. */
export function describeGoal(goal: Goal): string {
  switch (goal.kind) {
    case "ratio-at-most":
      return `ratio ≤ ${goal.value.toFixed(2)}`;
    case "ratio-at-least":
      return `ratio ≥ ${goal.value.toFixed(2)}`;
    case "ratio-below":
      return `ratio < ${goal.value.toFixed(2)}`;
    case "rate-at-least":
      return `certpin ≥ ${formatCount(goal.value)} op/s`;
  }
}

/** Formats milliseconds per operation with a unit that keeps 3 significant digits. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  if (ms >= 0.001) return `${(ms * 1000).toPrecision(3)} µs`;
  return `${(ms * 1_000_000).toPrecision(3)} ns`;
}

/** Formats a count with thousands separators, such as `1,250,000`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/**
 * Formats a result as four lines: the name, both sides with their time per
 * operation and rate, and the ratio with its spread and goal.
 */
export function formatResult(result: ComparisonResult): string {
  const width = Math.max(
    result.baselineLabel.length,
    result.certpinLabel.length,
  );
  const side = (
    role: string,
    label: string,
    ms: number,
    cpuMs: number | undefined,
  ): string =>
    `   ${role.padEnd(8)} ${label.padEnd(width)}  ${
      formatDuration(ms).padStart(9)
    }/op  ${formatCount(1000 / ms).padStart(11)} op/s${
      cpuMs === undefined ? "" : `  (CPU ${formatDuration(cpuMs)}/op)`
    }`;
  const [low, high] = result.ratioRange;
  const kind = result.ratioKind === "time"
    ? "certpin time / baseline time"
    : "certpin throughput / baseline throughput";
  let ratio = `   ratio    ${result.ratio.toFixed(3)} (${kind}; rounds ${
    low.toFixed(3)
  }–${high.toFixed(3)}, ${result.rounds} × ${
    formatCount(result.iterations)
  } ops)`;
  if (result.goal !== undefined) {
    ratio += `  goal ${describeGoal(result.goal)}: ${
      result.met ? "met" : "MISSED"
    }`;
  }
  if (result.cpuRatio !== undefined) {
    ratio += `\n   CPU      ${
      result.cpuRatio.toFixed(3)
    } (the same ratio from CPU time)`;
  }
  const lines = [
    result.name,
    side(
      "baseline",
      result.baselineLabel,
      result.baselineMs,
      result.baselineCpuMs,
    ),
    side("certpin", result.certpinLabel, result.certpinMs, result.certpinCpuMs),
    ratio,
  ];
  if (result.note !== undefined) lines.push(`   note     ${result.note}`);
  return `${lines.join("\n")}\n`;
}

/** The sink benchmarks write their output to, so tests can capture it. */
export interface Output {
  /** Writes text as is. */
  write(text: string): void;
}

/** Output to the process's standard output. */
export const stdoutOutput: Output = {
  write: (text) => {
    process.stdout.write(text);
  },
};

/** The context every benchmark receives. */
export interface BenchContext {
  /** How much work to do. */
  scale: Scale;
  /** The sink for results and skip reasons. */
  output: Output;
}

/** One numbered benchmark. */
export interface Benchmark {
  /** Short name used to select it on the command line, such as `fingerprint`. */
  name: string;
  /** Runs the benchmark, writes each result as it is ready, and returns them all. */
  run(context: BenchContext): Promise<ComparisonResult[]>;
}

/** Writes a result and returns it, so benchmarks can report as they go. */
export function report(
  context: BenchContext,
  result: ComparisonResult,
): ComparisonResult {
  context.output.write(formatResult(result));
  return result;
}
