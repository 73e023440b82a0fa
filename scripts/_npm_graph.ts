/**
 * The module graph of the npm build: every project file reachable from a set
 * of roots, with its specifiers rewritten for Node and the npm packages it
 * imports.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import path from "node:path";
import {
  BuildError,
  findSpecifiers,
  mapSpecifier,
  type NpmSpecifier,
  parseNpmSpecifier,
} from "./_npm_specifiers.ts";

/** One project file as the npm build compiles it. */
export interface GraphModule {
  /** Project-relative POSIX path. */
  file: string;
  /** Source text with every specifier rewritten for Node. */
  text: string;
  /** The npm packages the file imports, including `@ts-types` packages. */
  packages: NpmSpecifier[];
  /** True when the file imports a `node:` module. */
  importsNode: boolean;
}

/**
 * Reads every project file reachable from `roots`, adding it to `modules`
 * unless it is already there.
 *
 * @param root Absolute path of the project.
 * @param roots Project-relative POSIX paths to start from.
 * @param modules Files read so far, keyed by path; new files are added.
 * @param importMap The `imports` of `deno.json`, for bare specifiers in the
 * files this call adds; none unless given.
 * @returns The paths of the files this call added, in visiting order.
 * @throws {BuildError} When a file is missing or a specifier cannot be mapped.
 */
export function walkGraph(
  root: string,
  roots: readonly string[],
  modules: Map<string, GraphModule>,
  importMap: Readonly<Record<string, string>> = {},
): string[] {
  const added: string[] = [];
  const queue = roots.map((file) => ({ file, importer: "" }));

  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (modules.has(next.file)) continue;
    const module = readModule(root, next.file, next.importer, importMap);
    modules.set(next.file, module.module);
    added.push(next.file);
    for (const file of module.imports) {
      queue.push({ file, importer: next.file });
    }
  }
  return added;
}

function readModule(
  root: string,
  file: string,
  importer: string,
  importMap: Readonly<Record<string, string>>,
): { module: GraphModule; imports: string[] } {
  let text: string;
  try {
    text = readFileSync(path.join(root, file), "utf8");
  } catch (error) {
    const from = importer === "" ? "listed as an entry point" : importer;
    throw new BuildError(
      `Cannot read "${file}" (${from}): ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  if (file.endsWith(".json")) {
    return {
      module: { file, text, packages: [], importsNode: false },
      imports: [],
    };
  }

  const packages: NpmSpecifier[] = [];
  const imports: string[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  let importsNode = false;

  for (const site of findSpecifiers(file, text)) {
    const mapped = mapSpecifier(site.specifier, file, importMap);
    if (mapped.kind === "local") imports.push(mapped.file);
    if (mapped.kind === "npm") packages.push(mapped.npm);
    if (mapped.kind === "node") importsNode = true;
    edits.push({ start: site.start, end: site.end, text: mapped.output });

    if (site.typesComment !== undefined) {
      const types = site.typesComment;
      if (!types.specifier.startsWith("npm:")) {
        throw new BuildError(
          `Cannot map the @ts-types comment "${types.specifier}" in ${file}: only "npm:" type packages have an npm equivalent.`,
        );
      }
      packages.push(parseNpmSpecifier(types.specifier, file));
      // Node and tsc find the types package by name, so the comment goes;
      // blanking it keeps every offset in the file unchanged.
      edits.push({
        start: types.start,
        end: types.end,
        text: "//" + " ".repeat(types.end - types.start - 2),
      });
    }
  }

  edits.sort((a, b) => b.start - a.start);
  for (const edit of edits) {
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  return { module: { file, text, packages, importsNode }, imports };
}

/**
 * Collects the npm packages imported by some modules into a dependency map,
 * rejecting a package imported with two different ranges.
 *
 * @param modules The modules whose imports count.
 * @param seen Ranges already taken, by package name, shared between the
 * runtime and development maps so both agree.
 * @returns Package name to version range, sorted by name.
 * @throws {BuildError} When one package is imported with two ranges.
 */
export function collectDependencies(
  modules: Iterable<GraphModule>,
  seen: Map<string, { range: string; file: string }>,
): Record<string, string> {
  const dependencies: Record<string, string> = {};
  for (const module of modules) {
    for (const npm of module.packages) {
      const earlier = seen.get(npm.name);
      if (earlier !== undefined && earlier.range !== npm.range) {
        throw new BuildError(
          `Cannot map npm package "${npm.name}": ${earlier.file} imports version "${earlier.range}" but ${module.file} imports "${npm.range}". ` +
            `Use one version everywhere.`,
        );
      }
      seen.set(npm.name, { range: npm.range, file: module.file });
      dependencies[npm.name] = npm.range;
    }
  }
  return sortKeys(dependencies);
}

/**
 * Returns a copy of a string map with its keys in sorted order.
 *
 * @param record The map.
 * @returns The sorted copy.
 */
export function sortKeys(
  record: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => a.localeCompare(b)),
  );
}
