/**
 * Counting test cases in the output of `deno test` and `node --test`, so the
 * test command reports one total for both runtimes.
 *
 * A test case is a test with no subtests: an `it` or a `test` without
 * `t.test` steps. `describe` blocks and tests made of steps count only
 * through their subtests, unless they fail on their own (a failing hook, a
 * file that throws while loading), which counts as one failure.
 *
 * @module
 */

/**
 * Start of the line that `_deno_skip_marker.ts` prints when a test calls
 * `context.skip()` or `context.todo()` under Deno, followed by a
 * {@linkcode SkipMark} as JSON.
 */
export const SKIP_MARKER = "certpin-test-skip: ";

/** What a skip marker line names. */
export interface SkipMark {
  /** Full name of the test, parents first, joined by " > ". */
  test: string;
  /** The method the test called. */
  kind: "skip" | "todo";
}

/** Test cases by outcome, with the names of the failures. */
export interface TestCounts {
  /** Test cases that passed. */
  passed: number;
  /** Test cases that failed, plus failures outside any test case. */
  failed: number;
  /** Test cases that were skipped or marked to do. */
  skipped: number;
  /** Full names of what failed, parents first, joined by " > ". */
  failures: string[];
}

// deno-lint-ignore no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;
const OUTPUT_START = /^-{3,} (?:pre-test |post-test )?output -{3,}$/;
const OUTPUT_END = /^-{3,} (?:pre-test |post-test )?output end -{3,}$/;
const DENO_START = /^( *)(.*) \.\.\.$/;
const DENO_RESULT =
  /^( *)(.*) \.\.\. (ok|ignored|FAILED( \(due to \d+ failed steps?\))?)(?: \([^()]*\))?$/;
const DENO_UNCAUGHT = /^Uncaught error from (.+) FAILED$/;
const DENO_SUMMARY = /^(?:ok|FAILED) \| \d+ passed/;
const DENO_RUNNING = /^running \d+ tests? from (.+)$/;

/**
 * Counts the test cases in the output of `deno test` with its default
 * (pretty) reporter and colors off. The total of results is checked against
 * Deno's own summary line. A difference is reported as a failure, so a
 * change of the output format cannot pass unnoticed.
 *
 * Deno reports a test that called `context.skip()` or `context.todo()` as
 * "ok". Run with `--preload scripts/_deno_skip_marker.ts`, such a test
 * prints a {@linkcode SKIP_MARKER} line in its output, and the case of that
 * name counts as skipped. A marker that names no passed case counts as a
 * failure, so a skip cannot hide behind a renamed test.
 *
 * @param output Standard output and standard error of `deno test`.
 * @returns The counts.
 */
export function countDenoTests(output: string): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const open: ({ name: string; hasChildren: boolean } | undefined)[] = [];
  let results = 0;
  let summary: string | undefined;
  let inOutput = false;
  // Passed cases and skip marks, keyed by file and full test name.
  const passedCases: string[] = [];
  const skipMarks: (SkipMark & { key: string })[] = [];
  // The marks of the output block being read; a test that calls skip()
  // twice prints two marks in one block.
  const blockMarks = new Map<string, SkipMark>();
  let file = "";

  for (const raw of output.split("\n")) {
    const line = raw.replace(ANSI_ESCAPE, "").trimEnd();
    if (inOutput) {
      inOutput = !OUTPUT_END.test(line);
      const mark = readSkipMark(line);
      if (mark !== undefined) blockMarks.set(`${file} ${mark.test}`, mark);
      if (!inOutput) {
        for (const [key, mark] of blockMarks) skipMarks.push({ ...mark, key });
        blockMarks.clear();
      }
      continue;
    }
    if (OUTPUT_START.test(line)) {
      inOutput = true;
      continue;
    }
    if (DENO_SUMMARY.test(line)) {
      summary = line;
      break;
    }
    const running = DENO_RUNNING.exec(line);
    if (running !== null) {
      open.length = 0;
      file = running[1] ?? "";
      continue;
    }

    const uncaught = DENO_UNCAUGHT.exec(line);
    if (uncaught !== null) {
      results += 1;
      counts.failed += 1;
      counts.failures.push(`${uncaught[1]} (uncaught error)`);
      continue;
    }

    const start = DENO_START.exec(line);
    if (start !== null) {
      const depth = (start[1] ?? "").length / 2;
      markParent(open, depth);
      open[depth] = { name: start[2] ?? "", hasChildren: false };
      open.length = depth + 1;
      continue;
    }

    const result = DENO_RESULT.exec(line);
    if (result === null) continue;
    results += 1;
    const depth = (result[1] ?? "").length / 2;
    const name = result[2] ?? "";
    const status = result[3] ?? "";
    markParent(open, depth);
    const started = open[depth];
    const isCase = started?.name !== name || !started.hasChildren;
    const fullName = [...open.slice(0, depth).map((test) => test?.name), name]
      .join(" > ");
    if (started?.name === name) open.length = depth;

    if (status === "ok" && isCase) {
      counts.passed += 1;
      passedCases.push(`${file} ${fullName}`);
    }
    if (status === "ignored" && isCase) counts.skipped += 1;
    // A parent that fails "due to" failed steps is already counted in them.
    if (status === "FAILED" || (status.startsWith("FAILED") && isCase)) {
      counts.failed += 1;
      counts.failures.push(fullName);
    }
  }

  countSkipMarks(skipMarks, passedCases, counts);
  checkDenoSummary(summary, results, counts);
  return counts;
}

function readSkipMark(line: string): SkipMark | undefined {
  if (!line.startsWith(SKIP_MARKER)) return undefined;
  try {
    const mark = JSON.parse(line.slice(SKIP_MARKER.length)) as Partial<
      SkipMark
    >;
    if (typeof mark.test !== "string") return undefined;
    return { test: mark.test, kind: mark.kind === "todo" ? "todo" : "skip" };
  } catch {
    return undefined;
  }
}

/**
 * Moves each passed case named by a skip mark to the skipped count, one
 * case for the marks of one output block.
 */
function countSkipMarks(
  marks: readonly (SkipMark & { key: string })[],
  passedCases: readonly string[],
  counts: TestCounts,
): void {
  const available = new Map<string, number>();
  for (const key of passedCases) {
    available.set(key, (available.get(key) ?? 0) + 1);
  }
  for (const mark of marks) {
    const left = available.get(mark.key) ?? 0;
    if (left === 0) {
      counts.failed += 1;
      counts.failures.push(
        `${mark.test} called context.${mark.kind}(), but no passed test of that name was found in the output`,
      );
      continue;
    }
    available.set(mark.key, left - 1);
    counts.passed -= 1;
    counts.skipped += 1;
  }
}

function markParent(
  open: ({ name: string; hasChildren: boolean } | undefined)[],
  depth: number,
): void {
  const parent = depth > 0 ? open[depth - 1] : undefined;
  if (parent !== undefined) parent.hasChildren = true;
}

function checkDenoSummary(
  summary: string | undefined,
  results: number,
  counts: TestCounts,
): void {
  if (summary === undefined) {
    if (results > 0) {
      counts.failed += 1;
      counts.failures.push(
        "deno test printed no summary line; it stopped before the end",
      );
    }
    return;
  }
  let expected = 0;
  for (
    const match of summary.matchAll(
      /(\d+) (?:passed|failed|ignored)(?: \((\d+) steps?\))?/g,
    )
  ) {
    expected += Number(match[1]) + Number(match[2] ?? 0);
  }
  if (expected !== results) {
    counts.failed += 1;
    counts.failures.push(
      `the test counter read ${results} results but deno test reported ${expected} ("${summary}")`,
    );
  }
}

const JUNIT_TESTCASE =
  /<testcase\b((?:[^>"]|"[^"]*")*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;

/**
 * Counts the test cases in a JUnit report of `node --test`
 * (`--test-reporter=junit`), where every `<testcase>` is a test without
 * subtests and `describe` blocks are `<testsuite>`s.
 *
 * @param xml The JUnit report.
 * @returns The counts.
 */
export function countJunitTests(xml: string): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const match of xml.matchAll(JUNIT_TESTCASE)) {
    const body = match[2] ?? "";
    if (/<failure\b/.test(body)) {
      counts.failed += 1;
      counts.failures.push(
        decodeXml(/\bname="([^"]*)"/.exec(match[1] ?? "")?.[1] ?? "?"),
      );
    } else if (/<skipped\b/.test(body)) {
      counts.skipped += 1;
    } else {
      counts.passed += 1;
    }
  }
  return counts;
}

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) =>
    ({
      lt: "<",
      gt: ">",
      quot: '"',
      apos: "'",
      amp: "&",
    })[entity] ?? "");
}
