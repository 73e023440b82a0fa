/**
 * Reading one fingerprint or pin in every form users paste: hex with any
 * separator or case, OpenSSL's `SHA256 Fingerprint=…` lines, `sha256:`
 * labels, the OpenSSH-style `SHA256:BASE64`, the public-key pins
 * `sha256/BASE64`, `sha256//BASE64` (curl) and `pin-sha256="BASE64"`
 * (RFC 7469), and twelve RFC 1751 English words. Quotes, surrounding
 * whitespace and the invisible characters that copying adds are ignored.
 *
 * @example
 * ```ts
 * import { parseFingerprint } from "@certpin/certpin";
 * const pin = parseFingerprint("SHA256 Fingerprint=55:68:4B:CF:7C:CC:B4:A4:01:0C:6E:D4:E7:13:D1:A8:E5:EC:AA:38:46:CC:B0:9E:F5:AF:34:0B:45:BE:CD:8C");
 * console.log(pin.text.slice(0, 16)); // SHA-256:55:68:4B
 * ```
 *
 * @module
 */

import { InvalidFingerprintError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { parseValue, parseWordsValue } from "./_parse_value.ts";
import {
  hintFor,
  type ListItem,
  listItems,
  removeRepeatedPins,
} from "./_parse_list.ts";
import { quoteForMessage } from "./_text.ts";

/**
 * Parses one fingerprint or public-key pin, as pasted, into its normalized
 * form. The hash algorithm follows from the length (20, 32, 48 or 64 bytes)
 * unless a label names it, and a label that disagrees with the length is an
 * error. The value decides between hex and the OpenSSH-style base64 after
 * an algorithm label: a value of hex digits and separators is hex.
 *
 * Hex digits may be separated by ":", "-", ".", spaces or tabs, or by the
 * look-alikes that word processors put in their place: the fullwidth colon
 * U+FF1A and the dashes U+2010 to U+2014, U+2212 and U+FF0D.
 *
 * @param text The pasted text, such as `SHA256 Fingerprint=55:68:…`,
 * `a6364d05…`, `sha256//nL7F…=` or `KERR LOOT TOM …`.
 * @returns The fingerprint; its `text` is the canonical form.
 * @throws {InvalidFingerprintError} When the text is empty, is longer than
 * 4096 characters, has a character that does not belong, has a length no
 * supported hash has, is an MD5 fingerprint, has a label that disagrees with
 * the value, or is a number of words other than twelve.
 * @throws {TypeError} When `text` is not a string.
 *
 * @example Forms that give the same fingerprint
 * ```ts
 * import { parseFingerprint } from "@certpin/certpin";
 * const a = parseFingerprint("A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D");
 * const b = parseFingerprint('"\u200ea6364d05e452696d0b86f1c64c9c7cd6b5a4254d"');
 * console.log(a.equals(b), a.algorithm); // true SHA-1
 * ```
 *
 * @example A public-key pin
 * ```ts
 * import { parseFingerprint } from "@certpin/certpin";
 * const pin = parseFingerprint('pin-sha256="nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc="');
 * console.log(pin.kind, pin.text); // public-key sha256/nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=
 * ```
 */
export function parseFingerprint(text: string): Fingerprint {
  return parseValue(text);
}

/**
 * Parses twelve RFC 1751 English words, such as the line Check Point's
 * `api fingerprint` prints, into a words pin. Letter case and whitespace do
 * not matter, and a `Using English words:` or `words:` label is allowed.
 *
 * @param text The twelve words.
 * @returns A words pin: the first 16 bytes of the certificate's SHA-1.
 * @throws {InvalidFingerprintError} When a word is not in the RFC 1751
 * dictionary, a parity check fails, or there are not twelve words.
 * @throws {TypeError} When `text` is not a string.
 *
 * @example
 * ```ts
 * import { parseWords } from "@certpin/certpin";
 * const pin = parseWords("kerr loot tom ones ma mana coo rid deed hock oldy corn");
 * console.log(pin.words, pin.bytes.length); // true 16
 * ```
 */
export function parseWords(text: string): Fingerprint {
  return parseWordsValue(text);
}

/**
 * Parses every fingerprint in one input: one per line, curl-style
 * `;`-separated lists, the JSON of Check Point's `api fingerprint -f json`
 * (objects with `fingerprint-sha1` and/or `fingerprint-sha256`), or its text
 * output with a `Fingerprint:` heading, a `SHA1:` line and a `Using English
 * words:` line. Line endings, indentation and blank lines do not matter.
 *
 * Every line is read as a fingerprint or a `;`-separated list of them.
 * Blank lines and comments that start with `#` are skipped. So is a line
 * that does not parse but reads as a heading, such as `Fingerprint:`, or as
 * a `subject=` or `issuer=` line that OpenSSL prints. Any other line that
 * does not parse raises, so no fingerprint is dropped silently. A line may
 * have at most 4096 characters. Repeated pins are dropped, and so are English
 * words that repeat the start of a SHA-1 fingerprint in the same input.
 *
 * @param text The pasted text.
 * @returns The fingerprints, in input order; never empty.
 * @throws {InvalidFingerprintError} When the input contains no fingerprint, an
 * item cannot be read (the message names its line or JSON element), a line
 * is longer than 4096 characters, a JSON key's algorithm disagrees with its
 * value, or English words disagree with a SHA-1 fingerprint in the same input.
 * @throws {TypeError} When `text` is not a string.
 *
 * @example Check Point's text output
 * ```ts
 * import { parseFingerprints } from "@certpin/certpin";
 * const output = await Deno.readTextFile("tests/fixtures/checkpoint-api-fingerprint.txt");
 * const [pin] = parseFingerprints(output);
 * console.log(pin?.text); // SHA-1:A6:36:4D:05:E4:52:69:6D:0B:86:F1:C6:4C:9C:7C:D6:B5:A4:25:4D
 * ```
 *
 * @example A curl-style list
 * ```ts
 * import { parseFingerprints } from "@certpin/certpin";
 * const pins = parseFingerprints("sha256//nL7FOxlhoCXx+1tpqKdpUy/8woW7Gwdmhshq36gUCVc=;sha256//5z1nrCykBe8eoOtvg+ORm2Sgh5y6vt4VuNzhJRL2rVE=");
 * console.log(pins.length); // 2
 * ```
 */
export function parseFingerprints(text: string): Fingerprint[] {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot parse fingerprints: expected a string, received ${typeof text}`,
    );
  }
  const pins: Fingerprint[] = [];
  for (const item of listItems(text)) {
    const pin = parseItem(item);
    if (pin !== undefined) pins.push(pin);
  }
  if (pins.length === 0) {
    throw new InvalidFingerprintError(
      `Invalid fingerprint list ${
        quoteForMessage(text)
      }: no fingerprint found. Expected fingerprints such as "SHA256 Fingerprint=55:68:4B:…", one per line or separated by ";".`,
      { input: text },
    );
  }
  return removeRepeatedPins(text, pins);
}

// Returns undefined for a heading that does not parse, which the list skips.
function parseItem(item: ListItem): Fingerprint | undefined {
  let pin: Fingerprint;
  try {
    pin = parseValue(item.text);
  } catch (error) {
    if (!(error instanceof InvalidFingerprintError)) throw error;
    if (item.skippable) return undefined;
    const hint = hintFor(item);
    throw new InvalidFingerprintError(
      `${item.where[0]?.toUpperCase()}${item.where.slice(1)}: ${error.message}${
        hint === "" ? "" : ` ${hint}`
      }`,
      error.position === undefined
        ? { input: error.input }
        : { input: error.input, position: error.position },
    );
  }
  if (
    item.algorithm !== undefined &&
    (pin.kind !== "certificate" || pin.words ||
      pin.algorithm !== item.algorithm)
  ) {
    throw new InvalidFingerprintError(
      `Invalid fingerprint list: ${item.where} holds ${
        quoteForMessage(pin.text)
      }, but the key names a ${item.algorithm} certificate fingerprint. Copy the output of \`api fingerprint -f json\` again.`,
      { input: item.text },
    );
  }
  return pin;
}
