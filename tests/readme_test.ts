// The README against deno.json and the CI script: versions, tasks, the
// permissions of the certpin task, and the Deno commands users copy. The
// examples themselves run elsewhere: the URL import in url_import_test.ts,
// the Node example in the npm smoke test (scripts/smoke_npm.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  codeBlocks,
  readmeNodeExample,
  readmeSection,
  readmeUrlExample,
} from "../scripts/_readme.ts";

// Paths are relative to the project root, which is the working folder of both
// test runs. The npm build compiles the tests but does not copy these files.
const README = readFileSync("README.md", "utf8");
const CONFIG = JSON.parse(readFileSync("deno.json", "utf8")) as {
  version: string;
  npm: { name: string };
  tasks: Record<string, string>;
};

// The Deno release CI runs, from its `npx -y deno@VERSION task test` line.
const CI_DENO = /npx -y (deno@\S+) task test/.exec(
  readFileSync(".ci/run", "utf8"),
)?.[1];

/** Returns every line of the README's shell blocks, continued lines joined. */
function shellLines(): string[] {
  return codeBlocks(README, "sh")
    .flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"))
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line !== "");
}

describe("README Deno and Node section", () => {
  const section = readmeSection(README, "Deno and Node") ?? "";

  it("pins the version of deno.json", () => {
    const pins = [
      ...section.matchAll(/certpin@(\d+\.\d+\.\d+[\w.-]*)/g),
      ...section.matchAll(/\/v(\d+\.\d+\.\d+[\w.-]*)\//g),
    ].map((match) => match[1]);
    assert.ok(pins.length >= 4, `only ${pins.length} version pins found`);
    for (const pin of pins) assert.equal(pin, CONFIG.version);
  });

  it("has a URL import example", () => {
    const example = readmeUrlExample(README) ?? "";
    assert.match(example, /from "https:\/\/[^"]+\/mod\.ts"/);
  });

  it("has a Node example importing the package", () => {
    const example = readmeNodeExample(README) ?? "";
    assert.match(example, new RegExp(`from "${CONFIG.npm.name}"`));
  });

  it("lists every deno.json task", () => {
    for (const task of Object.keys(CONFIG.tasks)) {
      assert.ok(
        section.includes(`npx -y ${CI_DENO} task ${task}`),
        `npx -y ${CI_DENO} task ${task} is missing`,
      );
    }
  });
});

describe("README commands", () => {
  it("run Deno through npx at the CI's version", () => {
    assert.ok(CI_DENO !== undefined, ".ci/run names no deno@VERSION");
    const lines = shellLines();
    const deno = lines.filter((line) => /\bdeno@|^deno /.test(line));
    assert.ok(deno.length >= 10, `only ${deno.length} Deno commands found`);
    for (const line of lines) {
      assert.doesNotMatch(line, /^deno /, "a command needs deno installed");
    }
    for (const line of deno) {
      for (const [release] of line.matchAll(/deno@\S+/g)) {
        assert.equal(release, CI_DENO, line);
      }
    }
  });

  it("state the certpin task's permissions", () => {
    const flags = (CONFIG.tasks["certpin"] ?? "").split(/\s+/)
      .filter((word) => word.startsWith("--allow-") || word === "--no-prompt");
    assert.ok(flags.length > 0, "the certpin task has no permission flags");
    assert.ok(
      README.includes(`\n${flags.join(" ")}\n`),
      `the README does not list the flags ${flags.join(" ")}`,
    );
  });

  it("leave no HTML comment", () => {
    assert.doesNotMatch(README, /<!--/);
  });
});
