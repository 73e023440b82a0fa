import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { countDenoTests, countJunitTests } from "../scripts/_test_counts.ts";

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
