import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, timingSafeEqual, X509Certificate } from "node:crypto";
import {
  Fingerprint,
  InvalidCertificateError,
  InvalidFingerprintError,
  matchPins,
  normalizePins,
  parseFingerprint,
  PinMismatchError,
  verifyCertificate,
} from "../mod.ts";
import { cachedCertificate } from "./helpers/certificates.ts";
import {
  expectedFingerprints,
  fixtureBytes,
  fixtureText,
} from "./helpers/fixtures.ts";

const EXPECTED = new Map(expectedFingerprints().map((row) => [row.file, row]));
const GAIA = EXPECTED.get("gaia-like.pem")!;
const LEAF = EXPECTED.get("leaf-signed.pem")!;
const ROOT = EXPECTED.get("root-ca.pem")!;
const EC = EXPECTED.get("ec-p256-san.pem")!;
const GAIA_PEM = fixtureText("certs/gaia-like.pem");
const GAIA_WORDS = "KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN";

// Fingerprints computed with node:crypto directly, independent of certpin.
function digestHex(algorithm: string, der: Uint8Array): string {
  return createHash(algorithm).update(der).digest("hex");
}

describe("matchPins()", () => {
  const der = fixtureBytes("certs/gaia-like.der");

  const matching: [string, string][] = [
    ["SHA-256 colon hex", GAIA.sha256],
    ["SHA-1 colon hex", GAIA.sha1],
    ["public-key pin", GAIA.publicKeyPin],
    ["English words", GAIA_WORDS],
    ["SHA-384", `sha384:${digestHex("sha384", der)}`],
    ["SHA-512", digestHex("sha512", der)],
  ];
  for (const [name, pin] of matching) {
    it(`matches a ${name} pin`, () => {
      const match = matchPins(GAIA_PEM, [pin]);
      assert.ok(match, `${pin} did not match`);
      assert.ok(match.equals(parseFingerprint(pin)));
    });
  }

  it("returns undefined for another certificate's pins", () => {
    assert.equal(
      matchPins(GAIA_PEM, [EC.sha256, EC.sha1, EC.publicKeyPin]),
      undefined,
    );
  });

  it("returns the first pin that matches", () => {
    const match = matchPins(GAIA_PEM, [
      EC.sha256,
      GAIA.publicKeyPin,
      GAIA.sha256,
    ]);
    assert.equal(match?.text, GAIA.publicKeyPin);
  });

  it("reads DER, PEM and X509Certificate input", () => {
    assert.ok(matchPins(der, [GAIA.sha256]));
    assert.ok(matchPins(GAIA_PEM, [GAIA.sha256]));
    assert.ok(matchPins(new X509Certificate(GAIA_PEM), [GAIA.sha256]));
  });

  it("reads the PEM with CRLF line endings", () => {
    assert.ok(
      matchPins(fixtureText("certs/ec-p256-san-crlf.pem"), [EC.sha256]),
    );
  });

  it("accepts parsed pins", () => {
    const pins = normalizePins([EC.sha256, GAIA.sha1]);
    assert.equal(matchPins(der, pins), pins[1]);
  });

  it("rejects a SHA-1 that differs after 16 bytes", () => {
    // The same first 16 bytes as the words pin, but a different last byte:
    // a full SHA-1 pin must compare all 20 bytes.
    const changed = GAIA.sha1.slice(0, -2) +
      (GAIA.sha1.endsWith("4D") ? "4E" : "4D");
    assert.equal(matchPins(GAIA_PEM, [changed]), undefined);
    assert.ok(matchPins(GAIA_PEM, [GAIA_WORDS]));
  });

  it("rejects other words", () => {
    const other = "RASH BUSH MILK LOOK BAD BRIM AVID GAFF BAIT ROT POD LOVE";
    assert.equal(matchPins(GAIA_PEM, [other]), undefined);
  });

  it("does not match a leaf by its root's pin", () => {
    const bundle = fixtureText("certs/chain-leaf-then-root.pem");
    assert.equal(
      matchPins(bundle, [ROOT.sha256, ROOT.sha1, ROOT.publicKeyPin]),
      undefined,
    );
    assert.equal(
      matchPins(fixtureText("certs/leaf-signed.pem"), [ROOT.sha256]),
      undefined,
    );
    assert.equal(
      matchPins(bundle, [LEAF.sha256])?.text,
      `SHA-256:${LEAF.sha256}`,
    );
  });

  it("matches a generated certificate", async () => {
    const generated = await cachedCertificate("match-ec", { keyType: "ec" });
    for (
      const pin of [generated.sha256, generated.sha1, generated.publicKeyPin]
    ) {
      assert.ok(matchPins(generated.certPem, [pin]), pin);
      assert.ok(matchPins(generated.der, [pin]), pin);
    }
    assert.equal(
      matchPins(generated.der, [GAIA.sha256, GAIA.publicKeyPin]),
      undefined,
    );
  });

  it("rejects an empty pin list", () => {
    assert.throws(() => matchPins(GAIA_PEM, []), TypeError);
  });

  it("rejects a pin that is not a string", () => {
    assert.throws(
      () => matchPins(GAIA_PEM, [42 as unknown as string]),
      TypeError,
    );
  });

  it("raises on a pin it cannot parse", () => {
    assert.throws(
      () => matchPins(GAIA_PEM, [GAIA.sha256.slice(3)]),
      InvalidFingerprintError,
    );
  });

  it("raises on PEM without a certificate", () => {
    assert.throws(
      () => matchPins("no certificate", [GAIA.sha256]),
      InvalidCertificateError,
    );
  });
});

describe("verifyCertificate()", () => {
  it("returns the matching pin", () => {
    const pin = verifyCertificate(GAIA_PEM, [EC.sha256, GAIA_WORDS]);
    assert.equal(pin.words, true);
  });

  it("throws PinMismatchError with details", () => {
    const pins = [EC.sha256, ` sha256//${EC.publicKeyPin.slice(7)} `];
    try {
      verifyCertificate(GAIA_PEM, pins, { host: "192.0.2.10", port: 4434 });
      assert.fail("expected a PinMismatchError");
    } catch (error) {
      assert.ok(error instanceof PinMismatchError, String(error));
      assert.equal(error.code, "PIN_MISMATCH");
      assert.equal(error.host, "192.0.2.10");
      assert.equal(error.port, 4434);
      assert.deepEqual(error.expected, [
        `SHA-256:${EC.sha256}`,
        EC.publicKeyPin,
      ]);
      assert.equal(error.certificate.subject, "CN=192.0.2.10");
      assert.equal(error.certificate.fingerprints.sha256, GAIA.sha256);
      assert.equal(error.certificate.fingerprints.sha1, GAIA.sha1);
      assert.equal(
        error.certificate.fingerprints.publicKeyPin,
        GAIA.publicKeyPin,
      );
      assert.equal(
        error.certificate.validFrom.getTime(),
        new Date(new X509Certificate(GAIA_PEM).validFrom).getTime(),
      );
      assert.equal(
        error.certificate.validTo.getTime(),
        new Date(new X509Certificate(GAIA_PEM).validTo).getTime(),
      );
      assert.match(error.message, /192\.0\.2\.10:4434/);
      assert.match(error.message, new RegExp(`expected: SHA-256:${EC.sha256}`));
      assert.match(error.message, new RegExp(GAIA.sha256));
    }
  });

  it("leaves host and port unset without context", () => {
    try {
      verifyCertificate(GAIA_PEM, [EC.sha1]);
      assert.fail("expected a PinMismatchError");
    } catch (error) {
      assert.ok(error instanceof PinMismatchError, String(error));
      assert.equal(error.host, undefined);
      assert.equal(error.port, undefined);
      assert.deepEqual(error.expected, [`SHA-1:${EC.sha1}`]);
    }
  });

  it("describes the leaf of a bundle", () => {
    const bundle = fixtureText("certs/chain-leaf-then-root.pem");
    try {
      verifyCertificate(bundle, [ROOT.sha256]);
      assert.fail("expected a PinMismatchError");
    } catch (error) {
      assert.ok(error instanceof PinMismatchError, String(error));
      assert.equal(error.certificate.fingerprints.sha256, LEAF.sha256);
    }
  });

  it("raises InvalidCertificateError for bytes that are no certificate", () => {
    assert.throws(
      () =>
        verifyCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), [
          GAIA.sha256,
        ]),
      InvalidCertificateError,
    );
  });

  it("rejects an empty pin list", () => {
    assert.throws(() => verifyCertificate(GAIA_PEM, []), TypeError);
  });
});

describe("normalizePins()", () => {
  it("keeps parsed pins as they are", () => {
    const parsed = parseFingerprint(GAIA.sha256);
    const [first, second] = normalizePins([parsed, GAIA.sha1]);
    assert.equal(first, parsed);
    assert.ok(second instanceof Fingerprint);
    assert.equal(second.algorithm, "SHA-1");
  });

  it("rejects an empty list", () => {
    assert.throws(() => normalizePins([]), TypeError);
  });
});

// matchPins() and Fingerprint.equals() compare digests with node:crypto
// timingSafeEqual, which Node documents as leaking no timing information
// about the bytes compared. No test here
// measures that time: an early-exit compare of a 32-byte digest would
// differ by nanoseconds, far below the jitter of a shared test machine
// (scheduling, JIT tiers, garbage collection), so a timing test could not
// fail reliably. These tests check what the compare must do instead: a
// difference in any byte position rejects, and unequal lengths give false
// where timingSafeEqual alone would throw.
describe("digest comparison", () => {
  const der = fixtureBytes("certs/gaia-like.der");
  const sha256 = createHash("sha256").update(der).digest();
  const sha1 = createHash("sha1").update(der).digest();

  /** Returns a copy of the bytes with one bit flipped at the index. */
  function flipped(bytes: Uint8Array, index: number): Uint8Array {
    const copy = new Uint8Array(bytes);
    copy[index] = (copy[index] ?? 0) ^ 0x01;
    return copy;
  }

  const positions: [string, (length: number) => number][] = [
    ["first", () => 0],
    ["middle", (length) => length >> 1],
    ["last", (length) => length - 1],
  ];
  for (const [position, indexOf] of positions) {
    it(`matchPins() rejects a ${position}-byte difference`, () => {
      const pins = [
        new Fingerprint(
          "certificate",
          "SHA-256",
          flipped(sha256, indexOf(sha256.length)),
        ),
        new Fingerprint(
          "certificate",
          "SHA-1",
          flipped(sha1, indexOf(sha1.length)),
        ),
        new Fingerprint(
          "certificate",
          "SHA-1",
          flipped(sha1.subarray(0, 16), indexOf(16)),
          { words: true },
        ),
      ];
      for (const pin of pins) {
        assert.equal(matchPins(der, [pin]), undefined, pin.text);
      }
    });

    it(`equals() rejects a ${position}-byte difference`, () => {
      const pin = new Fingerprint("certificate", "SHA-256", sha256);
      const other = new Fingerprint(
        "certificate",
        "SHA-256",
        flipped(sha256, indexOf(sha256.length)),
      );
      assert.equal(pin.equals(other), false);
      assert.equal(other.equals(pin), false);
    });
  }

  it("matchPins() accepts the unchanged digests", () => {
    const pin = new Fingerprint("certificate", "SHA-256", sha256);
    assert.equal(matchPins(der, [pin]), pin);
  });

  it("equals() gives false for unequal lengths", () => {
    const full = new Fingerprint("certificate", "SHA-1", sha1);
    const words = new Fingerprint(
      "certificate",
      "SHA-1",
      sha1.subarray(0, 16),
      {
        words: true,
      },
    );
    const longer = new Fingerprint("certificate", "SHA-256", sha256);
    // The raw primitive throws on unequal lengths, which the guard avoids.
    assert.throws(() => timingSafeEqual(full.bytes, words.bytes), RangeError);
    assert.equal(full.equals(words), false);
    assert.equal(words.equals(full), false);
    assert.equal(full.equals(longer), false);
    assert.equal(longer.equals(full), false);
  });

  it("matchPins() checks pins of mixed lengths", () => {
    const pins = [
      new Fingerprint("certificate", "SHA-512", new Uint8Array(64)),
      new Fingerprint("certificate", "SHA-1", flipped(sha1, 19)),
      new Fingerprint("certificate", "SHA-1", new Uint8Array(16), {
        words: true,
      }),
      new Fingerprint("public-key", "SHA-256", new Uint8Array(32)),
    ];
    assert.equal(matchPins(der, pins), undefined);
    const matching = new Fingerprint("certificate", "SHA-256", sha256);
    assert.equal(matchPins(der, [...pins, matching]), matching);
  });
});
