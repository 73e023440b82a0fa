import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidFingerprintError,
  parseFingerprint,
  readSdkPinFile,
  SdkPinFileError,
  writeSdkPinFile,
} from "../mod.ts";
import { expectedFingerprints, fixtureText } from "./helpers/fixtures.ts";

const EXPECTED = new Map(expectedFingerprints().map((row) => [row.file, row]));
const GAIA = EXPECTED.get("gaia-like.pem")!;
const ROOT = EXPECTED.get("root-ca.pem")!;
const LEAF = EXPECTED.get("leaf-signed.pem")!;
const GAIA_SHA1_HEX = GAIA.sha1.replaceAll(":", "");
const GAIA_SHA256_HEX = GAIA.sha256.replaceAll(":", "");

describe("readSdkPinFile()", () => {
  it("reads the sample file", () => {
    const file = readSdkPinFile(fixtureText("checkpoint-sdk-fingerprints.txt"));
    assert.deepEqual(file.problems, []);
    assert.deepEqual(
      file.entries.map((entry) => [entry.host, entry.port, entry.pin.text]),
      [
        ["192.0.2.10", 443, `SHA-1:${GAIA.sha1}`],
        ["fw.example.test", 443, `SHA-1:${GAIA.sha1}`],
      ],
    );
  });

  it("reads a Java SDK file", () => {
    const text = JSON.stringify({ "fw.example.test:4434": GAIA_SHA256_HEX });
    const [entry] = readSdkPinFile(text).entries;
    assert.equal(entry?.host, "fw.example.test");
    assert.equal(entry?.port, 4434);
    assert.equal(entry?.pin.text, `SHA-256:${GAIA.sha256}`);
    assert.equal(entry?.note, undefined);
  });

  it("takes the leaf of a Go SDK chain", () => {
    const chain = (LEAF.sha1 + ROOT.sha1).replaceAll(":", "").toLowerCase();
    const [entry] =
      readSdkPinFile(JSON.stringify({ "192.0.2.20": chain })).entries;
    assert.equal(entry?.pin.text, `SHA-1:${LEAF.sha1}`);
    assert.deepEqual(entry?.chain?.map(String), [`SHA-1:${ROOT.sha1}`]);
    assert.match(entry?.note ?? "", /chain of 2 certificates/);
    assert.match(entry?.note ?? "", /first 40 of 80 hex digits/);
  });

  it("reads a Go SDK value of one certificate", () => {
    const text = JSON.stringify({ "192.0.2.10": GAIA_SHA1_HEX.toLowerCase() });
    const [entry] = readSdkPinFile(text).entries;
    assert.equal(entry?.pin.text, `SHA-1:${GAIA.sha1}`);
    assert.equal(entry?.chain, undefined);
  });

  it("reads IPv6 keys", () => {
    const text = JSON.stringify({
      "[::1]:8443": GAIA_SHA1_HEX,
      "::1": GAIA_SHA1_HEX,
    });
    const entries = readSdkPinFile(text).entries;
    assert.deepEqual(entries.map((entry) => [entry.host, entry.port]), [
      ["::1", 8443],
      ["::1", 443],
    ]);
  });

  it("reports broken entries and keeps the others", () => {
    const text = JSON.stringify({
      "good.example.test": GAIA_SHA1_HEX,
      "short.example.test": GAIA_SHA1_HEX.slice(0, 30),
      "number.example.test": 42,
      "bad host": GAIA_SHA1_HEX,
      "md5.example.test": "d41d8cd98f00b204e9800998ecf8427e",
    });
    const file = readSdkPinFile(text);
    assert.deepEqual(file.entries.map((entry) => entry.host), [
      "good.example.test",
    ]);
    assert.deepEqual(file.problems.map((problem) => problem.key), [
      "short.example.test",
      "number.example.test",
      "bad host",
      "md5.example.test",
    ]);
    assert.deepEqual(file.problems.map((problem) => problem.line), [
      1,
      1,
      1,
      1,
    ]);
    assert.match(file.problems[0]?.message ?? "", /15 bytes/);
    assert.match(file.problems[1]?.message ?? "", /not a fingerprint string/);
    assert.match(file.problems[2]?.message ?? "", /Invalid target/);
    assert.match(file.problems[3]?.message ?? "", /MD5/);
  });

  it("reads a file with a byte order mark", () => {
    const text = `\ufeff${JSON.stringify({ "192.0.2.10": GAIA_SHA1_HEX })}`;
    assert.equal(readSdkPinFile(text).entries.length, 1);
  });

  it("gives the line of each problem", () => {
    const text =
      `{\n  "good.test": "${GAIA_SHA1_HEX}",\n\n  "bad.test":\n    "not hex"\n}`;
    assert.deepEqual(
      readSdkPinFile(text).problems.map((problem) => problem.line),
      [5],
    );
  });

  it("raises on text that is not JSON", () => {
    assert.throws(() => readSdkPinFile("192.0.2.10 A6364D05"), SdkPinFileError);
  });

  it("names line and column of a syntax error", () => {
    assert.throws(
      () => readSdkPinFile(`{\n  "a.test": "${GAIA_SHA1_HEX}",\n}`),
      (error: unknown) =>
        error instanceof SdkPinFileError &&
        /line 3, column 1: expected a quoted property name/.test(
          error.message,
        ),
    );
  });

  it("raises on a server given twice", () => {
    const text =
      `{\n  "a.test": "${GAIA_SHA1_HEX}",\n  "a.test": "${GAIA_SHA1_HEX}"\n}`;
    assert.throws(
      () => readSdkPinFile(text),
      (error: unknown) =>
        error instanceof SdkPinFileError &&
        /line 3, column 3: property "a\.test" appears twice/.test(
          error.message,
        ),
    );
  });

  it("raises on JSON that is not an object", () => {
    assert.throws(
      () => readSdkPinFile(`["${GAIA_SHA1_HEX}"]`),
      SdkPinFileError,
    );
    assert.throws(() => readSdkPinFile("null"), SdkPinFileError);
  });
});

describe("writeSdkPinFile()", () => {
  const gaia = {
    host: "192.0.2.10",
    pins: [GAIA.publicKeyPin, GAIA.sha256, GAIA.sha1],
  };

  it("writes the Python format", () => {
    const text = writeSdkPinFile([gaia], "python");
    assert.deepEqual(JSON.parse(text), { "192.0.2.10": GAIA_SHA1_HEX });
    assert.ok(text.endsWith("\n"));
  });

  it("writes the Java format", () => {
    const text = writeSdkPinFile([{ ...gaia, port: 4434 }], "java");
    assert.deepEqual(JSON.parse(text), { "192.0.2.10:4434": GAIA_SHA256_HEX });
  });

  it("writes the Java format with port 443", () => {
    const text = writeSdkPinFile([gaia], "java");
    assert.deepEqual(JSON.parse(text), { "192.0.2.10:443": GAIA_SHA256_HEX });
  });

  it("writes the Go format with a chain", () => {
    const text = writeSdkPinFile(
      [{ host: "192.0.2.20", pins: [LEAF.sha1], chain: [ROOT.sha1] }],
      "go",
    );
    const expected = (LEAF.sha1 + ROOT.sha1).replaceAll(":", "").toLowerCase();
    assert.deepEqual(JSON.parse(text), { "192.0.2.20": expected });
  });

  it("writes the Go format of a self-signed certificate", () => {
    const text = writeSdkPinFile([gaia], "go");
    assert.deepEqual(JSON.parse(text), {
      "192.0.2.10": GAIA_SHA1_HEX.toLowerCase(),
    });
  });

  it("round-trips every format through readSdkPinFile()", () => {
    for (const format of ["python", "java", "go"] as const) {
      const [entry] = readSdkPinFile(writeSdkPinFile([gaia], format)).entries;
      const expected = format === "java" ? GAIA.sha256 : GAIA.sha1;
      assert.ok(entry?.pin.equals(parseFingerprint(expected)), format);
    }
  });

  it("writes back a Go SDK chain value it read", () => {
    const chain = (LEAF.sha1 + ROOT.sha1).replaceAll(":", "").toLowerCase();
    const [entry] =
      readSdkPinFile(JSON.stringify({ "192.0.2.20": chain })).entries;
    assert.ok(entry !== undefined);

    const text = writeSdkPinFile(
      [{ host: entry.host, pins: [entry.pin], chain: entry.chain ?? [] }],
      "go",
    );

    assert.deepEqual(JSON.parse(text), { "192.0.2.20": chain });
  });

  it("rejects a public-key pin alone", () => {
    assert.throws(
      () =>
        writeSdkPinFile(
          [{ host: "192.0.2.10", pins: [GAIA.publicKeyPin] }],
          "python",
        ),
      (error: unknown) =>
        error instanceof SdkPinFileError &&
        /needs the certificate's SHA-1 fingerprint/.test(error.message) &&
        /Public-key pins and English words cannot be written/.test(
          error.message,
        ),
    );
  });

  it("rejects English words for Python", () => {
    const words = "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN";
    assert.throws(
      () => writeSdkPinFile([{ host: "192.0.2.10", pins: [words] }], "python"),
      SdkPinFileError,
    );
  });

  it("rejects a SHA-1 alone for Java", () => {
    assert.throws(
      () =>
        writeSdkPinFile([{ host: "192.0.2.10", pins: [GAIA.sha1] }], "java"),
      (error: unknown) =>
        error instanceof SdkPinFileError &&
        /SHA-256 fingerprint/.test(error.message),
    );
  });

  it("rejects one host with two fingerprints", () => {
    const other = { host: "192.0.2.10", port: 8443, pins: [ROOT.sha1] };
    assert.throws(
      () => writeSdkPinFile([gaia, other], "python"),
      (error: unknown) =>
        error instanceof SdkPinFileError &&
        /two different fingerprints/.test(error.message),
    );
  });

  it("writes one host on two ports with one fingerprint", () => {
    const text = writeSdkPinFile([gaia, { ...gaia, port: 8443 }], "python");
    assert.deepEqual(Object.keys(JSON.parse(text)), ["192.0.2.10"]);
  });

  it("rejects a chain link that is not a SHA-1", () => {
    assert.throws(
      () => writeSdkPinFile([{ ...gaia, chain: [ROOT.sha256] }], "go"),
      InvalidFingerprintError,
    );
  });

  it("rejects an entry without pins", () => {
    assert.throws(
      () => writeSdkPinFile([{ host: "192.0.2.10", pins: [] }], "go"),
      TypeError,
    );
  });

  it("rejects an unknown format", () => {
    assert.throws(() => writeSdkPinFile([gaia], "ruby" as "go"), TypeError);
  });
});
