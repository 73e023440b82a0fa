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

/**
 * Counts the test cases in the output of `deno test` with its default
 * (pretty) reporter and colors off. The total of results is checked against
 * Deno's own summary line. A difference is reported as a failure, so a
 * change of the output format cannot pass unnoticed.
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

  for (const raw of output.split("\n")) {
    const line = raw.replace(ANSI_ESCAPE, "").trimEnd();
    if (inOutput) {
      inOutput = !OUTPUT_END.test(line);
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
    if (line.startsWith("running ") && / tests? from /.test(line)) {
      open.length = 0;
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

    if (status === "ok" && isCase) counts.passed += 1;
    if (status === "ignored" && isCase) counts.skipped += 1;
    // A parent that fails "due to" failed steps is already counted in them.
    if (status === "FAILED" || (status.startsWith("FAILED") && isCase)) {
      counts.failed += 1;
      counts.failures.push(fullName);
    }
  }

  checkDenoSummary(summary, results, counts);
  return counts;
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
