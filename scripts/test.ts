/**
 * The test command (`deno task test`): every check of the project, run to
 * the end even when one fails, with one total on the last line.
 *
 * Checks: `deno fmt --check`, `deno lint`, `deno check`, `deno doc --lint`,
 * the tests on Deno, the documentation examples (`deno test --doc`, README
 * included), `deno publish --dry-run`, the npm build, the tests on Node
 * against the build, and the smoke test of the packed tarball. Two checks
 * run at a time.
 *
 * The total counts every test case of the Deno run, the Node run and the
 * documentation examples, every check of the smoke test, and each other
 * check as one test. Skipped tests, including those that call
 * `context.skip()` (see `_deno_skip_marker.ts`), are listed apart and are
 * not in the total. The last line is `N passed, M failed`, and the exit code
 * is 1 when anything failed.
 *
 * Options: `--verbose` prints the whole output of passing checks too.
 * `--static` runs only the checks that run no code (format, lint, types, doc
 * lint, publish dry run), and `deno task check` uses it.
 *
 * @module
 */

import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { type CommandResult, print, runCommand } from "./_process.ts";
import {
  countDenoTests,
  countJunitTests,
  type TestCounts,
} from "./_test_counts.ts";
import { listTestFiles } from "./_test_files.ts";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const deno = process.execPath;
const verbose = process.argv.includes("--verbose");
const staticOnly = process.argv.includes("--static");
const CONCURRENCY = 2;
const STEP_TIMEOUT_SECONDS = 240;
const PASSING_OUTPUT_LINES = 4;

/** One check of the test command. */
interface Step {
  /** Name in the output and the summary. */
  name: string;
  /** Steps that must have finished before this one starts. */
  after?: string[];
  /** True for a check that runs none of the project's code. */
  static?: boolean;
  /** Runs the check and counts its results. */
  run(): Promise<StepResult>;
}

/** The outcome of one step. */
interface StepResult extends TestCounts {
  /** Output of the step. */
  output: string;
  /** Wall-clock time. */
  seconds: number;
}

const temporary = mkdtempSync(path.join(os.tmpdir(), "certpin-test-"));
// Makes tests that call context.skip() count as skipped under Deno.
const SKIP_MARKER_PRELOAD = "scripts/_deno_skip_marker.ts";
const tests = listTestFiles(root);

/** Runs a command that is one check: it passes when it exits with 0. */
function check(
  name: string,
  command: string,
  args: string[],
  options: { static?: boolean } = {},
): Step {
  return {
    name,
    ...options,
    run: async () => asCheck(name, await runStep(command, args)),
  };
}

function runStep(command: string, args: string[]): Promise<CommandResult> {
  return runCommand(command, args, {
    cwd: root,
    env: { NO_COLOR: "1" },
    timeoutSeconds: STEP_TIMEOUT_SECONDS,
  });
}

function asCheck(name: string, result: CommandResult): StepResult {
  const ok = result.code === 0;
  return {
    passed: ok ? 1 : 0,
    failed: ok ? 0 : 1,
    skipped: 0,
    failures: ok ? [] : [`${name} exited with code ${result.code}`],
    output: result.output,
    seconds: result.seconds,
  };
}

/** Adds a failure when a runner exited with an error but no test failed. */
function withExitCode(
  name: string,
  counts: TestCounts,
  result: CommandResult,
): StepResult {
  const combined = {
    ...counts,
    output: result.output,
    seconds: result.seconds,
  };
  if (result.code !== 0 && counts.failed === 0) {
    combined.failed += 1;
    combined.failures = [
      ...counts.failures,
      `${name} exited with code ${result.code}`,
    ];
  }
  if (result.code === 0 && counts.passed + counts.skipped === 0) {
    combined.failed += 1;
    combined.failures = [...counts.failures, `${name} ran no test`];
  }
  return combined;
}

/** Folders given to `deno check` besides the entry points, when they contain TypeScript. */
function checkTargets(): string[] {
  const folders = ["scripts", "tests", "examples", "bench"].filter((folder) =>
    existsSync(path.join(root, folder)) &&
    listTypeScript(path.join(root, folder)).length > 0
  );
  return ["mod.ts", "src/cli/bin.ts", "src/cli/task.ts", ...folders];
}

function listTypeScript(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"));
}

const steps: Step[] = [
  {
    name: "deno tests",
    run: async () => {
      const result = await runStep(deno, [
        "test",
        "--allow-all",
        "--no-check",
        `--preload=${SKIP_MARKER_PRELOAD}`,
        ...tests,
      ]);
      return withExitCode("deno test", countDenoTests(result.output), result);
    },
  },
  check("npm build", deno, ["run", "--allow-all", "scripts/build_npm.ts"]),
  check("deno fmt --check", deno, ["fmt", "--check"], { static: true }),
  check("deno lint", deno, ["lint"], { static: true }),
  check("deno doc --lint", deno, ["doc", "--lint", "mod.ts"], {
    static: true,
  }),
  {
    name: "node tests",
    after: ["npm build"],
    run: async () => {
      const compiled = tests.map((file) =>
        path.join("npm", "esm", file.replace(/\.ts$/, ".js"))
      );
      const missing = compiled.filter((file) =>
        !existsSync(path.join(root, file))
      );
      if (missing.length > 0) {
        return {
          passed: 0,
          failed: 1,
          skipped: 0,
          failures: ["node tests: the npm build produced no compiled tests"],
          output: `Not run: missing ${missing.join(", ")}\n`,
          seconds: 0,
        };
      }
      const junit = path.join(temporary, "node-junit.xml");
      const result = await runStep(process.env.NODE ?? "node", [
        "--test",
        `--test-concurrency=${CONCURRENCY}`,
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=junit",
        `--test-reporter-destination=${junit}`,
        ...compiled,
      ]);
      const xml = existsSync(junit) ? readFileSync(junit, "utf8") : "";
      return withExitCode("node --test", countJunitTests(xml), result);
    },
  },
  {
    name: "npm smoke test",
    after: ["npm build"],
    run: async () => {
      const result = await runStep(deno, [
        "run",
        "--allow-all",
        "scripts/smoke_npm.ts",
      ]);
      return withExitCode(
        "smoke test",
        countSmokeChecks(result.output),
        result,
      );
    },
  },
  check("deno check", deno, ["check", ...checkTargets()], { static: true }),
  {
    name: "doc tests",
    run: async () => {
      const result = await runStep(deno, [
        "test",
        "--allow-all",
        "--doc",
        "mod.ts",
        "src/",
        "README.md",
      ]);
      return withExitCode(
        "deno test --doc",
        countDenoTests(result.output),
        result,
      );
    },
  },
  check("deno publish --dry-run", deno, [
    "publish",
    "--dry-run",
    "--allow-dirty",
  ], { static: true }),
].filter((step) => !staticOnly || step.static === true);

function countSmokeChecks(output: string): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const line of output.split("\n")) {
    if (/^ok - .* # SKIP\b/.test(line)) counts.skipped += 1;
    else if (line.startsWith("ok - ")) counts.passed += 1;
    else if (line.startsWith("not ok - ")) {
      counts.failed += 1;
      counts.failures.push(line.slice("not ok - ".length));
    }
  }
  return counts;
}

function printStep(step: Step, result: StepResult): void {
  const status = result.failed === 0 ? "ok" : "FAILED";
  print(
    `\n=== ${step.name}: ${status}, ${describeCounts(result)} (${
      result.seconds.toFixed(1)
    } s)`,
  );
  const lines = result.output.trimEnd().split("\n");
  if (result.failed === 0 && !verbose) {
    print(lines.slice(-PASSING_OUTPUT_LINES).join("\n"));
    return;
  }
  print(lines.join("\n"));
  for (const failure of result.failures) print(`FAILED: ${failure}`);
}

function describeCounts(counts: TestCounts): string {
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : "";
  return `${counts.passed} passed, ${counts.failed} failed${skipped}`;
}

/** Runs the steps, at most `CONCURRENCY` at a time, in list order when ready. */
async function runSteps(): Promise<Map<string, StepResult>> {
  const results = new Map<string, StepResult>();
  const started = new Set<string>();
  const running = new Set<Promise<void>>();

  const ready = () =>
    steps.find((step) =>
      !started.has(step.name) &&
      (step.after ?? []).every((name) => results.has(name))
    );
  for (;;) {
    for (
      let step = ready();
      step !== undefined && running.size < CONCURRENCY;
      step = ready()
    ) {
      const current = step;
      started.add(current.name);
      const promise = current.run().then((result) => {
        results.set(current.name, result);
        printStep(current, result);
        running.delete(promise);
      });
      running.add(promise);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  return results;
}

const started = performance.now();
print(
  `certpin tests: ${steps.length} checks, ${tests.length} test files, ${CONCURRENCY} at a time`,
);
let results: Map<string, StepResult>;
try {
  results = await runSteps();
} finally {
  rmSync(temporary, { recursive: true, force: true });
}

print("\n=== Summary");
let passed = 0;
let failed = 0;
for (const step of steps) {
  const result = results.get(step.name);
  if (result === undefined) continue;
  passed += result.passed;
  failed += result.failed;
  print(
    `${result.failed === 0 ? "ok    " : "FAILED"}  ${step.name.padEnd(24)} ${
      describeCounts(result).padEnd(36)
    } ${result.seconds.toFixed(1).padStart(6)} s`,
  );
  for (const failure of result.failures) print(`        - ${failure}`);
}
print(
  `Total time ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
print(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
