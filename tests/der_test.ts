import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import "npm:reflect-metadata@0.2.2";
import * as x509 from "npm:@peculiar/x509@2.2.0";
import { hasCertificateOutline } from "../src/_der.ts";
import {
  certificateFingerprint,
  InvalidCertificateError,
  readPemCertificates,
} from "../mod.ts";
import { generateCertificate } from "./helpers/certificates.ts";
import { fixtureBytes, fixtureText } from "./helpers/fixtures.ts";

const EC_SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

function certificateFixtures(): [string, Uint8Array][] {
  return [
    "gaia-like.pem",
    "ec-p256-san.pem",
    "leaf-signed.pem",
    "root-ca.pem",
  ].map((file) => [
    file,
    readPemCertificates(fixtureText(`certs/${file}`))[0] as Uint8Array,
  ]);
}

async function ecKeys(): Promise<CryptoKeyPair> {
  return await globalThis.crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
}

describe("hasCertificateOutline()", () => {
  for (const [file, der] of certificateFixtures()) {
    it(`accepts ${file}`, () => {
      assert.equal(hasCertificateOutline(der), true);
    });
  }

  it("accepts the DER fixture", () => {
    assert.equal(
      hasCertificateOutline(fixtureBytes("certs/gaia-like.der")),
      true,
    );
  });

  it("accepts a certificate with extensions", async () => {
    const certificate = await generateCertificate({
      keyType: "ec",
      altNames: ["127.0.0.1", "appliance.example.test"],
    });

    assert.equal(hasCertificateOutline(certificate.der), true);
  });

  it("rejects every truncation", () => {
    const der = fixtureBytes("certs/gaia-like.der");
    for (let length = 0; length < der.length; length++) {
      assert.equal(
        hasCertificateOutline(der.subarray(0, length)),
        false,
        `accepted the first ${length} of ${der.length} bytes`,
      );
    }
  });

  it("rejects a trailing byte", () => {
    const der = fixtureBytes("certs/gaia-like.der");
    const longer = new Uint8Array(der.length + 1);
    longer.set(der);

    assert.equal(hasCertificateOutline(longer), false);
  });

  it("rejects an indefinite length", () => {
    const der = fixtureBytes("certs/gaia-like.der");
    // 30 82 LL LL becomes 30 80 …, the BER form that DER forbids.
    const ber = new Uint8Array([0x30, 0x80, ...der.subarray(4), 0, 0]);

    assert.equal(hasCertificateOutline(ber), false);
  });

  it("rejects private and public keys", () => {
    const key = createPrivateKey(fixtureText("certs/gaia-like.key.pem"));
    const pkcs8 = key.export({ type: "pkcs8", format: "der" });
    const spki = createPublicKey(key).export({ type: "spki", format: "der" });

    assert.equal(hasCertificateOutline(new Uint8Array(pkcs8)), false);
    assert.equal(hasCertificateOutline(new Uint8Array(spki)), false);
  });

  it("rejects a certificate request", async () => {
    const request = await x509.Pkcs10CertificateRequestGenerator.create({
      name: "CN=appliance.example.test",
      keys: await ecKeys(),
      signingAlgorithm: EC_SIGNING,
    });

    assert.equal(
      hasCertificateOutline(new Uint8Array(request.rawData)),
      false,
    );
  });

  it("rejects a revocation list", async () => {
    const keys = await ecKeys();
    const crl = await x509.X509CrlGenerator.create({
      issuer: "CN=Example Root",
      thisUpdate: new Date(),
      signingKey: keys.privateKey,
      signingAlgorithm: EC_SIGNING,
    });

    assert.equal(hasCertificateOutline(new Uint8Array(crl.rawData)), false);
  });

  it("rejects short and random bytes", () => {
    const samples = [
      new Uint8Array([]),
      new Uint8Array([0x30]),
      new Uint8Array([0x30, 0x00]),
      new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
      new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      new Uint8Array([0x1f, 0x81, 0x01, 0x00]),
      new TextEncoder().encode("-----BEGIN CERTIFICATE-----"),
    ];
    for (const sample of samples) {
      assert.equal(hasCertificateOutline(sample), false, String(sample));
    }
  });
});

describe("certificateFingerprint() with the outline check", () => {
  it("raises InvalidCertificateError for bytes without the outline", () => {
    assert.throws(
      () =>
        certificateFingerprint(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])),
      InvalidCertificateError,
    );
  });

  it("raises TypeError for a number", () => {
    assert.throws(
      () => certificateFingerprint(42 as unknown as Uint8Array),
      TypeError,
    );
  });
});
