import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  Agent as UndiciAgent,
  getGlobalDispatcher,
  setGlobalDispatcher,
} from "npm:undici@7.30.3";
import { createPinnedFetch, pinnedFetch } from "../src/fetch.ts";
import {
  ConnectionError,
  InvalidTargetError,
  PinMismatchError,
  UnpinnedHostError,
} from "../src/errors.ts";
import { parseFingerprint } from "../src/parse.ts";
import { PinStore } from "../src/store.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "./helpers/certificates.ts";
import { type HttpsServer, startHttpsServer } from "./helpers/https_server.ts";
import { startSilentServer } from "./helpers/servers.ts";
import { localLookup } from "./helpers/lookup.ts";

/** Awaits a promise that must reject and returns its error. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the request succeeded");
}

/**
 * Rejects when the promise has not settled within the given seconds, so a
 * body read that never settles fails the test instead of hanging it.
 */
function withinSeconds<T>(seconds: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still pending after ${seconds} s`)),
      seconds * 1000,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
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
 * Waits until every TCP connection to the server closed, so each byte a
 * client sent has been counted. A client that rejects the certificate
 * closes right after its side of the handshake, often before the server's
 * side ends.
 */
async function settled(server: HttpsServer): Promise<void> {
  for (let waited = 0; server.openConnections() > 0; waited += 10) {
    if (waited > 2_000) {
      assert.fail(
        `${server.openConnections()} connections still open after 2 s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("createPinnedFetch()", () => {
  let right: GeneratedCertificate;
  let wrong: GeneratedCertificate;
  let server: HttpsServer;
  let impostor: HttpsServer;
  let origin: string;

  before(async () => {
    right = await cachedCertificate("fetch-right", { keyType: "ec" });
    wrong = await cachedCertificate("fetch-wrong", { keyType: "ec" });
    server = await startHttpsServer({
      cert: right.certPem,
      key: right.keyPem,
      handler: (request, response) => {
        const match = /^\/redirect\?to=(.*)$/.exec(request.url ?? "");
        if (match !== null) {
          response.writeHead(302, { location: decodeURIComponent(match[1]!) });
          response.end();
          return;
        }
        if (request.url === "/loop") {
          response.writeHead(302, { location: "/loop" });
          response.end();
          return;
        }
        if (request.url === "/cut" || request.url === "/stall") {
          // Five of the hundred bytes announced, then a broken connection
          // or silence.
          response.writeHead(200, { "content-length": "100" });
          response.write("short");
          if (request.url === "/cut") {
            setTimeout(() => response.socket?.destroy(), 50);
          }
          return;
        }
        let body = "";
        request.setEncoding("utf8");
        request.on("data", (chunk: string) => {
          body += chunk;
        });
        request.on("end", () => {
          response.end(`ok ${request.method} ${request.url} ${body}`.trim());
        });
      },
    });
    impostor = await startHttpsServer({
      cert: wrong.certPem,
      key: wrong.keyPem,
    });
    origin = `https://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    await impostor.close();
  });

  it("fetches from the pinned server", async () => {
    const fetch = createPinnedFetch({
      pins: { [`127.0.0.1:${server.port}`]: right.sha256 },
    });
    try {
      const response = await fetch(`${origin}/hello`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "ok GET /hello");
    } finally {
      await fetch.close();
    }
  });

  it("rejects reading a body that is cut off", async () => {
    const fetch = createPinnedFetch({
      pins: { [`127.0.0.1:${server.port}`]: right.sha256 },
    });
    try {
      const response = await fetch(`${origin}/cut`);
      const error = await rejection(withinSeconds(5, response.text()));
      assert.ok(error instanceof TypeError, String(error));
      assert.equal(error.message, "terminated");
    } finally {
      await fetch.close();
    }
  });

  it("rejects reading a body when the signal aborts", async () => {
    const fetch = createPinnedFetch({
      pins: { [`127.0.0.1:${server.port}`]: right.sha256 },
    });
    const controller = new AbortController();
    const reason = new Error("deadline passed");
    try {
      const response = await fetch(`${origin}/stall`, {
        signal: controller.signal,
      });
      const reading = response.text();
      controller.abort(reason);
      assert.equal(await rejection(withinSeconds(5, reading)), reason);
    } finally {
      await fetch.close();
    }
  });

  it("resolves host names with the lookup option", async () => {
    const resolver = localLookup({ "fw.example.test": "127.0.0.1" });
    const fetch = createPinnedFetch({
      pins: { "fw.example.test": right.sha256 },
      lookup: resolver.lookup,
    });
    try {
      const response = await fetch(
        `https://fw.example.test:${server.port}/named`,
      );
      assert.equal(await response.text(), "ok GET /named");
      assert.deepEqual(resolver.calls, ["fw.example.test"]);
    } finally {
      await fetch.close();
    }
  });

  it("sends a POST body and headers", async () => {
    const fetch = createPinnedFetch({
      pins: { "127.0.0.1": [wrong.sha256, right.publicKeyPin] },
    });
    try {
      const response = await fetch(`${origin}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "admin" }),
      });
      assert.equal(await response.text(), 'ok POST /login {"user":"admin"}');
    } finally {
      await fetch.close();
    }
  });

  it("accepts a Request as input", async () => {
    const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
    try {
      const request = new Request(`${origin}/request`, {
        method: "PUT",
        body: "payload",
      });
      const response = await fetch(request);
      assert.equal(await response.text(), "ok PUT /request payload");
    } finally {
      await fetch.close();
    }
  });

  it("prefers a host:port pin over the host's pin", async () => {
    const fetch = createPinnedFetch({
      pins: {
        "127.0.0.1": wrong.sha256,
        [`127.0.0.1:${server.port}`]: right.sha256,
      },
    });
    const reversed = createPinnedFetch({
      pins: {
        "127.0.0.1": right.sha256,
        [`127.0.0.1:${server.port}`]: wrong.sha256,
      },
    });
    try {
      assert.equal((await fetch(`${origin}/`)).status, 200);
      const error = await rejection(reversed(`${origin}/`));
      assertMismatch(error, server.port, wrong, right);
    } finally {
      await fetch.close();
      await reversed.close();
    }
  });

  it("rejects another certificate and sends nothing", async () => {
    const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
    try {
      const error = await rejection(
        fetch(`https://127.0.0.1:${impostor.port}/web_api/login`, {
          method: "POST",
          body: JSON.stringify({ user: "admin", password: "secret" }),
        }),
      );
      assertMismatch(error, impostor.port, right, wrong);
      await settled(impostor);
      assert.equal(impostor.bytesReceived(), 0);
    } finally {
      await fetch.close();
    }
  });

  it("rejects a host without a pin before connecting", async () => {
    const accepted = impostor.connectionsAccepted();
    const fetch = createPinnedFetch({ pins: { "192.0.2.1": right.sha256 } });
    try {
      const error = await rejection(
        fetch(`https://127.0.0.1:${impostor.port}/`),
      );
      assert.ok(error instanceof UnpinnedHostError, `${error}`);
      assert.equal(error.host, "127.0.0.1");
      assert.equal(error.port, impostor.port);
      assert.equal(impostor.connectionsAccepted(), accepted);
    } finally {
      await fetch.close();
    }
  });

  it("still checks the CA with allowUnpinned", async () => {
    const fetch = createPinnedFetch({
      pins: { "192.0.2.1": right.sha256 },
      allowUnpinned: true,
      connectTimeout: 2_000,
    });
    try {
      const error = await rejection(fetch(`${origin}/`));
      assert.ok(error instanceof ConnectionError, `${error}`);
      assert.equal(error.kind, "untrusted");
      assert.match(error.message, /not trusted/);
    } finally {
      await fetch.close();
    }
  });

  it("rejects plain http: URLs", async () => {
    const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
    try {
      await assert.rejects(
        fetch(`http://127.0.0.1:${server.port}/`),
        /only https: requests/,
      );
    } finally {
      await fetch.close();
    }
  });

  describe("redirects", () => {
    it("follows a redirect to a pinned host and checks it", async () => {
      const other = await startHttpsServer({
        cert: wrong.certPem,
        key: wrong.keyPem,
      });
      const fetch = createPinnedFetch({
        pins: {
          [`127.0.0.1:${server.port}`]: right.sha256,
          [`127.0.0.1:${other.port}`]: wrong.sha256,
        },
      });
      try {
        const target = `https://127.0.0.1:${other.port}/landed`;
        const response = await fetch(
          `${origin}/redirect?to=${encodeURIComponent(target)}`,
        );
        assert.equal(response.status, 200);
        assert.equal(response.redirected, true);
        assert.equal(await response.text(), "ok GET /landed");
        assert.equal(other.handshakes(), 1);
      } finally {
        await fetch.close();
        await other.close();
      }
    });

    it("rejects a redirect to a pinned host with another certificate", async () => {
      const fetch = createPinnedFetch({
        pins: { "127.0.0.1": right.sha256 },
      });
      try {
        const target = `https://127.0.0.1:${impostor.port}/steal`;
        const error = await rejection(
          fetch(`${origin}/redirect?to=${encodeURIComponent(target)}`, {
            headers: { "x-chkp-sid": "session-id" },
          }),
        );
        assertMismatch(error, impostor.port, right, wrong);
        await settled(impostor);
        assert.equal(impostor.bytesReceived(), 0);
      } finally {
        await fetch.close();
      }
    });

    it("rejects a redirect to an unpinned host", async () => {
      const accepted = impostor.connectionsAccepted();
      const fetch = createPinnedFetch({
        pins: { [`127.0.0.1:${server.port}`]: right.sha256 },
      });
      try {
        const target = `https://127.0.0.1:${impostor.port}/steal`;
        const error = await rejection(
          fetch(`${origin}/redirect?to=${encodeURIComponent(target)}`),
        );
        assert.ok(error instanceof UnpinnedHostError, `${error}`);
        assert.equal(error.port, impostor.port);
        assert.equal(impostor.connectionsAccepted(), accepted);
      } finally {
        await fetch.close();
      }
    });

    it("rejects a redirect to plain HTTP", async () => {
      const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
      try {
        const target = `http://127.0.0.1:${impostor.port}/`;
        const error = await rejection(
          fetch(`${origin}/redirect?to=${encodeURIComponent(target)}`),
        );
        assert.ok(error instanceof UnpinnedHostError, `${error}`);
        assert.match(error.message, /plain HTTP/);
      } finally {
        await fetch.close();
      }
    });

    it("respects the manual and error redirect modes", async () => {
      const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
      try {
        const url = `${origin}/redirect?to=${
          encodeURIComponent("https://unpinned.invalid/")
        }`;
        const manual = await fetch(url, { redirect: "manual" });
        assert.equal(manual.status, 302);
        assert.equal(
          manual.headers.get("location"),
          "https://unpinned.invalid/",
        );
        await manual.body?.cancel();
        await assert.rejects(fetch(url, { redirect: "error" }), TypeError);
      } finally {
        await fetch.close();
      }
    });

    it("stops after 20 redirects", async () => {
      const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
      try {
        const error = await rejection(fetch(`${origin}/loop`));
        assert.ok(error instanceof TypeError, `${error}`);
        assert.match(String((error as TypeError).cause), /redirect count/);
      } finally {
        await fetch.close();
      }
    });
  });

  it("checks the new connection after a keep-alive server restart", async () => {
    const first = await startHttpsServer({
      cert: right.certPem,
      key: right.keyPem,
    });
    const port = first.port;
    const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
    let second: HttpsServer | undefined;
    try {
      await (await fetch(`https://127.0.0.1:${port}/a`)).text();
      // undici frees the connection just after the body ends; a request
      // sent before that would open a second connection.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await (await fetch(`https://127.0.0.1:${port}/b`)).text();
      assert.equal(first.handshakes(), 1, "the second request reused it");

      await first.close();
      // Let undici see the old connection close, so the next request opens
      // a new one instead of failing on the dead socket.
      await new Promise((resolve) => setTimeout(resolve, 100));
      second = await startHttpsServer({
        cert: wrong.certPem,
        key: wrong.keyPem,
        port,
      });
      const error = await rejection(
        fetch(`https://127.0.0.1:${port}/c`, { method: "POST", body: "x" }),
      );
      assertMismatch(error, port, right, wrong);
      await settled(second);
      assert.equal(second.bytesReceived(), 0);
    } finally {
      await fetch.close();
      await first.close();
      await second?.close();
    }
  });

  describe("proxies", () => {
    it("rejects a dispatcher or proxy option", async () => {
      const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
      const accepted = server.connectionsAccepted();
      try {
        await assert.rejects(
          fetch(`${origin}/`, {
            dispatcher: new UndiciAgent(),
          } as unknown as RequestInit),
          /"dispatcher" option/,
        );
        assert.equal(server.connectionsAccepted(), accepted);
      } finally {
        await fetch.close();
      }
      assert.throws(
        () =>
          createPinnedFetch(
            {
              pins: { "127.0.0.1": right.sha256 },
              proxy: "http://127.0.0.1:3128",
            } as Parameters<typeof createPinnedFetch>[0],
          ),
        /"proxy" option/,
      );
    });

    it("ignores HTTPS_PROXY and the global dispatcher", async () => {
      const proxy = await startSilentServer();
      const saved = {
        HTTPS_PROXY: process.env.HTTPS_PROXY,
        https_proxy: process.env.https_proxy,
        ALL_PROXY: process.env.ALL_PROXY,
      };
      const globalDispatcher = getGlobalDispatcher();
      let globalConnects = 0;
      const trap = new UndiciAgent({
        connect: (_options, callback) => {
          globalConnects++;
          callback(new Error("the global dispatcher was used"), null);
        },
      });
      const proxyUrl = `http://127.0.0.1:${proxy.port}`;
      process.env.HTTPS_PROXY = proxyUrl;
      process.env.https_proxy = proxyUrl;
      process.env.ALL_PROXY = proxyUrl;
      setGlobalDispatcher(trap);
      const fetch = createPinnedFetch({ pins: { "127.0.0.1": right.sha256 } });
      try {
        const response = await fetch(`${origin}/direct`);
        assert.equal(await response.text(), "ok GET /direct");
        assert.equal(proxy.connections(), 0);
        assert.equal(globalConnects, 0);
      } finally {
        setGlobalDispatcher(globalDispatcher);
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
        await fetch.close();
        await trap.close();
        await proxy.close();
      }
    });
  });

  describe("with a pin store", () => {
    let folder: string;

    before(() => {
      folder = mkdtempSync(join(tmpdir(), "certpin-fetch-"));
    });
    after(() => rmSync(folder, { recursive: true, force: true }));

    it("takes the pins from the store", async () => {
      const store = new PinStore({ path: join(folder, "pins.json") });
      await store.addPin("127.0.0.1", server.port, {
        pin: parseFingerprint(right.sha256),
        added: new Date(),
        addedBy: "fetch test",
      });
      const fetch = createPinnedFetch({ store });
      try {
        assert.equal((await fetch(`${origin}/stored`)).status, 200);
        const error = await rejection(
          fetch(`https://127.0.0.1:${impostor.port}/`),
        );
        assert.ok(error instanceof UnpinnedHostError, `${error}`);
        assert.match(error.message, /in the pin store/);
      } finally {
        await fetch.close();
      }
    });
  });

  it("rejects invalid options", () => {
    assert.throws(
      () => createPinnedFetch({} as Parameters<typeof createPinnedFetch>[0]),
      /give either "pins" or "store", got neither/,
    );
    assert.throws(
      () => createPinnedFetch({ pins: { "127.0.0.1": [] } }),
      /pin list of "127.0.0.1" is empty/,
    );
    assert.throws(
      () => createPinnedFetch({ pins: { "bad host": right.sha256 } }),
      InvalidTargetError,
    );
  });
});

describe("pinnedFetch()", () => {
  let right: GeneratedCertificate;
  let wrong: GeneratedCertificate;
  let server: HttpsServer;

  before(async () => {
    right = await cachedCertificate("fetch-right", { keyType: "ec" });
    wrong = await cachedCertificate("fetch-wrong", { keyType: "ec" });
    server = await startHttpsServer({ cert: right.certPem, key: right.keyPem });
  });
  after(() => server.close());

  it("fetches once with the right pin", async () => {
    const response = await pinnedFetch(
      `https://127.0.0.1:${server.port}/once`,
      { pin: right.sha256, method: "POST", body: "data" },
    );
    assert.equal(await response.text(), "ok POST /once");
    await settled(server);
  });

  it("rejects the wrong pin and sends nothing", async () => {
    const bytes = server.bytesReceived();
    const error = await rejection(
      pinnedFetch(`https://127.0.0.1:${server.port}/once`, {
        pin: wrong.sha256,
        method: "POST",
        body: "password=secret",
      }),
    );
    assertMismatch(error, server.port, wrong, right);
    await settled(server);
    assert.equal(server.bytesReceived(), bytes);
  });
});
