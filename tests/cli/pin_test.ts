import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import type { CliIo } from "../../src/cli/_common.ts";
import { PinStore } from "../../src/store.ts";
import { parseFingerprint } from "../../src/parse.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "../helpers/certificates.ts";
import { type LocalServer, startTlsServer } from "../helpers/servers.ts";
import { type CliResult, runCliInProcess } from "../helpers/cli.ts";

const createdFolders: string[] = [];
const servers: LocalServer[] = [];
let first: GeneratedCertificate;
let renewed: GeneratedCertificate;
let expired: GeneratedCertificate;

const DAY = 86_400_000;

before(async () => {
  first = await cachedCertificate("pin-first", {
    keyType: "ec",
    commonName: "fw.example.test",
  });
  renewed = await cachedCertificate("pin-renewed", {
    keyType: "ec",
    commonName: "fw.example.test",
  });
  // Expired 2164 days and a few hours ago, as on a long-running appliance.
  expired = await cachedCertificate("pin-expired", {
    keyType: "ec",
    commonName: "fw.example.test",
    notBefore: new Date(Date.now() - 3000 * DAY),
    notAfter: new Date(Date.now() - 2163.5 * DAY),
  });
});

afterEach(() => {
  for (const folder of createdFolders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

after(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function newStorePath(): string {
  const folder = mkdtempSync(join(tmpdir(), "certpin-pin-"));
  createdFolders.push(folder);
  return join(folder, "pins.json");
}

async function serve(certificate: GeneratedCertificate): Promise<LocalServer> {
  const server = await startTlsServer({
    cert: certificate.certPem,
    key: certificate.keyPem,
    respond: "none",
  });
  servers.push(server);
  return server;
}

function pin(
  server: LocalServer,
  store: string,
  ...options: string[]
): Promise<CliResult> {
  return runCliInProcess([
    "pin",
    `127.0.0.1:${server.port}`,
    "--store",
    store,
    ...options,
  ]);
}

/** Runs the CLI as if on a terminal where the user types `answer` at the prompt. */
async function pinAtPrompt(
  server: LocalServer,
  store: string,
  answer: string | undefined,
): Promise<CliResult & { prompts: number }> {
  let stdout = "";
  let stderr = "";
  let prompts = 0;
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
    readLine: () => {
      prompts++;
      return Promise.resolve(answer);
    },
  };
  const code = await main(
    ["pin", `127.0.0.1:${server.port}`, "--store", store],
    io,
  );
  return { code, stdout, stderr, prompts };
}

/** Stores the first certificate's pin for a server that presents another. */
async function storeOldPin(store: string, server: LocalServer): Promise<void> {
  await new PinStore({ path: store }).addPin("127.0.0.1", server.port, {
    pin: parseFingerprint(first.sha256),
    added: new Date("2026-01-02T00:00:00Z"),
    addedBy: "test",
    certificate: {
      subject: "CN=old.example.test",
      validFrom: new Date("2025-01-01T00:00:00Z"),
      validTo: new Date("2027-06-30T00:00:00Z"),
      sha256: first.sha256,
      sha1: first.sha1,
    },
  });
}

async function storedPins(
  store: string,
  server: LocalServer,
): Promise<string[]> {
  const pins = await new PinStore({ path: store }).pinsFor(
    "127.0.0.1",
    server.port,
  );
  return pins.map(String);
}

describe("certpin pin", () => {
  it("stores the fingerprint with --yes", async () => {
    const server = await serve(first);
    const store = newStorePath();

    const result = await pin(server, store, "--yes");

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(first.sha256), "shows the fingerprint");
    assert.ok(
      result.stdout.includes("CN=fw.example.test"),
      "shows the subject",
    );
    assert.ok(
      result.stdout.includes(
        `Pinned 127.0.0.1:${server.port} to SHA-256:${first.sha256}`,
      ),
    );
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${first.sha256}`,
    ]);
    const entry = await new PinStore({ path: store }).get(
      "127.0.0.1",
      server.port,
    );
    assert.equal(entry?.pins[0]?.addedBy, "certpin pin --yes");
    assert.equal(entry?.pins[0]?.certificate?.subject, "CN=fw.example.test");
    assert.equal(entry?.pins[0]?.certificate?.sha1, first.sha1);
    assert.equal(server.bytesReceived(), 0);
  });

  it("stores with a matching --expect", async () => {
    const server = await serve(first);
    const store = newStorePath();
    const pasted = first.sha1.toLowerCase().replaceAll(":", "");

    const result = await pin(server, store, "--expect", pasted);

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${first.sha256}`,
    ]);
    const entry = await new PinStore({ path: store }).get(
      "127.0.0.1",
      server.port,
    );
    assert.equal(entry?.pins[0]?.addedBy, "certpin pin --expect");
  });

  it("stores nothing when --expect differs", async () => {
    const server = await serve(first);
    const store = newStorePath();

    const result = await pin(
      server,
      store,
      "--expect",
      renewed.sha256,
      "--yes",
    );

    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(renewed.sha256), "names the expected pin");
    assert.ok(
      result.stderr.includes(first.sha256),
      "names the actual fingerprint",
    );
    assert.ok(result.stderr.includes("Nothing was stored"));
    assert.equal(existsSync(store), false);
  });

  it("rejects an unreadable --expect before connecting", async () => {
    const server = await serve(first);
    const store = newStorePath();

    const result = await pin(server, store, "--expect", "not-a-fingerprint");

    assert.equal(result.code, 2);
    assert.equal(server.connections(), 0);
    assert.equal(existsSync(store), false);
  });

  it("rejects without a terminal or confirmation", async () => {
    const server = await serve(first);
    const store = newStorePath();

    const result = await pin(server, store);

    assert.equal(result.code, 2);
    assert.ok(
      result.stdout.includes(first.sha256),
      "still shows the fingerprint",
    );
    assert.ok(result.stderr.includes("--expect"));
    assert.ok(
      result.stderr.includes("certpin: Nothing was stored"),
      result.stderr,
    );
    assert.equal(existsSync(store), false);
  });

  it("asks on a terminal and stores on yes", async () => {
    const server = await serve(first);
    const store = newStorePath();

    const result = await pinAtPrompt(server, store, "y");

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.prompts, 1);
    assert.ok(
      result.stderr.includes(
        `Trust this certificate for 127.0.0.1:${server.port}? [y/N]`,
      ),
    );
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${first.sha256}`,
    ]);
  });

  it("stores nothing when the prompt is declined", async () => {
    const server = await serve(first);
    const store = newStorePath();

    for (const answer of ["", "n", "no thanks", undefined]) {
      const result = await pinAtPrompt(server, store, answer);
      assert.equal(result.code, 1, `answer ${answer}`);
      assert.equal(existsSync(store), false);
    }
  });

  it("warns before storing an expired certificate", async () => {
    const server = await serve(expired);
    const store = newStorePath();

    const result = await pin(server, store, "--yes");

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("(expired 2164 days ago)"), result.stdout);
    assert.ok(!result.stdout.includes("days left"), result.stdout);
    assert.ok(
      result.stderr.includes(
        `certpin: Warning: the certificate of 127.0.0.1:${server.port} expired on `,
      ),
      result.stderr,
    );
    assert.ok(result.stderr.includes(", 2164 days ago."), result.stderr);
    assert.ok(result.stderr.includes('"certpin check"'), result.stderr);
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${expired.sha256}`,
    ]);
  });

  it("warns of expiry before the prompt", async () => {
    const server = await serve(expired);
    const store = newStorePath();

    const result = await pinAtPrompt(server, store, "n");

    assert.equal(result.code, 1);
    const warning = result.stderr.indexOf("certpin: Warning:");
    assert.ok(warning >= 0, result.stderr);
    assert.ok(warning < result.stderr.indexOf("Trust this certificate"));
    assert.equal(existsSync(store), false);
  });

  it("gives no expiry warning for a valid certificate", async () => {
    const server = await serve(first);
    const store = newStorePath();

    const result = await pin(server, store, "--yes");

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("days left)"), result.stdout);
    assert.equal(result.stderr, "");
  });

  it("says so when the same pin is stored", async () => {
    const server = await serve(first);
    const store = newStorePath();
    await pin(server, store, "--yes");
    const before = readFileSync(store, "utf8");

    const result = await pin(server, store);

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("already pinned"));
    assert.equal(readFileSync(store, "utf8"), before);
  });

  it("rejects a changed certificate, shows both", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);
    const before = readFileSync(store, "utf8");

    const result = await pin(server, store, "--expect", renewed.sha256);

    assert.equal(result.code, 1);
    assert.ok(
      result.stderr.includes(
        `certpin: The certificate of 127.0.0.1:${server.port} does not match the pin stored`,
      ),
      result.stderr,
    );
    assert.match(result.stderr, /pinned\s+server now/);
    assert.match(
      result.stderr,
      /subject\s+CN=old\.example\.test\s+CN=fw\.example\.test/,
    );
    assert.match(result.stderr, /valid to\s+2027-06-30\s+\d{4}-/);
    assert.match(result.stderr, /pinned on\s+2026-01-02/);
    assert.ok(result.stderr.includes(`pinned:     SHA-256:${first.sha256}`));
    assert.ok(result.stderr.includes(`server now: SHA-256:${renewed.sha256}`));
    assert.ok(result.stderr.includes("--replace"));
    assert.equal(readFileSync(store, "utf8"), before);
  });

  it("rejects a changed certificate without asking", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);
    const before = readFileSync(store, "utf8");

    const result = await pinAtPrompt(server, store, "y");

    assert.equal(result.code, 1);
    assert.equal(result.prompts, 0);
    assert.ok(result.stderr.includes("--expect FINGERPRINT --replace"));
    assert.equal(readFileSync(store, "utf8"), before);
  });

  it("replaces a changed certificate with --replace", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);

    const result = await pin(
      server,
      store,
      "--expect",
      renewed.sha256,
      "--replace",
    );

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("Replaced the pins"));
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${renewed.sha256}`,
    ]);
  });

  it("--replace drops a pin stored beside this one", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);
    await pin(server, store, "--expect", renewed.sha256, "--add");
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${first.sha256}`,
      `SHA-256:${renewed.sha256}`,
    ]);

    const result = await pin(
      server,
      store,
      "--expect",
      renewed.sha256,
      "--replace",
    );

    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes("already pinned"), result.stdout);
    assert.ok(
      result.stdout.includes(
        `SHA-256:${renewed.sha256} is now its only pin.\nRemoved 1 pin:\n  SHA-256:${first.sha256}\n`,
      ),
      result.stdout,
    );
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${renewed.sha256}`,
    ]);
  });

  it("--replace without confirmation keeps both pins", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);
    await pin(server, store, "--expect", renewed.sha256, "--add");
    const before = readFileSync(store, "utf8");

    const result = await pin(server, store, "--replace");

    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes("--expect"), result.stderr);
    assert.equal(readFileSync(store, "utf8"), before);
  });

  it("already pinned names the other stored pins", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);
    await pin(server, store, "--expect", renewed.sha256, "--add");
    const before = readFileSync(store, "utf8");

    const result = await pin(server, store, "--expect", renewed.sha256);

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("already pinned"), result.stdout);
    assert.ok(
      result.stdout.includes(
        `Also stored for 127.0.0.1:${server.port}, and not matching this certificate:\n  SHA-256:${first.sha256}\n`,
      ),
      result.stdout,
    );
    assert.ok(result.stdout.includes("add --replace"), result.stdout);
    assert.equal(readFileSync(store, "utf8"), before);
  });

  it("--replace of the only pin changes nothing", async () => {
    const server = await serve(first);
    const store = newStorePath();
    await pin(server, store, "--yes");
    const before = readFileSync(store, "utf8");

    const result = await pin(server, store, "--replace");

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("already pinned"), result.stdout);
    assert.ok(!result.stdout.includes("Also stored"), result.stdout);
    assert.equal(readFileSync(store, "utf8"), before);
  });

  it("keeps both pins with --add", async () => {
    const server = await serve(renewed);
    const store = newStorePath();
    await storeOldPin(store, server);

    const result = await pin(
      server,
      store,
      "--expect",
      renewed.sha256,
      "--add",
      "--public-key",
    );

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await storedPins(store, server), [
      `SHA-256:${first.sha256}`,
      renewed.publicKeyPin,
    ]);
  });

  it("rejects --replace with --add", async () => {
    const server = await serve(first);
    const result = await pin(
      server,
      newStorePath(),
      "--yes",
      "--replace",
      "--add",
    );
    assert.equal(result.code, 2);
    assert.equal(server.connections(), 0);
  });
});
