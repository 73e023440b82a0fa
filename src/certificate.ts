/**
 * Reading certificates: DER bytes, PEM text or a `node:crypto`
 * `X509Certificate`, and a readable summary of one (RFC 5280 fields).
 *
 * @module
 */

import { createHash, X509Certificate } from "node:crypto";
import { Buffer } from "node:buffer";
import { InvalidCertificateError } from "./errors.ts";
import type { CertificateSummary, HashAlgorithm } from "./types.ts";
import { toBase64, toColonHex } from "./_encoding.ts";
import { hasCertificateOutline } from "./_der.ts";

/** A certificate as DER bytes, PEM text, or a `node:crypto` `X509Certificate`. */
export type CertificateInput = Uint8Array | string | X509Certificate;

const PEM_BLOCK =
  /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

const MILLISECONDS_PER_DAY = 86_400_000;

/**
 * Reads every certificate in PEM text (a bundle of one or more blocks, LF or
 * CRLF line endings) and returns each as DER bytes, in file order.
 *
 * @param pem Text with `-----BEGIN CERTIFICATE-----` blocks.
 * @returns The DER bytes of each certificate.
 * @throws {InvalidCertificateError} When the text holds no certificate block.
 *
 * @example Read a bundle
 * ```ts
 * import { readPemCertificates } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/chain-leaf-then-root.pem");
 * console.log(readPemCertificates(pem).length); // 2
 * ```
 */
export function readPemCertificates(pem: string): Uint8Array[] {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) {
    throw new InvalidCertificateError(
      'Invalid certificate: no "-----BEGIN CERTIFICATE-----" block found in the PEM text. Give a PEM or DER certificate file.',
    );
  }
  return blocks.map((block) =>
    new Uint8Array(Buffer.from((block[1] ?? "").replace(/\s+/g, ""), "base64"))
  );
}

/**
 * Returns the DER bytes of a certificate given in any accepted form. For PEM
 * text with several blocks, the first one is taken. Bytes are checked
 * against the outline of a certificate (its sequence of fields) instead of
 * being parsed in full, because in Deno 2.9.6 a full parse takes five times
 * as long as hashing them.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @returns The DER encoding.
 * @throws {InvalidCertificateError} When the input does not have the
 * outline of a DER certificate.
 *
 * @example
 * ```ts
 * import { certificateDer } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * console.log(certificateDer(pem).length); // 783
 * ```
 */
export function certificateDer(cert: CertificateInput): Uint8Array {
  if (cert instanceof X509Certificate) return new Uint8Array(cert.raw);
  if (typeof cert === "string") {
    const first = readPemCertificates(cert)[0];
    if (first === undefined) {
      throw new InvalidCertificateError("No certificate.");
    }
    if (!hasCertificateOutline(first)) toX509(first);
    return first;
  }
  // toX509 raises the TypeError for other types and the parser's own message
  // for bytes without the outline.
  if (!(cert instanceof Uint8Array) || !hasCertificateOutline(cert)) {
    toX509(cert);
  }
  return cert;
}

/**
 * Parses a certificate into a `node:crypto` `X509Certificate`.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @returns The parsed certificate.
 * @throws {InvalidCertificateError} When the input is not a readable certificate.
 *
 * @example
 * ```ts
 * import { toX509 } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * console.log(toX509(pem).subject); // CN=192.0.2.10
 * ```
 */
export function toX509(cert: CertificateInput): X509Certificate {
  if (cert instanceof X509Certificate) return cert;
  if (typeof cert === "string") {
    const first = readPemCertificates(cert)[0];
    if (first === undefined) {
      throw new InvalidCertificateError("No certificate.");
    }
    return toX509(first);
  }
  if (!(cert instanceof Uint8Array)) {
    throw new TypeError(
      "Cannot read certificate: expected DER bytes (Uint8Array), PEM text or an X509Certificate",
    );
  }
  try {
    return new X509Certificate(cert);
  } catch (error) {
    throw new InvalidCertificateError(
      `Invalid certificate: ${cert.length} bytes given are not a DER X.509 certificate (${
        error instanceof Error ? error.message : String(error)
      }). Give a PEM or DER certificate file.`,
      { cause: error },
    );
  }
}

/** Returns the node:crypto algorithm name for a hash algorithm. */
export function nodeHashName(algorithm: HashAlgorithm): string {
  switch (algorithm) {
    case "SHA-1":
      return "sha1";
    case "SHA-256":
      return "sha256";
    case "SHA-384":
      return "sha384";
    case "SHA-512":
      return "sha512";
    default:
      throw new TypeError(
        `Cannot hash with "${
          String(algorithm)
        }": expected SHA-1, SHA-256, SHA-384 or SHA-512`,
      );
  }
}

/**
 * Hashes bytes with a hash algorithm and returns the digest as lowercase
 * hex. In Deno 2.9.6 this takes half the time of {@linkcode digest}, because
 * `node:crypto` then allocates no `Buffer` (1.3 µs against 2.6 µs for a
 * 783-byte certificate).
 */
export function digestHex(algorithm: HashAlgorithm, bytes: Uint8Array): string {
  return createHash(nodeHashName(algorithm)).update(bytes).digest("hex");
}

/**
 * Hashes bytes with a hash algorithm. The result is the `Buffer` that
 * `node:crypto` returns, not a copy, because copying it into a plain
 * `Uint8Array` took half as long as the hash in Deno 2.9.6.
 */
export function digest(
  algorithm: HashAlgorithm,
  bytes: Uint8Array,
): Uint8Array {
  return createHash(nodeHashName(algorithm)).update(bytes).digest();
}

/**
 * Returns the DER SubjectPublicKeyInfo of a certificate.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @returns The SubjectPublicKeyInfo bytes.
 */
export function subjectPublicKeyInfo(cert: CertificateInput): Uint8Array {
  return new Uint8Array(
    toX509(cert).publicKey.export({ type: "spki", format: "der" }),
  );
}

/**
 * Describes a certificate: names, validity, alternative names, key, whether it
 * is self-signed, and its fingerprints.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @param now The time `daysLeft` counts from; defaults to the current time.
 * @returns The summary.
 * @throws {InvalidCertificateError} When the input is not a readable certificate.
 *
 * @example
 * ```ts
 * import { describeCertificate } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * const summary = describeCertificate(pem);
 * console.log(summary.subject, summary.selfSigned); // CN=192.0.2.10 true
 * ```
 */
export function describeCertificate(
  cert: CertificateInput,
  now: Date = new Date(),
): CertificateSummary {
  const x509 = toX509(cert);
  const der = new Uint8Array(x509.raw);
  const validFrom = new Date(x509.validFrom);
  const validTo = new Date(x509.validTo);
  return {
    subject: oneLineName(x509.subject),
    issuer: oneLineName(x509.issuer),
    serialNumber: x509.serialNumber.toUpperCase(),
    validFrom,
    validTo,
    daysLeft: Math.floor(
      (validTo.getTime() - now.getTime()) / MILLISECONDS_PER_DAY,
    ),
    subjectAltNames: parseAltNames(x509.subjectAltName),
    selfSigned: isSelfSigned(x509),
    ca: x509.ca,
    publicKey: describeKey(x509),
    fingerprints: {
      sha256: toColonHex(digest("SHA-256", der)),
      sha1: toColonHex(digest("SHA-1", der)),
      publicKeyPin: `sha256/${
        toBase64(digest("SHA-256", subjectPublicKeyInfo(x509)))
      }`,
    },
  };
}

function oneLineName(name: string): string {
  return name.split("\n").filter((part) => part !== "").join(", ");
}

function parseAltNames(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  return text.split(", ").map((name) => name.replace(/^IP Address:/, "IP:"));
}

function isSelfSigned(x509: X509Certificate): boolean {
  if (x509.subject !== x509.issuer) return false;
  try {
    return x509.verify(x509.publicKey);
  } catch {
    // A key type node:crypto cannot verify with is reported as not self-signed.
    return false;
  }
}

function describeKey(x509: X509Certificate): string {
  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case "rsa":
    case "rsa-pss":
      return `RSA ${details?.modulusLength ?? "?"}`;
    case "ec":
      return `EC ${curveName(details?.namedCurve)}`;
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    default:
      return (key.asymmetricKeyType ?? "unknown").toUpperCase();
  }
}

// node:crypto reports OpenSSL's curve names; NIST's are the ones users know.
const NIST_CURVES: Readonly<Record<string, string>> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

function curveName(name: string | undefined): string {
  if (name === undefined) return "unknown curve";
  return NIST_CURVES[name] ?? name;
}
