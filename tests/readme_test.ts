// The README's "Deno and Node" section against deno.json. The examples
// themselves run elsewhere: the URL import in url_import_test.ts, the Node
// example in the npm smoke test (scripts/smoke_npm.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
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
        section.includes(`deno task ${task}`),
        `deno task ${task} is missing`,
      );
    }
  });
});
