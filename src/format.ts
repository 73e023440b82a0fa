/**
 * Writing a fingerprint in the form another tool expects. Every form that
 * {@linkcode formatFingerprint} writes, {@linkcode parseFingerprint} reads
 * back to the same fingerprint; the `words` form reads back as a words pin,
 * which covers the first 16 bytes of the SHA-1.
 *
 * @example
 * ```ts
 * import { formatFingerprint } from "@certpin/certpin";
 * const sha1 = "A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D";
 * console.log(formatFingerprint(sha1, "hex")); // a6364d05e452696d0b86f1c64c9c7cd6b5a4254d
 * console.log(formatFingerprint(sha1, "words"));
 * // KERR LOOT TOM ONES MA MANA COO RID DEED HOCK OLDY CORN
 * ```
 *
 * @module
 */

import { InvalidFingerprintError } from "./errors.ts";
import { Fingerprint } from "./fingerprint.ts";
import { parseFingerprint } from "./parse.ts";
import { bytesToWords } from "./words.ts";
import { toBase64, toColonHex, toHex } from "./_encoding.ts";

/**
 * A text form of a fingerprint:
 * - `colon`: uppercase hex with colons, `55:68:4B:…`, as OpenSSL and Check
 *   Point print it;
 * - `hex`: lowercase hex without separators, `55684bcf…`;
 * - `base64`: `SHA256:VWhL…` without padding, as OpenSSH prints key
 *   fingerprints, or `sha256/BASE64` for a public-key pin;
 * - `openssl`: the line of `openssl x509 -fingerprint`,
 *   `SHA256 Fingerprint=55:68:4B:…`;
 * - `words`: the twelve RFC 1751 English words of a SHA-1 fingerprint's
 *   first 16 bytes, as Check Point's `api fingerprint` prints them.
 */
export type FingerprintFormat =
  | "colon"
  | "hex"
  | "base64"
  | "openssl"
  | "words";

/**
 * Every {@linkcode FingerprintFormat}, for validating a format given as text.
 *
 * @example Check a format read from a command line
 * ```ts
 * import { FINGERPRINT_FORMATS, type FingerprintFormat, formatFingerprint } from "@certpin/certpin";
 * const requested: string = "hex";
 * if (FINGERPRINT_FORMATS.includes(requested as FingerprintFormat)) {
 *   const sha1 = "A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D";
 *   console.log(formatFingerprint(sha1, requested as FingerprintFormat));
 *   // a6364d05e452696d0b86f1c64c9c7cd6b5a4254d
 * }
 * ```
 */
export const FINGERPRINT_FORMATS: readonly FingerprintFormat[] = Object.freeze([
  "colon",
  "hex",
  "base64",
  "openssl",
  "words",
]);

/**
 * Formats a fingerprint in one of the {@linkcode FingerprintFormat} forms.
 * A public-key pin has only the `base64` form, and a words pin only the
 * `words` form.
 *
 * @param fingerprint A parsed fingerprint, or text that
 * {@linkcode parseFingerprint} reads.
 * @param format The form to write; `colon` unless given.
 * @returns The formatted fingerprint.
 * @throws {InvalidFingerprintError} When the text cannot be parsed, or the
 * fingerprint has no such form: `words` of anything but a SHA-1 certificate
 * fingerprint, a public-key pin in a hex form, or a words pin in any form
 * but `words`.
 * @throws {TypeError} When `format` is not one of the formats.
 *
 * @example
 * ```ts
 * import { formatFingerprint } from "@certpin/certpin";
 * const pin = "sha256:55684bcf7cccb4a4010c6ed4e713d1a8e5ecaa3846ccb09ef5af340b45becd8c";
 * console.log(formatFingerprint(pin, "openssl").slice(0, 30)); // SHA256 Fingerprint=55:68:4B:CF
 * console.log(formatFingerprint(pin, "base64")); // SHA256:VWhLz3zMtKQBDG7U5xPRqOXsqjhGzLCe9a80C0W+zYw
 * ```
 */
export function formatFingerprint(
  fingerprint: Fingerprint | string,
  format: FingerprintFormat = "colon",
): string {
  if (!FINGERPRINT_FORMATS.includes(format)) {
    throw new TypeError(
      `Cannot format a fingerprint as "${String(format)}": expected one of ${
        FINGERPRINT_FORMATS.join(", ")
      }`,
    );
  }
  const pin = typeof fingerprint === "string"
    ? parseFingerprint(fingerprint)
    : fingerprint;
  if (!(pin instanceof Fingerprint)) {
    throw new TypeError(
      "Cannot format a fingerprint: expected a Fingerprint or a string",
    );
  }

  if (pin.words) {
    if (format === "words") return bytesToWords(pin.bytes);
    throw noSuchForm(
      pin,
      format,
      "English words carry only the first 16 bytes of a SHA-1 fingerprint, so they have no other form",
    );
  }
  if (pin.kind === "public-key") {
    if (format === "base64") return pin.text;
    throw noSuchForm(
      pin,
      format,
      "a public-key pin is written only as sha256/BASE64, so use the base64 format",
    );
  }

  const label = pin.algorithm.replace("-", "");
  switch (format) {
    case "colon":
      return toColonHex(pin.bytes);
    case "hex":
      return toHex(pin.bytes);
    case "base64":
      return `${label}:${toBase64(pin.bytes).replace(/=+$/, "")}`;
    case "openssl":
      return `${label} Fingerprint=${toColonHex(pin.bytes)}`;
    case "words":
      if (pin.algorithm !== "SHA-1") {
        throw noSuchForm(
          pin,
          format,
          "English words encode a SHA-1 fingerprint. Format the certificate's SHA-1 fingerprint instead",
        );
      }
      return bytesToWords(pin.bytes.subarray(0, 16));
  }
}

function noSuchForm(
  pin: Fingerprint,
  format: FingerprintFormat,
  reason: string,
): InvalidFingerprintError {
  return new InvalidFingerprintError(
    `Cannot format "${pin.text}" as ${format}: ${reason}.`,
    { input: pin.text },
  );
}
