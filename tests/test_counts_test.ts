import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  countDenoTests,
  countJunitTests,
  SKIP_MARKER,
  type TestCounts,
} from "../scripts/_test_counts.ts";

// Output of `deno test` (Deno 2.9.6, NO_COLOR=1) for two files: nested
// describe blocks, a test made of t.test steps, skipped tests, a failing
// case, output printed by tests, and a file that throws while loading.
const DENO_OUTPUT = `Check a_test.ts
running 4 tests from ./a_test.ts
group ...
  one ... ok (0ms)
  two ... FAILED (2ms)
  inner ...
    three ... ok (0ms)
    skipped ... ignored (0ms)
  inner ... ok (0ms)
group ... FAILED (due to 1 failed step) (4ms)
top ... ok (166µs)
top with sub ...
  sub1 ... ok (0ms)
  sub2 ... ok (0ms)
top with sub ... ok (883µs)
skipme ... ignored (0ms)
Uncaught error from ./e_test.ts FAILED
running 2 tests from ./c_test.ts
g2 ...
  logs ...
------- post-test output -------
hello
  x ... ok
----- post-test output end -----
  logs ... ok (0ms)
  deep ...
    deeper ...
      leaf ... ok (0ms)
    deeper ... ok (0ms)
  deep ... ok (0ms)
g2 ... ok (3ms)
plain ...
------- post-test output -------
err
----- post-test output end -----
plain ... ok (270µs)
hookfail ... FAILED (734µs)

 ERRORS 

group ... two => ext:deno_node/testing.ts:1:21231
error: AssertionError: Expected values to be strictly equal:

 FAILURES 

group ... two => ext:deno_node/testing.ts:1:21231

FAILED | 4 passed (9 steps) | 3 failed (1 step) | 1 ignored (1 step) (91ms)
`;

// The same tests as reported by node --test --test-reporter=junit (Node 20).
const JUNIT_OUTPUT = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testsuite name="group" time="0.005931" disabled="0" errors="0" tests="3" failures="1" skipped="1" hostname="vm">
		<testcase name="one" time="0.000835" classname="test"/>
		<testcase name="two &gt; 1" time="0.001506" classname="test" failure="Expected values to be strictly equal:1 !== 2">
			<failure type="testCodeFailure" message="Expected values to be strictly equal:1 !== 2">
[Error]
			</failure>
		</testcase>
		<testsuite name="inner" time="0.002166" disabled="0" errors="0" tests="2" failures="0" skipped="1" hostname="vm">
			<testcase name="three" time="0.000261" classname="test"/>
			<testcase name="skipped" time="0.000125" classname="test">
				<skipped type="skipped" message="true"/>
			</testcase>
		</testsuite>
	</testsuite>
	<testcase name="top" time="0.000158" classname="test"/>
	<testsuite name="top with sub" time="0.001205" disabled="0" errors="0" tests="2" failures="0" skipped="0" hostname="vm">
		<testcase name="sub1" time="0.000430" classname="test"/>
		<testcase name="sub2" time="0.000176" classname="test"/>
	</testsuite>
	<testcase name="/tmp/e_test.mjs" time="0.067711" classname="test" failure="test failed">
		<failure type="testCodeFailure" message="test failed">
[Error: test failed]
		</failure>
	</testcase>
	<!-- skipped 2 -->
</testsuites>`;

describe("countDenoTests()", () => {
  it("counts test cases, not groups", () => {
    const counts = countDenoTests(DENO_OUTPUT);
    assert.equal(counts.passed, 8);
    assert.equal(counts.skipped, 2);
  });

  it("counts failed cases and failures outside cases", () => {
    const counts = countDenoTests(DENO_OUTPUT);
    assert.equal(counts.failed, 3);
    assert.deepEqual(counts.failures, [
      "group > two",
      "./e_test.ts (uncaught error)",
      "hookfail",
    ]);
  });

  it("ignores test output that looks like a result", () => {
    const counts = countDenoTests(DENO_OUTPUT.replace("  x ... ok\n", ""));
    assert.equal(counts.passed, 8);
  });

  it("fails when the results disagree with the summary", () => {
    const counts = countDenoTests(
      DENO_OUTPUT.replace("top ... ok (166µs)\n", ""),
    );
    assert.equal(counts.failed, 4);
    assert.match(counts.failures.at(-1) ?? "", /read 18 results but .* 19/);
  });

  it("fails when the run stopped before its summary", () => {
    const cut = DENO_OUTPUT.slice(0, DENO_OUTPUT.indexOf(" ERRORS "));
    const counts = countDenoTests(cut);
    assert.equal(counts.failed, 4);
    assert.match(counts.failures.at(-1) ?? "", /no summary line/);
  });

  it("reads colored output", () => {
    const colored = "running 1 test from ./x_test.ts\n" +
      "\x1b[0mtop ... \x1b[32mok\x1b[0m \x1b[38;5;245m(1ms)\x1b[0m\n\n" +
      "\x1b[32mok\x1b[0m | 1 passed | 0 failed \x1b[38;5;245m(3ms)\x1b[0m\n";
    const counts = countDenoTests(colored);
    assert.equal(counts.passed, 1);
    assert.equal(counts.failed, 0);
  });

  it("counts nothing in empty output", () => {
    assert.deepEqual(countDenoTests(""), {
      passed: 0,
      failed: 0,
      skipped: 0,
      failures: [],
    });
  });
});

// Output in the form deno test prints with the skip marker preloaded: a
// file whose tests skip themselves from inside their bodies, then a second
// file with a passing test of the same name as a skipped one.
const SKIPPED_OUTPUT = `running 2 tests from ./s_test.ts
group ...
  skips itself ...
------- output -------
${SKIP_MARKER}{"test":"group > skips itself","kind":"skip"}
----- output end -----
  skips itself ... ok (1ms)
  marks a todo ...
------- post-test output -------
${SKIP_MARKER}{"test":"group > marks a todo","kind":"todo"}
----- post-test output end -----
  marks a todo ... ok (0ms)
  passes ... ok (0ms)
group ... ok (3ms)
top ...
------- output -------
${SKIP_MARKER}{"test":"top","kind":"skip"}
${SKIP_MARKER}{"test":"top","kind":"skip"}
----- output end -----
top ... ok (0ms)
running 1 test from ./t_test.ts
top ... ok (0ms)

ok | 3 passed (3 steps) | 0 failed (20ms)
`;

describe("countDenoTests() with skip marks", () => {
  it("counts marked cases as skipped", () => {
    const counts = countDenoTests(SKIPPED_OUTPUT);
    assert.equal(counts.skipped, 3);
    assert.equal(counts.passed, 2);
    assert.equal(counts.failed, 0);
  });

  it("ignores marks outside test output", () => {
    const printed = SKIPPED_OUTPUT.replace(
      "passes ... ok (0ms)",
      `passes ... ok (0ms)\n${SKIP_MARKER}{"test":"group > passes","kind":"skip"}`,
    );
    const counts = countDenoTests(printed);
    assert.equal(counts.skipped, 3);
    assert.equal(counts.passed, 2);
  });

  it("fails on a mark naming no passed case", () => {
    const renamed = SKIPPED_OUTPUT.replace(
      "  skips itself ... ok (1ms)",
      "  skips itself again ... ok (1ms)",
    ).replace("  skips itself ...\n", "  skips itself again ...\n");
    const counts = countDenoTests(renamed);
    assert.equal(counts.failed, 1);
    assert.match(
      counts.failures[0] ?? "",
      /^group > skips itself called context\.skip\(\), but no passed test/,
    );
  });
});

describe("countJunitTests()", () => {
  it("counts every testcase by outcome", () => {
    const counts = countJunitTests(JUNIT_OUTPUT);
    assert.equal(counts.passed, 5);
    assert.equal(counts.failed, 2);
    assert.equal(counts.skipped, 1);
  });

  it("names failures with XML entities decoded", () => {
    const counts = countJunitTests(JUNIT_OUTPUT);
    assert.deepEqual(counts.failures, ["two > 1", "/tmp/e_test.mjs"]);
  });

  it("counts nothing in an empty report", () => {
    assert.equal(countJunitTests("<testsuites></testsuites>").passed, 0);
  });
});

// A test file that skips from inside its bodies, written as JavaScript that
// both runtimes run: Deno with the skip marker preloaded, as the test
// command runs it, and Node with its JUnit reporter.
const SELF_SKIPPING_TESTS = `import { describe, it, test } from "node:test";
describe("group", () => {
  it("skips itself", (context) => {
    context.skip("not on this machine");
  });
  it("marks a todo", (context) => {
    context.todo("later");
  });
  it("passes", () => {});
});
test("with a subtest", async (context) => {
  await context.test("skips too", (sub) => {
    sub.skip();
  });
});
`;

const IS_DENO = "Deno" in globalThis;

/** Runs the self-skipping tests in this runtime and counts the results. */
async function countSelfSkippingTests(folder: string): Promise<TestCounts> {
  const file = path.join(folder, "self_skipping_test.mjs");
  writeFileSync(file, SELF_SKIPPING_TESTS);
  if (IS_DENO) {
    const preload = fileURLToPath(
      new URL("../scripts/_deno_skip_marker.ts", import.meta.url),
    );
    const result = await run([
      "test",
      "--no-check",
      `--preload=${preload}`,
      file,
    ]);
    return countDenoTests(result);
  }
  const junit = path.join(folder, "junit.xml");
  await run([
    "--test",
    "--test-reporter=junit",
    `--test-reporter-destination=${junit}`,
    file,
  ]);
  return countJunitTests(readFileSync(junit, "utf8"));
}

function run(args: string[]): Promise<string> {
  // A node --test child of a node --test run reports to its parent instead
  // of its own reporters while NODE_TEST_CONTEXT is set.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => output += String(chunk));
    child.stderr.on("data", (chunk) => output += String(chunk));
    child.on("error", reject);
    child.on("close", () => resolve(output));
  });
}

describe("skips from inside a test body", () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), "certpin-skips-"));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("count as skipped in this runtime", async () => {
    const counts = await countSelfSkippingTests(folder);
    assert.deepEqual(counts.failures, []);
    assert.equal(counts.skipped, 3);
    assert.equal(counts.passed, 1);
    assert.equal(counts.failed, 0);
  });
});
