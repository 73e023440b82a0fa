/**
 * Smoke test of the npm package as a user gets it: packs `npm/` (built by
 * `deno task build:npm`), installs the tarball into a scratch project with
 * `npm install --offline`, and checks the import, the types, the `certpin`
 * executable and the README's Node example there.
 *
 * Prints `ok - NAME` or `not ok - NAME` per check, then a total, and exits
 * with 1 when a check failed. The npm cache must already hold the runtime
 * dependencies and `@types/node`; the build's own `npm install` puts them
 * there.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:tls";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { print, runCommand } from "./_process.ts";
import { readmeNodeExample } from "./_readme.ts";

const root = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const packageDir = path.join(root, "npm");
const fixture = path.join(root, "tests/fixtures/certs/gaia-like.pem");
const TIMEOUT_SECONDS = 120;

let passed = 0;
let failed = 0;

/** Records one check: prints its result and, on failure, the details. */
function report(name: string, ok: boolean, details = ""): void {
  if (ok) {
    passed += 1;
    print(`ok - ${name}`);
    return;
  }
  failed += 1;
  print(`not ok - ${name}`);
  if (details !== "") {
    print(details.trimEnd().replace(/^/gm, "    "));
  }
}

function expectedFingerprint(): string {
  const table = readFileSync(
    path.join(root, "tests/fixtures/certs/expected.tsv"),
    "utf8",
  );
  const header = table.split("\n")[0]?.split("\t") ?? [];
  const row = table.split("\n").find((line) =>
    line.startsWith("gaia-like.pem\t")
  );
  const value = row?.split("\t")[header.indexOf("sha256")];
  if (value === undefined) {
    throw new Error("expected.tsv has no sha256 value for gaia-like.pem");
  }
  return value;
}

async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  return await runCommand(command, args, {
    cwd,
    timeoutSeconds: TIMEOUT_SECONDS,
  });
}

function startTlsServer(): Promise<Server> {
  const key = readFileSync(
    path.join(root, "tests/fixtures/certs/gaia-like.key.pem"),
  );
  const server = createServer(
    { key, cert: readFileSync(fixture) },
    (socket) => socket.end(),
  );
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function packAndInstall(project: string): Promise<boolean> {
  const pack = await run(
    "npm",
    ["pack", "--json", "--pack-destination", project],
    packageDir,
  );
  if (pack.code !== 0) {
    report("npm pack", false, pack.output);
    return false;
  }
  const packed = JSON.parse(pack.output.slice(pack.output.indexOf("["))) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = packed[0]?.files.map((file) => file.path) ?? [];
  const unwanted = files.filter((file) =>
    file.startsWith("esm/tests/") || file.startsWith(".source/") ||
    file.startsWith("node_modules/")
  );
  const required = [
    "package.json",
    "README.md",
    "LICENSE",
    "esm/mod.js",
    "esm/mod.d.ts",
    "esm/src/cli/bin.js",
  ].filter((file) => !files.includes(file));
  report(
    "npm pack holds the library and no tests",
    unwanted.length === 0 && required.length === 0,
    `missing: ${required.join(", ") || "none"}\nunwanted: ${
      unwanted.join(", ") || "none"
    }`,
  );

  const config = JSON.parse(readFileSync(path.join(root, "deno.json"), "utf8"));
  const typesNode = config.npm.devDependencies["@types/node"] as string;
  writeFileSync(
    path.join(project, "package.json"),
    JSON.stringify({ name: "smoke", private: true, type: "module" }),
  );
  const install = await run("npm", [
    "install",
    "--offline",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    "--loglevel=error",
    `./${packed[0]?.filename}`,
    `@types/node@${typesNode}`,
  ], project);
  report(
    "npm install --offline of the tarball",
    install.code === 0,
    install.output,
  );
  return install.code === 0;
}

async function checkImport(project: string, expected: string): Promise<void> {
  writeFileSync(
    path.join(project, "import.mjs"),
    [
      'import { readFileSync } from "node:fs";',
      'import { certificateFingerprint } from "certpin";',
      'console.log(certificateFingerprint(readFileSync("server.pem", "utf8")));',
    ].join("\n"),
  );
  const result = await run(process.env.NODE ?? "node", ["import.mjs"], project);
  report(
    'import { certificateFingerprint } from "certpin"',
    result.code === 0 && result.output.trim() === expected,
    `expected ${expected}, got:\n${result.output}`,
  );
}

async function checkTypes(project: string): Promise<void> {
  writeFileSync(
    path.join(project, "consumer.ts"),
    [
      'import { certificateFingerprint, type HashAlgorithm } from "certpin";',
      'const algorithm: HashAlgorithm = "SHA-1";',
      'const fingerprint: string = certificateFingerprint("", algorithm);',
      "// @ts-expect-error: MD5 is not a HashAlgorithm, so the types are real.",
      'certificateFingerprint("", "MD5");',
      "export { fingerprint };",
    ].join("\n"),
  );
  const tsc = path.join(packageDir, "node_modules/typescript/bin/tsc");
  const result = await run(process.env.NODE ?? "node", [
    tsc,
    "--noEmit",
    "--strict",
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--types",
    "node",
    "consumer.ts",
  ], project);
  report(
    "tsc --noEmit type-checks a consumer",
    result.code === 0,
    result.output,
  );
}

async function checkExecutable(project: string, port: number): Promise<void> {
  const version = JSON.parse(readFileSync(path.join(root, "deno.json"), "utf8"))
    .version as string;
  const npx = await run("npx", ["--offline", "certpin", "--version"], project);
  report(
    "npx certpin --version",
    npx.code === 0 && npx.output.trim() === `certpin ${version}`,
    npx.output,
  );

  const target = `127.0.0.1:${port}`;
  const fromNpm = await run(
    "npx",
    ["--offline", "certpin", "fingerprint", target],
    project,
  );
  const fromDeno = await run(process.execPath, [
    "run",
    "--allow-all",
    "src/cli/bin.ts",
    "fingerprint",
    target,
  ], root);
  report(
    "npx certpin fingerprint prints what the Deno CLI prints",
    fromNpm.code === 0 && fromNpm.output === fromDeno.output,
    `npx certpin (exit ${fromNpm.code}):\n${fromNpm.output}\n` +
      `deno run src/cli/bin.ts (exit ${fromDeno.code}):\n${fromDeno.output}`,
  );
}

async function checkReadmeExample(
  project: string,
  expected: string,
): Promise<void> {
  const example = readmeNodeExample(
    readFileSync(path.join(root, "README.md"), "utf8"),
  );
  if (example === undefined) {
    report("README Node example runs", false, "no ```js block found");
    return;
  }
  writeFileSync(path.join(project, "readme.mjs"), example);
  const result = await run(process.env.NODE ?? "node", ["readme.mjs"], project);
  report(
    "README Node example runs",
    result.code === 0 && result.output.includes(expected),
    `expected output containing ${expected}, got:\n${result.output}`,
  );
}

const project = mkdtempSync(path.join(os.tmpdir(), "certpin-smoke-"));
const server = await startTlsServer();
try {
  writeFileSync(path.join(project, "server.pem"), readFileSync(fixture));
  if (await packAndInstall(project)) {
    const expected = expectedFingerprint();
    await checkImport(project, expected);
    await checkTypes(project);
    const address = server.address();
    const port = typeof address === "object" && address !== null
      ? address.port
      : 0;
    await checkExecutable(project, port);
    await checkReadmeExample(project, expected);
  }
} finally {
  server.close();
  rmSync(project, { recursive: true, force: true });
}

print(`smoke: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
