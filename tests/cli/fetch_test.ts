import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFingerprint } from "../../src/parse.ts";
import { PinStore } from "../../src/store.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "../helpers/certificates.ts";
import { type HttpsServer, startHttpsServer } from "../helpers/https_server.ts";
import { runCliInProcess, runCliProcess } from "../helpers/cli.ts";
import { findRefusedPort, startTlsServer } from "../helpers/servers.ts";
import { localLookup } from "../helpers/lookup.ts";

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Waits until every TCP connection to the server closed. */
async function settled(server: HttpsServer): Promise<void> {
  for (let waited = 0; server.openConnections() > 0; waited += 10) {
    if (waited > 2_000) assert.fail("the server did not settle within 2 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("certpin fetch", () => {
  let right: GeneratedCertificate;
  let wrong: GeneratedCertificate;
  let server: HttpsServer;
  let impostor: HttpsServer;
  let folder: string;
  const seen: Seen[] = [];

  before(async () => {
    right = await cachedCertificate("cli-fetch-right", { keyType: "ec" });
    wrong = await cachedCertificate("cli-fetch-wrong", { keyType: "ec" });
    server = await startHttpsServer({
      cert: right.certPem,
      key: right.keyPem,
      handler: (request, response) => {
        let body = "";
        request.setEncoding("utf8");
        request.on("data", (chunk: string) => {
          body += chunk;
        });
        request.on("end", () => {
          seen.push({
            method: request.method ?? "",
            url: request.url ?? "",
            headers: request.headers,
            body,
          });
          if (request.url === "/moved") {
            response.writeHead(302, { location: "/landed" });
            response.end("moved");
            return;
          }
          if (request.url === "/elsewhere") {
            // Port 2 has no pin, so the client rejects the redirect
            // before it connects anywhere.
            response.writeHead(302, { location: "https://127.0.0.1:2/" });
            response.end("moved");
            return;
          }
          response.writeHead(200, {
            "content-type": "text/plain",
            "set-cookie": "session=cookie-value-from-server",
          });
          response.end(`hello ${request.method} ${request.url}`);
        });
      },
    });
    impostor = await startHttpsServer({
      cert: wrong.certPem,
      key: wrong.keyPem,
    });
    folder = mkdtempSync(join(tmpdir(), "certpin-cli-fetch-"));
  });
  after(async () => {
    await server.close();
    await impostor.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("prints the body with the right pin", async () => {
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/web_api/show-hosts`,
      "--pin",
      right.sha256,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "hello GET /web_api/show-hosts");
    assert.equal(result.stderr, "");
  });

  it("runs as a process with the task's permissions", async () => {
    // Under Deno, undici reads environment variables when it loads; this
    // shows the permissions of the certpin task cover them.
    const result = await runCliProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/process`,
      "--pin",
      right.sha256,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "hello GET /process");
  });

  it("rejects another certificate, sends nothing", async () => {
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${impostor.port}/web_api/login`,
      "--pin",
      right.sha256,
      "-d",
      '{"user":"admin","password":"hunter2"}',
    ]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /does not match the pinned fingerprint/);
    assert.ok(result.stderr.includes(`127.0.0.1:${impostor.port}`));
    assert.ok(result.stderr.includes(`SHA-256:${right.sha256}`));
    assert.ok(result.stderr.includes(wrong.sha256));
    assert.ok(!result.stderr.includes("hunter2"));
    await settled(impostor);
    assert.equal(impostor.bytesReceived(), 0);
  });

  it("sends method, headers and data and redacts secrets with -v", async () => {
    const before = seen.length;
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/web_api/login?x=1`,
      "--pin",
      right.publicKeyPin,
      "-X",
      "PUT",
      "-H",
      "Authorization: Bearer token-value-secret",
      "-H",
      "Cookie: jar=cookie-value-secret",
      "-H",
      "X-chkp-sid: sid-value-secret",
      "-H",
      "Accept: text/plain",
      "-d",
      "password=body-value-secret",
      "-v",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "hello PUT /web_api/login?x=1");

    const request = seen[before];
    assert.ok(request !== undefined, "the server received no request");
    assert.equal(request.method, "PUT");
    assert.equal(request.body, "password=body-value-secret");
    assert.equal(request.headers["authorization"], "Bearer token-value-secret");
    assert.equal(request.headers["x-chkp-sid"], "sid-value-secret");
    assert.equal(
      request.headers["content-type"],
      "application/x-www-form-urlencoded",
    );

    assert.match(result.stderr, /^> PUT \/web_api\/login\?x=1$/m);
    assert.match(result.stderr, /^> accept: text\/plain$/m);
    assert.match(result.stderr, /^> authorization: \[redacted\]$/m);
    assert.match(result.stderr, /^> cookie: \[redacted\]$/m);
    assert.match(result.stderr, /^> x-chkp-sid: \[redacted\]$/m);
    assert.match(result.stderr, /request body of 26 bytes, not shown/);
    assert.match(result.stderr, /^< 200 OK$/m);
    assert.match(result.stderr, /^< content-type: text\/plain$/m);
    assert.match(result.stderr, /^< set-cookie: \[redacted\]$/m);
    for (
      const secret of ["token-value", "cookie-value", "sid-value", "body-value"]
    ) {
      assert.ok(!result.stderr.includes(secret), `stderr shows ${secret}`);
    }
  });

  it("reads the body from a file and writes the output to a file", async () => {
    const before = seen.length;
    const input = join(folder, "body.json");
    const output = join(folder, "out.txt");
    writeFileSync(input, '{"name":"web"}');
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/web_api/add-host`,
      "--pin",
      right.sha256,
      "--data-file",
      input,
      "-H",
      "Content-Type: application/json",
      "-o",
      output,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(readFileSync(output, "utf8"), "hello POST /web_api/add-host");
    assert.equal(seen[before]?.body, '{"name":"web"}');
    assert.equal(seen[before]?.headers["content-type"], "application/json");
  });

  it("reads the body from standard input with --data-file -", async () => {
    const before = seen.length;
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/web_api/login`,
      "--pin",
      right.sha256,
      "--data-file",
      "-",
    ], { input: '{"password":"from-stdin"}' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen[before]?.body, '{"password":"from-stdin"}');
    assert.equal(seen[before]?.method, "POST");
  });

  it("follows redirects only with -L", async () => {
    const url = `https://127.0.0.1:${server.port}/moved`;
    const plain = await runCliInProcess(["fetch", url, "--pin", right.sha256]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, "moved");

    const followed = await runCliInProcess([
      "fetch",
      url,
      "--pin",
      right.sha256,
      "-L",
      "-v",
    ]);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, "hello GET /landed");
    assert.match(
      followed.stderr,
      /redirected to https:\/\/127\.0\.0\.1:\d+\/landed/,
    );
  });

  it("takes the pin from the store", async () => {
    const path = join(folder, "pins.json");
    await new PinStore({ path }).addPin("127.0.0.1", server.port, {
      pin: parseFingerprint(right.sha256),
      added: new Date(),
      addedBy: "fetch CLI test",
    });
    const url = `https://127.0.0.1:${server.port}/stored`;
    const result = await runCliInProcess(["fetch", url, "--store", path]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "hello GET /stored");

    const fromEnv = await runCliInProcess(["fetch", url], {
      env: { CERTPIN_STORE: path },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
  });

  it("fails with 2 when the host has no pin", async () => {
    const accepted = impostor.connectionsAccepted();
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${impostor.port}/`,
      "--store",
      join(folder, "empty.json"),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No pin for 127\.0\.0\.1:\d+ in the pin store/);
    assert.match(result.stderr, /Give its pin with --pin/);
    assert.match(
      result.stderr,
      /"certpin pin 127\.0\.0\.1:\d+ --expect FINGERPRINT --store .+empty\.json"/,
    );
    assert.doesNotMatch(result.stderr, /allowUnpinned/);
    assert.equal(impostor.connectionsAccepted(), accepted);
  });

  it("tells how to pin a redirect's host", async () => {
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/elsewhere`,
      "--pin",
      right.sha256,
      "-L",
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'certpin: The redirect to 127.0.0.1:2 was not followed, because 127.0.0.1:2 has no pin and certpin follows redirects only to hosts with a pin. Store its pin with "certpin pin 127.0.0.1:2 --expect FINGERPRINT" and run the command again without --pin, so that the pin store is used.\n',
    );
  });

  it("resolves the host with the given lookup", async () => {
    const resolver = localLookup({ "fw.example.test": "127.0.0.1" });
    const result = await runCliInProcess([
      "fetch",
      `https://fw.example.test:${server.port}/named`,
      "--pin",
      right.sha256,
    ], { lookup: resolver.lookup });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "hello GET /named");
    assert.deepEqual(resolver.calls, ["fw.example.test"]);
  });

  it("fails with 3 on a network error", async () => {
    const port = await findRefusedPort();
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${port}/`,
      "--pin",
      right.sha256,
    ]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /refused/);
  });

  it("fails with 3 when the connection drops", async () => {
    const dropping = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
      onSecureConnection: (socket) =>
        socket.once("data", () => socket.destroy()),
    });
    try {
      const result = await runCliInProcess([
        "fetch",
        `https://127.0.0.1:${dropping.port}/`,
        "--pin",
        right.sha256,
      ]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /^certpin: Request to 127\.0\.0\.1:\d+ failed: the server closed the connection \(other side closed\)\.$/m,
      );
    } finally {
      await dropping.close();
    }
  });

  it("fails with 3 when the body is cut off", async () => {
    const cutting = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
      onSecureConnection: (socket) =>
        socket.once("data", () => {
          socket.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort");
          setTimeout(() => socket.destroy(), 50);
        }),
    });
    try {
      const result = await runCliInProcess([
        "fetch",
        `https://127.0.0.1:${cutting.port}/`,
        "--pin",
        right.sha256,
      ]);
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /Response from 127\.0\.0\.1:\d+ ended before its body was complete/,
      );
    } finally {
      await cutting.close();
    }
  });

  it("stops at --max-time when the server stalls", async () => {
    // The handshake completes, then the server never responds to the request.
    const stalling = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
    });
    try {
      const started = performance.now();
      const result = await runCliInProcess([
        "fetch",
        `https://127.0.0.1:${stalling.port}/`,
        "--pin",
        right.sha256,
        "--timeout",
        "2000",
        "--max-time",
        "0.3",
      ]);
      const elapsed = performance.now() - started;
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /^certpin: Request to 127\.0\.0\.1:\d+ timed out after 0\.3 s \(--max-time\)/m,
      );
      assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
      assert.equal(stalling.connections(), 1);
    } finally {
      await stalling.close();
    }
  });

  it("stops at --max-time when the body stalls", async () => {
    // The headers and part of the body arrive, then nothing more.
    const stalling = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
      onSecureConnection: (socket) =>
        socket.once("data", () => {
          socket.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort");
        }),
    });
    try {
      const started = performance.now();
      const result = await runCliInProcess([
        "fetch",
        `https://127.0.0.1:${stalling.port}/`,
        "--pin",
        right.sha256,
        "--max-time",
        "0.3",
      ]);
      const elapsed = performance.now() - started;
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /^certpin: Request to 127\.0\.0\.1:\d+ timed out after 0\.3 s \(--max-time\)/m,
      );
      assert.equal(result.stdout, "");
      assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
    } finally {
      await stalling.close();
    }
  });

  it("rejects an invalid --max-time with 2", async () => {
    for (const value of ["0", "-1", "abc", "1e3", "90000"]) {
      const result = await runCliInProcess([
        "fetch",
        "https://127.0.0.1/",
        "--pin",
        right.sha256,
        `--max-time=${value}`,
      ]);
      assert.equal(result.code, 2, value);
      assert.match(result.stderr, /Invalid value ".*" for --max-time/, value);
    }
  });

  it("reports an unwritable -o file with 2", async () => {
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/`,
      "--pin",
      right.sha256,
      "-o",
      join(folder, "missing-folder", "out.txt"),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Cannot write the response body to -o/);
    assert.doesNotMatch(result.stderr, /unexpected error/);
  });

  it("names the problem with a --data-file directory", async () => {
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/`,
      "--pin",
      right.sha256,
      "--data-file",
      folder,
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `certpin: Cannot read --data-file "${folder}": it is a directory (EISDIR).\n`,
    );
  });

  it("rejects a directory for -o before sending", async () => {
    const accepted = server.connectionsAccepted();
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${server.port}/`,
      "--pin",
      right.sha256,
      "-o",
      folder,
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `certpin: Cannot write the response body to -o "${folder}": it is a directory (EISDIR). The request was not sent.\n`,
    );
    assert.equal(server.connectionsAccepted(), accepted);
  });

  it("rejects bad methods and managed headers before sending", async () => {
    const url = `https://127.0.0.1:${server.port}/`;
    const cases: [string[], RegExp][] = [
      [["-X", "GE T"], /^certpin: Invalid method "GE T" given with -X/],
      [["-X", "TRACE"], /Method TRACE given with -X is not supported/],
      [
        ["-X", "GET", "-d", "body"],
        /Method GET given with -X cannot have a body/,
      ],
      [
        ["-X", "head", "-d", "body"],
        /Method HEAD given with -X cannot have a body/,
      ],
      [
        ["-H", "Transfer-Encoding: chunked", "-d", "abc"],
        /Header "Transfer-Encoding" given with -H is not allowed/,
      ],
      [
        ["-H", "Host: evil.example"],
        /Header "Host" given with -H is not allowed: certpin sets Host from the URL/,
      ],
      [["-H", "Content-Length: 5", "-d", "abc"], /"Content-Length"/],
    ];
    const accepted = server.connectionsAccepted();
    for (const [options, message] of cases) {
      const result = await runCliInProcess([
        "fetch",
        url,
        "--pin",
        right.sha256,
        ...options,
      ]);
      assert.equal(result.code, 2, options.join(" "));
      assert.match(result.stderr, message, options.join(" "));
      assert.doesNotMatch(result.stderr, /unexpected error/);
    }
    assert.equal(server.connectionsAccepted(), accepted);
  });

  it("prints no request line with -v on a mismatch", async () => {
    const result = await runCliInProcess([
      "fetch",
      `https://127.0.0.1:${impostor.port}/web_api/login`,
      "--pin",
      right.sha256,
      "-H",
      "Accept: text/plain",
      "-v",
    ]);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, /^>/m);
    assert.match(result.stderr, /does not match the pinned fingerprint/);
  });

  it("rejects bad usage with 2", async () => {
    const cases: [string[], RegExp][] = [
      [["fetch"], /Expected one URL/],
      [
        ["fetch", `http://127.0.0.1:${server.port}/`, "--pin", right.sha256],
        /must start with https:\/\//,
      ],
      [
        [
          "fetch",
          "https://127.0.0.1/",
          "--pin",
          right.sha256,
          "-d",
          "a",
          "--data-file",
          "b",
        ],
        /not both/,
      ],
      [
        [
          "fetch",
          "https://127.0.0.1/",
          "--pin",
          right.sha256,
          "-H",
          "Authorization Bearer secret-value",
        ],
        /Invalid header 1/,
      ],
      [["fetch", "https://127.0.0.1/", "--pin", "not-a-pin"], /not-a-pin/],
      [
        [
          "fetch",
          "https://127.0.0.1/",
          "--pin",
          right.sha256,
          "--store",
          "pins.json",
        ],
        /Give --pin or --store, not both/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCliInProcess(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, message);
      assert.ok(!result.stderr.includes("secret-value"));
    }
  });
});
