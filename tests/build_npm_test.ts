import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import {
  BuildError,
  buildNpm,
  type BuildOptions,
} from "../scripts/_npm_build.ts";
import { collectDependencies, walkGraph } from "../scripts/_npm_graph.ts";
import { mapSpecifier } from "../scripts/_npm_specifiers.ts";

const temporary = mkdtempSync(path.join(os.tmpdir(), "certpin-build-test-"));
after(() => rmSync(temporary, { recursive: true, force: true }));

const DENO_JSON = JSON.stringify({
  name: "@example/tiny",
  version: "1.2.3",
  description: "A tiny project for the build tests.",
  license: "MIT",
  repository: "https://example.invalid/tiny",
  npm: { name: "tiny", keywords: ["example"] },
});

/** A small valid project: a library, an executable and one test. */
const TINY: Record<string, string> = {
  "deno.json": DENO_JSON,
  "README.md": "# tiny\n",
  "mod.ts": [
    "/** Adds numbers. */",
    'export { add } from "./src/add.ts";',
    'export type { Pair } from "./src/add.ts";',
  ].join("\n"),
  "src/add.ts": [
    "/** Two numbers. */",
    "export type Pair = [number, number];",
    "/** Adds two numbers. */",
    "export function add(a: number, b: number): number {",
    "  return a + b;",
    "}",
  ].join("\n"),
  "src/numbers.json": '{ "one": 1 }\n',
  "src/cli.ts": [
    "#!/usr/bin/env node",
    'import { add } from "../mod.ts";',
    "// The fixture builds without @types/node, which declares console.",
    "declare const console: { log(value: unknown): void };",
    'import numbers from "./numbers.json" with { type: "json" };',
    "export const sum: number = add(numbers.one, 2);",
    'import("./add.ts").then(() => console.log(sum));',
  ].join("\n"),
  "tests/add_test.ts": [
    'import { add } from "../mod.ts";',
    "export const three: number = add(1, 2);",
  ].join("\n"),
  "tests/data/input.txt": "data for the tests\n",
};

let projectCount = 0;

/** Writes a project into a fresh folder, starting from TINY. */
function writeProject(
  changes: Record<string, string | undefined> = {},
): string {
  projectCount += 1;
  const root = path.join(temporary, `project-${projectCount}`);
  const files = { ...TINY, ...changes };
  for (const [file, text] of Object.entries(files)) {
    if (text === undefined) continue;
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

function options(root: string): BuildOptions {
  return {
    root,
    outDir: path.join(root, "npm"),
    entryPoints: { ".": "mod.ts" },
    bin: { tiny: "src/cli.ts" },
    tests: ["tests/add_test.ts"],
    testData: ["tests/data"],
    copyFiles: ["README.md"],
    install: false,
  };
}

async function buildError(
  changes: Record<string, string | undefined>,
): Promise<BuildError> {
  const root = writeProject(changes);
  try {
    await buildNpm(options(root));
  } catch (error) {
    if (error instanceof BuildError) return error;
    throw error;
  }
  assert.fail("the build succeeded");
}

describe("buildNpm() on a valid project", () => {
  const root = writeProject();
  const outDir = path.join(root, "npm");
  const built = buildNpm(options(root));
  // Each test awaits the build; this keeps a failed build from being reported
  // as an unhandled rejection before the first test runs.
  built.catch(() => {});
  const read = (file: string) => readFileSync(path.join(outDir, file), "utf8");

  it("writes the package manifest", async () => {
    const { packageJson } = await built;
    const written = JSON.parse(read("package.json"));
    assert.deepEqual(written, packageJson);
    assert.equal(written.name, "tiny");
    assert.equal(written.version, "1.2.3");
    assert.equal(written.type, "module");
    assert.equal(written.sideEffects, false);
    assert.deepEqual(written.engines, { node: ">=20" });
    assert.deepEqual(written.keywords, ["example"]);
    assert.deepEqual(written.repository, {
      type: "git",
      url: "git+https://example.invalid/tiny.git",
    });
    assert.deepEqual(written.exports["."], {
      types: "./esm/mod.d.ts",
      import: "./esm/mod.js",
    });
    assert.deepEqual(written.bin, { tiny: "esm/src/cli.js" });
  });

  it("packs library files only", async () => {
    const { packageJson } = await built;
    assert.ok(packageJson.files.includes("esm/src/add.d.ts"));
    assert.ok(packageJson.files.includes("esm/src/cli.js"));
    assert.ok(!packageJson.files.some((file) => file.includes("tests")));
  });

  it("rewrites .ts imports to .js", async () => {
    await built;
    assert.match(read("esm/mod.js"), /from "\.\/src\/add\.js"/);
    assert.match(read("esm/mod.d.ts"), /from "\.\/src\/add\.js"/);
    assert.match(read("esm/src/cli.js"), /import\("\.\/add\.js"\)/);
  });

  it("writes source maps with the sources inside", async () => {
    await built;
    const map = JSON.parse(read("esm/src/add.js.map"));
    assert.match(map.sourcesContent[0], /export function add/);
  });

  it("keeps the #! line and makes the executable runnable", async () => {
    await built;
    assert.ok(read("esm/src/cli.js").startsWith("#!/usr/bin/env node\n"));
    const mode = statSync(path.join(outDir, "esm/src/cli.js")).mode;
    assert.equal(mode & 0o755, 0o755);
    const node = process.versions.deno === undefined
      ? process.execPath
      : process.env.NODE ?? "node";
    const run = spawnSync(node, [path.join(outDir, "esm/src/cli.js")], {
      encoding: "utf8",
    });
    assert.equal(run.stderr, "");
    assert.equal(run.stdout, "3\n");
  });

  it("compiles the tests beside their data", async () => {
    const { testFiles } = await built;
    assert.deepEqual(testFiles, ["esm/tests/add_test.js"]);
    assert.ok(existsSync(path.join(outDir, "esm/tests/add_test.js")));
    assert.equal(read("esm/tests/data/input.txt"), "data for the tests\n");
  });

  it("ships imported JSON files", async () => {
    const { packageJson } = await built;
    assert.ok(packageJson.files.includes("esm/src/numbers.json"));
    assert.equal(read("esm/src/numbers.json"), '{ "one": 1 }\n');
  });

  it("copies the README", async () => {
    await built;
    assert.equal(read("README.md"), "# tiny\n");
  });
});

describe("buildNpm() failures", () => {
  it("rejects a type error with its place", async () => {
    const error = await buildError({
      "src/add.ts": 'export const add: number = "one";',
    });
    assert.match(error.message, /library does not compile/);
    assert.match(error.message, /src\/add\.ts\(1,14\): error TS2322/);
  });

  it("rejects a missing export", async () => {
    const error = await buildError({
      "mod.ts": 'export { subtract } from "./src/add.ts";',
    });
    assert.match(error.message, /has no exported member 'subtract'/);
  });

  it("rejects a missing file", async () => {
    const error = await buildError({
      "mod.ts": 'export { add } from "./src/gone.ts";',
    });
    assert.match(error.message, /Cannot read "src\/gone\.ts" \(mod\.ts\)/);
  });

  it("rejects an npm import without a version", async () => {
    const error = await buildError({
      "src/add.ts": 'import "npm:left-pad";\nexport const add = 1;',
    });
    assert.match(error.message, /"npm:left-pad" in src\/add\.ts/);
    assert.match(error.message, /has no version/);
  });

  it("rejects a jsr import", async () => {
    const error = await buildError({
      "mod.ts": 'export { assert } from "jsr:@std/assert@1";',
    });
    assert.match(error.message, /"jsr:" imports have no npm equivalent/);
  });

  it("rejects an https import", async () => {
    const error = await buildError({
      "tests/add_test.ts": 'import "https://example.invalid/mod.ts";',
    });
    assert.match(error.message, /"https:" imports have no npm equivalent/);
  });

  it("rejects a bare specifier", async () => {
    const error = await buildError({
      "mod.ts": 'export { add } from "add";',
    });
    assert.match(error.message, /bare specifiers depend on an import map/);
  });

  it("rejects a mapped bare specifier in the library", async () => {
    const error = await buildError({
      "deno.json": JSON.stringify({
        ...JSON.parse(DENO_JSON),
        imports: { "left-pad": "npm:left-pad@1.3.0" },
      }),
      "src/add.ts": 'import "left-pad";\nexport const add = 1;',
    });
    assert.match(error.message, /"left-pad" in src\/add\.ts/);
    assert.match(error.message, /only outside the library/);
  });

  it("rejects two versions of one package", async () => {
    const error = await buildError({
      "mod.ts": 'import "npm:left-pad@1.3.0";\nexport const add = 1;',
      "tests/add_test.ts": 'import "npm:left-pad@1.2.0";',
    });
    assert.match(error.message, /imports version "1\.3\.0" but .* "1\.2\.0"/);
  });

  it("rejects a test type error but keeps the package", async () => {
    const root = writeProject({
      "tests/add_test.ts": 'import { add } from "../mod.ts";\nadd("1", 2);',
    });
    await assert.rejects(buildNpm(options(root)), /tests do not compile/);
    assert.ok(existsSync(path.join(root, "npm/esm/mod.js")));
    assert.ok(!existsSync(path.join(root, "npm/esm/tests/add_test.js")));
  });

  it("rejects an executable without a #! line", async () => {
    const error = await buildError({
      "src/cli.ts": "export const cli = 1;",
    });
    assert.match(error.message, /has no "#!" line/);
  });
});

describe("npm specifier mapping", () => {
  it("maps each kind of specifier", () => {
    const cases = [
      ["./a.ts", "./a.js"],
      ["../mod.ts", "../mod.js"],
      ["./data.json", "./data.json"],
      ["node:fs", "node:fs"],
      ["npm:undici@7.30.3", "undici"],
      ["npm:@peculiar/x509@2.2.0", "@peculiar/x509"],
      ["npm:ws@^8.23.1/lib/sender.js", "ws/lib/sender.js"],
    ];
    for (const [specifier, output] of cases) {
      assert.equal(mapSpecifier(specifier!, "src/x.ts").output, output);
    }
  });

  it("maps bare specifiers through an import map", () => {
    const importMap = {
      typescript: "npm:typescript@6.0.3",
      "ws/": "npm:ws@8.23.1/",
    };
    const typescript = mapSpecifier("typescript", "scripts/x.ts", importMap);
    assert.equal(typescript.output, "typescript");
    assert.equal(typescript.kind, "npm");
    const sender = mapSpecifier("ws/lib/sender.js", "scripts/x.ts", importMap);
    assert.equal(sender.output, "ws/lib/sender.js");
  });

  it("rejects an unversioned import map entry", () => {
    assert.throws(
      () =>
        mapSpecifier("left-pad", "scripts/x.ts", {
          "left-pad": "npm:left-pad",
        }),
      /"npm:left-pad" in scripts\/x\.ts \(through the "imports" of deno\.json\): the npm package has no version/,
    );
  });

  it("rejects an import map entry that is not npm", () => {
    assert.throws(
      () =>
        mapSpecifier("assert", "scripts/x.ts", { assert: "jsr:@std/assert@1" }),
      /maps it to "jsr:@std\/assert@1"/,
    );
  });

  it("rejects a bare specifier without a map entry", () => {
    assert.throws(
      () =>
        mapSpecifier("left-pad", "scripts/x.ts", {
          typescript: "npm:typescript@6.0.3",
        }),
      /bare specifiers depend on an import map/,
    );
  });

  it("rejects a path out of the project", () => {
    assert.throws(
      () => mapSpecifier("../../other.ts", "src/x.ts"),
      /leads outside the project/,
    );
  });

  it("splits dependencies and devDependencies", () => {
    const root = writeProject({
      "src/add.ts": [
        'import type { Dispatcher } from "npm:undici@7.30.3";',
        "export type D = Dispatcher;",
        "export const add = 1;",
      ].join("\n"),
      "tests/add_test.ts": [
        'import "../mod.ts";',
        'import fc from "npm:fast-check@4.11.0";',
        '// @ts-types="npm:@types/ws@8.18.1"',
        'import { WebSocket } from "npm:ws@8.23.1";',
        "export { fc, WebSocket };",
      ].join("\n"),
    });
    const modules = new Map();
    const library = walkGraph(root, ["mod.ts"], modules);
    const tests = walkGraph(root, ["tests/add_test.ts"], modules);
    const ranges = new Map();
    assert.deepEqual(
      collectDependencies(library.map((file) => modules.get(file)), ranges),
      { undici: "7.30.3" },
    );
    assert.deepEqual(
      collectDependencies(tests.map((file) => modules.get(file)), ranges),
      { "@types/ws": "8.18.1", "fast-check": "4.11.0", ws: "8.23.1" },
    );
    const text = modules.get("tests/add_test.ts").text;
    assert.match(text, /from "ws";/);
    assert.doesNotMatch(text, /@ts-types/);
    assert.equal(text.split("\n").length, 5);
  });

  it("applies the import map to test modules", () => {
    const root = writeProject({
      "tests/add_test.ts": [
        'import "../mod.ts";',
        'import { compare } from "../scripts/compare.ts";',
        "export { compare };",
      ].join("\n"),
      "scripts/compare.ts": [
        'import semver from "semver";',
        "export const compare = semver.compare;",
      ].join("\n"),
    });
    const modules = new Map();
    walkGraph(root, ["mod.ts"], modules);
    const tests = walkGraph(root, ["tests/add_test.ts"], modules, {
      semver: "npm:semver@7.7.2",
    });
    assert.deepEqual(tests, ["tests/add_test.ts", "scripts/compare.ts"]);
    assert.deepEqual(
      collectDependencies(tests.map((file) => modules.get(file)), new Map()),
      { semver: "7.7.2" },
    );
    assert.match(modules.get("scripts/compare.ts").text, /from "semver";/);
  });
});
