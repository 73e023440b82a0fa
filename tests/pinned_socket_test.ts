import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import tls from "node:tls";
import { connectPinned, guardTlsSocket } from "../src/pinned_socket.ts";
import { closeSocket, startTlsConnection } from "../src/connect.ts";
import { parseFingerprint } from "../src/parse.ts";
import {
  ConnectionError,
  InvalidFingerprintError,
  PinMismatchError,
} from "../src/errors.ts";
import {
  cachedCertificate,
  cachedSignedLeaf,
  type GeneratedCertificate,
} from "./helpers/certificates.ts";
import {
  ipv6LoopbackAvailable,
  type LocalServer,
  startSilentServer,
  startTlsServer,
  waitUntil,
} from "./helpers/servers.ts";
import { localLookup } from "./helpers/lookup.ts";

const REQUEST = "GET /secret HTTP/1.1\r\nHost: fw\r\nX-Api-Key: k\r\n\r\n";

/** Milliseconds a rejected socket is kept open, so a leak would show. */
const LEAK_WINDOW = 150;

/**
 * Delays the socket's destroy, so a guard that let held bytes through on
 * a mismatch would have them reach the server within LEAK_WINDOW.
 */
function delayDestroy(socket: tls.TLSSocket): void {
  const destroy = socket.destroy.bind(socket);
  socket.destroy = ((error?: Error) => {
    setTimeout(() => destroy(error), LEAK_WINDOW);
    return socket;
  }) as typeof socket.destroy;
}

/** Resolves with the socket's error once the socket has closed. */
function errorAfterClose(socket: tls.TLSSocket): Promise<Error | undefined> {
  let error: Error | undefined;
  socket.once("error", (received: Error) => {
    error = received;
  });
  return new Promise((resolve) => socket.once("close", () => resolve(error)));
}

describe("guardTlsSocket()", () => {
  let appliance: GeneratedCertificate;
  let impostor: GeneratedCertificate;
  let server: LocalServer;

  before(async () => {
    appliance = await cachedCertificate("pinned-appliance", { keyType: "ec" });
    impostor = await cachedCertificate("pinned-impostor", { keyType: "ec" });
    server = await startTlsServer({
      cert: impostor.certPem,
      key: impostor.keyPem,
      respond: "none",
    });
  });
  after(() => server.close());

  it("leaks early writes without a guard", async () => {
    // The control: the runtime sends bytes written before the handshake
    // once it completes, which is what the guard must prevent.
    const before = server.bytesReceived();
    const socket = startTlsConnection({ host: server.host, port: server.port });
    socket.write(REQUEST);
    await waitUntil(
      () => server.bytesReceived() - before === REQUEST.length,
      "the server received the request",
    );
    await closeSocket(socket);
  });

  it("sends no byte when the pin mismatches", async () => {
    const before = server.bytesReceived();
    const socket = startTlsConnection({ host: server.host, port: server.port });
    guardTlsSocket(socket, [parseFingerprint(appliance.sha256)], {
      host: server.host,
      port: server.port,
    });
    delayDestroy(socket);
    const closed = errorAfterClose(socket);
    const writeResult = new Promise<Error | null | undefined>((resolve) =>
      socket.write(REQUEST, resolve)
    );
    socket.once("secureConnect", () => socket.write("more after connect"));
    const error = await closed;

    assert.ok(error instanceof PinMismatchError, String(error));
    assert.equal(error.host, server.host);
    assert.equal(error.port, server.port);
    assert.equal(error.certificate.fingerprints.sha256, impostor.sha256);
    assert.equal(await writeResult, error);
    assert.equal(server.bytesReceived() - before, 0);
  });

  it("sends no byte passed to end()", async () => {
    const before = server.bytesReceived();
    const socket = startTlsConnection({ host: server.host, port: server.port });
    guardTlsSocket(socket, [parseFingerprint(appliance.publicKeyPin)]);
    delayDestroy(socket);
    const closed = errorAfterClose(socket);
    socket.end(REQUEST);
    const error = await closed;

    assert.ok(error instanceof PinMismatchError, String(error));
    assert.equal(server.bytesReceived() - before, 0);
  });

  it("sends held writes in order on a match", async () => {
    const echo = await startTlsServer({
      cert: impostor.certPem,
      key: impostor.keyPem,
      respond: "echo",
    });
    try {
      const socket = startTlsConnection({ host: echo.host, port: echo.port });
      guardTlsSocket(socket, [parseFingerprint(impostor.sha256)]);
      const sent = ["first ", "second ", REQUEST];
      for (const text of sent) socket.write(text);
      let received = "";
      socket.on("data", (chunk: Uint8Array) => {
        received += new TextDecoder().decode(chunk);
      });
      await waitUntil(
        () => received.length === sent.join("").length,
        "the server echoed all writes",
      );
      await closeSocket(socket);
      assert.equal(received, sent.join(""));
      assert.equal(echo.bytesReceived(), sent.join("").length);
    } finally {
      await echo.close();
    }
  });

  it("rejects an empty pin list", () => {
    const socket = startTlsConnection({ host: server.host, port: server.port });
    try {
      assert.throws(() => guardTlsSocket(socket, []), TypeError);
    } finally {
      socket.destroy();
    }
  });

  it("rejects a socket past its handshake", async () => {
    const socket = startTlsConnection({ host: server.host, port: server.port });
    await new Promise((resolve) => socket.once("secureConnect", resolve));
    try {
      assert.throws(
        () => guardTlsSocket(socket, [parseFingerprint(impostor.sha256)]),
        /already completed/,
      );
    } finally {
      await closeSocket(socket);
    }
  });
});

describe("connectPinned()", () => {
  let appliance: GeneratedCertificate;
  let impostor: GeneratedCertificate;
  let server: LocalServer;

  before(async () => {
    appliance = await cachedCertificate("pinned-appliance", { keyType: "ec" });
    impostor = await cachedCertificate("pinned-impostor", { keyType: "ec" });
    server = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
    });
  });
  after(() => server.close());

  const forms: [string, (certificate: GeneratedCertificate) => string][] = [
    ["SHA-256 colon hex", (certificate) => certificate.sha256],
    ["SHA-1 colon hex", (certificate) => certificate.sha1],
    ["public-key pin", (certificate) => certificate.publicKeyPin],
    [
      "lowercase SHA-256 hex",
      (c) => c.sha256.replaceAll(":", "").toLowerCase(),
    ],
  ];
  for (const [name, pinOf] of forms) {
    it(`connects with a matching ${name}`, async () => {
      const socket = await connectPinned({
        host: server.host,
        port: server.port,
        pins: [pinOf(appliance)],
      });
      const response = new Promise<string>((resolve) =>
        socket.once("data", (chunk: Uint8Array) => resolve(String(chunk)))
      );
      socket.write("GET / HTTP/1.1\r\nHost: fw\r\n\r\n");
      assert.match(await response, /^HTTP\/1\.1 200 OK/);
      await closeSocket(socket);
    });
  }

  it("connects when one of several pins matches", async () => {
    const socket = await connectPinned({
      host: server.host,
      port: server.port,
      pins: [impostor.sha256, impostor.publicKeyPin, appliance.sha1],
    });
    assert.equal(socket.destroyed, false);
    await closeSocket(socket);
  });

  it("resolves the host with the lookup option", async () => {
    const resolver = localLookup({ "fw.example.test": server.host });
    const socket = await connectPinned({
      host: "fw.example.test",
      port: server.port,
      pins: [appliance.sha256],
      lookup: resolver.lookup,
    });
    const remote = socket.remoteAddress;
    await closeSocket(socket);
    assert.deepEqual(resolver.calls, ["fw.example.test"]);
    assert.equal(remote, server.host);
  });

  it("rejects a mismatch before any byte", async () => {
    const before = server.bytesReceived();
    await assert.rejects(
      connectPinned({
        host: server.host,
        port: server.port,
        pins: [impostor.sha256, impostor.publicKeyPin],
      }),
      (error: unknown) => {
        assert.ok(error instanceof PinMismatchError);
        assert.equal(error.code, "PIN_MISMATCH");
        assert.equal(error.host, server.host);
        assert.equal(error.port, server.port);
        assert.equal(error.expected.length, 2);
        assert.equal(error.certificate.fingerprints.sha256, appliance.sha256);
        assert.match(error.message, /before any request was sent/);
        return true;
      },
    );
    assert.equal(server.bytesReceived() - before, 0);
  });

  it("enforces the pin on a resumed session", async (context) => {
    const tickets = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
      sessionTickets: true,
    });
    try {
      const first = await connectPinned({
        host: tickets.host,
        port: tickets.port,
        pins: [appliance.sha256],
      });
      // A TLS 1.3 ticket arrives after the handshake, so read a response.
      first.write("GET / HTTP/1.1\r\nHost: fw\r\n\r\n");
      await new Promise((resolve) => first.once("data", resolve));
      const session = first.getSession();
      await closeSocket(first);
      assert.ok(session !== undefined, "no session to resume");

      const resumed = await connectPinned({
        host: tickets.host,
        port: tickets.port,
        pins: [appliance.sha256],
        session,
      });
      const reused = resumed.isSessionReused();
      await closeSocket(resumed);
      if (!reused) {
        context.skip("the server did not resume the session");
        return;
      }

      const socket = startTlsConnection({
        host: tickets.host,
        port: tickets.port,
        session,
      });
      let reusedWhenChecked: boolean | undefined;
      guardTlsSocket(socket, [parseFingerprint(impostor.sha256)]);
      socket.prependListener("secureConnect", () => {
        reusedWhenChecked = socket.isSessionReused();
      });
      delayDestroy(socket);
      const closed = errorAfterClose(socket);
      const before = tickets.bytesReceived();
      socket.write(REQUEST);
      const error = await closed;

      assert.equal(reusedWhenChecked, true);
      assert.ok(error instanceof PinMismatchError, String(error));
      assert.equal(tickets.bytesReceived() - before, 0);
    } finally {
      await tickets.close();
    }
  });

  it("never sends on a foreign resumed session", async () => {
    // A session from a connection certpin did not open: Node reports no
    // certificate when resuming it, Deno does. Either way nothing is sent.
    const tickets = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
    });
    try {
      const foreign = tls.connect({
        host: tickets.host,
        port: tickets.port,
        rejectUnauthorized: false,
      });
      foreign.write("GET / HTTP/1.1\r\nHost: fw\r\n\r\n");
      await new Promise((resolve) => foreign.once("data", resolve));
      const session = foreign.getSession();
      await closeSocket(foreign);
      assert.ok(session !== undefined, "no session to resume");

      const before = tickets.bytesReceived();
      const socket = startTlsConnection({
        host: tickets.host,
        port: tickets.port,
        session,
      });
      guardTlsSocket(socket, [parseFingerprint(impostor.sha256)]);
      delayDestroy(socket);
      const closed = errorAfterClose(socket);
      socket.write(REQUEST);
      const error = await closed;

      assert.ok(
        error instanceof PinMismatchError ||
          (error instanceof ConnectionError && error.kind === "handshake"),
        String(error),
      );
      assert.equal(tickets.bytesReceived() - before, 0);
    } finally {
      await tickets.close();
    }
  });

  it("connects over IPv6 loopback", async (context) => {
    if (!await ipv6LoopbackAvailable()) {
      context.skip("::1 is not available on this machine");
      return;
    }
    const server6 = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
      host: "::1",
    });
    try {
      const socket = await connectPinned({
        host: "::1",
        port: server6.port,
        pins: [appliance.sha256],
      });
      assert.equal(socket.remoteAddress, "::1");
      await closeSocket(socket);
      await assert.rejects(
        connectPinned({
          host: "::1",
          port: server6.port,
          pins: [impostor.sha256],
        }),
        (error: unknown) =>
          error instanceof PinMismatchError && error.host === "::1" &&
          error.message.includes(`[::1]:${server6.port}`),
      );
    } finally {
      await server6.close();
    }
  });

  it("times out on a server that never speaks TLS", async () => {
    const silent = await startSilentServer();
    try {
      await assert.rejects(
        connectPinned({
          host: silent.host,
          port: silent.port,
          pins: [appliance.sha256],
          timeout: 300,
        }),
        (error: unknown) =>
          error instanceof ConnectionError && error.kind === "timeout",
      );
      assert.equal(silent.bytesReceived() > 0, true, "no ClientHello sent");
    } finally {
      await silent.close();
    }
  });

  it("rejects invalid pins before connecting", async () => {
    await assert.rejects(
      connectPinned({ host: server.host, port: server.port, pins: [] }),
      TypeError,
    );
    await assert.rejects(
      connectPinned({
        host: server.host,
        port: server.port,
        pins: ["not a fingerprint"],
      }),
      InvalidFingerprintError,
    );
  });
});

describe("connectPinned() with pin+ca", () => {
  let root: GeneratedCertificate;
  let leaf: GeneratedCertificate;
  let server: LocalServer;

  before(async () => {
    ({ root, leaf } = await cachedSignedLeaf("pinned"));
    server = await startTlsServer({ cert: leaf.certPem, key: leaf.keyPem });
  });
  after(() => server.close());

  it("needs both the pin and the chain", async () => {
    const socket = await connectPinned({
      host: server.host,
      port: server.port,
      pins: [leaf.sha256],
      verify: "pin+ca",
      ca: root.certPem,
    });
    assert.equal(socket.authorized, true);
    await closeSocket(socket);
  });

  it("rejects a trusted chain with a wrong pin", async () => {
    await assert.rejects(
      connectPinned({
        host: server.host,
        port: server.port,
        pins: [root.sha256],
        verify: "pin+ca",
        ca: root.certPem,
      }),
      PinMismatchError,
    );
  });

  it("rejects a matching pin with an untrusted chain", async () => {
    const before = server.bytesReceived();
    await assert.rejects(
      connectPinned({
        host: server.host,
        port: server.port,
        pins: [leaf.sha256],
        verify: "pin+ca",
      }),
      (error: unknown) =>
        error instanceof ConnectionError && error.kind === "untrusted",
    );
    assert.equal(server.bytesReceived() - before, 0);
  });
});
