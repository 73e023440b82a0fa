// Strict hex and base64 decoding of pasted values, with errors that name the
// offending character and its position in the text the caller gave.
import { Buffer } from "node:buffer";
import { InvalidFingerprintError } from "./errors.ts";
import { characterAt, describeCharacter, quoteForMessage } from "./_text.ts";

/** Part of a cleaned input, with a map back to positions in the original. */
export interface Value {
  /** The text of this part. */
  text: string;
  /** For each UTF-16 unit of `text`, its index in the original input. */
  offsets: number[];
  /** The name of the input for messages: "fingerprint" or "English words". */
  what: string;
}

/**
 * Characters accepted between groups of hex digits: ":", "-", "." and
 * whitespace. Word processors and input methods put look-alikes in their
 * place, so these are accepted too: FULLWIDTH COLON (U+FF1A), the dashes
 * from HYPHEN (U+2010) to EM DASH (U+2014), MINUS SIGN (U+2212) and
 * FULLWIDTH HYPHEN-MINUS (U+FF0D).
 */
export const HEX_SEPARATOR = /[:\-.\s\uFF1A\u2010-\u2014\u2212\uFF0D]/;

/** The separators of {@linkcode HEX_SEPARATOR}, as error messages list them. */
const SEPARATOR_NAMES = '":", "-", ".", spaces or tabs';

/**
 * Decodes hex digits separated by the characters of
 * {@linkcode HEX_SEPARATOR}, in any case. When separators are used, each
 * group must have whole bytes, so a digit lost while copying is caught here
 * instead of shifting every byte after it.
 */
export function decodeHexValue(
  original: string,
  value: Value,
  base64Shaped: boolean,
): Uint8Array {
  let digits = "";
  const groups: { start: number; length: number }[] = [];
  for (let index = 0; index < value.text.length; index++) {
    const char = value.text[index] as string;
    if (HEX_SEPARATOR.test(char)) continue;
    if (!/[0-9a-f]/i.test(char)) {
      const hint = base64Shaped
        ? " If this is a base64 value, label it: sha256/BASE64 for a public-key pin, or SHA256:BASE64 for a certificate fingerprint."
        : "";
      throw characterError(
        original,
        value,
        index,
        `is not hexadecimal. A fingerprint contains only the digits 0-9 and the letters A-F, optionally separated by ${SEPARATOR_NAMES}.${hint}`,
      );
    }
    const previous = value.text[index - 1];
    if (index === 0 || previous === undefined || HEX_SEPARATOR.test(previous)) {
      groups.push({ start: index, length: 0 });
    }
    const group = groups[groups.length - 1];
    if (group !== undefined) group.length++;
    digits += char;
  }

  if (groups.length > 1) {
    const broken = groups.find((group) => group.length % 2 !== 0);
    if (broken !== undefined) {
      const text = value.text.slice(broken.start, broken.start + broken.length);
      throw new InvalidFingerprintError(
        `Invalid ${value.what} ${
          quoteForMessage(original)
        }: the group "${text}" at position ${
          value.offsets[broken.start]
        } has ${broken.length} hexadecimal digit${
          broken.length === 1 ? "" : "s"
        }, but every byte has two. A digit was lost while copying or the value was cut off; copy the fingerprint again.`,
        positioned(original, value.offsets[broken.start]),
      );
    }
  }
  if (digits.length % 2 !== 0) {
    throw new InvalidFingerprintError(
      `Invalid ${value.what} ${
        quoteForMessage(original)
      }: the value has ${digits.length} hexadecimal digits, an odd count, so its last byte is incomplete. Check that the whole fingerprint was copied; valid lengths are 20 bytes (SHA-1), 32 (SHA-256), 48 (SHA-384) and 64 (SHA-512).`,
      { input: original },
    );
  }
  return new Uint8Array(Buffer.from(digits, "hex"));
}

/**
 * Decodes standard or URL-safe base64, padded or not. Characters outside the
 * alphabet, misplaced padding, a length that cannot hold whole bytes and
 * stray bits in the last character are errors.
 */
export function decodeBase64Value(original: string, value: Value): Uint8Array {
  const body = value.text.replace(/=+$/, "");
  const padding = value.text.length - body.length;
  if (body === "") {
    throw new InvalidFingerprintError(
      `Invalid ${value.what} ${
        quoteForMessage(original)
      }: the base64 value is missing. Copy the whole pin, such as "sha256//nL7F…VCc=".`,
      { input: original },
    );
  }
  for (let index = 0; index < body.length; index++) {
    if (!/[A-Za-z0-9+/_-]/.test(body[index] as string)) {
      throw characterError(
        original,
        value,
        index,
        'is not base64. A base64 value contains only A-Z, a-z, 0-9, "+" and "/", with "=" padding at the end.',
      );
    }
  }
  if (
    body.length % 4 === 1 || padding > 2 ||
    (padding > 0 && (body.length + padding) % 4 !== 0)
  ) {
    throw new InvalidFingerprintError(
      `Invalid ${value.what} ${
        quoteForMessage(original)
      }: ${value.text.length} base64 characters cannot encode whole bytes, so the value has the wrong length or padding. Check that the whole value was copied.`,
      { input: original },
    );
  }

  const standard = body.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Buffer.from(standard, "base64");
  if (bytes.toString("base64").replace(/=+$/, "") !== standard) {
    throw new InvalidFingerprintError(
      `Invalid ${value.what} ${
        quoteForMessage(original)
      }: the last base64 character carries bits that no whole byte uses, so the value was altered. Check its last characters.`,
      positioned(original, value.offsets[body.length - 1]),
    );
  }
  return new Uint8Array(bytes);
}

function characterError(
  original: string,
  value: Value,
  index: number,
  reason: string,
): InvalidFingerprintError {
  const position = value.offsets[index] ?? index;
  const char = characterAt(original, position);
  return new InvalidFingerprintError(
    `Invalid ${value.what} ${quoteForMessage(original)}: character ${
      describeCharacter(char)
    } at position ${position} ${reason}`,
    { input: original, position },
  );
}

function positioned(
  original: string,
  position: number | undefined,
): { input: string; position?: number } {
  return position === undefined
    ? { input: original }
    : { input: original, position };
}
