/**
 * Module specifiers as Deno reads them, mapped to what Node and the
 * TypeScript compiler read in the npm package: relative `.ts` paths become
 * `.js`, `npm:name@range/subpath` becomes `name/subpath` plus a dependency,
 * and `node:` modules stay. Outside the library, a bare specifier that the
 * `imports` of `deno.json` maps to an `npm:name@version` specifier is
 * mapped as that specifier. Anything else has no npm equivalent and fails
 * the build.
 *
 * @module
 */

import path from "node:path";
import ts from "typescript";

/** A failure of the npm build; its message names the file and the fix. */
export class BuildError extends Error {
  /**
   * Creates the error.
   *
   * @param message What failed, in which file, and what to change.
   */
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

/** An `npm:` specifier split into package name, version range and subpath. */
export interface NpmSpecifier {
  /** Package name, with its scope when it has one. */
  name: string;
  /** Version or range as written after `@`. */
  range: string;
  /** Path inside the package, starting with `/`, or empty. */
  subpath: string;
}

/** The target of one specifier after mapping. */
export type MappedSpecifier =
  | {
    kind: "local";
    /** Project-relative POSIX path of the imported file. */
    file: string;
    /** Specifier written into the npm build. */
    output: string;
  }
  | { kind: "node"; output: string }
  | { kind: "npm"; npm: NpmSpecifier; output: string };

const NPM_SPECIFIER =
  /^npm:\/?((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(?:@([^/]+))?(\/.*)?$/i;

/**
 * Splits an `npm:` specifier.
 *
 * @param specifier Such as `npm:@peculiar/x509@2.2.0` or `npm:ws@8/lib/x.js`.
 * @param importer File the specifier appears in, for the error message.
 * @returns Name, range and subpath.
 * @throws {BuildError} When the package name is malformed or has no version.
 */
export function parseNpmSpecifier(
  specifier: string,
  importer: string,
): NpmSpecifier {
  const match = NPM_SPECIFIER.exec(specifier);
  if (match === null || match[1] === undefined) {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: not a valid npm package specifier.`,
    );
  }
  if (match[2] === undefined || match[2] === "") {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: the npm package has no version. ` +
        `Write it as "npm:${
          match[1]
        }@X.Y.Z" so Deno and the npm package use the same version.`,
    );
  }
  return { name: match[1], range: match[2], subpath: match[3] ?? "" };
}

/**
 * Maps one specifier found in a project file.
 *
 * @param specifier The specifier as written in the source.
 * @param importer Project-relative POSIX path of the file it appears in.
 * @param importMap The `imports` of `deno.json`, for a file outside the
 * library; none unless given.
 * @returns The mapping.
 * @throws {BuildError} For `jsr:` and URL specifiers, bare specifiers that
 * the import map does not map to an `npm:` package, unversioned `npm:`
 * packages, relative paths that do not name a `.ts` or `.json` file, and
 * paths that leave the project.
 */
export function mapSpecifier(
  specifier: string,
  importer: string,
  importMap: Readonly<Record<string, string>> = {},
): MappedSpecifier {
  if (specifier.startsWith("node:")) {
    return { kind: "node", output: specifier };
  }
  if (specifier.startsWith("npm:")) {
    const npm = parseNpmSpecifier(specifier, importer);
    return { kind: "npm", npm, output: npm.name + npm.subpath };
  }
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return mapRelative(specifier, importer);
  }

  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(specifier)?.[1];
  if (scheme !== undefined) {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: "${scheme}:" imports have no npm equivalent. ` +
        `Use an "npm:name@version" package or copy the code into the project.`,
    );
  }
  const mapped = resolveImportMap(specifier, importMap);
  if (mapped === undefined) {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: bare specifiers depend on an import map, and the npm build resolves them through the "imports" of deno.json only outside the library. ` +
        `Write the import as "npm:name@version" or as a relative path to a .ts file.`,
    );
  }
  if (!mapped.startsWith("npm:")) {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: deno.json maps it to "${mapped}", and the npm build maps only import map entries of the form "npm:name@version".`,
    );
  }
  const npm = parseNpmSpecifier(
    mapped,
    `${importer} (through the "imports" of deno.json)`,
  );
  return { kind: "npm", npm, output: npm.name + npm.subpath };
}

/**
 * Resolves a bare specifier through an import map: an entry of the same
 * name, or else the longest entry ending in "/" that starts the specifier.
 */
function resolveImportMap(
  specifier: string,
  importMap: Readonly<Record<string, string>>,
): string | undefined {
  const exact = importMap[specifier];
  if (exact !== undefined) return exact;
  const prefix = Object.keys(importMap)
    .filter((key) => key.endsWith("/") && specifier.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return undefined;
  return importMap[prefix] + specifier.slice(prefix.length);
}

function mapRelative(specifier: string, importer: string): MappedSpecifier {
  const file = path.posix.normalize(
    path.posix.join(path.posix.dirname(importer), specifier),
  );
  if (file.startsWith("../")) {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: the path leads outside the project.`,
    );
  }
  if (file.endsWith(".d.ts")) {
    throw new BuildError(
      `Cannot map "${specifier}" in ${importer}: imports of .d.ts files are not supported; import the .ts module.`,
    );
  }
  if (file.endsWith(".ts")) {
    return { kind: "local", file, output: specifier.slice(0, -3) + ".js" };
  }
  if (file.endsWith(".json")) {
    return { kind: "local", file, output: specifier };
  }
  throw new BuildError(
    `Cannot map "${specifier}" in ${importer}: relative imports must name a .ts or .json file.`,
  );
}

/** One string in a source file that names a module. */
export interface SpecifierSite {
  /** The specifier text. */
  specifier: string;
  /** Offset of the first character inside the quotes. */
  start: number;
  /** Offset just past the last character inside the quotes. */
  end: number;
  /**
   * The `// @ts-types="…"` comment above the import, which Deno reads for
   * the types of an untyped package and Node ignores.
   */
  typesComment?: TypesComment;
}

/** A `// @ts-types="…"` comment. */
export interface TypesComment {
  /** The specifier in the comment. */
  specifier: string;
  /** Offset where the comment starts. */
  start: number;
  /** Offset just past the end of the comment. */
  end: number;
}

const TYPES_COMMENT = /^\/\/\s*@ts-types\s*=\s*["']([^"']+)["']/;

/**
 * Finds every module specifier in TypeScript source: static imports and
 * re-exports, `import()` calls and `import("…")` types with a literal
 * argument. Dynamic imports of computed values are left alone.
 *
 * @param fileName Name used for the parse, which picks the script kind.
 * @param text The source text.
 * @returns The specifier sites in source order.
 */
export function findSpecifiers(
  fileName: string,
  text: string,
): SpecifierSite[] {
  const source = ts.createSourceFile(
    fileName,
    text,
    ts.ScriptTarget.ESNext,
    true,
  );
  const sites: SpecifierSite[] = [];
  const add = (node: ts.Node | undefined, declaration?: ts.Node): void => {
    if (node === undefined || !ts.isStringLiteralLike(node)) return;
    const site: SpecifierSite = {
      specifier: node.text,
      start: node.getStart(source) + 1,
      end: node.getEnd() - 1,
    };
    const typesComment = declaration && findTypesComment(text, declaration);
    if (typesComment !== undefined) site.typesComment = typesComment;
    sites.push(site);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      add(node.moduleReference.expression);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword
    ) {
      add(node.arguments[0]);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
    ) {
      add(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites.sort((a, b) => a.start - b.start);
}

function findTypesComment(
  text: string,
  declaration: ts.Node,
): TypesComment | undefined {
  const comments = ts.getLeadingCommentRanges(text, declaration.pos) ?? [];
  for (const comment of comments) {
    const body = text.slice(comment.pos, comment.end);
    const match = TYPES_COMMENT.exec(body);
    if (match?.[1] !== undefined) {
      return { specifier: match[1], start: comment.pos, end: comment.end };
    }
  }
  return undefined;
}
