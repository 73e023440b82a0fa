import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatFingerprint } from "../../src/format.ts";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "../helpers/certificates.ts";
import {
  findRefusedPort,
  ipv6LoopbackAvailable,
  type LocalServer,
  startPlainHttpServer,
  startSilentServer,
  startTlsServer,
} from "../helpers/servers.ts";
import { runCliInProcess, runCliProcess } from "../helpers/cli.ts";
import { localLookup } from "../helpers/lookup.ts";

const folders: string[] = [];

/** Writes a file in a fresh temporary folder and returns its path. */
function writeTemporary(name: string, text: string): string {
  const folder = mkdtempSync(join(tmpdir(), "certpin-verify-"));
  folders.push(folder);
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

afterEach(() => {
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

let appliance: GeneratedCertificate;
let impostor: GeneratedCertificate;
let server: LocalServer;
let target: string;

before(async () => {
  appliance = await cachedCertificate("cli-verify-appliance", {
    keyType: "ec",
  });
  impostor = await cachedCertificate("cli-verify-impostor", { keyType: "ec" });
  server = await startTlsServer({
    cert: appliance.certPem,
    key: appliance.keyPem,
  });
  target = `127.0.0.1:${server.port}`;
});
after(() => server.close());

describe("certpin verify with a matching pin", () => {
  const forms: [string, () => string[]][] = [
    ["a SHA-256 in colon hex", () => [appliance.sha256]],
    ["the Check Point SHA-1 form", () => [appliance.sha1]],
    ["an OpenSSL line", () => [`SHA256 Fingerprint=${appliance.sha256}`]],
    ["a public-key pin", () => [appliance.publicKeyPin]],
    ["one of several pins", () => [impostor.sha256, appliance.sha1]],
    [
      "the twelve words",
      () => ["--words", formatFingerprint(`SHA-1:${appliance.sha1}`, "words")],
    ],
  ];
  for (const [name, pins] of forms) {
    it(`exits 0 for ${name}`, async () => {
      const result = await runCliInProcess(["verify", target, ...pins()]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^OK: the certificate of 127\.0\.0\.1:\d+ matches/,
      );
      assert.equal(result.stderr, "");
    });
  }

  it("sends no request to the server", async () => {
    const before = server.bytesReceived();
    const result = await runCliInProcess(["verify", target, appliance.sha256]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.bytesReceived() - before, 0);
  });

  it("reads a Check Point JSON pins file", async () => {
    const path = writeTemporary(
      "fingerprint.json",
      JSON.stringify([{
        "fingerprint-sha1": appliance.sha1,
        "fingerprint-sha256": appliance.sha256,
      }]),
    );
    const result = await runCliInProcess([
      "verify",
      target,
      "--pins-file",
      path,
    ]);
    assert.equal(result.code, 0, result.stderr);
  });

  it("reads a Check Point text pins file", async () => {
    const words = formatFingerprint(`SHA-1:${appliance.sha1}`, "words");
    const path = writeTemporary(
      "fingerprint.txt",
      `Fingerprint:\nSHA1: ${appliance.sha1}\nUsing English words: ${words}\n`,
    );
    const result = await runCliInProcess([
      "verify",
      target,
      "--pins-file",
      path,
    ]);
    assert.equal(result.code, 0, result.stderr);
  });

  it("prints JSON with --json", async () => {
    const result = await runCliInProcess([
      "verify",
      target,
      appliance.sha256,
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.match, true);
    assert.equal(json.target, target);
    assert.equal(json.matchedPin, `SHA-256:${appliance.sha256}`);
    assert.equal(json.certificate.fingerprints.sha256, appliance.sha256);
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
      const result = await runCliInProcess([
        "verify",
        `[::1]:${server6.port}`,
        appliance.sha256,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /\[::1\]:\d+ matches/);
    } finally {
      await server6.close();
    }
  });
});

describe("certpin verify with a wrong pin", () => {
  it("exits 1 and shows expected and actual", async () => {
    const before = server.bytesReceived();
    const result = await runCliInProcess(["verify", target, impostor.sha256]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /does not match the pinned fingerprint/);
    assert.ok(result.stderr.includes(impostor.sha256), "expected is missing");
    assert.ok(result.stderr.includes(appliance.sha256), "actual is missing");
    assert.match(result.stderr, /api fingerprint/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(server.bytesReceived() - before, 0);
  });

  it("exits 1 with JSON", async () => {
    const result = await runCliInProcess([
      "verify",
      target,
      impostor.publicKeyPin,
      "--json",
    ]);
    assert.equal(result.code, 1);
    const json = JSON.parse(result.stdout);
    assert.equal(json.match, false);
    assert.equal(json.expected.length, 1);
    assert.equal(json.certificate.fingerprints.sha256, appliance.sha256);
  });
});

describe("certpin verify with a CA", () => {
  it("needs the pin and the chain", async () => {
    const root = await cachedCertificate("cli-verify-root", {
      keyType: "ec",
      commonName: "certpin test root",
    });
    const leaf = await cachedCertificate("cli-verify-leaf", {
      keyType: "ec",
      commonName: "fw.example.test",
      altNames: ["127.0.0.1"],
      issuer: root,
    });
    const chained = await startTlsServer({
      cert: leaf.certPem,
      key: leaf.keyPem,
    });
    try {
      const trusted = await runCliInProcess([
        "verify",
        `127.0.0.1:${chained.port}`,
        leaf.sha256,
        "--ca",
        writeTemporary("root.pem", root.certPem),
      ]);
      assert.equal(trusted.code, 0, trusted.stderr);

      const untrusted = await runCliInProcess([
        "verify",
        `127.0.0.1:${chained.port}`,
        leaf.sha256,
        "--ca",
        writeTemporary("other.pem", impostor.certPem),
      ]);
      assert.equal(untrusted.code, 1, untrusted.stderr);
      assert.match(untrusted.stderr, /the certificate chain is not trusted/);

      const misnamed = await runCliInProcess([
        "verify",
        `127.0.0.1:${chained.port}`,
        leaf.sha256,
        "--ca",
        writeTemporary("root.pem", root.certPem),
        "--servername",
        "other.example.test",
      ]);
      assert.equal(misnamed.code, 1, misnamed.stderr);
      assert.match(
        misnamed.stderr,
        /the certificate does not name "other\.example\.test"/,
      );
      assert.doesNotMatch(misnamed.stderr, /not trusted/);
    } finally {
      await chained.close();
    }
  });

  it("rejects a CA file without a certificate", async () => {
    const key = writeTemporary("key.pem", impostor.keyPem);
    const result = await runCliInProcess([
      "verify",
      "127.0.0.1:1",
      impostor.sha256,
      "--ca",
      key,
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `certpin: The CA file "${key}" contains no valid PEM certificate (a "-----BEGIN CERTIFICATE-----" block). Give the CA certificate in PEM form.\n`,
    );
  });
});

describe("certpin verify errors", () => {
  it("exits 3 for a refused port", async () => {
    const port = await findRefusedPort();
    const result = await runCliInProcess([
      "verify",
      `127.0.0.1:${port}`,
      appliance.sha256,
    ]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /refused/);
  });

  it("exits 3 for a name that does not resolve", async () => {
    const resolver = localLookup();
    const result = await runCliInProcess([
      "verify",
      "certpin-test.invalid:443",
      appliance.sha256,
      "--timeout",
      "5000",
    ], { lookup: resolver.lookup });
    assert.equal(result.code, 3);
    assert.deepEqual(resolver.calls, ["certpin-test.invalid"]);
    assert.match(result.stderr, /did not resolve \(ENOTFOUND\)/);
  });

  it("exits 3 on a timeout", async () => {
    const silent = await startSilentServer();
    try {
      const result = await runCliInProcess([
        "verify",
        `127.0.0.1:${silent.port}`,
        appliance.sha256,
        "--timeout",
        "300",
      ]);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /timed out after 300 ms/);
    } finally {
      await silent.close();
    }
  });

  it("exits 3 for a plain HTTP server", async () => {
    const http = await startPlainHttpServer();
    try {
      const result = await runCliInProcess([
        "verify",
        `127.0.0.1:${http.port}`,
        appliance.sha256,
      ]);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /did not answer with TLS/);
    } finally {
      await http.close();
    }
  });

  const usage: [string, () => string[], RegExp][] = [
    ["no target", () => ["verify"], /Missing target/],
    ["no pin", () => ["verify", target], /Missing pin/],
    ["an invalid pin", () => ["verify", target, "AB:CD:G1"], /AB:CD:G1/],
    [
      "invalid words",
      () => ["verify", target, "--words", "not twelve words"],
      /word/i,
    ],
    [
      "an invalid target",
      () => ["verify", "https://", appliance.sha256],
      /https:\/\//,
    ],
    [
      "a missing pins file",
      () => ["verify", target, "--pins-file", "missing-pins.txt"],
      /"missing-pins\.txt" was not found/,
    ],
    [
      "a bad timeout",
      () => ["verify", target, appliance.sha256, "--timeout", "0"],
      /--timeout/,
    ],
    [
      "a pins file that is a directory",
      () => ["verify", target, "--pins-file", tmpdir()],
      /^certpin: Cannot read the pins file ".+": it is a directory \(EISDIR\)\.$/m,
    ],
    [
      "an empty pins file",
      () => ["verify", target, "--pins-file", writeTemporary("empty.txt", "")],
      /^certpin: Pins file ".+empty\.txt" is empty: put one fingerprint/m,
    ],
    [
      "a bad line in a pins file",
      () => [
        "verify",
        target,
        "--pins-file",
        writeTemporary("bad.txt", `${appliance.sha256}\nAB:CD:G1\n`),
      ],
      /^certpin: Invalid pins file ".+bad\.txt": .*[Ll]ine 2/m,
    ],
  ];
  for (const [name, args, message] of usage) {
    it(`exits 2 for ${name}`, async () => {
      const result = await runCliInProcess(args());
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    });
  }

  it("prints its help", async () => {
    const result = await runCliInProcess(["verify", "--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: certpin verify/);
    assert.match(result.stdout, /--pins-file/);
    assert.match(result.stdout, /Exit codes: 0/);
    const words = result.stdout.slice(result.stdout.indexOf("--words"));
    assert.match(words, /^--words[^]*first 128 of its 160\s+bits/);
    assert.match(words, /reading aloud/);
    assert.match(words, /pin the\s+SHA-256 fingerprint/);
  });
});

describe("certpin verify as a process", () => {
  it("exits with the status of the check", async () => {
    const match = await runCliProcess(["verify", target, appliance.sha256], {
      env: { NO_COLOR: "1" },
    });
    assert.equal(match.code, 0, match.stderr);
    assert.match(match.stdout, /^OK:/);

    const mismatch = await runCliProcess(["verify", target, impostor.sha256]);
    assert.equal(mismatch.code, 1, mismatch.stderr);
    assert.match(mismatch.stderr, /^certpin: The certificate of/);
    assert.doesNotMatch(mismatch.stderr, /\n\s+at /);
  });
});
