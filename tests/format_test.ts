import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  FINGERPRINT_FORMATS,
  formatFingerprint,
  InvalidFingerprintError,
  parseFingerprint,
} from "../mod.ts";

const GAIA_SHA1 = "A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D";
const GAIA_SHA256 =
  "55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C";
const GAIA_PIN = "sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=";
const GAIA_WORDS = "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN";

describe("formatFingerprint() SHA-256", () => {
  const expected: [string, string][] = [
    ["colon", GAIA_SHA256],
    ["hex", GAIA_SHA256.replaceAll(":", "").toLowerCase()],
    ["base64", "SHA256:VWhLz3zMtKQBDG7U5xPRqOXsqjhGzLCe9a80C0W+zYw"],
    ["openssl", `SHA256 Fingerprint=${GAIA_SHA256}`],
  ];
  for (const [format, text] of expected) {
    it(`writes ${format}`, () => {
      assert.equal(
        formatFingerprint(GAIA_SHA256, format as "colon"),
        text,
      );
    });
  }

  it("writes colon by default", () => {
    assert.equal(formatFingerprint(parseFingerprint(GAIA_SHA256)), GAIA_SHA256);
  });

  it("rejects words", () => {
    assert.throws(
      () => formatFingerprint(GAIA_SHA256, "words"),
      (error: unknown) =>
        error instanceof InvalidFingerprintError &&
        /English words encode a SHA-1 fingerprint/.test(error.message),
    );
  });
});

describe("formatFingerprint() SHA-1", () => {
  it("writes the twelve words", () => {
    assert.equal(formatFingerprint(GAIA_SHA1, "words"), GAIA_WORDS);
  });

  it("writes the openssl line", () => {
    assert.equal(
      formatFingerprint(GAIA_SHA1, "openssl"),
      `SHA1 Fingerprint=${GAIA_SHA1}`,
    );
  });

  it("writes unpadded base64", () => {
    assert.equal(
      formatFingerprint(GAIA_SHA1, "base64"),
      "SHA1:pjZNBeRSaW0LhvHGTJx81rWkJU0",
    );
  });
});

describe("formatFingerprint() other pins", () => {
  it("writes a public-key pin as base64", () => {
    assert.equal(
      formatFingerprint(`pin-sha256="${GAIA_PIN.slice(7)}"`, "base64"),
      GAIA_PIN,
    );
  });

  for (const format of ["colon", "hex", "openssl", "words"] as const) {
    it(`rejects a public-key pin as ${format}`, () => {
      assert.throws(
        () => formatFingerprint(GAIA_PIN, format),
        (error: unknown) =>
          error instanceof InvalidFingerprintError &&
          /written only as sha256\/BASE64/.test(error.message),
      );
    });
  }

  it("writes a words pin as words", () => {
    assert.equal(
      formatFingerprint(`words:${GAIA_WORDS.toLowerCase()}`, "words"),
      GAIA_WORDS,
    );
  });

  for (const format of ["colon", "hex", "base64", "openssl"] as const) {
    it(`rejects a words pin as ${format}`, () => {
      assert.throws(
        () => formatFingerprint(GAIA_WORDS, format),
        (error: unknown) =>
          error instanceof InvalidFingerprintError &&
          /only the first 16 bytes/.test(error.message),
      );
    });
  }

  it("writes SHA-384 and SHA-512 labels", () => {
    assert.match(
      formatFingerprint("ab".repeat(48), "openssl"),
      /^SHA384 Fingerprint=AB:/,
    );
    assert.match(formatFingerprint("ab".repeat(64), "base64"), /^SHA512:/);
  });

  it("rejects an unknown format", () => {
    assert.throws(
      () => formatFingerprint(GAIA_SHA1, "pem" as "colon"),
      TypeError,
    );
  });

  it("raises on text it cannot parse", () => {
    assert.throws(
      () => formatFingerprint("A6:36", "hex"),
      InvalidFingerprintError,
    );
  });

  it("lists every format", () => {
    assert.deepEqual([...FINGERPRINT_FORMATS], [
      "colon",
      "hex",
      "base64",
      "openssl",
      "words",
    ]);
  });
});
