/**
 * The generated `package.json` of the npm build, and the `deno.json` fields
 * it comes from.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { BuildError } from "./_npm_specifiers.ts";

/** Folder of the compiled modules inside the output folder. */
export const ESM_DIR = "esm";

/** The fields of the generated `package.json` that the build sets. */
export interface PackageJson {
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  license?: string;
  repository?: { type: "git"; url: string };
  type: "module";
  main: string;
  types: string;
  exports: Record<string, { types: string; import: string } | string>;
  bin?: Record<string, string>;
  files: string[];
  sideEffects: false;
  engines: { node: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The parts of `deno.json` the build reads. */
export interface DenoConfig {
  name?: string;
  version?: string;
  description?: string;
  license?: string;
  repository?: string;
  compilerOptions?: Record<string, unknown>;
  /** The import map; the build applies it only outside the library. */
  imports?: Record<string, string>;
  npm?: {
    name?: string;
    keywords?: string[];
    engines?: { node?: string };
    devDependencies?: Record<string, string>;
  };
}

/**
 * Reads `deno.json`, which must give a version and a name.
 *
 * @param root Absolute path of the project.
 * @returns The parts of `deno.json` the build uses.
 * @throws {BuildError} When the file is missing or invalid, or lacks a
 * version or a name.
 */
export function readDenoConfig(root: string): DenoConfig {
  const file = path.join(root, "deno.json");
  let config: DenoConfig;
  try {
    config = JSON.parse(readFileSync(file, "utf8")) as DenoConfig;
  } catch (error) {
    throw new BuildError(
      `Cannot read deno.json in ${root}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  if (typeof config.version !== "string" || config.version === "") {
    throw new BuildError(
      'deno.json has no "version". Add one: the npm package takes its version from there.',
    );
  }
  if (config.npm?.name === undefined && config.name === undefined) {
    throw new BuildError(
      'deno.json has neither "npm.name" nor "name". Add one of them to name the npm package.',
    );
  }
  return config;
}

/** Returns the path of a module's compiled file, relative to the output folder. */
export function outputPath(file: string, extension: string): string {
  const base = file.endsWith(".json") ? file : file.replace(/\.ts$/, "");
  return `${ESM_DIR}/${base}${file.endsWith(".json") ? "" : extension}`;
}

/** The parts of the package the manifest describes. */
export interface PackageParts {
  /** Package export paths to project files. */
  entryPoints: Record<string, string>;
  /** Executable names to project files. */
  bin: Record<string, string>;
  /** Project files of the library, which the package ships. */
  libraryFiles: string[];
  /** Runtime dependencies, name to version range. */
  dependencies: Record<string, string>;
  /** Development dependencies, name to version range. */
  devDependencies: Record<string, string>;
}

/**
 * Creates the package manifest.
 *
 * @param config The parts of `deno.json` the build reads.
 * @param parts Entry points, executables, files and dependencies.
 * @returns The manifest.
 * @throws {BuildError} When there is no entry point for ".".
 */
export function createPackageJson(
  config: DenoConfig,
  parts: PackageParts,
): PackageJson {
  const exports: PackageJson["exports"] = {};
  for (const [name, file] of Object.entries(parts.entryPoints)) {
    exports[name] = {
      types: `./${outputPath(file, ".d.ts")}`,
      import: `./${outputPath(file, ".js")}`,
    };
  }
  exports["./package.json"] = "./package.json";
  const main = parts.entryPoints["."];
  if (main === undefined) {
    throw new BuildError('The npm build needs an entry point for ".".');
  }

  const files = parts.libraryFiles.flatMap((file) =>
    file.endsWith(".json")
      ? [outputPath(file, "")]
      : [".js", ".js.map", ".d.ts"]
        .map((extension) => outputPath(file, extension))
  ).sort();

  const packageJson: PackageJson = {
    name: config.npm?.name ?? config.name ?? "",
    version: config.version ?? "",
    type: "module",
    main: `./${outputPath(main, ".js")}`,
    types: `./${outputPath(main, ".d.ts")}`,
    exports,
    files,
    sideEffects: false,
    engines: { node: config.npm?.engines?.node ?? ">=20" },
  };
  if (config.description !== undefined) {
    packageJson.description = config.description;
  }
  if (config.npm?.keywords !== undefined) {
    packageJson.keywords = config.npm.keywords;
  }
  if (config.license !== undefined) packageJson.license = config.license;
  if (config.repository !== undefined) {
    packageJson.repository = {
      type: "git",
      url: `git+${config.repository.replace(/\.git$/, "")}.git`,
    };
  }
  if (Object.keys(parts.bin).length > 0) {
    packageJson.bin = Object.fromEntries(
      Object.entries(parts.bin).map((
        [name, file],
      ) => [name, outputPath(file, ".js")]),
    );
  }
  if (Object.keys(parts.dependencies).length > 0) {
    packageJson.dependencies = parts.dependencies;
  }
  if (Object.keys(parts.devDependencies).length > 0) {
    packageJson.devDependencies = parts.devDependencies;
  }
  return packageJson;
}

/**
 * Checks that every file the manifest names as an export or executable was
 * produced, and that each executable starts with a `#!` line.
 *
 * @param outDir The output folder.
 * @param packageJson The manifest.
 * @param bin Executable names to project files.
 * @throws {BuildError} When a file is missing or an executable has no `#!`.
 */
export function checkPackageOutputs(
  outDir: string,
  packageJson: PackageJson,
  bin: Record<string, string>,
): void {
  const outputs = [
    packageJson.main,
    packageJson.types,
    ...Object.values(packageJson.exports).flatMap((target) =>
      typeof target === "string" ? [] : [target.types, target.import]
    ),
  ];
  for (const output of outputs) {
    if (!existsSync(path.join(outDir, output))) {
      throw new BuildError(
        `The package export "${output}" was not produced by the compiler.`,
      );
    }
  }

  for (const [name, file] of Object.entries(bin)) {
    const output = path.join(outDir, outputPath(file, ".js"));
    if (!existsSync(output)) {
      throw new BuildError(
        `The executable "${name}" (${file}) was not produced by the compiler.`,
      );
    }
    if (!readFileSync(output, "utf8").startsWith("#!")) {
      throw new BuildError(
        `The executable "${name}" has no "#!" line: start ${file} with "#!/usr/bin/env node".`,
      );
    }
  }
}
