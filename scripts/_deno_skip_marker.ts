/**
 * Preloaded into `deno test` by the test command (`--preload`), so that a
 * test skipped from inside its body counts as skipped.
 *
 * Deno 2.9.6 runs a node:test test that calls `context.skip()` or
 * `context.todo()` to the end of its body, ignores errors thrown after the
 * call, and reports the test as "ok", in the pretty, TAP and JUnit reporters
 * alike. A test whose body skipped it would pass without running its
 * checks. This module wraps both methods on every test context so that
 * they also print a {@linkcode SKIP_MARKER} line naming the test.
 * {@linkcode countDenoTests} reads that line from the test's captured
 * output and counts the test as skipped.
 *
 * Test contexts are reached through a root `beforeEach` hook, which Deno
 * 2.9.6 runs before every `it` and `test`, inside `describe` blocks too,
 * and through `context.test()` for subtests, which run no root hooks.
 *
 * @module
 */

import { beforeEach, type TestContext } from "node:test";
import process from "node:process";
import { SKIP_MARKER, type SkipMark } from "./_test_counts.ts";

type TestBody = (
  this: unknown,
  context: TestContext,
  ...rest: unknown[]
) => unknown;

const marked = new WeakSet<TestContext>();

beforeEach((context) => {
  if ("skip" in context) markSkips(context);
});

function markSkips(context: TestContext): void {
  if (marked.has(context)) return;
  marked.add(context);

  for (const kind of ["skip", "todo"] as const) {
    const original = context[kind];
    context[kind] = (message?: string): void => {
      const mark: SkipMark = { test: context.fullName, kind };
      process.stdout.write(`${SKIP_MARKER}${JSON.stringify(mark)}\n`);
      original.call(context, message);
    };
  }

  const test = context.test;
  context.test = ((...args: unknown[]) =>
    test.apply(
      context,
      args.map((arg) =>
        typeof arg === "function" ? markSubtests(arg as TestBody) : arg
      ) as Parameters<typeof test>,
    )) as typeof test;
}

/**
 * Wraps a subtest's body so that its context is marked too. The wrapper
 * keeps the body's parameter count, because the runner passes a `done`
 * callback to a body that declares two parameters.
 */
function markSubtests(body: TestBody): TestBody {
  if (body.length >= 2) {
    return function (this: unknown, context: TestContext, done: unknown) {
      markSkips(context);
      return body.call(this, context, done);
    };
  }
  return function (this: unknown, context: TestContext) {
    markSkips(context);
    return body.call(this, context);
  };
}
