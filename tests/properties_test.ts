import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "npm:fast-check@4.11.0";
import {
  bytesToWords,
  CertpinError,
  Fingerprint,
  type FingerprintFormat,
  formatFingerprint,
  type HashAlgorithm,
  parseFingerprint,
  parseFingerprints,
  parseWords,
  wordsToBytes,
} from "../mod.ts";

const LENGTHS: Record<HashAlgorithm, number> = {
  "SHA-1": 20,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
};

const certificateFingerprint = fc.constantFrom(
  ...(Object.keys(LENGTHS) as HashAlgorithm[]),
).chain((algorithm) =>
  fc.uint8Array({
    minLength: LENGTHS[algorithm],
    maxLength: LENGTHS[algorithm],
  })
    .map((bytes) => new Fingerprint("certificate", algorithm, bytes))
);

const publicKeyPin = fc.uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => new Fingerprint("public-key", "SHA-256", bytes));

const sha1 = fc.uint8Array({ minLength: 20, maxLength: 20 })
  .map((bytes) => new Fingerprint("certificate", "SHA-1", bytes));

// Text a user might paste: any unicode, fingerprint-like pieces, labels and
// the invisible characters copying adds.
const pastedText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 120 }),
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.array(
    fc.constantFrom(
      "A6",
      "ff",
      ":",
      "-",
      " ",
      "\n",
      "=",
      "/",
      "//",
      '"',
      "sha256",
      "SHA1 Fingerprint=",
      "pin-sha256=",
      "words:",
      "KERR",
      "LOOT",
      "\u200e",
      "\ufeff",
      "\u00a0",
      "\u0412",
      "\ud800",
      "nL7FOx",
      ";",
      "[",
      "{",
      "-----BEGIN CERTIFICATE-----",
    ),
    { maxLength: 40 },
  ).map((pieces) => pieces.join("")),
);

function throwsOnlyCertpinErrors(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof CertpinError)) throw error;
  }
}

describe("format and parse round-trip", () => {
  const formats: FingerprintFormat[] = ["colon", "hex", "base64", "openssl"];
  for (const format of formats) {
    it(`certificate fingerprints as ${format}`, () => {
      fc.assert(
        fc.property(certificateFingerprint, (fingerprint) => {
          const parsed = parseFingerprint(
            formatFingerprint(fingerprint, format),
          );
          assert.ok(
            parsed.equals(fingerprint),
            `${format}: ${fingerprint.text}`,
          );
        }),
        { numRuns: 300 },
      );
    });
  }

  it("canonical text of every kind", () => {
    const words = sha1.map((fingerprint) =>
      parseFingerprint(formatFingerprint(fingerprint, "words"))
    );
    fc.assert(
      fc.property(
        fc.oneof(certificateFingerprint, publicKeyPin, words),
        (fingerprint) => {
          assert.ok(parseFingerprint(fingerprint.text).equals(fingerprint));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("public-key pins as base64", () => {
    fc.assert(
      fc.property(publicKeyPin, (pin) => {
        assert.ok(
          parseFingerprint(formatFingerprint(pin, "base64")).equals(pin),
        );
      }),
    );
  });

  it("SHA-1 fingerprints as words", () => {
    fc.assert(
      fc.property(sha1, (fingerprint) => {
        const pin = parseWords(formatFingerprint(fingerprint, "words"));
        assert.equal(pin.words, true);
        assert.deepEqual(pin.bytes, fingerprint.bytes.subarray(0, 16));
      }),
      { numRuns: 500 },
    );
  });

  it("lists of fingerprints, one per line", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(certificateFingerprint, {
          minLength: 1,
          maxLength: 5,
          selector: (fingerprint) => fingerprint.text,
        }),
        fc.constantFrom("\n", "\r\n", ";", "\n\n  "),
        (fingerprints, separator) => {
          const text = fingerprints.map((fingerprint) => fingerprint.text)
            .join(separator);
          assert.deepEqual(
            parseFingerprints(text).map(String),
            fingerprints.map(String),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

// Every separator parseFingerprint accepts between hex bytes, "" for none.
const hexSeparator = fc.constantFrom(
  "",
  ":",
  "-",
  ".",
  " ",
  "\t",
  "\u00a0",
  "\uff1a",
  "\u2010",
  "\u2011",
  "\u2012",
  "\u2013",
  "\u2014",
  "\u2212",
  "\uff0d",
);

// A certificate fingerprint written as hex with any separator, letter case
// and label, with blanks and invisible characters around it.
const writtenFingerprint = fc.tuple(
  certificateFingerprint,
  hexSeparator,
  fc.boolean(),
  fc.constantFrom("", "openssl", "colon label"),
  fc.constantFrom("", " ", "\t", "  \t", "\u200e", "\ufeff"),
).map(([fingerprint, separator, lower, label, padding]) => {
  const hex = [...fingerprint.bytes].map((byte) =>
    byte.toString(16).padStart(2, "0")
  ).join(separator);
  const digits = lower ? hex : hex.toUpperCase();
  const name = fingerprint.algorithm.replace("-", "");
  const text = label === "openssl"
    ? `${name} Fingerprint=${digits}`
    : label === "colon label"
    ? `${fingerprint.algorithm}:${digits}`
    : digits;
  return { fingerprint, text: `${padding}${text}${padding}` };
});

const writtenPin = fc.oneof(
  { arbitrary: writtenFingerprint, weight: 4 },
  publicKeyPin.map((pin) => ({
    fingerprint: pin,
    text: `sha256//${formatFingerprint(pin, "base64").slice(7)}`,
  })),
);

describe("lists in every accepted style", () => {
  it("parseFingerprints() finds every fingerprint", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(writtenPin, {
          minLength: 1,
          maxLength: 6,
          selector: (written) => written.fingerprint.text,
        }),
        fc.constantFrom("\n", "\r\n", "\r", ";", "\n\n", "\n# note\n", " ;\t"),
        (written, lineBreak) => {
          const text = written.map((item) => item.text).join(lineBreak);
          const pins = parseFingerprints(text);
          assert.equal(pins.length, written.length, JSON.stringify(text));
          assert.deepEqual(
            pins.map(String),
            written.map((item) => item.fingerprint.text),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("RFC 1751 words round-trip", () => {
  it("bytes to words and back", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((blocks) =>
          fc.uint8Array({ minLength: blocks * 8, maxLength: blocks * 8 })
        ),
        (bytes) => {
          assert.deepEqual(wordsToBytes(bytesToWords(bytes)), bytes);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a changed word fails or changes the bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 5 }),
        fc.constantFrom("A", "YOKE", "TIDE", "OLDY"),
        (bytes, index, replacement) => {
          const words = bytesToWords(bytes).split(" ");
          fc.pre(words[index] !== replacement);
          words[index] = replacement;
          try {
            assert.notDeepEqual(wordsToBytes(words.join(" ")), bytes);
          } catch (error) {
            if (!(error instanceof CertpinError)) throw error;
          }
        },
      ),
    );
  });
});

describe("parsers raise only CertpinError", () => {
  it("parseFingerprint() on arbitrary text", () => {
    fc.assert(
      fc.property(pastedText, (text) => {
        throwsOnlyCertpinErrors(() => parseFingerprint(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("parseFingerprints() on arbitrary text", () => {
    fc.assert(
      fc.property(pastedText, (text) => {
        throwsOnlyCertpinErrors(() => parseFingerprints(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("parseWords() on arbitrary text", () => {
    fc.assert(
      fc.property(pastedText, (text) => {
        throwsOnlyCertpinErrors(() => parseWords(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("a fingerprint with invisible characters inserted", () => {
    const invisible = fc.constantFrom(
      "\u200e",
      "\u200f",
      "\ufeff",
      "\u200b",
      "\u2060",
    );
    fc.assert(
      fc.property(
        certificateFingerprint,
        fc.array(fc.tuple(fc.nat(), invisible), { maxLength: 5 }),
        (fingerprint, insertions) => {
          let text = formatFingerprint(fingerprint, "colon");
          for (const [at, char] of insertions) {
            const index = at % (text.length + 1);
            text = text.slice(0, index) + char + text.slice(index);
          }
          assert.ok(
            parseFingerprint(text).equals(fingerprint),
            JSON.stringify(text),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
