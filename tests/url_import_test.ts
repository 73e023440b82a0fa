// Importing certpin by URL: a local HTTP server serves this repository, and
// a child `deno run` imports mod.ts and src/cli/bin.ts from it without a
// config file, lock file or import map. A bare specifier, a path only an
// import map resolves, or a file missing from the repository fails the run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import {
  createServer as createTlsServer,
  type Server as TlsServer,
} from "node:tls";
import {
  mkdtempSync,
  readFile,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { readmeDenoRunCommands, readmeUrlExample } from "../scripts/_readme.ts";
import { expectedFingerprints } from "./helpers/fixtures.ts";

const SKIP = process.versions.deno === undefined
  ? "imports by URL are a Deno feature; Node runs the npm build instead"
  : false;
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MEDIA_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** Serves the repository's files read-only, recording each requested path. */
function serveRepository(requested: string[]): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const file = path.join(ROOT, decodeURIComponent(url.pathname));
    requested.push(url.pathname);
    if (request.method !== "GET" || !file.startsWith(ROOT)) {
      response.writeHead(405).end();
      return;
    }
    readFile(file, (error, body) => {
      if (error !== null) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        "content-type": MEDIA_TYPES[path.extname(file)] ??
          "application/octet-stream",
      }).end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** Runs `deno run` with no config, printing what the child printed. */
function denoRun(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["run", "--no-config", "--no-lock", ...args],
      { cwd, env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += String(chunk));
    child.stderr.on("data", (chunk) => stderr += String(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Removes what Deno cached of the modules served from `base`, so the cache
 * does not grow by a folder for every port a test run used.
 */
function removeCachedModules(base: string): void {
  const info = spawnSync(process.execPath, ["info", "--json"], {
    encoding: "utf8",
  });
  const caches = JSON.parse(info.stdout) as {
    modulesCache: string;
    typescriptCache: string;
  };
  const folder = `127.0.0.1_PORT${new URL(base).port}`;
  for (const cache of [caches.modulesCache, caches.typescriptCache]) {
    rmSync(path.join(cache, "http", folder), { recursive: true, force: true });
  }
}

/** Returns the README's `deno run` command whose words include `script`. */
function readmeCommand(script: string): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const command = readmeDenoRunCommands(readme).find((words) =>
    words.some((word) => word.endsWith(script))
  );
  assert.ok(command !== undefined, `README has no "deno run" of ${script}`);
  return command;
}

/** Starts a TLS server with the appliance-like test certificate. */
function startTlsServer(): Promise<TlsServer> {
  const certs = path.join(ROOT, "tests/fixtures/certs");
  const server = createTlsServer({
    key: readFileSync(path.join(certs, "gaia-like.key.pem")),
    cert: readFileSync(path.join(certs, "gaia-like.pem")),
  }, (socket) => socket.end());
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

describe("import by URL", { skip: SKIP }, () => {
  const requested: string[] = [];
  const version = JSON.parse(readFileSync(path.join(ROOT, "deno.json"), "utf8"))
    .version as string;
  const gaia = expectedFingerprints().find((row) =>
    row.file === "gaia-like.pem"
  );
  let server: Server;
  let base: string;
  let allowImport: string;
  let workDir: string;

  before(async () => {
    server = await serveRepository(requested);
    const address = server.address();
    assert.ok(typeof address === "object");
    assert.ok(address !== null);
    allowImport = `--allow-import=127.0.0.1:${address.port}`;
    base = `http://127.0.0.1:${address.port}/`;
    workDir = mkdtempSync(path.join(os.tmpdir(), "certpin-url-import-"));
    writeFileSync(
      path.join(workDir, "server.pem"),
      readFileSync(path.join(ROOT, "tests/fixtures/certs/gaia-like.pem")),
    );
  });

  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(workDir, { recursive: true, force: true });
    removeCachedModules(base);
  });

  it("runs the README example from the served mod.ts", async () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const example = readmeUrlExample(readme);
    assert.ok(example !== undefined, "README has no URL import example");
    const released = /"(https:\/\/[^"]+\/)mod\.ts"/.exec(example)?.[1];
    assert.ok(released !== undefined, "the example imports no mod.ts URL");
    assert.ok(
      released.includes(`/v${version}/`),
      `the example pins ${released}, not version ${version}`,
    );
    writeFileSync(
      path.join(workDir, "example.ts"),
      example.replaceAll(released, base),
    );

    const command = readmeCommand("example.ts");
    const result = await denoRun([allowImport, ...command], workDir);
    assert.equal(result.stderr.replace(/^Download .*\n/gm, ""), "");
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), gaia?.sha256);
    assert.ok(requested.includes("/mod.ts"));
    assert.ok(requested.some((file) => file.startsWith("/src/")));
  });

  it("runs the README CLI command from the served bin.ts", async () => {
    const command = readmeCommand("src/cli/bin.ts");
    const bin = command.findIndex((word) => word.endsWith("/src/cli/bin.ts"));
    assert.deepEqual(command.slice(bin + 1, bin + 2), ["fingerprint"]);
    const server = await startTlsServer();
    try {
      const address = server.address();
      assert.ok(typeof address === "object");
      assert.ok(address !== null);
      const result = await denoRun([
        allowImport,
        ...command.slice(0, bin),
        `${base}src/cli/bin.ts`,
        "fingerprint",
        `127.0.0.1:${address.port}`,
      ], workDir);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`SHA-256: +${gaia?.sha256}`));
    } finally {
      server.close();
    }
  });

  it("runs the CLI version from the served bin.ts", async () => {
    const result = await denoRun(
      [allowImport, `${base}src/cli/bin.ts`, "--version"],
      workDir,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `certpin ${version}\n`);
  });
});
