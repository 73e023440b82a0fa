import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
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
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import {
  defaultPinStorePath,
  PinStore,
  resolvePinStorePath,
} from "../src/store.ts";
import type { PinRecord } from "../src/store.ts";
import { PinStoreError } from "../src/errors.ts";
import { parseFingerprint } from "../src/parse.ts";
import { pinForHost } from "./helpers/store_writer.ts";

const SHA256 =
  "SHA-256:55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C";
const SHA1 =
  "SHA-1:A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D";
const ROOT_SHA1 =
  "SHA-1:E4:6B:7E:7A:01:98:FB:56:88:21:0C:41:2E:9C:9D:A6:35:86:41:F5";

const createdFolders: string[] = [];

afterEach(() => {
  for (const folder of createdFolders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

/** Makes a folder removed after the test, and a store path in a subfolder. */
function temporaryFolder(): { folder: string; path: string } {
  const folder = mkdtempSync(join(tmpdir(), "certpin-store-"));
  createdFolders.push(folder);
  return { folder, path: join(folder, "nested", "pins.json") };
}

function record(pin: string, addedBy = "test"): PinRecord {
  return {
    pin: parseFingerprint(pin),
    added: new Date("2026-03-01T12:00:00.000Z"),
    addedBy,
  };
}

const CERTIFICATE = {
  subject: "CN=192.0.2.10",
  validFrom: new Date("2025-01-01T00:00:00.000Z"),
  validTo: new Date("2035-01-01T00:00:00.000Z"),
  sha256: SHA256.slice("SHA-256:".length),
  sha1: SHA1.slice("SHA-1:".length),
};

describe("PinStore", () => {
  it("reads back what it wrote", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    const written = {
      ...record(SHA256, "certpin pin --expect"),
      certificate: CERTIFICATE,
    };

    assert.deepEqual(await store.entries(), []);
    assert.equal(
      (await store.addPin("192.0.2.10", 443, written)).status,
      "added",
    );

    const entries = await new PinStore({ path: temp.path }).entries();
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.host, "192.0.2.10");
    assert.equal(entry?.port, 443);
    assert.equal(entry?.pins[0]?.pin.text, SHA256);
    assert.equal(entry?.pins[0]?.addedBy, "certpin pin --expect");
    assert.deepEqual(entry?.pins[0]?.added, written.added);
    assert.deepEqual(entry?.pins[0]?.certificate, CERTIFICATE);
    assert.deepEqual((await store.pinsFor("192.0.2.10", 443)).map(String), [
      SHA256,
    ]);
    assert.deepEqual(store.pinsForSync("192.0.2.10", 8443), []);
  });

  it(
    "creates the file with mode 0600",
    { skip: process.platform === "win32" },
    async () => {
      const temp = temporaryFolder();
      const oldMask = process.umask(0o022);
      try {
        await new PinStore({ path: temp.path }).addPin(
          "a.test",
          443,
          record(SHA256),
        );
      } finally {
        process.umask(oldMask);
      }
      assert.equal(statSync(temp.path).mode & 0o777, 0o600);
    },
  );

  it("writes keys as host:port, names lowercased", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("FW.Example.TEST", 443, record(SHA256));
    await store.addPin("::1", 8443, record(SHA1));

    const file = JSON.parse(readFileSync(temp.path, "utf8"));
    assert.equal(file.version, 1);
    assert.deepEqual(Object.keys(file.targets), [
      "fw.example.test:443",
      "[::1]:8443",
    ]);
    assert.deepEqual(
      (await store.pinsFor("fw.example.test", 443)).map(String),
      [SHA256],
    );
    assert.deepEqual(
      (await store.get("::1", 8443))?.pins.map((item) => item.pin.text),
      [SHA1],
    );
  });

  it("addPin() reports a pin already stored", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("a.test", 443, record(SHA256));
    const before = readFileSync(temp.path);

    const result = await store.addPin("a.test", 443, record(SHA256, "again"));

    assert.equal(result.status, "already-pinned");
    assert.deepEqual(readFileSync(temp.path), before);
  });

  it("addPin() rejects a different pin and keeps the file", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("a.test", 443, record(SHA256));
    const before = readFileSync(temp.path);

    const result = await store.addPin("a.test", 443, record(SHA1));

    assert.equal(result.status, "conflict");
    assert.deepEqual(result.previous?.pins.map((item) => item.pin.text), [
      SHA256,
    ]);
    assert.deepEqual(readFileSync(temp.path), before);
  });

  it("addPin() replaces or appends on request", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("a.test", 443, record(SHA256));

    assert.equal(
      (await store.addPin("a.test", 443, record(SHA1), "append")).status,
      "appended",
    );
    assert.deepEqual((await store.pinsFor("a.test", 443)).map(String), [
      SHA256,
      SHA1,
    ]);

    const third = "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=";
    assert.equal(
      (await store.addPin("a.test", 443, record(third), "replace")).status,
      "replaced",
    );
    assert.deepEqual((await store.pinsFor("a.test", 443)).map(String), [third]);
  });

  it("addPin() replace keeps only a pin stored beside others", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("a.test", 443, record(SHA1));
    await store.addPin("a.test", 443, record(SHA256), "append");

    const result = await store.addPin(
      "a.test",
      443,
      record(SHA256, "again"),
      "replace",
    );

    assert.equal(result.status, "replaced");
    assert.deepEqual(result.previous?.pins.map((item) => item.pin.text), [
      SHA1,
      SHA256,
    ]);
    assert.deepEqual((await store.pinsFor("a.test", 443)).map(String), [
      SHA256,
    ]);
    const before = readFileSync(temp.path);
    assert.equal(
      (await store.addPin("a.test", 443, record(SHA256), "replace")).status,
      "already-pinned",
    );
    assert.deepEqual(readFileSync(temp.path), before);
  });

  it("remove() drops a target", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("a.test", 443, record(SHA256));
    await store.addPin("b.test", 443, record(SHA1));

    assert.equal((await store.remove("a.test", 443))?.host, "a.test");
    assert.equal(await store.remove("a.test", 443), undefined);
    assert.deepEqual((await store.entries()).map((entry) => entry.host), [
      "b.test",
    ]);
  });

  it("keeps a Go SDK chain as version 2", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.addPin("plain.test", 443, record(SHA256));
    assert.equal(JSON.parse(readFileSync(temp.path, "utf8")).version, 1);
    const chain = [parseFingerprint(ROOT_SHA1), parseFingerprint(SHA1)];

    await store.addPin("chain.test", 443, { ...record(SHA1), chain });

    const file = JSON.parse(readFileSync(temp.path, "utf8"));
    assert.equal(file.version, 2);
    assert.deepEqual(file.targets["chain.test:443"].pins[0].chain, [
      ROOT_SHA1,
      SHA1,
    ]);
    assert.equal(file.targets["plain.test:443"].pins[0].chain, undefined);
    const stored = await new PinStore({ path: temp.path }).get(
      "chain.test",
      443,
    );
    assert.deepEqual(stored?.pins[0]?.chain?.map(String), [ROOT_SHA1, SHA1]);
    assert.equal(
      (await store.get("plain.test", 443))?.pins[0]?.chain,
      undefined,
    );

    await store.remove("chain.test", 443);
    assert.equal(JSON.parse(readFileSync(temp.path, "utf8")).version, 1);
  });

  it("reads a version 1 file", async () => {
    const temp = temporaryFolder();
    const text = `{"version": 1, "targets": {"a.test:443": {"pins": [
      {"pin": ${VALID_PIN}, "added": "2026-01-01T00:00:00Z", "addedBy": "x"}]}}}`;
    writeFileSync(join(temp.folder, "pins.json"), text);
    const store = new PinStore({ path: join(temp.folder, "pins.json") });

    assert.deepEqual((await store.pinsFor("a.test", 443)).map(String), [
      SHA256,
    ]);
    await store.addPin("b.test", 443, record(SHA1));
    assert.equal(JSON.parse(readFileSync(store.path, "utf8")).version, 1);
  });

  it("reading a missing file creates nothing", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    await store.entries();
    await store.remove("a.test", 443);
    assert.equal(existsSync(temp.path), false);
  });
});

describe("pin store path", () => {
  it("defaultPinStorePath() follows XDG and APPDATA", () => {
    assert.equal(
      defaultPinStorePath(
        { XDG_CONFIG_HOME: "/cfg", HOME: "/home/u" },
        "linux",
      ),
      "/cfg/certpin/pins.json",
    );
    assert.equal(
      defaultPinStorePath({ HOME: "/home/u" }, "linux"),
      "/home/u/.config/certpin/pins.json",
    );
    assert.equal(
      defaultPinStorePath(
        { XDG_CONFIG_HOME: "relative", HOME: "/home/u" },
        "darwin",
      ),
      "/home/u/.config/certpin/pins.json",
    );
    assert.equal(
      defaultPinStorePath(
        { APPDATA: "C:\\Users\\u\\AppData\\Roaming" },
        "win32",
      ),
      "C:\\Users\\u\\AppData\\Roaming\\certpin\\pins.json",
    );
  });

  it("resolvePinStorePath() prefers flag, then CERTPIN_STORE", () => {
    const env = { CERTPIN_STORE: "/env/pins.json", HOME: "/home/u" };
    assert.equal(
      resolvePinStorePath("/flag/pins.json", env),
      "/flag/pins.json",
    );
    assert.equal(resolvePinStorePath(undefined, env), "/env/pins.json");
    assert.equal(
      resolvePinStorePath(undefined, { HOME: "/home/u" }),
      "/home/u/.config/certpin/pins.json",
    );
  });
});

const VALID_PIN = JSON.stringify(SHA256);

/** Invalid files: the text, the line the error must name, and a word of the problem. */
const INVALID_FILES: {
  name: string;
  text: string;
  line: number;
  problem: string;
}[] = [
  {
    name: "truncated JSON",
    text:
      `{\n  "version": 1,\n  "targets": {\n    "a.test:443": {\n      "pins": [\n`,
    line: 6,
    problem: "end of the file",
  },
  {
    name: "trailing comma",
    text: `{\n  "version": 1,\n  "targets": {},\n}\n`,
    line: 4,
    problem: "property name",
  },
  {
    name: "wrong type of pins",
    text:
      `{\n  "version": 1,\n  "targets": {\n    "a.test:443": { "pins": "${SHA256}" }\n  }\n}\n`,
    line: 4,
    problem: "non-empty array",
  },
  {
    name: "wrong type of added",
    text:
      `{"version": 1, "targets": {"a.test:443": {"pins": [\n {"pin": ${VALID_PIN}, "added": 5, "addedBy": "x"}]}}}`,
    line: 2,
    problem: '"added" must be a string',
  },
  {
    name: "unknown future version",
    text: `{"version": 3, "targets": {}}`,
    line: 0,
    problem: "reads versions 1 to 2 only",
  },
  {
    name: "version that is not a number",
    text: `{\n"version": "2", "targets": {}}`,
    line: 2,
    problem: '"version" is "2"; expected 1 to 2',
  },
  {
    name: "chain in a version 1 file",
    text:
      `{"version": 1, "targets": {"a.test:443": {"pins": [{"pin": ${VALID_PIN},\n "chain": ["${SHA1}"], "added": "2026-01-01T00:00:00Z", "addedBy": "x"}]}}}`,
    line: 2,
    problem: '"chain" needs "version": 2',
  },
  {
    name: "chain with a SHA-256",
    text:
      `{"version": 2, "targets": {"a.test:443": {"pins": [{"pin": ${VALID_PIN}, "chain": [\n"${SHA1}",\n"${SHA256}"], "added": "2026-01-01T00:00:00Z", "addedBy": "x"}]}}}`,
    line: 3,
    problem: 'item 2 of "chain"',
  },
  {
    name: "empty chain",
    text:
      `{"version": 2, "targets": {"a.test:443": {"pins": [{"pin": ${VALID_PIN},\n "chain": [], "added": "2026-01-01T00:00:00Z", "addedBy": "x"}]}}}`,
    line: 2,
    problem: "non-empty array of SHA-1",
  },
  {
    name: "missing version",
    text: `{"targets": {}}`,
    line: 1,
    problem: '"version" is missing',
  },
  {
    name: "invalid pin",
    text:
      `{\n "version": 1,\n "targets": {"a.test:443": {"pins": [\n  {"pin": "SHA-256:GG:12", "added": "2026-01-01T00:00:00Z", "addedBy": "x"}\n ]}}\n}`,
    line: 4,
    problem: "invalid pin",
  },
  {
    name: "target without port",
    text: `{"version": 1, "targets": {\n"A.test": {"pins": []}}}`,
    line: 2,
    problem: "must be written",
  },
  {
    name: "duplicate target",
    text:
      `{"version": 1, "targets": {\n"a.test:443": {"pins": []},\n"a.test:443": {"pins": []}}}`,
    line: 3,
    problem: "twice",
  },
  {
    name: "unknown property",
    text: `{"version": 1, "targets": {}, "pinz": {}}`,
    line: 1,
    problem: 'unknown property "pinz"',
  },
];

describe("invalid pin store", () => {
  for (const invalid of INVALID_FILES) {
    it(`${invalid.name} is reported and left unchanged`, async () => {
      const temp = temporaryFolder();
      const store = new PinStore({ path: join(temp.folder, "pins.json") });
      writeFileSync(store.path, invalid.text, { mode: 0o600 });

      const reads = [
        () => store.entries(),
        () => store.pinsFor("a.test", 443),
        () => store.addPin("b.test", 443, record(SHA1)),
        () => store.remove("a.test", 443),
      ];
      for (const read of reads) {
        await assert.rejects(read, (error: unknown) => {
          assert.ok(error instanceof PinStoreError);
          assert.equal(error.path, store.path);
          assert.match(error.message, new RegExp(escape(store.path)));
          assert.ok(error.message.includes(invalid.problem), error.message);
          assert.ok(!error.message.includes(".."), error.message);
          if (invalid.line > 0) {
            assert.match(
              error.message,
              new RegExp(`line ${invalid.line}, column \\d+`),
            );
          }
          return true;
        });
      }

      assert.equal(readFileSync(store.path, "utf8"), invalid.text);
      assert.deepEqual(readdirSync(temp.folder), ["pins.json"]);
    });
  }
});

describe("pin store locking", () => {
  it("waits for a live lock and names the lock file", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({
      path: join(temp.folder, "pins.json"),
      lockTimeout: 200,
    });
    const lock = `${store.path}.lock`;
    writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: "elsewhere.test",
        created: new Date().toISOString(),
        token: "other",
      }),
    );

    const started = Date.now();
    await assert.rejects(
      store.addPin("a.test", 443, record(SHA256)),
      (error: unknown) => {
        assert.ok(error instanceof PinStoreError);
        assert.ok(error.message.includes(lock), error.message);
        assert.ok(
          error.message.includes(`process ${process.pid}`),
          error.message,
        );
        assert.ok(error.message.includes("delete"), error.message);
        return true;
      },
    );
    assert.ok(Date.now() - started >= 200);
    assert.equal(existsSync(store.path), false);
    assert.equal(existsSync(lock), true);
  });

  it("removes a dead owner's lock", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({
      path: join(temp.folder, "pins.json"),
      lockTimeout: 200,
    });
    const lock = writeLock(store.path, exitedProcessId(), 60_000);

    const result = await store.addPin("a.test", 443, record(SHA256));

    assert.equal(result.status, "added");
    assert.equal(existsSync(lock), false);
  });

  it("keeps a live owner's old lock", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({
      path: join(temp.folder, "pins.json"),
      lockTimeout: 200,
    });
    // The parent of the test runner outlives this test.
    const lock = writeLock(store.path, process.ppid, 3_600_000);

    await assert.rejects(
      store.addPin("a.test", 443, record(SHA256)),
      PinStoreError,
    );

    assert.equal(existsSync(lock), true);
    assert.equal(existsSync(store.path), false);
  });

  it("judges an unchecked owner by the lock's age", async () => {
    // Under Deno the writer runs without --allow-run, as `deno task certpin`
    // does, so it cannot check whether the owner's process is alive.
    const temp = temporaryFolder();
    const path = join(temp.folder, "pins.json");
    const lock = writeLock(path, exitedProcessId(), 5_000);

    const fresh = await startWriter(
      ["add", path, "fresh.test", "443", "300"],
      { allowRun: false },
    ).exit();

    if (IS_DENO) {
      assert.equal(fresh.code, 1, fresh.stderr);
      assert.match(fresh.stderr, /lock file/);
      assert.equal(existsSync(lock), true);
    } else {
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.equal(existsSync(lock), false);
    }

    writeLock(path, exitedProcessId(), 60_000);
    const old = await startWriter(
      ["add", path, "old.test", "443", "300"],
      { allowRun: false },
    ).exit();

    assert.equal(old.code, 0, old.stderr);
    assert.equal(existsSync(lock), false);
    const hosts = (await new PinStore({ path }).entries()).map((entry) =>
      entry.host
    );
    assert.ok(hosts.includes("old.test"), hosts.join());
  });

  it("serializes writers within one process", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: temp.path });
    const hosts = Array.from({ length: 10 }, (_, index) => `host${index}.test`);
    await Promise.all(
      hosts.map((host) => store.addPin(host, 443, record(SHA256))),
    );
    assert.equal((await store.entries()).length, 10);
  });

  it("keeps the old file when a writer is killed", async () => {
    const temp = temporaryFolder();
    const store = new PinStore({ path: join(temp.folder, "pins.json") });
    await store.addPin("old.test", 443, record(SHA256));
    const before = readFileSync(store.path);

    const child = startWriter(["interrupt", store.path, "new.test", "443"]);
    const output = await child.output("\n");
    const temporaryPath = output.match(/^paused (.+)\n/)?.[1] ?? "";
    assert.equal(existsSync(`${store.path}.lock`), true);
    const partial = readFileSync(temporaryPath, "utf8");
    assert.match(partial, /^\{\n {2}"version": 1,/);
    assert.throws(() => JSON.parse(partial), SyntaxError);
    assert.deepEqual(readFileSync(store.path), before);
    await child.kill();

    assert.deepEqual(readFileSync(store.path), before);
    assert.deepEqual((await store.entries()).map((entry) => entry.host), [
      "old.test",
    ]);
    assert.equal(
      (await store.addPin("new.test", 443, record(SHA1))).status,
      "added",
    );
    assert.deepEqual(
      (await store.entries()).map((entry) => entry.host),
      ["old.test", "new.test"],
    );
    assert.deepEqual(readdirSync(temp.folder), ["pins.json"]);
  });

  it("keeps every entry of 20 concurrent processes", async () => {
    const temp = temporaryFolder();
    const path = join(temp.folder, "pins.json");
    const hosts = Array.from(
      { length: 20 },
      (_, index) => `writer${index}.test`,
    );

    const results = await Promise.all(
      hosts.map((host) => startWriter(["add", path, host, "443"]).exit()),
    );

    assert.deepEqual(results.map((result) => result.code), hosts.map(() => 0));
    const entries = await new PinStore({ path }).entries();
    assert.deepEqual(
      entries.map((entry) => entry.host).sort(),
      [...hosts].sort(),
    );
    for (const entry of entries) {
      assert.equal(entry.pins[0]?.pin.text, pinForHost(entry.host).text);
    }
    assert.deepEqual(readdirSync(temp.folder), ["pins.json"]);
  });
});

describe("pin store boundaries", () => {
  // The clients take pins through PinLookup and import no store module. The
  // CLI uses the store's public modules, never its private helpers.
  const storeModule =
    /(^|\/)(store|store_\w+|_store_\w+|_file_lock|_json_positions|atomic_write|checkpoint_files)\.[jt]s$/;
  const privateStoreModule =
    /^\.\.\/(_store_\w+|_file_lock|_json_positions)\.[jt]s$/;

  it("clients import no store module", () => {
    for (const name of ["agent", "fetch", "pin_lookup"]) {
      const imports = relativeImports(`../src/${name}`);
      if (name !== "pin_lookup") assert.ok(imports.length > 0, name);
      assert.deepEqual(
        imports.filter((specifier) => storeModule.test(specifier)),
        [],
        name,
      );
    }
  });

  it("CLI imports no private store module", () => {
    const folder = new URL("../src/cli/", import.meta.url);
    // The npm build puts declaration files (.d.ts) beside the modules.
    const names = readdirSync(folder).filter((name) =>
      name.endsWith(sourceExtension()) && !name.endsWith(".d.ts")
    );
    assert.ok(names.includes(`_pins_import${sourceExtension()}`));
    for (const name of names) {
      const imports = relativeImports(`../src/cli/${name.slice(0, -3)}`);
      assert.deepEqual(
        imports.filter((specifier) => privateStoreModule.test(specifier)),
        [],
        name,
      );
    }
  });
});

/** `.ts` when the tests run from source, `.js` when they run from the npm build. */
function sourceExtension(): string {
  return import.meta.url.endsWith(".ts") ? ".ts" : ".js";
}

/**
 * Returns the relative specifiers that a module of this project imports or
 * re-exports. The npm build has dropped its type-only imports.
 */
function relativeImports(module: string): string[] {
  const url = new URL(`${module}${sourceExtension()}`, import.meta.url);
  const text = readFileSync(url, "utf8");
  const found = text.matchAll(/(?:from|import)\s*["'](\.\.?\/[^"']+)["']/g);
  return [...found].map((match) => match[1] ?? "");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const IS_DENO = "Deno" in globalThis;

/**
 * Writes the lock file of a store as another process of this host would,
 * dated `ageMs` milliseconds ago, and returns its path.
 */
function writeLock(storePath: string, pid: number, ageMs: number): string {
  const lock = `${storePath}.lock`;
  const created = new Date(Date.now() - ageMs);
  writeFileSync(
    lock,
    JSON.stringify({
      pid,
      host: hostname(),
      created: created.toISOString(),
      token: "test",
    }),
  );
  utimesSync(lock, created, created);
  return lock;
}

/** Returns the id of a process that has exited. */
function exitedProcessId(): number {
  const child = spawnSync(process.execPath, ["--version"]);
  assert.equal(child.status, 0);
  return child.pid;
}

interface Writer {
  /** Resolves with the standard output so far once it contains `expected`. */
  output(expected: string): Promise<string>;
  kill(): Promise<void>;
  exit(): Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts tests/helpers/store_writer as a child process. With `allowRun`
 * false, a Deno child gets the permissions it needs except `--allow-run`.
 */
function startWriter(
  args: string[],
  options: { allowRun?: boolean } = {},
): Writer {
  const script = fileURLToPath(
    new URL(`./helpers/store_writer.${IS_DENO ? "ts" : "js"}`, import.meta.url),
  );
  const permissions = options.allowRun === false
    ? [
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
    ]
    : ["-A"];
  const command = IS_DENO
    ? ["run", ...permissions, script, ...args]
    : [script, ...args];
  const child = spawn(process.execPath, command, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<{ code: number | null; stderr: string }>(
    (resolve) => {
      child.on("close", (code) => resolve({ code, stderr }));
    },
  );
  return {
    output: (expected) =>
      new Promise((resolve, reject) => {
        child.stdout.on("data", (text: string) => {
          stdout += text;
          if (stdout.includes(expected)) resolve(stdout);
        });
        exited.then((result) =>
          reject(new Error(`writer exited: ${result.stderr}`))
        );
      }),
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    exit: () => exited,
  };
}
