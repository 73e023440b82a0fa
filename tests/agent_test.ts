import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import type http from "node:http";
import type tls from "node:tls";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import axios from "npm:axios@1.21.1";
// @ts-types="npm:@types/ws@8.18.1"
import { WebSocket, WebSocketServer } from "npm:ws@8.23.1";
import { createPinnedAgent, type PinnedAgentOptions } from "../src/agent.ts";
import { connectPinned } from "../src/pinned_socket.ts";
import { PinMismatchError, UnpinnedHostError } from "../src/errors.ts";
import { parseFingerprint } from "../src/parse.ts";
import { PinStore } from "../src/store.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "./helpers/certificates.ts";
import { type HttpsServer, startHttpsServer } from "./helpers/https_server.ts";

interface Reply {
  status: number;
  body: string;
}

/** Sends a GET through the agent and reads the whole reply. */
function get(
  agent: https.Agent,
  port: number,
  path = "/",
  extra: https.RequestOptions = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host: "127.0.0.1", port, path, agent, ...extra },
      (response: http.IncomingMessage) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on(
          "end",
          () => resolve({ status: response.statusCode ?? 0, body }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}

/** Awaits a request that must fail and returns its error. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the request succeeded");
}

function assertMismatch(
  error: unknown,
  port: number,
  expected: GeneratedCertificate,
  actual: GeneratedCertificate,
): asserts error is PinMismatchError {
  assert.ok(error instanceof PinMismatchError, `not a mismatch: ${error}`);
  assert.equal(error.host, "127.0.0.1");
  assert.equal(error.port, port);
  assert.deepEqual(error.expected, [`SHA-256:${expected.sha256}`]);
  assert.equal(error.certificate.fingerprints.sha256, actual.sha256);
}

/**
 * Waits until all but `open` of the server's TCP connections closed, so
 * every byte a client sent on them has been counted. A client that rejects
 * the certificate closes right after its side of the handshake, often
 * before the server's side ends.
 */
function settled(server: HttpsServer, open = 0): Promise<void> {
  return waitFor(() => server.openConnections() === open);
}

/** Waits until a condition holds, checking every 10 ms for up to 2 s. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2_000) assert.fail("condition not reached within 2 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("createPinnedAgent()", () => {
  let right: GeneratedCertificate;
  let wrong: GeneratedCertificate;
  let server: HttpsServer;

  before(async () => {
    right = await cachedCertificate("agent-right", { keyType: "ec" });
    wrong = await cachedCertificate("agent-wrong", { keyType: "ec" });
    server = await startHttpsServer({ cert: right.certPem, key: right.keyPem });
  });
  after(() => server.close());

  it("sends a request to the pinned server", async () => {
    const agent = createPinnedAgent({ pins: right.sha256 });
    try {
      const reply = await get(agent, server.port, "/hello");
      assert.equal(reply.status, 200);
      assert.equal(reply.body, "ok GET /hello");
    } finally {
      agent.destroy();
    }
  });

  it("accepts a public-key pin and a list of pins", async () => {
    const agent = createPinnedAgent({
      pins: [wrong.sha256, right.publicKeyPin],
    });
    try {
      assert.equal((await get(agent, server.port)).status, 200);
    } finally {
      agent.destroy();
    }
  });

  it("rejects another certificate and sends nothing", async () => {
    const impostor = await startHttpsServer({
      cert: wrong.certPem,
      key: wrong.keyPem,
    });
    const agent = createPinnedAgent({ pins: right.sha256 });
    try {
      const error = await rejection(get(agent, impostor.port, "/secret"));
      assertMismatch(error, impostor.port, right, wrong);
      await settled(impostor);
      assert.equal(impostor.bytesReceived(), 0);
    } finally {
      agent.destroy();
      await impostor.close();
    }
  });

  it("rejects a chain whose root is pinned but not its leaf", async () => {
    const root = await cachedCertificate("agent-root", { keyType: "ec" });
    const leaf = await cachedCertificate("agent-leaf", {
      keyType: "ec",
      issuer: root,
    });
    const chained = await startHttpsServer({
      cert: leaf.certPem + root.certPem,
      key: leaf.keyPem,
    });
    const agent = createPinnedAgent({ pins: root.sha256 });
    try {
      const error = await rejection(get(agent, chained.port));
      assertMismatch(error, chained.port, root, leaf);
      await settled(chained);
      assert.equal(chained.bytesReceived(), 0);
    } finally {
      agent.destroy();
      await chained.close();
    }
  });

  it("checks the new connection after a keep-alive server restart", async () => {
    const first = await startHttpsServer({
      cert: right.certPem,
      key: right.keyPem,
    });
    const port = first.port;
    const agent = createPinnedAgent({ pins: right.sha256, keepAlive: true });
    let second: HttpsServer | undefined;
    try {
      assert.equal((await get(agent, port, "/a")).status, 200);
      assert.equal((await get(agent, port, "/b")).status, 200);
      assert.equal(first.handshakes(), 1, "the second request reused it");

      await first.close();
      await waitFor(() => Object.keys(agent.freeSockets).length === 0);
      second = await startHttpsServer({
        cert: wrong.certPem,
        key: wrong.keyPem,
        port,
      });
      const error = await rejection(get(agent, port, "/c"));
      assertMismatch(error, port, right, wrong);
      await settled(second);
      assert.equal(second.bytesReceived(), 0);
    } finally {
      agent.destroy();
      await first.close();
      await second?.close();
    }
  });

  it("checks a resumed TLS session", async () => {
    // An agent that pins another certificate offers a session from a
    // verified connection to the right server. The server resumes it, and
    // the pin check must still reject the connection.
    const verified = await connectPinned({
      host: "127.0.0.1",
      port: server.port,
      pins: [right.sha256],
    });
    const session = await new Promise<Uint8Array>((resolve) => {
      verified.once("session", (ticket: Uint8Array) => resolve(ticket));
      verified.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      verified.resume();
    });
    verified.destroy();
    await settled(server);
    const bytesBefore = server.bytesReceived();

    const agent = createPinnedAgent({ pins: wrong.sha256 });
    let reused: boolean | undefined;
    try {
      const error = await rejection(
        new Promise((resolve, reject) => {
          const request = https.get({
            host: "127.0.0.1",
            port: server.port,
            path: "/secret",
            agent,
            session,
          } as https.RequestOptions, resolve);
          // Runs before the guard's own listener, which destroys the socket.
          request.on("socket", (socket) => {
            const tlsSocket = socket as tls.TLSSocket;
            tlsSocket.prependOnceListener("secureConnect", () => {
              reused = tlsSocket.isSessionReused();
            });
          });
          request.on("error", reject);
        }),
      );
      assert.equal(reused, true, "the connection did not resume the session");
      await settled(server);
      assert.equal(server.bytesReceived(), bytesBefore);
      assertMismatch(error, server.port, wrong, right);
    } finally {
      agent.destroy();
    }
  });

  it("works with axios", async () => {
    const agent = createPinnedAgent({ pins: right.sha256 });
    try {
      const reply = await axios.get(`https://127.0.0.1:${server.port}/axios`, {
        httpsAgent: agent,
        proxy: false,
        responseType: "text",
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.data, "ok GET /axios");
    } finally {
      agent.destroy();
    }
  });

  it("rejects another certificate through axios", async () => {
    const impostor = await startHttpsServer({
      cert: wrong.certPem,
      key: wrong.keyPem,
    });
    const agent = createPinnedAgent({ pins: right.sha256 });
    try {
      const error = await rejection(
        axios.post(`https://127.0.0.1:${impostor.port}/login`, {
          password: "secret",
        }, { httpsAgent: agent, proxy: false }),
      );
      assert.ok(axios.isAxiosError(error), `not an AxiosError: ${error}`);
      assertMismatch(error.cause, impostor.port, right, wrong);
      await settled(impostor);
      assert.equal(impostor.bytesReceived(), 0);
    } finally {
      agent.destroy();
      await impostor.close();
    }
  });

  it("works with ws and rejects an impostor", async () => {
    const genuine = await startHttpsServer({
      cert: right.certPem,
      key: right.keyPem,
    });
    const impostor = await startHttpsServer({
      cert: wrong.certPem,
      key: wrong.keyPem,
    });
    const sockets = [genuine, impostor].map((https) => {
      const wss = new WebSocketServer({ server: https.server });
      wss.on("connection", (socket) => {
        socket.on("message", (data) => socket.send(`echo ${data}`));
      });
      return wss;
    });
    const agent = createPinnedAgent({ pins: right.sha256 });
    try {
      const echo = await new Promise<string>((resolve, reject) => {
        const client = new WebSocket(`wss://127.0.0.1:${genuine.port}/`, {
          agent,
        });
        client.on("open", () => client.send("hello"));
        client.on("message", (data) => {
          resolve(String(data));
          client.close();
        });
        client.on("error", reject);
      });
      assert.equal(echo, "echo hello");

      const error = await new Promise<unknown>((resolve) => {
        const client = new WebSocket(`wss://127.0.0.1:${impostor.port}/`, {
          agent,
        });
        client.on("open", () => resolve(new Error("the connection opened")));
        client.on("error", resolve);
      });
      assertMismatch(error, impostor.port, right, wrong);
      await settled(impostor);
      assert.equal(impostor.bytesReceived(), 0);
    } finally {
      agent.destroy();
      for (const wss of sockets) wss.close();
      await genuine.close();
      await impostor.close();
    }
  });

  describe("with a pin store", () => {
    let folder: string;
    let store: PinStore;

    before(() => {
      folder = mkdtempSync(join(tmpdir(), "certpin-agent-"));
      store = new PinStore({ path: join(folder, "pins.json") });
    });
    after(() => rmSync(folder, { recursive: true, force: true }));

    it("takes the target's pins from the store", async () => {
      await store.addPin("127.0.0.1", server.port, {
        pin: parseFingerprint(right.sha256),
        added: new Date(),
        addedBy: "agent test",
      });
      const agent = createPinnedAgent({ store });
      try {
        assert.equal((await get(agent, server.port, "/stored")).status, 200);
      } finally {
        agent.destroy();
      }
    });

    it("rejects a target the store has no pin for", async () => {
      const unpinned = await startHttpsServer({
        cert: right.certPem,
        key: right.keyPem,
      });
      const agent = createPinnedAgent({ store });
      try {
        const error = await rejection(get(agent, unpinned.port));
        assert.ok(error instanceof UnpinnedHostError, `${error}`);
        assert.equal(error.host, "127.0.0.1");
        assert.equal(error.port, unpinned.port);
        assert.equal(unpinned.connectionsAccepted(), 0);
      } finally {
        agent.destroy();
        await unpinned.close();
      }
    });

    it("does not reuse a connection once the stored pin changed", async () => {
      const keepAlive = await startHttpsServer({
        cert: right.certPem,
        key: right.keyPem,
      });
      await store.addPin("127.0.0.1", keepAlive.port, {
        pin: parseFingerprint(right.sha256),
        added: new Date(),
        addedBy: "agent test",
      });
      const agent = createPinnedAgent({ store, keepAlive: true });
      try {
        assert.equal((await get(agent, keepAlive.port)).status, 200);
        await store.addPin("127.0.0.1", keepAlive.port, {
          pin: parseFingerprint(wrong.sha256),
          added: new Date(),
          addedBy: "agent test",
        }, "replace");
        const bytesBefore = keepAlive.bytesReceived();
        const error = await rejection(get(agent, keepAlive.port));
        assertMismatch(error, keepAlive.port, wrong, right);
        // The first connection stays open in the pool of the old pin.
        await settled(keepAlive, 1);
        assert.equal(keepAlive.bytesReceived(), bytesBefore);
      } finally {
        agent.destroy();
        await keepAlive.close();
      }
    });
  });

  it("rejects options without exactly one pin source", () => {
    assert.throws(
      () => createPinnedAgent({} as PinnedAgentOptions),
      /give either "pins" or "store", got neither/,
    );
    assert.throws(
      () =>
        createPinnedAgent({
          pins: right.sha256,
          store: new PinStore({ path: "unused.json" }),
        } as unknown as PinnedAgentOptions),
      /not both/,
    );
    assert.throws(() => createPinnedAgent({ pins: [] }), TypeError);
  });

  it("rejects TLS options it cannot honor", () => {
    assert.throws(
      () => createPinnedAgent({ pins: right.sha256, ca: right.certPem }),
      /TLS option "ca"/,
    );
    assert.throws(
      () =>
        createPinnedAgent({
          pins: right.sha256,
          checkServerIdentity: () => undefined,
        }),
      /TLS option "checkServerIdentity"/,
    );
  });
});
