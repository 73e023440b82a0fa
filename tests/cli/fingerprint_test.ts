import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  cachedCertificate,
  type GeneratedCertificate,
} from "../helpers/certificates.ts";
import {
  findRefusedPort,
  type LocalServer,
  startPlainHttpServer,
  startSilentServer,
  startTlsServer,
} from "../helpers/servers.ts";
import { ignoreClosedInput, IS_DENO, runCliInProcess } from "../helpers/cli.ts";
import { expectedFingerprints, fixtureText } from "../helpers/fixtures.ts";
import { localLookup } from "../helpers/lookup.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url);

function fixture(name: string): string {
  return fileURLToPath(new URL(name, FIXTURES));
}

/** Returns the value on the line that starts with the label, such as "SHA-256:". */
function valueOf(output: string, label: string): string | undefined {
  const line = output.split("\n").find((text) =>
    text.trimStart().startsWith(label)
  );
  return line?.trimStart().slice(label.length).trim();
}

/** Runs a program with closed stdin; resolves with its output and status. */
function run(
  command: string,
  args: string[],
  input = "",
): Promise<{ code: number | null; stdout: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { timeout: 10_000 });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.resume();
    child.on("error", (error) => resolve({ code: null, stdout, error }));
    child.on("close", (code) => resolve({ code, stdout }));
    ignoreClosedInput(child.stdin);
    child.stdin.end(input);
  });
}

/** Reads a server's fingerprint with openssl s_client and openssl x509. */
async function opensslFingerprint(
  port: number,
  algorithm: "sha1" | "sha256",
): Promise<string> {
  const client = await run("openssl", [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
  ]);
  const x509 = await run(
    "openssl",
    ["x509", "-noout", "-fingerprint", `-${algorithm}`],
    client.stdout,
  );
  assert.equal(x509.code, 0, `openssl x509 failed on: ${client.stdout}`);
  return x509.stdout.trim().replace(/^.*Fingerprint=/i, "");
}

/**
 * Runs the certpin executable in the given working folder: under Deno the
 * sources with the given permission flags, under Node the npm build.
 */
function runBin(
  args: string[],
  cwd: string,
  permissions: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = fileURLToPath(
    new URL(`../../src/cli/bin.${IS_DENO ? "ts" : "js"}`, import.meta.url),
  );
  const command = IS_DENO
    ? ["run", ...permissions, bin, ...args]
    : [bin, ...args];
  return runIn(cwd, process.execPath, command);
}

/** Runs a program in the given working folder and collects its output. */
function runIn(
  cwd: string,
  program: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env, timeout: 30_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.on("data", (text: string) => {
      stderr += text;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    ignoreClosedInput(child.stdin);
    child.stdin.end();
  });
}

async function opensslAvailable(): Promise<boolean> {
  const result = await run("openssl", ["version"]);
  return result.code === 0;
}

describe("certpin fingerprint on a server", () => {
  let appliance: GeneratedCertificate;
  let server: LocalServer;

  before(async () => {
    // Shaped like a fresh appliance: CN is the IP address, no SAN, CA:TRUE.
    appliance = await cachedCertificate("cli-fingerprint-appliance", {
      keyType: "rsa",
    });
    server = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
    });
  });
  after(() => server.close());

  it("prints the certificate description", async () => {
    const result = await runCliInProcess([
      "fingerprint",
      `127.0.0.1:${server.port}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");

    const output = result.stdout;
    assert.match(
      output,
      new RegExp(`Certificate of server 127\\.0\\.0\\.1:${server.port}:`),
    );
    assert.equal(valueOf(output, "subject:"), "CN=127.0.0.1");
    assert.equal(valueOf(output, "issuer:"), "CN=127.0.0.1 (self-signed)");
    assert.equal(valueOf(output, "alt names:"), "(none)");
    assert.match(
      valueOf(output, "valid:") ?? "",
      /^\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(36\d\d days left\)$/,
    );
    assert.equal(valueOf(output, "key:"), "RSA 2048");
    assert.match(valueOf(output, "CA:") ?? "", /^yes/);

    assert.equal(valueOf(output, "SHA-256:"), appliance.sha256);
    assert.equal(valueOf(output, "SHA-1:"), appliance.sha1);
    assert.equal(valueOf(output, "public-key pin:"), appliance.publicKeyPin);
    assert.match(
      output,
      /first 128 bits of the SHA-1, as Check Point's management/,
    );
    assert.match(output, /for reading aloud; pin the SHA-256 in scripts/);
    assert.match(
      valueOf(output, "SHA-1 as words:") ?? "",
      /^([A-Z]+ ){11}[A-Z]+$/,
    );

    assert.match(output, /not yet trusted/);
    assert.ok(!output.includes("\u001b["), "output contains color codes");
  });

  it("matches the fingerprints openssl prints", async (context) => {
    if (!await opensslAvailable()) {
      context.skip(
        "openssl is not installed; compared with the generator only",
      );
      return;
    }
    const result = await runCliInProcess([
      "fingerprint",
      `127.0.0.1:${server.port}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      valueOf(result.stdout, "SHA-256:"),
      await opensslFingerprint(server.port, "sha256"),
    );
    assert.equal(
      valueOf(result.stdout, "SHA-1:"),
      await opensslFingerprint(server.port, "sha1"),
    );
  });

  it("prints JSON for scripts", async () => {
    const result = await runCliInProcess([
      "fingerprint",
      `https://127.0.0.1:${server.port}/web_api/`,
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.source, "network");
    assert.equal(json.host, "127.0.0.1");
    assert.equal(json.port, server.port);
    assert.equal(json.certificates.length, 1);
    const [certificate] = json.certificates;
    assert.equal(certificate.subject, "CN=127.0.0.1");
    assert.equal(certificate.selfSigned, true);
    assert.equal(certificate.ca, true);
    assert.deepEqual(certificate.subjectAltNames, []);
    assert.equal(typeof certificate.daysLeft, "number");
    assert.equal(certificate.fingerprints.sha256, appliance.sha256);
    assert.equal(certificate.fingerprints.sha1, appliance.sha1);
    assert.equal(certificate.fingerprints.publicKeyPin, appliance.publicKeyPin);
    assert.equal(certificate.fingerprints.sha1Words.split(" ").length, 12);
  });

  it("prints one fingerprint with --algorithm", async () => {
    const cases: [string, string][] = [
      ["sha1", appliance.sha1],
      ["SHA-256", appliance.sha256],
      [
        "sha512",
        createHash("sha512").update(appliance.der).digest("hex")
          .toUpperCase().replace(/(..)(?!$)/g, "$1:"),
      ],
    ];
    for (const [algorithm, expected] of cases) {
      const result = await runCliInProcess([
        "fingerprint",
        `127.0.0.1:${server.port}`,
        "--algorithm",
        algorithm,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${expected}\n`);
    }
  });

  it("reads a target named like a local file", async () => {
    // A file in the working folder with the target's name: certpin must
    // still connect, because only a path or an extension marks a file.
    const folder = mkdtempSync(join(tmpdir(), "certpin-fingerprint-"));
    const target = `127.0.0.1:${server.port}`;
    writeFileSync(join(folder, target), fixtureText("certs/gaia-like.pem"));
    try {
      const network = await runBin(
        ["fingerprint", target, "--algorithm", "sha256"],
        folder,
        ["--allow-net", "--allow-read"],
      );
      assert.equal(network.code, 0, network.stderr);
      assert.equal(network.stdout, `${appliance.sha256}\n`);

      const file = await runBin(
        ["fingerprint", "--file", target, "--algorithm", "sha256"],
        folder,
        ["--allow-read"],
      );
      assert.equal(file.code, 0, file.stderr);
      assert.equal(
        file.stdout,
        `${
          expectedFingerprints().find((row) => row.file === "gaia-like.pem")
            ?.sha256
        }\n`,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("asks for no read permission in Deno", async (context) => {
    // Deno prompts for a missing permission only on a terminal, so the
    // command runs under `script`, which gives it a pseudo-terminal.
    if (!IS_DENO || (await run("script", ["--version"])).code !== 0) {
      context.skip("needs Deno and the util-linux script command");
      return;
    }
    const bin = fileURLToPath(new URL("../../src/cli/bin.ts", import.meta.url));
    const command = [
      process.execPath,
      "run",
      "--allow-net",
      bin,
      "fingerprint",
      `127.0.0.1:${server.port}`,
      "--algorithm",
      "sha256",
    ].map((word) => `'${word}'`).join(" ");
    const result = await run("script", ["-qec", command, "/dev/null"]);
    assert.doesNotMatch(result.stdout, /Deno requests/);
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, new RegExp(appliance.sha256));
  });

  it("sends the --servername as SNI", async () => {
    const names: unknown[] = [];
    const named = await startTlsServer({
      cert: appliance.certPem,
      key: appliance.keyPem,
      onSecureConnection: (socket) =>
        names.push((socket as unknown as { servername: unknown }).servername),
    });
    try {
      const result = await runCliInProcess([
        "fingerprint",
        `127.0.0.1:${named.port}`,
        "--servername",
        "fw.example.test",
      ]);
      assert.equal(result.code, 0, result.stderr);
      // The server may complete its side of the handshake a moment later.
      for (let tries = 0; names.length === 0 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(names, ["fw.example.test"]);
    } finally {
      await named.close();
    }
  });
});

describe("certpin fingerprint on a file", () => {
  const expected = new Map(
    expectedFingerprints().map((row) => [row.file, row]),
  );

  for (const name of ["gaia-like.pem", "ec-p256-san.pem", "leaf-signed.pem"]) {
    it(`matches OpenSSL for ${name}`, async () => {
      const result = await runCliInProcess([
        "fingerprint",
        fixture(`certs/${name}`),
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        valueOf(result.stdout, "SHA-256:"),
        expected.get(name)?.sha256,
      );
      assert.equal(valueOf(result.stdout, "SHA-1:"), expected.get(name)?.sha1);
      assert.doesNotMatch(result.stdout, /not yet trusted/);
    });
  }

  it("reads a DER file", async () => {
    const result = await runCliInProcess([
      "fingerprint",
      fixture("certs/gaia-like.der"),
      "--algorithm",
      "sha256",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${expected.get("gaia-like.pem")?.sha256}\n`);
  });

  it("reads a file with CRLF line endings", async () => {
    const result = await runCliInProcess([
      "fingerprint",
      fixture("certs/ec-p256-san-crlf.pem"),
      "--algorithm",
      "sha1",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${expected.get("ec-p256-san.pem")?.sha1}\n`);
  });

  it("prints the Check Point words for SHA-1", async () => {
    const consoleOutput = fixtureText("checkpoint-api-fingerprint.txt");
    const words = /Using English words: (.*)/.exec(consoleOutput)?.[1]?.trim();
    const result = await runCliInProcess([
      "fingerprint",
      fixture("certs/gaia-like.pem"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(valueOf(result.stdout, "SHA-1 as words:"), words);
  });

  it("prints every certificate of a bundle", async () => {
    const result = await runCliInProcess([
      "fingerprint",
      fixture("certs/chain-leaf-then-root.pem"),
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.source, "file");
    assert.deepEqual(
      json.certificates.map((
        certificate: { fingerprints: { sha256: string } },
      ) => certificate.fingerprints.sha256),
      [
        expected.get("leaf-signed.pem")?.sha256,
        expected.get("root-ca.pem")?.sha256,
      ],
    );
  });

  it("reads a relative path from the task's caller folder", async (context) => {
    // `deno task` runs in the folder of deno.json; the path must still be
    // read from the folder the user ran the task in.
    if (!IS_DENO) {
      context.skip("deno task needs Deno");
      return;
    }
    const folder = mkdtempSync(join(tmpdir(), "certpin-task-"));
    writeFileSync(
      join(folder, "appliance.pem"),
      fixtureText("certs/gaia-like.pem"),
    );
    const config = fileURLToPath(new URL("../../deno.json", import.meta.url));
    // deno task keeps an INIT_CWD it inherits, such as the one npx sets for
    // this test run, and sets its own only when there is none.
    const { INIT_CWD: _inherited, ...env } = process.env;
    try {
      const result = await runIn(folder, process.execPath, [
        "task",
        "--quiet",
        "--config",
        config,
        "certpin",
        "fingerprint",
        "appliance.pem",
        "--algorithm",
        "sha1",
      ], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${expected.get("gaia-like.pem")?.sha1}\n`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("reports a missing certificate file", async () => {
    const result = await runCliInProcess(["fingerprint", "missing-server.pem"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"missing-server\.pem" not found/);
    assert.equal(result.stdout, "");
  });

  it("reads a path without an extension as a file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "certpin-fingerprint-"));
    const path = join(folder, "appliance-cert");
    writeFileSync(path, fixtureText("certs/gaia-like.pem"));
    try {
      const result = await runCliInProcess([
        "fingerprint",
        path,
        "--algorithm",
        "sha1",
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${expected.get("gaia-like.pem")?.sha1}\n`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("reports a missing file given by path or --file", async () => {
    const cases: [string[], string][] = [
      [["fingerprint", "./appliance-cert"], "./appliance-cert"],
      [["fingerprint", "certs\\appliance"], "certs\\appliance"],
      [["fingerprint", "--file", "appliance-cert"], "appliance-cert"],
      [["fingerprint", "backup.crt"], "backup.crt"],
    ];
    for (const [args, name] of cases) {
      const result = await runCliInProcess(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.ok(
        result.stderr.includes(`"${name}" not found`),
        result.stderr,
      );
    }
  });

  it("names a directory, an empty file and a key file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "certpin-fingerprint-"));
    const empty = join(folder, "empty.pem");
    const key = join(folder, "server.key.pem");
    writeFileSync(empty, "");
    writeFileSync(key, fixtureText("certs/ec-p256-san.key.pem"));
    try {
      const cases: [string, string][] = [
        [
          folder,
          `Cannot read certificate file "${folder}": it is a directory (EISDIR).`,
        ],
        [empty, `Certificate file "${empty}" is empty.`],
        [key, `File "${key}" is not a certificate file: Invalid certificate:`],
      ];
      cases.push([
        ".",
        'Cannot read certificate file ".": it is a directory (EISDIR).',
      ]);
      for (const [path, message] of cases) {
        const result = await runCliInProcess(["fingerprint", path]);
        assert.equal(result.code, 2, path);
        assert.ok(
          result.stderr.startsWith(`certpin: ${message}`),
          result.stderr,
        );
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("reports a file without a certificate", async () => {
    const result = await runCliInProcess([
      "fingerprint",
      fixture("checkpoint-api-fingerprint.json"),
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /certificate/i);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});

describe("certpin fingerprint errors", () => {
  it("exits 3 for a refused port", async () => {
    const port = await findRefusedPort();
    const result = await runCliInProcess(["fingerprint", `127.0.0.1:${port}`]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /refused/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("exits 3 for a name that does not resolve", async () => {
    const resolver = localLookup();
    const result = await runCliInProcess([
      "fingerprint",
      "certpin-test.invalid",
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
      const started = Date.now();
      const result = await runCliInProcess([
        "fingerprint",
        `127.0.0.1:${silent.port}`,
        "--timeout",
        "300",
      ]);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /timed out after 300 ms/);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await silent.close();
    }
  });

  it("exits 3 for a plain HTTP server", async () => {
    const http = await startPlainHttpServer();
    try {
      const result = await runCliInProcess([
        "fingerprint",
        `127.0.0.1:${http.port}`,
      ]);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /did not answer with TLS/);
    } finally {
      await http.close();
    }
  });

  const usage: [string, string[], RegExp][] = [
    ["no argument", ["fingerprint"], /Expected one target/],
    ["two arguments", ["fingerprint", "a", "b"], /Expected one target/],
    ["invalid target", ["fingerprint", "127.0.0.1:99999"], /port "99999"/],
    [
      "bad timeout",
      ["fingerprint", "127.0.0.1", "--timeout", "soon"],
      /--timeout/,
    ],
    [
      "bad algorithm",
      ["fingerprint", "127.0.0.1", "--algorithm", "md5"],
      /--algorithm/,
    ],
    ["unknown option", ["fingerprint", "127.0.0.1", "--color"], /--color/],
  ];
  for (const [name, args, message] of usage) {
    it(`exits 2 for ${name}`, async () => {
      const result = await runCliInProcess(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, "");
    });
  }

  it("prints its help", async () => {
    const result = await runCliInProcess(["fingerprint", "--help"]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: certpin fingerprint/);
    assert.match(result.stdout, /--algorithm/);
    assert.match(result.stdout, /--file/);
    assert.match(
      result.stdout,
      /first 128 of the SHA-1 fingerprint's 160 bits/,
    );
    assert.match(result.stdout, /reading aloud/);
    assert.match(result.stdout, /prefer the SHA-256 fingerprint/);
  });
});
