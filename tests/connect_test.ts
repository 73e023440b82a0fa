import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type tls from "node:tls";
import {
  closeSocket,
  openTlsConnection,
  startTlsConnection,
  type TlsConnectionOptions,
} from "../src/connect.ts";
import { ConnectionError, type ConnectionErrorKind } from "../src/errors.ts";
import {
  cachedCertificate,
  cachedSignedLeaf,
  type GeneratedCertificate,
} from "./helpers/certificates.ts";
import {
  findRefusedPort,
  type LocalServer,
  startPlainHttpServer,
  startSilentServer,
  startTlsServer,
  waitUntil,
} from "./helpers/servers.ts";
import { localLookup, silentLookup } from "./helpers/lookup.ts";
import {
  type ResumedNameCheck,
  resumeUnderWrongName,
} from "./helpers/resumed_session.ts";
import net from "node:net";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Awaits a connection attempt that must fail, and returns its error. */
async function connectionFailure(
  options: TlsConnectionOptions,
): Promise<ConnectionError> {
  try {
    const socket = await openTlsConnection(options);
    await closeSocket(socket);
  } catch (error) {
    assert.ok(
      error instanceof ConnectionError,
      `not a ConnectionError: ${error}`,
    );
    return error;
  }
  assert.fail(`connecting to ${options.host}:${options.port} succeeded`);
}

function assertResumedNameRejected(
  check: ResumedNameCheck,
  server: LocalServer,
): void {
  assert.ok(check.error !== undefined, "the wrong name connected");
  assert.equal(check.error.name, "ConnectionError");
  assert.equal(check.error.kind, "name-mismatch", check.error.message);
  assert.equal(check.error.host, server.host);
  assert.equal(check.error.port, server.port);
  assert.match(check.error.message, /does not name/);
  assert.match(check.error.message, /other\.example\.test/);
}

/**
 * Runs resumeUnderWrongName in a child process of this runtime that trusts
 * the root through its own CA store (DENO_CERT or NODE_EXTRA_CA_CERTS)
 * rather than the `ca` option.
 */
async function resumeInChild(
  server: LocalServer,
  root: GeneratedCertificate,
): Promise<ResumedNameCheck> {
  const folder = mkdtempSync(path.join(os.tmpdir(), "certpin-resume-"));
  try {
    const caFile = path.join(folder, "root.pem");
    writeFileSync(caFile, root.certPem);
    const isDeno = "Deno" in globalThis;
    const script = fileURLToPath(
      new URL(
        `./helpers/resumed_session.${isDeno ? "ts" : "js"}`,
        import.meta.url,
      ),
    );
    const args = [
      script,
      server.host,
      String(server.port),
      "fw.example.test",
      "other.example.test",
    ];
    const { status, stdout, stderr } = await runChild(
      isDeno ? ["run", "--allow-net=127.0.0.1", ...args] : args,
      isDeno ? { DENO_CERT: caFile } : { NODE_EXTRA_CA_CERTS: caFile },
    );
    assert.equal(status, 0, stderr);
    return JSON.parse(stdout) as ResumedNameCheck;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function runChild(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += String(chunk));
    child.stderr.on("data", (chunk) => stderr += String(chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function assertKind(
  error: ConnectionError,
  kind: ConnectionErrorKind,
  host: string,
  port: number,
): void {
  assert.equal(error.kind, kind, error.message);
  assert.equal(error.code, "CONNECTION_FAILED");
  assert.equal(error.host, host);
  assert.equal(error.port, port);
}

describe("openTlsConnection()", () => {
  let appliance: GeneratedCertificate;
  let server: LocalServer;
  // SNI names the server saw, by the client's port: a connection from an
  // earlier test may complete on the server side after that test ended.
  const servernames = new Map<number, string | false | null>();

  before(async () => {
    appliance = await cachedCertificate("connect-appliance", { keyType: "ec" });
    server = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
      onSecureConnection: (socket) => {
        servernames.set(
          socket.remotePort ?? 0,
          (socket as tls.TLSSocket & { servername: string | false | null })
            .servername,
        );
      },
    });
  });
  after(() => server.close());

  it("connects and exposes the peer certificate", async () => {
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
    });
    const raw = new Uint8Array(socket.getPeerCertificate().raw);
    await closeSocket(socket);
    assert.deepEqual(raw, appliance.der);
  });

  it("sends no SNI for an IP address", async () => {
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
    });
    const port = socket.localPort ?? 0;
    // In TLS 1.3 the server completes its side after the client.
    await waitUntil(
      () => servernames.has(port),
      "the server saw the handshake",
    );
    await closeSocket(socket);
    // Node reports a missing SNI as false, Deno as null.
    assert.ok(
      !servernames.get(port),
      `server saw SNI ${servernames.get(port)}`,
    );
  });

  it("sends the servername option as SNI", async () => {
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
      servername: "fw.example.test",
    });
    const port = socket.localPort ?? 0;
    await waitUntil(
      () => servernames.has(port),
      "the server saw the handshake",
    );
    await closeSocket(socket);
    assert.equal(servernames.get(port), "fw.example.test");
  });

  it("offers ALPN protocols", async () => {
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
      alpnProtocols: ["http/1.1"],
    });
    await closeSocket(socket);
    // The server offers no ALPN, so none is selected; the option is accepted.
    assert.equal(socket.alpnProtocol, false);
  });

  it("reports a refused port", async () => {
    const port = await findRefusedPort();
    const error = await connectionFailure({ host: "127.0.0.1", port });
    assertKind(error, "refused", "127.0.0.1", port);
    assert.match(error.message, /refused/);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  it("reports a host name that does not resolve", async () => {
    const resolver = localLookup();
    const error = await connectionFailure({
      host: "certpin-test.invalid",
      port: 443,
      lookup: resolver.lookup,
    });
    assertKind(error, "dns", "certpin-test.invalid", 443);
    assert.deepEqual(resolver.calls, ["certpin-test.invalid"]);
    assert.equal(error.cause, resolver.errors[0]);
    assert.match(error.message, /"certpin-test\.invalid" did not resolve/);
    assert.match(error.message, /\(ENOTFOUND\)/);
  });

  it("resolves the host with the lookup option", async () => {
    const resolver = localLookup({ "fw.example.test": server.host });
    const socket = await openTlsConnection({
      host: "fw.example.test",
      port: server.port,
      lookup: resolver.lookup,
    });
    const port = socket.localPort ?? 0;
    const remote = socket.remoteAddress;
    await waitUntil(
      () => servernames.has(port),
      "the server saw the handshake",
    );
    await closeSocket(socket);
    assert.deepEqual(resolver.calls, ["fw.example.test"]);
    assert.equal(remote, server.host);
    assert.equal(servernames.get(port), "fw.example.test");
  });

  it("calls no lookup for an IP address", async () => {
    const resolver = localLookup();
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
      lookup: resolver.lookup,
    });
    await closeSocket(socket);
    assert.deepEqual(resolver.calls, []);
  });

  it("times out while resolving the host name", async () => {
    const resolver = silentLookup();
    const error = await connectionFailure({
      host: "fw.example.test",
      port: 443,
      timeout: 200,
      lookup: resolver.lookup,
    });
    assertKind(error, "timeout", "fw.example.test", 443);
    assert.deepEqual(resolver.calls, ["fw.example.test"]);
    assert.match(error.message, /while resolving the host name/);
  });

  it("times out on a server that never speaks TLS", async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const error = await connectionFailure({
        host: silent.host,
        port: silent.port,
        timeout: 300,
      });
      const elapsed = Date.now() - started;
      assertKind(error, "timeout", silent.host, silent.port);
      assert.match(error.message, /timed out after 300 ms/);
      assert.match(error.message, /TLS handshake/);
      assert.ok(elapsed >= 250, `gave up after ${elapsed} ms`);
      assert.ok(elapsed < 2000, `gave up only after ${elapsed} ms`);
      assert.equal(silent.connections(), 1);
    } finally {
      await silent.close();
    }
  });

  it("reports a plain HTTP server as not TLS", async () => {
    const http = await startPlainHttpServer();
    try {
      const error = await connectionFailure({
        host: http.host,
        port: http.port,
      });
      assertKind(error, "not-tls", http.host, http.port);
      assert.match(error.message, /did not answer with TLS/);
    } finally {
      await http.close();
    }
  });

  it("reports a server that closes during the handshake", async () => {
    const sockets = new Set<net.Socket>();
    const closer = net.createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () => socket.destroy());
    });
    await new Promise<void>((resolve) =>
      closer.listen(0, "127.0.0.1", () => resolve())
    );
    const { port } = closer.address() as net.AddressInfo;
    try {
      const error = await connectionFailure({ host: "127.0.0.1", port });
      assert.ok(
        error.kind === "handshake" || error.kind === "reset",
        `kind ${error.kind}: ${error.message}`,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => closer.close(() => resolve()));
    }
  });

  it("stops when the signal aborts", async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 50);
      const error = await connectionFailure({
        host: silent.host,
        port: silent.port,
        signal: controller.signal,
      });
      assertKind(error, "aborted", silent.host, silent.port);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await silent.close();
    }
  });

  it("stops at once for an aborted signal", async () => {
    const error = await connectionFailure({
      host: server.host,
      port: server.port,
      signal: AbortSignal.abort(),
    });
    assertKind(error, "aborted", server.host, server.port);
  });

  it("rejects invalid options", () => {
    assert.throws(
      () => startTlsConnection({ host: "", port: 443 }),
      TypeError,
    );
    assert.throws(
      () => startTlsConnection({ host: "127.0.0.1", port: 0 }),
      TypeError,
    );
    assert.throws(
      () => startTlsConnection({ host: "127.0.0.1", port: 70000 }),
      TypeError,
    );
    assert.throws(
      () => startTlsConnection({ host: "127.0.0.1", port: 443, timeout: 0 }),
      TypeError,
    );
    assert.throws(
      () =>
        startTlsConnection({
          host: "fw.example.test",
          port: 443,
          lookup: "127.0.0.1" as unknown as net.LookupFunction,
        }),
      /lookup must be a function/,
    );
  });
});

describe("startTlsConnection()", () => {
  it("emits a ConnectionError to later listeners", async () => {
    const port = await findRefusedPort();
    const socket = startTlsConnection({ host: "127.0.0.1", port });
    const error = await new Promise<unknown>((resolve) =>
      socket.once("error", resolve)
    );
    await closeSocket(socket);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.kind, "refused");
  });
});

describe("openTlsConnection() with pin+ca", () => {
  let root: GeneratedCertificate;
  let leaf: GeneratedCertificate;
  let server: LocalServer;

  before(async () => {
    ({ root, leaf } = await cachedSignedLeaf("connect"));
    server = await startTlsServer({ cert: leaf.certPem, key: leaf.keyPem });
  });
  after(() => server.close());

  it("accepts a trusted chain and IP address", async () => {
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
      verify: "pin+ca",
      ca: root.certPem,
    });
    assert.equal(socket.authorized, true);
    await closeSocket(socket);
  });

  it("accepts a trusted chain and server name", async () => {
    const socket = await openTlsConnection({
      host: server.host,
      port: server.port,
      servername: "fw.example.test",
      verify: "pin+ca",
      ca: [root.certPem],
    });
    assert.equal(socket.authorized, true);
    await closeSocket(socket);
  });

  it("rejects a chain to an unknown CA", async () => {
    const error = await connectionFailure({
      host: server.host,
      port: server.port,
      verify: "pin+ca",
    });
    assertKind(error, "untrusted", server.host, server.port);
    assert.match(error.message, /not trusted/);
  });

  it("rejects a name the certificate lacks", async () => {
    const error = await connectionFailure({
      host: server.host,
      port: server.port,
      servername: "other.example.test",
      verify: "pin+ca",
      ca: root.certPem,
    });
    assertKind(error, "name-mismatch", server.host, server.port);
    assert.match(error.message, /does not name/);
    assert.match(error.message, /other\.example\.test/);
  });

  it("rejects a wrong name on a resumed session", async (context) => {
    const check = await resumeUnderWrongName({
      host: server.host,
      port: server.port,
      name: "fw.example.test",
      wrongName: "other.example.test",
      ca: root.certPem,
    });
    if (!check.resumed) {
      // Deno 2.9.6 resumes no session when custom CA certificates are
      // given; the next test covers that runtime.
      context.skip("this runtime does not resume sessions with a custom CA");
      return;
    }
    assertResumedNameRejected(check, server);
  });

  it("rejects a wrong name resumed with a CA store", async (context) => {
    const check = await resumeInChild(server, root);
    if (!check.resumed) {
      context.skip("this runtime did not resume the session");
      return;
    }
    assertResumedNameRejected(check, server);
  });

  it("rejects a self-signed certificate naming only a CN", async () => {
    const appliance = await cachedCertificate("connect-appliance", {
      keyType: "ec",
    });
    const applianceServer = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
    });
    try {
      const error = await connectionFailure({
        host: applianceServer.host,
        port: applianceServer.port,
        verify: "pin+ca",
        ca: appliance.certPem,
      });
      assertKind(
        error,
        "name-mismatch",
        applianceServer.host,
        applianceServer.port,
      );
    } finally {
      await applianceServer.close();
    }
  });
});
