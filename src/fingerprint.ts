/**
 * Fingerprints of certificates: the hash of the whole DER certificate, as
 * `openssl x509 -fingerprint` prints it, and the public-key pin, the SHA-256
 * of the SubjectPublicKeyInfo (RFC 7469).
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import type { HashAlgorithm, PinKind } from "./types.ts";
import {
  certificateDer,
  type CertificateInput,
  digest,
  digestHex,
  subjectPublicKeyInfo,
} from "./certificate.ts";
import { hexToColonHex, toBase64, toColonHex } from "./_encoding.ts";
import { bytesToWords } from "./words.ts";

/** Digest length in bytes of each hash algorithm. */
export const DIGEST_LENGTHS: Readonly<Record<HashAlgorithm, number>> = {
  "SHA-1": 20,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
};

/** Length in bytes of an English-words pin: the 128 bits twelve RFC 1751 words carry. */
export const WORDS_PIN_LENGTH = 16;

/** Options of the {@linkcode Fingerprint} constructor. */
export interface FingerprintOptions {
  /**
   * True for a pin given as the twelve RFC 1751 English words: the bytes are
   * then only the first 16 bytes of the certificate's SHA-1 fingerprint.
   */
  words?: boolean;
}

/**
 * A normalized pin: what it hashes (`kind`), with which algorithm, and the
 * hash bytes. `text` is the canonical form, which {@linkcode parseFingerprint}
 * reads back: `SHA-256:AB:CD:…` for a certificate fingerprint,
 * `sha256/BASE64` for a public-key pin, and `words:KERR LOOT …` for a pin
 * given as RFC 1751 English words.
 *
 * @example
 * ```ts
 * import { parseFingerprint } from "@certpin/certpin";
 * const pin = parseFingerprint("sha256:55684bcf7cccb4a4010c6ed4e713d1a8e5ecaa3846ccb09ef5af340b45becd8c");
 * console.log(pin.kind, pin.algorithm, pin.bytes.length); // certificate SHA-256 32
 * ```
 */
export class Fingerprint {
  /** The part the hash covers: the whole certificate or its public key. */
  readonly kind: PinKind;
  /** The hash algorithm. */
  readonly algorithm: HashAlgorithm;
  /**
   * The hash bytes. Their length equals the algorithm's digest length,
   * except for a words pin, which contains the first 16 bytes of a SHA-1.
   */
  readonly bytes: Uint8Array;
  /**
   * True for an RFC 1751 English-words pin. A certificate matches it when
   * its SHA-1 fingerprint starts with `bytes`, which cover 128 of its 160 bits.
   */
  readonly words: boolean;

  /**
   * Creates a fingerprint from hash bytes.
   *
   * @param kind The part the hash covers.
   * @param algorithm The hash algorithm.
   * @param bytes The hash bytes, as long as the algorithm's digest, or the
   * first 16 bytes of a SHA-1 for a words pin.
   * @param options `words: true` for an English-words pin.
   * @throws {RangeError} When the length does not fit the algorithm, a
   * public-key pin does not use SHA-256, or a words pin is not 16 bytes of a
   * certificate's SHA-1.
   *
   * @example Pin a digest computed elsewhere
   * ```ts
   * import { createHash } from "node:crypto";
   * import { Fingerprint, matchPins } from "@certpin/certpin";
   * const der = await Deno.readFile("tests/fixtures/certs/gaia-like.der");
   * const digest = createHash("sha256").update(der).digest();
   * const pin = new Fingerprint("certificate", "SHA-256", digest);
   * console.log(matchPins(der, [pin]) === pin); // true
   * ```
   */
  constructor(
    kind: PinKind,
    algorithm: HashAlgorithm,
    bytes: Uint8Array,
    options: FingerprintOptions = {},
  ) {
    const words = options.words === true;
    if (words && (kind !== "certificate" || algorithm !== "SHA-1")) {
      throw new RangeError(
        `Cannot create a words pin of a ${kind} ${algorithm} hash: English words cover a certificate's SHA-1`,
      );
    }
    const expectedLength = words ? WORDS_PIN_LENGTH : DIGEST_LENGTHS[algorithm];
    if (bytes.length !== expectedLength) {
      throw new RangeError(
        `Cannot create a ${
          words ? "words pin" : `${algorithm} fingerprint`
        } from ${bytes.length} bytes: expected ${expectedLength}`,
      );
    }
    if (kind === "public-key" && algorithm !== "SHA-256") {
      throw new RangeError(
        `Cannot create a ${algorithm} public-key pin: public-key pins use SHA-256`,
      );
    }
    this.kind = kind;
    this.algorithm = algorithm;
    this.bytes = new Uint8Array(bytes);
    this.words = words;
  }

  /**
   * The canonical text form: `SHA-256:AB:CD:…`, `sha256/BASE64` or
   * `words:KERR LOOT …`. {@linkcode parseFingerprint} reads it back.
   *
   * @returns The canonical text.
   *
   * @example
   * ```ts
   * import { parseFingerprint } from "@certpin/certpin";
   * const pin = parseFingerprint("a6364d05e452696d0b86f1c64c9c7cd6b5a4254d");
   * console.log(pin.text);
   * // SHA-1:A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D
   * ```
   */
  get text(): string {
    if (this.words) return `words:${bytesToWords(this.bytes)}`;
    return this.kind === "public-key"
      ? `sha256/${toBase64(this.bytes)}`
      : `${this.algorithm}:${toColonHex(this.bytes)}`;
  }

  /**
   * Compares with another fingerprint. Bytes of equal length are compared
   * with `node:crypto` `timingSafeEqual`, whose time does not depend on
   * where they differ. Unequal lengths give false, not an error.
   *
   * @param other The fingerprint to compare with.
   * @returns True when kind, algorithm, form and bytes are equal.
   *
   * @example The same SHA-1 written two ways
   * ```ts
   * import { parseFingerprint } from "@certpin/certpin";
   * const openssl = parseFingerprint(
   *   "SHA1 Fingerprint=A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D",
   * );
   * const hex = parseFingerprint("a6364d05e452696d0b86f1c64c9c7cd6b5a4254d");
   * console.log(openssl.equals(hex)); // true
   * ```
   */
  equals(other: Fingerprint): boolean {
    return this.kind === other.kind && this.algorithm === other.algorithm &&
      this.words === other.words &&
      this.bytes.length === other.bytes.length &&
      timingSafeEqual(this.bytes, other.bytes);
  }

  /**
   * Returns the canonical text form, the same as {@linkcode Fingerprint.text}.
   *
   * @returns The canonical text.
   *
   * @example
   * ```ts
   * import { parseFingerprint } from "@certpin/certpin";
   * const pin = parseFingerprint("sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=");
   * console.log(`pinned ${pin}`); // pinned sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=
   * ```
   */
  toString(): string {
    return this.text;
  }

  /**
   * Returns the canonical text form, so `JSON.stringify` writes it.
   *
   * @returns The canonical text.
   *
   * @example
   * ```ts
   * import { parseFingerprint } from "@certpin/certpin";
   * const pin = parseFingerprint("a6364d05e452696d0b86f1c64c9c7cd6b5a4254d");
   * console.log(JSON.stringify({ pin }));
   * // {"pin":"SHA-1:A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D"}
   * ```
   */
  toJSON(): string {
    return this.text;
  }
}

/**
 * Computes the fingerprint of a certificate: the hash of its DER encoding, in
 * uppercase colon hex, the form `openssl x509 -fingerprint` and Check Point's
 * `api fingerprint` print.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @param algorithm The hash algorithm; SHA-256 unless given.
 * @returns The fingerprint, such as `55:68:4B:…:8C`.
 * @throws {InvalidCertificateError} When the input is not a readable certificate.
 *
 * @example
 * ```ts
 * import { certificateFingerprint } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * console.log(certificateFingerprint(pem, "SHA-1"));
 * // A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D
 * ```
 */
export function certificateFingerprint(
  cert: CertificateInput,
  algorithm: HashAlgorithm = "SHA-256",
): string {
  return hexToColonHex(digestHex(algorithm, certificateDer(cert)));
}

/**
 * Computes the public-key pin of a certificate: SHA-256 over its
 * SubjectPublicKeyInfo, as `sha256/BASE64` (the form of HPKP, OkHttp and
 * `curl --pinnedpubkey`). The pin stays the same when a certificate is
 * renewed with the same key.
 *
 * @param cert DER bytes, PEM text or an `X509Certificate`.
 * @returns The pin, such as `sha256/nL7FOx…VCc=`.
 * @throws {InvalidCertificateError} When the input is not a readable certificate.
 *
 * @example
 * ```ts
 * import { publicKeyPin } from "@certpin/certpin";
 * const pem = await Deno.readTextFile("tests/fixtures/certs/gaia-like.pem");
 * console.log(publicKeyPin(pem));
 * // sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=
 * ```
 */
export function publicKeyPin(cert: CertificateInput): string {
  return `sha256/${toBase64(digest("SHA-256", subjectPublicKeyInfo(cert)))}`;
}
