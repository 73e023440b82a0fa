/**
 * Builds the npm package from the Deno sources with the TypeScript compiler:
 * ESM JavaScript with `.d.ts` files and source maps, a generated
 * `package.json`, and the test suite compiled beside it so that it runs
 * under `node --test`.
 *
 * Output layout, inside the output folder:
 * - `package.json`, `README.md`, `LICENSE`: the package root;
 * - `esm/`: compiled modules in the project's own layout, tests included
 *   (the `files` list of `package.json` names only the library's files);
 * - `.source/`: the TypeScript sources with rewritten specifiers, which the
 *   compiler reads from there so that `node_modules/` and the
 *   `"type": "module"` of `package.json` apply to them;
 * - `node_modules/`: runtime and development dependencies, kept between
 *   builds and reinstalled only when the dependency list changes.
 *
 * @module
 */

import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import ts from "typescript";
import {
  type CompileContext,
  compileLibrary,
  compileTests,
  createCompilerOptions,
} from "./_npm_compile.ts";
import {
  collectDependencies,
  type GraphModule,
  sortKeys,
  walkGraph,
} from "./_npm_graph.ts";
import {
  checkPackageOutputs,
  createPackageJson,
  ESM_DIR,
  outputPath,
  type PackageJson,
  readDenoConfig,
} from "./_npm_package.ts";
import { BuildError } from "./_npm_specifiers.ts";
import { runCommand } from "./_process.ts";

export { BuildError } from "./_npm_specifiers.ts";
export type { PackageJson } from "./_npm_package.ts";

/** Options of {@linkcode buildNpm}: the project, the output folder and extras. */
export interface BuildOptions {
  /** Absolute path of the project, which contains `deno.json`. */
  root: string;
  /** Absolute path of the output folder; everything in it but `node_modules/` is replaced. */
  outDir: string;
  /** Package export paths to project files, such as `{ ".": "mod.ts" }`. */
  entryPoints: Record<string, string>;
  /** Executable names to project files, such as `{ certpin: "src/cli/bin.ts" }`. */
  bin?: Record<string, string>;
  /** Test files, project-relative, compiled beside the library but not packed. */
  tests?: string[];
  /** Folders or files copied beside the compiled tests, such as `tests/fixtures`. */
  testData?: string[];
  /** Files copied to the package root, such as `README.md`. */
  copyFiles?: string[];
  /** Whether to run `npm install` for the dependencies; true unless set. */
  install?: boolean;
  /** Receives one line per build step. */
  log?: (line: string) => void;
}

/** The result of a successful build. */
export interface BuildResult {
  /** The generated package manifest. */
  packageJson: PackageJson;
  /** Compiled test files, relative to the output folder. */
  testFiles: string[];
}

const STAGE_DIR = ".source";
const INSTALL_STAMP = ".certpin-build-dependencies.json";
const INSTALL_TIMEOUT_SECONDS = 300;

/**
 * Builds the npm package.
 *
 * @param options What to build and where.
 * @returns The manifest and the compiled test files.
 * @throws {BuildError} When `deno.json` lacks a name or version, a specifier
 * cannot be mapped, a file is missing, `npm install` fails, the library or
 * the tests do not type-check, or an entry point produced no output.
 */
export async function buildNpm(options: BuildOptions): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const config = readDenoConfig(options.root);
  const bin = options.bin ?? {};
  const tests = options.tests ?? [];

  const modules = new Map<string, GraphModule>();
  const libraryFiles = walkGraph(options.root, [
    ...Object.values(options.entryPoints),
    ...Object.values(bin),
  ], modules);
  // Library modules keep inline versioned npm: specifiers, because a
  // project that imports them by URL reads them without this import map.
  const testOnlyFiles = walkGraph(
    options.root,
    tests,
    modules,
    config.imports ?? {},
  );
  const ranges = new Map<string, { range: string; file: string }>();
  const dependencies = collectDependencies(
    libraryFiles.map((file) => modules.get(file)!),
    ranges,
  );
  const importsNode = [...modules.values()].some((module) =>
    module.importsNode
  );
  const devDependencies = sortKeys({
    ...collectDependencies(
      testOnlyFiles.map((file) => modules.get(file)!),
      ranges,
    ),
    ...(importsNode ? config.npm?.devDependencies ?? {} : {}),
    // The smoke test type-checks a consumer with this compiler.
    ...(tests.length > 0 ? { typescript: ts.version } : {}),
  });
  log(
    `${libraryFiles.length} library modules, ${testOnlyFiles.length} test modules`,
  );

  const packageJson = createPackageJson(config, {
    entryPoints: options.entryPoints,
    bin,
    libraryFiles,
    dependencies,
    devDependencies,
  });
  cleanOutDir(options.outDir);
  writeJson(path.join(options.outDir, "package.json"), packageJson);
  const stageDir = path.join(options.outDir, STAGE_DIR);
  for (const module of modules.values()) {
    const target = path.join(stageDir, module.file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, module.text);
  }

  const allDependencies = { ...dependencies, ...devDependencies };
  if (Object.keys(allDependencies).length > 0 && options.install !== false) {
    await installDependencies(options.outDir, allDependencies, log);
  }

  const context: CompileContext = {
    root: options.root,
    outDir: options.outDir,
    stageDir,
    typesNode: importsNode &&
      existsSync(path.join(options.outDir, "node_modules/@types/node")),
  };
  const compilerOptions = createCompilerOptions(context, config);
  const library = compileLibrary(context, compilerOptions, libraryFiles);
  finishPackage(options, packageJson, bin);
  log(`package ${packageJson.name}@${packageJson.version} written`);

  compileTests(context, compilerOptions, testOnlyFiles, library);
  for (const data of options.testData ?? []) {
    cpSync(
      path.join(options.root, data),
      path.join(options.outDir, ESM_DIR, data),
      { recursive: true },
    );
  }
  const testFiles = tests.map((file) => outputPath(file, ".js"));
  log(`${testFiles.length} test files compiled`);
  return { packageJson, testFiles };
}

function cleanOutDir(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const entry of readdirSync(outDir)) {
    if (entry === "node_modules") continue;
    rmSync(path.join(outDir, entry), { recursive: true, force: true });
  }
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Runs `npm install` in the output folder, unless the last install there
 * was for the same dependencies.
 */
async function installDependencies(
  outDir: string,
  dependencies: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  const stamp = path.join(outDir, "node_modules", INSTALL_STAMP);
  const wanted = JSON.stringify(dependencies);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) {
    log("dependencies already installed");
    return;
  }

  log(`npm install (${Object.keys(dependencies).join(", ")})`);
  const args = [
    "install",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    "--prefer-offline",
    "--loglevel=error",
  ];
  const { code, output } = await runCommand("npm", args, {
    cwd: outDir,
    timeoutSeconds: INSTALL_TIMEOUT_SECONDS,
  });
  if (code !== 0) {
    throw new BuildError(
      `npm install failed with exit code ${code} in ${outDir}:\n${output}`,
    );
  }
  writeFileSync(stamp, wanted);
}

function finishPackage(
  options: BuildOptions,
  packageJson: PackageJson,
  bin: Record<string, string>,
): void {
  checkPackageOutputs(options.outDir, packageJson, bin);
  for (const file of Object.values(bin)) {
    chmodSync(path.join(options.outDir, outputPath(file, ".js")), 0o755);
  }
  for (const file of options.copyFiles ?? []) {
    cpSync(path.join(options.root, file), path.join(options.outDir, file));
  }
}
