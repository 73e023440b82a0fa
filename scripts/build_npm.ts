/**
 * Builds the npm package into `npm/` (run it with `deno task build:npm`):
 * the library as ESM with types, the `certpin` executable, and the tests
 * compiled for `node --test`. Exits with 1 and the reason on any failure.
 *
 * @module
 */

import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { BuildError, buildNpm } from "./_npm_build.ts";
import { listTestFiles } from "./_test_files.ts";
import { print, printError } from "./_process.ts";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const started = performance.now();

try {
  const result = await buildNpm({
    root,
    outDir: path.join(root, "npm"),
    entryPoints: { ".": "mod.ts" },
    bin: { certpin: "src/cli/bin.ts" },
    tests: listTestFiles(root),
    testData: ["tests/fixtures"],
    copyFiles: ["README.md", "LICENSE"],
    log: (line) => print(`build:npm: ${line}`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  print(
    `build:npm: done in ${seconds} s: npm/ holds ${result.packageJson.name}@${result.packageJson.version} and ${result.testFiles.length} compiled test files`,
  );
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  printError(`build:npm: ${error.message}`);
  process.exitCode = 1;
}
