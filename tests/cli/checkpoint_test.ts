import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import type { CliIo } from "../../src/cli/_common.ts";
import { parseFingerprint } from "../../src/parse.ts";
import { PinStore } from "../../src/store.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "../helpers/certificates.ts";
import {
  type CheckpointMock,
  startCheckpointMock,
  waitUntilClosed,
} from "../helpers/checkpoint_mock.ts";
import { runCliInProcess } from "../helpers/cli.ts";
import { findRefusedPort, startTlsServer } from "../helpers/servers.ts";

const PASSWORD = "correct horse battery staple";

describe("certpin checkpoint login", () => {
  let right: GeneratedCertificate;
  let wrong: GeneratedCertificate;
  let server: CheckpointMock;
  let impostor: CheckpointMock;
  let folder: string;

  before(async () => {
    right = await cachedCertificate("checkpoint-cli-right", { keyType: "ec" });
    wrong = await cachedCertificate("checkpoint-cli-wrong", { keyType: "ec" });
    const users = { admin: PASSWORD };
    server = await startCheckpointMock({
      cert: right.certPem,
      key: right.keyPem,
      users,
      apiServerVersion: "1.9.1",
      domain: "SMC User",
    });
    impostor = await startCheckpointMock({
      cert: wrong.certPem,
      key: wrong.keyPem,
      users,
    });
    folder = mkdtempSync(join(tmpdir(), "certpin-checkpoint-"));
  });
  after(async () => {
    await server.close();
    await impostor.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("logs in, prints the session and logs out", async () => {
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${server.port}`,
      "--user",
      "admin",
      "--pin",
      right.sha1,
    ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
    assert.equal(result.code, 0, result.stderr);
    const sid = server.issuedSessions().at(-1);
    assert.ok(sid !== undefined, "the mock issued no session");
    assert.match(result.stdout, /^Logged in to 127\.0\.0\.1:\d+ as admin\.$/m);
    assert.ok(result.stdout.includes(`session id:         ${sid}\n`));
    assert.match(result.stdout, /^API server version: 1\.9\.1$/m);
    assert.match(result.stdout, /^domain: {13}SMC User$/m);
    assert.match(result.stdout, /^Logged out\.$/m);
    assert.deepEqual(server.activeSessions(), []);
    assert.ok(!result.stdout.includes(PASSWORD));
    assert.ok(!result.stderr.includes(PASSWORD));
  });

  it("rejects an impostor, which receives nothing", async () => {
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${impostor.port}`,
      "--user",
      "admin",
      "--pin",
      right.sha256,
    ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /does not match the pinned fingerprint/);
    assert.ok(result.stderr.includes(wrong.sha256));
    assert.ok(!result.stderr.includes(PASSWORD));
    await waitUntilClosed(impostor);
    assert.equal(impostor.bytesReceived(), 0);
    assert.deepEqual(impostor.issuedSessions(), []);
  });

  it("reads the password from the terminal", async () => {
    const prompts: string[] = [];
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: {},
      stdinIsTerminal: true,
      stderrIsTerminal: true,
      readSecret: (prompt) => {
        prompts.push(prompt);
        return Promise.resolve(PASSWORD);
      },
    };
    const code = await main([
      "checkpoint",
      "login",
      `127.0.0.1:${server.port}`,
      "--user=admin",
      `--pin=${right.publicKeyPin}`,
    ], io);
    assert.equal(code, 0, stderr);
    assert.deepEqual(prompts, [
      `Password for admin at 127.0.0.1:${server.port}: `,
    ]);
    assert.match(stdout, /^Logged out\.$/m);
  });

  it("stops without a terminal or CHECKPOINT_PASSWORD", async () => {
    const accepted = server.connectionsAccepted();
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${server.port}`,
      "--user",
      "admin",
      "--pin",
      right.sha256,
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No password: set CHECKPOINT_PASSWORD/);
    assert.equal(server.connectionsAccepted(), accepted);
  });

  it("reports a rejected login with exit code 2", async () => {
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${server.port}`,
      "--user",
      "admin",
      "--pin",
      right.sha256,
    ], { env: { CHECKPOINT_PASSWORD: "wrong password" } });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /rejected "login" with HTTP 400: Authentication to server failed\. \(err_login_failed\)/,
    );
    assert.ok(!result.stderr.includes("wrong password"));
  });

  it("takes the pin from the store", async () => {
    const path = join(folder, "pins.json");
    await new PinStore({ path }).addPin("127.0.0.1", server.port, {
      pin: parseFingerprint(right.sha256),
      added: new Date(),
      addedBy: "checkpoint CLI test",
    });
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${server.port}`,
      "--user",
      "admin",
      "--store",
      path,
    ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Logged out\.$/m);

    const unpinned = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${impostor.port}`,
      "--user",
      "admin",
      "--store",
      path,
    ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
    assert.equal(unpinned.code, 2);
    assert.match(
      unpinned.stderr,
      /No pin for 127\.0\.0\.1:\d+ in the pin store/,
    );
    assert.doesNotMatch(unpinned.stderr, /allowUnpinned/);
    assert.match(unpinned.stderr, /Give its pin with --pin/);
  });

  it("reports a missing pin before asking for the password", async () => {
    const accepted = impostor.connectionsAccepted();
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${impostor.port}`,
      "--user",
      "admin",
      "--store",
      join(folder, "empty.json"),
    ]);
    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.startsWith(
        `certpin: No pin for 127.0.0.1:${impostor.port} in the pin store `,
      ),
      result.stderr,
    );
    assert.ok(
      result.stderr.includes(
        `"certpin pin 127.0.0.1:${impostor.port} --expect FINGERPRINT --store ${
          join(folder, "empty.json")
        }"`,
      ),
      result.stderr,
    );
    assert.equal(impostor.connectionsAccepted(), accepted);
  });

  it("reports a refused port with 3", async () => {
    const port = await findRefusedPort();
    const result = await runCliInProcess([
      "checkpoint",
      "login",
      `127.0.0.1:${port}`,
      "--user",
      "admin",
      "--pin",
      right.sha256,
    ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /refused/);
    assert.equal(result.stdout, "");
  });

  it("reports a dropped connection with 3", async () => {
    // The server matches the pin, then closes as soon as the request arrives.
    const dropping = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
      onSecureConnection: (socket) =>
        socket.once("data", () => socket.destroy()),
    });
    try {
      const result = await runCliInProcess([
        "checkpoint",
        "login",
        `127.0.0.1:${dropping.port}`,
        "--user",
        "admin",
        "--pin",
        right.sha256,
      ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /^certpin: Request to 127\.0\.0\.1:\d+ failed: the server closed the connection \(other side closed\)\.$/m,
      );
      assert.doesNotMatch(result.stderr, /unexpected error/);
      assert.ok(!result.stderr.includes(PASSWORD));
    } finally {
      await dropping.close();
    }
  });

  it("reports a close right after the handshake with 3", async () => {
    // The certificate matches, and the server ends the connection at once.
    const closing = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
      onSecureConnection: (socket) => socket.end(),
    });
    try {
      const result = await runCliInProcess([
        "checkpoint",
        "login",
        `127.0.0.1:${closing.port}`,
        "--user",
        "admin",
        "--pin",
        right.sha256,
      ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
      assert.equal(result.code, 3, result.stderr);
      assert.match(
        result.stderr,
        /^certpin: Request to 127\.0\.0\.1:\d+ failed: the server closed the connection/m,
      );
      assert.doesNotMatch(result.stderr, /unexpected error|fetch failed/);
      assert.equal(result.stdout, "");
    } finally {
      await closing.close();
    }
  });

  it("stops at --max-time when the server stalls", async () => {
    // The handshake completes, then the server never responds to the login.
    const stalling = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      respond: "none",
    });
    try {
      const started = performance.now();
      const result = await runCliInProcess([
        "checkpoint",
        "login",
        `127.0.0.1:${stalling.port}`,
        "--user",
        "admin",
        "--pin",
        right.sha256,
        "--max-time",
        "0.3",
      ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
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

  it("says a 200 reply without JSON is not the API", async () => {
    const web = await startTlsServer({
      cert: right.certPem,
      key: right.keyPem,
      handler: () => ({
        status: 200,
        headers: { "content-type": "text/html" },
        body: "<html>portal</html>",
      }),
    });
    try {
      const result = await runCliInProcess([
        "checkpoint",
        "login",
        `127.0.0.1:${web.port}`,
        "--user",
        "admin",
        "--pin",
        right.sha256,
      ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
      assert.equal(result.code, 2);
      assert.equal(
        result.stderr,
        'certpin: The server answered "login" with HTTP 200, but the reply is not JSON, so it may not be a Check Point management API. Check the host and port.\n',
      );
      assert.equal(result.stdout, "");
    } finally {
      await web.close();
    }
  });

  it("reports a blocked port as certpin fetch does", async () => {
    // Port 1 is on the Fetch standard's list of bad ports: fetch never
    // connects to it, so both commands report it without a network error.
    const login = await runCliInProcess([
      "checkpoint",
      "login",
      "127.0.0.1:1",
      "--user",
      "admin",
      "--pin",
      right.sha256,
    ], { env: { CHECKPOINT_PASSWORD: PASSWORD } });
    const fetch = await runCliInProcess([
      "fetch",
      "https://127.0.0.1:1/web_api/login",
      "--pin",
      right.sha256,
    ]);
    assert.equal(login.code, 2, login.stderr);
    assert.equal(fetch.code, 2, fetch.stderr);
    assert.match(login.stderr, /Request to 127\.0\.0\.1:1 was not sent/);
    assert.match(login.stderr, /list of bad ports/);
    assert.equal(login.stderr, fetch.stderr);
    assert.doesNotMatch(login.stderr, /unexpected error/);
  });

  it("rejects bad usage with 2", async () => {
    const cases: [string[], RegExp][] = [
      [["checkpoint"], /Unknown action \(none\)/],
      [["checkpoint", "logout", "192.0.2.10"], /Unknown action "logout"/],
      [["checkpoint", "login"], /Expected one server/],
      [["checkpoint", "login", "192.0.2.10"], /Missing --user/],
      [
        [
          "checkpoint",
          "login",
          "192.0.2.10",
          "--user",
          "a",
          "--pin",
          right.sha256,
          "--store",
          "x.json",
        ],
        /Give --pin or --store, not both/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCliInProcess(args, {
        env: { CHECKPOINT_PASSWORD: PASSWORD },
      });
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, message);
    }
  });
});
