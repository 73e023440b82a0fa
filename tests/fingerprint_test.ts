import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import {
  bytesToWords,
  certificateFingerprint,
  describeCertificate,
  Fingerprint,
  parseFingerprint,
  publicKeyPin,
  readPemCertificates,
} from "../mod.ts";
import {
  expectedFingerprints,
  fixtureBytes,
  fixtureText,
} from "./helpers/fixtures.ts";

const EXPECTED = expectedFingerprints();

function expectedFor(file: string) {
  const row = EXPECTED.find((candidate) => candidate.file === file);
  assert.ok(row, `no row for ${file} in expected.tsv`);
  return row;
}

describe("fingerprints match OpenSSL", () => {
  // The CRLF copy and the DER file must give their originals' fingerprints.
  const inputs: [string, string, () => string | Uint8Array][] = [
    ...EXPECTED.map((row): [string, string, () => string] => [
      row.file,
      row.file,
      () => fixtureText(`certs/${row.file}`),
    ]),
    [
      "ec-p256-san-crlf.pem",
      "ec-p256-san.pem",
      () => fixtureText("certs/ec-p256-san-crlf.pem"),
    ],
    [
      "gaia-like.der",
      "gaia-like.pem",
      () => fixtureBytes("certs/gaia-like.der"),
    ],
  ];

  for (const [file, expectedFile, read] of inputs) {
    describe(file, () => {
      const expected = expectedFor(expectedFile);

      it("has OpenSSL's SHA-256", () => {
        assert.equal(certificateFingerprint(read()), expected.sha256);
      });

      it("has OpenSSL's SHA-1", () => {
        assert.equal(certificateFingerprint(read(), "SHA-1"), expected.sha1);
      });

      it("has the expected public-key pin", () => {
        assert.equal(publicKeyPin(read()), expected.publicKeyPin);
      });
    });
  }

  it("reads an X509Certificate", () => {
    const x509 = new X509Certificate(fixtureText("certs/root-ca.pem"));
    assert.equal(
      certificateFingerprint(x509),
      expectedFor("root-ca.pem").sha256,
    );
  });

  it("computes SHA-384 and SHA-512", () => {
    const pem = fixtureText("certs/gaia-like.pem");
    assert.equal(certificateFingerprint(pem, "SHA-384").split(":").length, 48);
    assert.equal(certificateFingerprint(pem, "SHA-512").split(":").length, 64);
  });
});

describe("chain-leaf-then-root.pem", () => {
  const bundle = fixtureText("certs/chain-leaf-then-root.pem");

  it("holds two certificates", () => {
    assert.equal(readPemCertificates(bundle).length, 2);
  });

  it("gives the leaf's fingerprint", () => {
    assert.equal(
      certificateFingerprint(bundle),
      expectedFor("leaf-signed.pem").sha256,
    );
  });

  it("gives the leaf's public-key pin", () => {
    assert.equal(
      publicKeyPin(bundle),
      expectedFor("leaf-signed.pem").publicKeyPin,
    );
  });
});

describe("describeCertificate()", () => {
  it("describes the appliance-like certificate", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const summary = describeCertificate(
      fixtureText("certs/gaia-like.pem"),
      now,
    );
    const expected = expectedFor("gaia-like.pem");
    assert.equal(summary.subject, "CN=192.0.2.10");
    assert.equal(summary.issuer, "CN=192.0.2.10");
    assert.equal(summary.publicKey, "RSA 2048");
    assert.equal(summary.selfSigned, true);
    assert.equal(summary.ca, true);
    assert.deepEqual(summary.subjectAltNames, []);
    assert.deepEqual(summary.fingerprints, {
      sha256: expected.sha256,
      sha1: expected.sha1,
      publicKeyPin: expected.publicKeyPin,
    });
    assert.equal(
      summary.daysLeft,
      Math.floor((summary.validTo.getTime() - now.getTime()) / 86_400_000),
    );
  });

  it("names the EC curve as NIST does", () => {
    const summary = describeCertificate(fixtureText("certs/ec-p256-san.pem"));
    assert.equal(summary.publicKey, "EC P-256");
  });

  it("lists subject alternative names", () => {
    const names =
      describeCertificate(fixtureText("certs/ec-p256-san.pem")).subjectAltNames;
    assert.ok(names.some((name) => name.startsWith("DNS:")), names.join(", "));
    assert.ok(names.some((name) => name.startsWith("IP:")), names.join(", "));
  });

  it("tells a signed leaf from a self-signed root", () => {
    assert.equal(
      describeCertificate(fixtureText("certs/leaf-signed.pem")).selfSigned,
      false,
    );
    assert.equal(
      describeCertificate(fixtureText("certs/root-ca.pem")).selfSigned,
      true,
    );
  });
});

describe("Fingerprint", () => {
  const sha1 = new Uint8Array(20).fill(0xab);

  it("writes the canonical text of each kind", () => {
    assert.equal(
      new Fingerprint("certificate", "SHA-1", sha1).text,
      `SHA-1:${Array(20).fill("AB").join(":")}`,
    );
    assert.equal(
      new Fingerprint("public-key", "SHA-256", new Uint8Array(32)).text,
      `sha256/${"A".repeat(43)}=`,
    );
    const words = new Fingerprint(
      "certificate",
      "SHA-1",
      sha1.subarray(0, 16),
      {
        words: true,
      },
    );
    assert.equal(words.text, `words:${bytesToWords(sha1.subarray(0, 16))}`);
    assert.ok(parseFingerprint(words.text).equals(words));
  });

  it("rejects a length that does not fit the algorithm", () => {
    assert.throws(
      () => new Fingerprint("certificate", "SHA-256", sha1),
      RangeError,
    );
  });

  it("rejects a public-key pin other than SHA-256", () => {
    assert.throws(
      () => new Fingerprint("public-key", "SHA-1", sha1),
      RangeError,
    );
  });

  it("rejects words pins that are not a SHA-1 prefix", () => {
    assert.throws(
      () => new Fingerprint("certificate", "SHA-1", sha1, { words: true }),
      RangeError,
    );
    assert.throws(
      () =>
        new Fingerprint("public-key", "SHA-256", new Uint8Array(16), {
          words: true,
        }),
      RangeError,
    );
  });

  it("copies the bytes it is given", () => {
    const bytes = new Uint8Array(20);
    const fingerprint = new Fingerprint("certificate", "SHA-1", bytes);
    bytes[0] = 1;
    assert.equal(fingerprint.bytes[0], 0);
  });

  it("compares kind, algorithm, form and bytes", () => {
    const a = new Fingerprint("certificate", "SHA-1", sha1);
    assert.equal(a.equals(new Fingerprint("certificate", "SHA-1", sha1)), true);
    assert.equal(
      a.equals(new Fingerprint("certificate", "SHA-1", new Uint8Array(20))),
      false,
    );
    assert.equal(
      a.equals(
        new Fingerprint("certificate", "SHA-1", sha1.subarray(0, 16), {
          words: true,
        }),
      ),
      false,
    );
  });

  it("serializes to its text", () => {
    const fingerprint = new Fingerprint("certificate", "SHA-1", sha1);
    assert.equal(
      JSON.stringify({ pin: fingerprint }),
      `{"pin":"${fingerprint.text}"}`,
    );
    assert.equal(String(fingerprint), fingerprint.text);
  });
});
