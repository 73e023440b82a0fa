/**
 * Deciding whether a certificate matches a set of pins. This module is the
 * one place that decision is made: the CLI, the pinned agent and fetch all
 * call {@linkcode matchPins} or {@linkcode verifyCertificate}.
 *
 * A certificate matches when any one pin matches. Each digest a pin set
 * needs is computed once per call, and every comparison takes the same time
 * whatever the bytes (`node:crypto` `timingSafeEqual`).
 *
 * @example
 * ```ts
 * import { verifyCertificate } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * const pin = verifyCertificate(pem, [
 *   "sha256//nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=",
 * ]);
 * console.log(pin.kind); // public-key
 * ```
 *
 * @module
 */

import { createHash, timingSafeEqual, X509Certificate } from "node:crypto";
import { PinMismatchError } from "./errors.ts";
import { Fingerprint } from "./fingerprint.ts";
import { parseFingerprint } from "./parse.ts";
import {
  type CertificateInput,
  describeCertificate,
  nodeHashName,
  readPemCertificates,
  subjectPublicKeyInfo,
} from "./certificate.ts";
import type { HashAlgorithm } from "./types.ts";

/** A pin as text in any form {@linkcode parseFingerprint} reads, or already parsed. */
export type PinInput = string | Fingerprint;

/** The host and port a certificate came from, for the error message. */
export interface VerifyContext {
  /** Host that was connected to. */
  host?: string;
  /** Port that was connected to. */
  port?: number;
}

/**
 * Parses pins once, so a client that checks many connections does not parse
 * them again for each. Parsed fingerprints are returned as they are.
 *
 * @param pins One or more pins, as text or parsed.
 * @returns The parsed pins, in the same order.
 * @throws {InvalidFingerprintError} When a pin given as text cannot be read.
 * @throws {TypeError} When the list is empty or an entry is neither a string
 * nor a {@linkcode Fingerprint}: an empty pin list would match nothing, and
 * certpin never treats it as "match everything".
 *
 * @example
 * ```ts
 * import { normalizePins } from "@certpin/certpin";
 * const pins = normalizePins(["a6364d05e452696d0b86f1c64c9c7cd6b5a4254d"]);
 * console.log(pins[0]?.algorithm); // SHA-1
 * ```
 */
export function normalizePins(pins: readonly PinInput[]): Fingerprint[] {
  requirePins(pins);
  return pins.map(toFingerprint);
}

/**
 * Returns the first pin, in the given order, that the certificate matches.
 * A certificate fingerprint matches when the hash of the DER certificate
 * equals it, a public-key pin when the SHA-256 of the SubjectPublicKeyInfo
 * equals it, and a words pin when the certificate's SHA-1 starts with its
 * 16 bytes. For PEM text with several certificates, only the first (the
 * leaf) is checked.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @param pins One or more pins, as text or parsed; parse them once with
 * {@linkcode normalizePins} when checking many certificates.
 * @returns The matching pin, or `undefined` when none matches.
 * @throws {TypeError} When the pin list is empty.
 * @throws {InvalidFingerprintError} When a pin given as text cannot be read.
 * @throws {InvalidCertificateError} When PEM text contains no certificate, or a
 * public-key pin is checked against bytes that are not a certificate.
 *
 * @example
 * ```ts
 * import { matchPins } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * console.log(matchPins(pem, ["A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D"])?.algorithm); // SHA-1
 * console.log(matchPins(pem, ["sha256//5z1nrCykBe8eoOtvg+ORm2Sgh5y6vt4VuNzhJRL2rVE="])); // undefined
 * ```
 */
export function matchPins(
  cert: CertificateInput,
  pins: readonly PinInput[],
): Fingerprint | undefined {
  requirePins(pins);
  const der = leafDer(cert);
  // Digests computed so far; pins of one algorithm share one.
  const digests: Partial<Record<HashAlgorithm, Uint8Array>> = {};
  let publicKeyDigest: Uint8Array | undefined;

  for (let index = 0; index < pins.length; index++) {
    const pin = toFingerprint(pins[index] as PinInput, index);
    let actual: Uint8Array;
    if (pin.kind === "public-key") {
      publicKeyDigest ??= hash("SHA-256", subjectPublicKeyInfo(der));
      actual = publicKeyDigest;
    } else {
      const digest = digests[pin.algorithm] ??= hash(pin.algorithm, der);
      // A words pin holds only the first 16 bytes of the SHA-1.
      actual = pin.words ? digest.subarray(0, pin.bytes.length) : digest;
    }
    if (
      actual.length === pin.bytes.length && timingSafeEqual(actual, pin.bytes)
    ) {
      return pin;
    }
  }
  return undefined;
}

/**
 * Checks a certificate against pins and throws when none matches. The error
 * carries a description of the certificate (subject, issuer, validity,
 * fingerprints) and the expected pins in canonical form.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @param pins One or more pins, as text or parsed.
 * @param context Host and port the certificate came from, for the message.
 * @returns The matching pin.
 * @throws {PinMismatchError} When no pin matches.
 * @throws {TypeError} When the pin list is empty.
 * @throws {InvalidFingerprintError} When a pin given as text cannot be read.
 * @throws {InvalidCertificateError} When the input is not a readable certificate.
 *
 * @example
 * ```ts
 * import { PinMismatchError, verifyCertificate } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * try {
 *   verifyCertificate(pem, ["sha256//5z1nrCykBe8eoOtvg+ORm2Sgh5y6vt4VuNzhJRL2rVE="], {
 *     host: "192.0.2.10",
 *     port: 443,
 *   });
 * } catch (error) {
 *   if (error instanceof PinMismatchError) console.log(error.certificate.subject); // CN=192.0.2.10
 * }
 * ```
 */
export function verifyCertificate(
  cert: CertificateInput,
  pins: readonly PinInput[],
  context: VerifyContext = {},
): Fingerprint {
  const parsed = normalizePins(pins);
  const match = matchPins(cert, parsed);
  if (match !== undefined) return match;

  throw new PinMismatchError({
    ...(context.host === undefined ? {} : { host: context.host }),
    ...(context.port === undefined ? {} : { port: context.port }),
    expected: parsed.map((pin) => pin.text),
    certificate: describeCertificate(leafDer(cert)),
  });
}

function requirePins(pins: readonly PinInput[]): void {
  if (!Array.isArray(pins) || pins.length === 0) {
    throw new TypeError(
      "Cannot check a certificate against an empty pin list: give at least one fingerprint or public-key pin",
    );
  }
}

function toFingerprint(pin: PinInput, index: number): Fingerprint {
  if (pin instanceof Fingerprint) return pin;
  if (typeof pin === "string") return parseFingerprint(pin);
  throw new TypeError(
    `Cannot use pin ${
      index + 1
    }: expected a string or a Fingerprint, received ${
      pin === null ? "null" : typeof pin
    }`,
  );
}

// The DER bytes of the leaf without parsing the certificate: certificate
// fingerprints need only the bytes, so DER input is hashed as given.
function leafDer(cert: CertificateInput): Uint8Array {
  if (cert instanceof Uint8Array) return cert;
  if (cert instanceof X509Certificate) return cert.raw;
  if (typeof cert === "string") {
    return readPemCertificates(cert)[0] as Uint8Array;
  }
  throw new TypeError(
    "Cannot read certificate: expected DER bytes (Uint8Array), PEM text or an X509Certificate",
  );
}

function hash(algorithm: HashAlgorithm, bytes: Uint8Array): Uint8Array {
  return createHash(nodeHashName(algorithm)).update(bytes).digest();
}
