import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readSdkPinFile } from "../../src/checkpoint_files.ts";
import { parseFingerprint } from "../../src/parse.ts";
import { PinStore } from "../../src/store.ts";
import { parsePinStore } from "../../src/store_text.ts";
import { runCliInProcess, runCliProcess } from "../helpers/cli.ts";

const GAIA = {
  sha1: "A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D",
  sha256:
    "55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C",
  publicKeyPin: "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=",
};
const EC = {
  sha1: "14:78:91:5E:0F:BB:57:C7:C0:C4:2B:F3:4D:3B:76:73:A6:41:FD:61",
  sha256:
    "83:B8:EF:E9:0D:DA:EF:50:C4:CE:1E:C7:9F:4E:BA:34:21:22:E4:A5:AE:D7:F9:35:32:2E:05:9B:1B:81:9A:20",
};
const ROOT_SHA1 = "E4:6B:7E:7A:01:98:FB:56:88:21:0C:41:2E:9C:9D:A6:35:86:41:F5";

function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

const createdFolders: string[] = [];

afterEach(() => {
  for (const folder of createdFolders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

function newFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "certpin-pins-"));
  createdFolders.push(folder);
  return folder;
}

/** Makes a store with the appliance-like certificate pinned at two targets. */
async function storeWithPins(): Promise<string> {
  const path = join(newFolder(), "pins.json");
  const store = new PinStore({ path });
  const certificate = {
    subject: "CN=192.0.2.10",
    validFrom: new Date("2025-01-01T00:00:00Z"),
    validTo: new Date("2035-01-01T00:00:00Z"),
    sha256: GAIA.sha256,
    sha1: GAIA.sha1,
  };
  await store.addPin("192.0.2.10", 443, {
    pin: parseFingerprint(`SHA-256:${GAIA.sha256}`),
    added: new Date("2026-02-01T00:00:00Z"),
    addedBy: "certpin pin --expect",
    certificate,
  });
  await store.addPin("fw.example.test", 4434, {
    pin: parseFingerprint(`SHA-256:${EC.sha256}`),
    added: new Date("2026-02-02T00:00:00Z"),
    addedBy: "certpin pin --yes",
    certificate: { ...certificate, subject: "CN=fw", ...EC },
  });
  return path;
}

function pins(...args: string[]) {
  return runCliInProcess(["pins", ...args]);
}

describe("certpin pins list", () => {
  it("lists targets with pins and certificates", async () => {
    const path = await storeWithPins();

    const result = await pins("list", "--store", path);

    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.match(
      lines[0] ?? "",
      /^TARGET\s+PIN\s+ADDED\s+BY\s+SUBJECT\s+EXPIRES$/,
    );
    assert.match(
      lines[1] ?? "",
      /^192\.0\.2\.10:443\s+SHA-256:55:68:4B:\S+\s+2026-02-01\s+certpin pin --expect\s+CN=192\.0\.2\.10\s+2035-01-01$/,
    );
    assert.match(lines[2] ?? "", /^fw\.example\.test:4434\s+SHA-256:83:B8/);
    assert.equal(lines.length, 3);
  });

  it("prints JSON with --json", async () => {
    const path = await storeWithPins();

    const result = await pins("list", "--json", "--store", path);

    assert.equal(result.code, 0);
    const listed = JSON.parse(result.stdout);
    assert.equal(listed.store, path);
    assert.deepEqual(
      listed.targets.map((target: { target: string }) => target.target),
      [
        "192.0.2.10:443",
        "fw.example.test:4434",
      ],
    );
    assert.equal(listed.targets[0].pins[0].pin, `SHA-256:${GAIA.sha256}`);
    assert.equal(
      listed.targets[0].pins[0].certificate.validTo,
      "2035-01-01T00:00:00.000Z",
    );
  });

  it("says so when the store is empty", async () => {
    const path = join(newFolder(), "pins.json");

    const result = await runCliInProcess(["pins", "list"], {
      env: { CERTPIN_STORE: path },
    });

    assert.equal(result.code, 0);
    assert.equal(result.stdout, "");
    assert.ok(result.stderr.includes(`No pins in ${path}`));
  });
});

describe("certpin pins remove", () => {
  it("removes one target", async () => {
    const path = await storeWithPins();

    const result = await pins(
      "remove",
      "FW.example.test:4434",
      "--store",
      path,
    );

    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes("Removed fw.example.test:4434"));
    const left = await new PinStore({ path }).entries();
    assert.deepEqual(left.map((entry) => entry.host), ["192.0.2.10"]);
  });

  it("removes a stale lock with task permissions", async () => {
    // The certpin task grants no --allow-run, so under Deno the owner's
    // process cannot be checked and the lock's age decides.
    const path = await storeWithPins();
    const lock = `${path}.lock`;
    const exited = spawnSync(process.execPath, ["--version"]);
    const created = new Date(Date.now() - 3_600_000);
    writeFileSync(
      lock,
      JSON.stringify({
        pid: exited.pid,
        host: hostname(),
        created: created.toISOString(),
        token: "crashed",
      }),
    );
    utimesSync(lock, created, created);

    const result = await runCliProcess([
      "pins",
      "remove",
      "192.0.2.10",
      "--store",
      path,
    ]);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(existsSync(lock), false);
    assert.deepEqual(
      await new PinStore({ path }).pinsFor("192.0.2.10", 443),
      [],
    );
  });

  it("reports a target without pins", async () => {
    const path = await storeWithPins();
    const before = readFileSync(path, "utf8");

    const result = await pins("remove", "192.0.2.10:8443", "--store", path);

    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.includes("certpin: No pins stored for 192.0.2.10:8443"),
      result.stderr,
    );
    assert.equal(readFileSync(path, "utf8"), before);
  });
});

describe("certpin pins import", () => {
  it("imports the Check Point SDK fixture", async () => {
    const path = join(newFolder(), "pins.json");

    const result = await pins(
      "import",
      fixture("checkpoint-sdk-fingerprints.txt"),
      "--store",
      path,
    );

    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^added\\s+192\\.0\\.2\\.10:443\\s+SHA-1:${GAIA.sha1}$`, "m"),
    );
    assert.match(
      result.stdout,
      new RegExp(
        `^added\\s+fw\\.example\\.test:443\\s+SHA-1:${GAIA.sha1}$`,
        "m",
      ),
    );
    assert.ok(result.stdout.includes("Imported 2 of 2 entries"));
    const store = new PinStore({ path });
    assert.deepEqual((await store.pinsFor("192.0.2.10", 443)).map(String), [
      `SHA-1:${GAIA.sha1}`,
    ]);
    assert.deepEqual(
      (await store.pinsFor("fw.example.test", 443)).map(String),
      [`SHA-1:${GAIA.sha1}`],
    );
    const entry = await store.get("fw.example.test", 443);
    assert.equal(
      entry?.pins[0]?.addedBy,
      "certpin pins import checkpoint-sdk-fingerprints.txt",
    );
  });

  it("reports entries already stored", async () => {
    const path = join(newFolder(), "pins.json");
    await pins(
      "import",
      fixture("checkpoint-sdk-fingerprints.txt"),
      "--store",
      path,
    );
    const before = readFileSync(path, "utf8");

    const result = await pins(
      "import",
      fixture("checkpoint-sdk-fingerprints.txt"),
      "--store",
      path,
    );

    assert.equal(result.code, 0);
    assert.match(result.stdout, /^present\s+192\.0\.2\.10:443/m);
    assert.equal(readFileSync(path, "utf8"), before);
  });

  it("skips a different pin unless --replace", async () => {
    const path = await storeWithPins();
    const file = join(newFolder(), "fingerprints.txt");
    writeFileSync(
      file,
      JSON.stringify({ "192.0.2.10": EC.sha1.replaceAll(":", "") }),
    );

    const skipped = await pins("import", file, "--store", path);
    assert.equal(skipped.code, 1);
    assert.match(skipped.stdout, /^skipped\s+192\.0\.2\.10:443/m);
    assert.ok(
      skipped.stderr.includes(
        "certpin: A different pin is stored for the targets skipped above",
      ),
      skipped.stderr,
    );
    assert.ok(skipped.stderr.includes("--replace"));
    assert.deepEqual(
      (await new PinStore({ path }).pinsFor("192.0.2.10", 443)).map(String),
      [`SHA-256:${GAIA.sha256}`],
    );

    const replaced = await pins("import", file, "--replace", "--store", path);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^replaced\s+192\.0\.2\.10:443/m);
    assert.deepEqual(
      (await new PinStore({ path }).pinsFor("192.0.2.10", 443)).map(String),
      [`SHA-1:${EC.sha1}`],
    );
  });

  it("--replace drops a pin stored beside the file's", async () => {
    const path = await storeWithPins();
    await new PinStore({ path }).addPin("192.0.2.10", 443, {
      pin: parseFingerprint(`SHA-1:${EC.sha1}`),
      added: new Date("2026-02-03T00:00:00Z"),
      addedBy: "certpin pin --add",
    }, "append");
    const file = join(newFolder(), "fingerprints.txt");
    writeFileSync(
      file,
      JSON.stringify({ "192.0.2.10": EC.sha1.replaceAll(":", "") }),
    );

    const unchanged = await pins("import", file, "--store", path);
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.match(unchanged.stdout, /^present\s+192\.0\.2\.10:443/m);

    const replaced = await pins("import", file, "--replace", "--store", path);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /^replaced\s+192\.0\.2\.10:443/m);
    assert.deepEqual(
      (await new PinStore({ path }).pinsFor("192.0.2.10", 443)).map(String),
      [`SHA-1:${EC.sha1}`],
    );
  });

  it("imports the leaf of a Go SDK chain", async () => {
    const path = join(newFolder(), "pins.json");
    const file = join(newFolder(), "fingerprints.json");
    const chain = (GAIA.sha1 + ROOT_SHA1).replaceAll(":", "").toLowerCase();
    writeFileSync(file, JSON.stringify({ "gw.example.test": chain }));

    const result = await pins("import", file, "--store", path);

    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^added\s+gw\.example\.test:443\s+SHA-1:A6:36/m,
    );
    assert.ok(result.stdout.includes("leaf"), "says the leaf was taken");
    const [stored] = (await new PinStore({ path }).get("gw.example.test", 443))
      ?.pins ?? [];
    assert.equal(stored?.pin.text, `SHA-1:${GAIA.sha1}`);
    assert.deepEqual(stored?.chain?.map(String), [`SHA-1:${ROOT_SHA1}`]);
  });

  it("reports an unreadable entry and imports the rest", async () => {
    const path = join(newFolder(), "pins.json");
    const file = join(newFolder(), "fingerprints.txt");
    writeFileSync(
      file,
      JSON.stringify(
        { "good.test": GAIA.sha1, "bad.test": "not hex" },
        null,
        2,
      ),
    );

    const result = await pins("import", file, "--store", path);

    assert.equal(result.code, 2);
    assert.match(result.stdout, /^added\s+good\.test:443/m);
    assert.match(result.stdout, /^skipped\s+"bad\.test" \(line 3\): /m);
    assert.ok(
      result.stderr.includes(`Correct them in ${file} on the lines shown`),
      result.stderr,
    );
    assert.ok(result.stdout.includes("Imported 1 of 2 entries"));
    assert.equal((await new PinStore({ path }).entries()).length, 1);
  });

  it("names file and line of invalid JSON", async () => {
    const path = join(newFolder(), "pins.json");
    const file = join(newFolder(), "fingerprints.txt");
    writeFileSync(file, `{\n  "good.test": "${GAIA.sha1}",\n  oops\n}\n`);

    const result = await pins("import", file, "--store", path);

    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.includes(
        `certpin: Cannot import ${file}: Invalid SDK fingerprints file, line 3, column 3:`,
      ),
      result.stderr,
    );
    assert.equal(existsSync(path), false);
  });

  it("names file and line of unreadable text", async () => {
    const path = join(newFolder(), "pins.json");
    const file = join(newFolder(), "fingerprints.txt");
    writeFileSync(file, `${GAIA.sha1}\nzz:11\n`);

    const result = await pins(
      "import",
      file,
      "--host",
      "192.0.2.10",
      "--store",
      path,
    );

    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.includes(`certpin: Cannot import ${file}: Line 2:`),
      result.stderr,
    );
    assert.equal(existsSync(path), false);
  });

  it("imports any fingerprint text with --host", async () => {
    const path = join(newFolder(), "pins.json");

    const result = await pins(
      "import",
      fixture("checkpoint-api-fingerprint.txt"),
      "--host",
      "192.0.2.10:4434",
      "--store",
      path,
    );

    assert.equal(result.code, 0, result.stderr);
    const stored = await new PinStore({ path }).pinsFor("192.0.2.10", 4434);
    assert.ok(
      stored.some((pin) => pin.text === `SHA-1:${GAIA.sha1}`),
      stored.join(),
    );
  });

  it("rejects text without --host", async () => {
    const path = join(newFolder(), "pins.json");

    const result = await pins(
      "import",
      fixture("checkpoint-api-fingerprint.txt"),
      "--store",
      path,
    );

    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes("--host"));
    assert.equal(existsSync(path), false);
  });
});

describe("certpin pins export", () => {
  it("writes the three SDK shapes", async () => {
    const path = await storeWithPins();

    const python = await pins(
      "export",
      "--format",
      "checkpoint-python",
      "--store",
      path,
    );
    const alias = await pins(
      "export",
      "--format",
      "checkpoint",
      "--store",
      path,
    );
    const java = await pins(
      "export",
      "--format",
      "checkpoint-java",
      "--store",
      path,
    );
    const go = await pins(
      "export",
      "--format",
      "checkpoint-go",
      "--store",
      path,
    );

    for (const result of [python, alias, java, go]) {
      assert.equal(result.code, 0, result.stderr);
    }
    const hex = (text: string) => text.replaceAll(":", "");
    assert.deepEqual(JSON.parse(python.stdout), {
      "192.0.2.10": hex(GAIA.sha1),
    });
    assert.equal(alias.stdout, python.stdout);
    assert.deepEqual(JSON.parse(java.stdout), {
      "192.0.2.10:443": hex(GAIA.sha256),
      "fw.example.test:4434": hex(EC.sha256),
    });
    assert.equal(java.stderr, "");
    assert.deepEqual(JSON.parse(go.stdout), {
      "192.0.2.10": hex(GAIA.sha1).toLowerCase(),
    });
  });

  it("leaves out other ports for host-only formats", async () => {
    const path = await storeWithPins();

    for (const format of ["checkpoint-python", "checkpoint-go"]) {
      const result = await pins("export", "--format", format, "--store", path);

      assert.equal(result.code, 0, result.stderr);
      assert.ok(
        result.stderr.includes("certpin: Left out fw.example.test:4434:"),
        result.stderr,
      );
      assert.ok(
        result.stderr.includes("add --target fw.example.test:4434"),
        result.stderr,
      );
      assert.deepEqual(Object.keys(JSON.parse(result.stdout)), [
        "192.0.2.10",
      ]);
    }
  });

  it("--target exports a named other port", async () => {
    const path = await storeWithPins();
    const file = join(newFolder(), "fingerprints.txt");

    const result = await pins(
      "export",
      "--format",
      "checkpoint-python",
      "--target",
      "fw.example.test:4434",
      "-o",
      file,
      "--store",
      path,
    );

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), {
      "fw.example.test": EC.sha1.replaceAll(":", ""),
    });
    assert.ok(
      result.stderr.includes(
        'Wrote fw.example.test:4434 as "fw.example.test"',
      ),
      result.stderr,
    );
    assert.ok(
      result.stderr.includes("importing it again gives fw.example.test:443"),
      result.stderr,
    );
    assert.ok(result.stderr.includes(`Wrote 1 target to ${file}.`));
  });

  it("rejects a directory as -o", async () => {
    const path = await storeWithPins();
    const folder = newFolder();

    const result = await pins("export", "-o", folder, "--store", path);

    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.includes(`Cannot write the export to -o "${folder}"`),
      result.stderr,
    );
    assert.ok(result.stderr.includes("it is a directory"), result.stderr);
    assert.doesNotMatch(result.stderr, /unexpected error/);
    assert.deepEqual(readdirSync(folder), []);
  });

  it("writes -o with mode 0600", async () => {
    const path = await storeWithPins();
    const output = join(newFolder(), "export.json");

    const result = await pins("export", "-o", output, "--store", path);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(parsePinStore(readFileSync(output, "utf8"), output).length, 2);
    if (process.platform !== "win32") {
      assert.equal(statSync(output).mode & 0o777, 0o600);
    }
  });

  it("--target selects targets for JSON", async () => {
    const path = await storeWithPins();

    const result = await pins(
      "export",
      "--target",
      "192.0.2.10",
      "--store",
      path,
    );

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      parsePinStore(result.stdout, "output").map((entry) => entry.host),
      ["192.0.2.10"],
    );
  });

  it("--target rejects a target without pins", async () => {
    const path = await storeWithPins();

    const result = await pins(
      "export",
      "--target",
      "192.0.2.10:8443",
      "--store",
      path,
    );

    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.ok(
      result.stderr.includes("No pins stored for 192.0.2.10:8443"),
      result.stderr,
    );
  });

  it("rejects two ports of a host in one file", async () => {
    const path = await storeWithPins();
    await new PinStore({ path }).addPin("192.0.2.10", 8443, {
      pin: parseFingerprint(`SHA-1:${EC.sha1}`),
      added: new Date(),
      addedBy: "test",
    });

    const result = await pins(
      "export",
      "--format",
      "checkpoint-python",
      "--target",
      "192.0.2.10:443",
      "--target",
      "192.0.2.10:8443",
      "--store",
      path,
    );

    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.ok(
      result.stderr.includes(
        "Cannot export 192.0.2.10:443 and 192.0.2.10:8443 to one Python SDK fingerprints file",
      ),
      result.stderr,
    );
    assert.ok(
      result.stderr.includes(
        "certpin pins export --format checkpoint-python --target 192.0.2.10:443",
      ),
      result.stderr,
    );
  });

  it("round-trips each SDK shape through import", async () => {
    const path = await storeWithPins();
    const cases: [string, string, string][] = [
      ["checkpoint-python", "192.0.2.10:443", `SHA-1:${GAIA.sha1}`],
      ["checkpoint-java", "fw.example.test:4434", `SHA-256:${EC.sha256}`],
      ["checkpoint-go", "192.0.2.10:443", `SHA-1:${GAIA.sha1}`],
    ];
    for (const [format, target, expected] of cases) {
      const folder = newFolder();
      const file = join(folder, "fingerprints.txt");
      const exported = await pins(
        "export",
        "--format",
        format,
        "-o",
        file,
        "--store",
        path,
      );
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(
        readSdkPinFile(readFileSync(file, "utf8")).problems.length,
        0,
      );

      const copy = join(folder, "pins.json");
      const imported = await pins("import", file, "--store", copy);
      assert.equal(imported.code, 0, imported.stderr);
      const [host, port] = [
        target.slice(0, target.lastIndexOf(":")),
        Number(target.slice(target.lastIndexOf(":") + 1)),
      ];
      assert.deepEqual(
        (await new PinStore({ path: copy }).pinsFor(host, port)).map(String),
        [expected],
        format,
      );
    }
  });

  it("round-trips SDK files through the store", async () => {
    const hex = (text: string) => text.replaceAll(":", "");
    const chain = hex(GAIA.sha1 + ROOT_SHA1).toLowerCase();
    const cases: [string, Record<string, string>][] = [
      ["checkpoint-python", {
        "192.0.2.10": hex(GAIA.sha1),
        "fw.example.test": hex(EC.sha1),
      }],
      ["checkpoint-java", {
        "192.0.2.10:443": hex(GAIA.sha256),
        "fw.example.test:4434": hex(EC.sha256),
      }],
      ["checkpoint-go", {
        "gw.example.test": chain,
        "192.0.2.10": hex(EC.sha1).toLowerCase(),
      }],
    ];
    for (const [format, original] of cases) {
      const folder = newFolder();
      const file = join(folder, "fingerprints.txt");
      const path = join(folder, "pins.json");
      writeFileSync(file, JSON.stringify(original));

      const imported = await pins("import", file, "--store", path);
      const exported = await pins(
        "export",
        "--format",
        format,
        "--store",
        path,
      );

      assert.equal(imported.code, 0, imported.stderr);
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(exported.stderr, "", format);
      assert.deepEqual(JSON.parse(exported.stdout), original, format);
    }
  });

  it("keeps a Go SDK chain through a JSON export", async () => {
    const folder = newFolder();
    const file = join(folder, "fingerprints.json");
    const chain = (GAIA.sha1 + ROOT_SHA1).replaceAll(":", "").toLowerCase();
    writeFileSync(file, JSON.stringify({ "gw.example.test": chain }));
    const path = join(folder, "pins.json");
    const copy = join(folder, "copy.json");
    const backup = join(folder, "backup.json");

    const imported = await pins("import", file, "--store", path);
    const exported = await pins("export", "-o", backup, "--store", path);
    const restored = await pins("import", backup, "--store", copy);
    const go = await pins(
      "export",
      "--format",
      "checkpoint-go",
      "--store",
      copy,
    );

    for (const result of [imported, exported, restored, go]) {
      assert.equal(result.code, 0, result.stderr);
    }
    assert.equal(JSON.parse(readFileSync(backup, "utf8")).version, 2);
    assert.deepEqual(JSON.parse(go.stdout), { "gw.example.test": chain });
  });

  it("round-trips the store as JSON", async () => {
    const path = await storeWithPins();
    const folder = newFolder();
    const file = join(folder, "export.json");

    const exported = await pins("export", "-o", file, "--store", path);
    const imported = await pins(
      "import",
      file,
      "--store",
      join(folder, "pins.json"),
    );

    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(imported.code, 0, imported.stderr);
    const original = await new PinStore({ path }).entries();
    const copy = await new PinStore({ path: join(folder, "pins.json") })
      .entries();
    assert.deepEqual(
      copy.map((
        entry,
      ) => [
        entry.host,
        entry.port,
        entry.pins.map((record) => record.pin.text),
      ]),
      original.map((
        entry,
      ) => [
        entry.host,
        entry.port,
        entry.pins.map((record) => record.pin.text),
      ]),
    );
  });

  it("leaves out targets without the needed hash", async () => {
    const path = join(newFolder(), "pins.json");
    const store = new PinStore({ path });
    await store.addPin("key.test", 443, {
      pin: parseFingerprint(GAIA.publicKeyPin),
      added: new Date(),
      addedBy: "test",
    });
    await store.addPin("sha1.test", 443, {
      pin: parseFingerprint(GAIA.sha1),
      added: new Date(),
      addedBy: "test",
    });

    const result = await pins(
      "export",
      "--format",
      "checkpoint-python",
      "--store",
      path,
    );

    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), {
      "sha1.test": GAIA.sha1.replaceAll(":", ""),
    });
    assert.ok(result.stderr.includes("certpin: Left out key.test:443:"));
  });

  it("rejects an unknown format", async () => {
    const result = await pins(
      "export",
      "--format",
      "yaml",
      "--store",
      join(newFolder(), "p.json"),
    );
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes("checkpoint-java"));
  });
});
