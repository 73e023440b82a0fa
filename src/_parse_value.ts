// Parsing one pasted fingerprint, pin or word list into a Fingerprint: the
// cleaning, label forms and length checks behind parseFingerprint().
import { InvalidFingerprintError } from "./errors.ts";
import {
  DIGEST_LENGTHS,
  Fingerprint,
  WORDS_PIN_LENGTH,
} from "./fingerprint.ts";
import type { HashAlgorithm } from "./types.ts";
import { looksLikeWordList, wordsToBytes } from "./words.ts";
import {
  cleanText,
  hasInvisible,
  quoteForMessage,
  stripInvisible,
} from "./_text.ts";
import { parseCommonForm } from "./_parse_common.ts";
import {
  decodeBase64Value,
  decodeHexValue,
  HEX_SEPARATOR,
  type Value,
} from "./_decode.ts";

/**
 * The maximum length of a value, in UTF-16 code units. A labeled SHA-512
 * fingerprint with separators has 210. Longer input is rejected before any
 * other work, so its cost stays small.
 */
export const MAX_VALUE_LENGTH = 4096;

// A hex value: digits and the separators decodeHexValue accepts, nothing else.
const HEX_SHAPED = new RegExp(
  `^(?:[0-9a-f]|${HEX_SEPARATOR.source})+$`,
  "i",
);

// At least two words of letters, separated by whitespace.
const LETTER_WORDS = /^[a-z]+(?:\s+[a-z]+)+$/i;

/** The hex command that prints a certificate's SHA-256 fingerprint. */
const SHA256_COMMAND =
  "`certpin fingerprint FILE` or `openssl x509 -in FILE -noout -fingerprint -sha256`";

// Each label form, tried in order. Group "algorithm" names the hash when the
// form has one, and group "value" captures the rest.
const PUBLIC_KEY_HEADER =
  /^pin-(?<algorithm>sha-?\d+)\s*=\s*(?<quote>["']?)(?<value>[^"']*)\k<quote>$/di;
const PUBLIC_KEY_SLASH = /^(?<algorithm>sha-?\d+|md5)\s*\/(?<value>.*)$/dis;
const WORDS_LABEL =
  /^(?:using\s+english\s+words|words)\s*[:=]\s*(?<value>.*)$/dis;
const FINGERPRINT_LABEL =
  /^(?:(?<algorithm>sha-?\d+|md5)\s*)?(?:fingerprint|thumbprint)(?:\s*[:=]|\s)\s*(?<value>.*)$/dis;
const ALGORITHM_LABEL =
  /^(?<algorithm>sha-?\d+|md5)(?:\s*[:=]\s*|\s+)(?<value>.*)$/dis;

// RFC 1751 writes each 8 bytes as six words, so a words pin has twelve.
const WORDS_PIN_WORDS = (WORDS_PIN_LENGTH / 8) * 6;

/** Parses one fingerprint, pin or word list; see parseFingerprint(). */
export function parseValue(text: string): Fingerprint {
  const common = typeof text === "string" ? parseCommonForm(text) : undefined;
  if (common !== undefined) return common;

  const value = prepare(text, "fingerprint");
  rejectCertificate(value);

  const publicKey = PUBLIC_KEY_HEADER.exec(value.text) ??
    PUBLIC_KEY_SLASH.exec(value.text);
  if (publicKey !== null) return parsePublicKeyPin(value, publicKey);

  const words = WORDS_LABEL.exec(value.text);
  if (words !== null) return decodeWordsPin(value, sub(value, words, "value"));

  const labeled = FINGERPRINT_LABEL.exec(value.text) ??
    ALGORITHM_LABEL.exec(value.text);
  if (labeled !== null) {
    const algorithm = readAlgorithm(value, labeled);
    const rest = sub(value, labeled, "value");
    if (rest.text === "") {
      throw invalid(
        value,
        "the label has no fingerprint after it. Copy the whole line, including the hex digits.",
      );
    }
    return parseDigest(value, rest, algorithm);
  }

  if (looksLikeWordList(value.text) || isLetterWords(value.text)) {
    return decodeWordsPin(value, value);
  }
  return parseDigest(value, value, undefined);
}

/** Parses twelve English words; see parseWords(). */
export function parseWordsValue(text: string): Fingerprint {
  const value = prepare(text, "English words");
  const labeled = WORDS_LABEL.exec(value.text);
  return decodeWordsPin(
    value,
    labeled === null ? value : sub(value, labeled, "value"),
  );
}

/** The input as given, its cleaned and trimmed text, and position mapping. */
interface Input extends Value {
  /** The text as the caller gave it. */
  original: string;
}

// Removes invisible characters, whitespace and matching quotes around the
// value, and rejects empty input.
function prepare(text: string, what: string): Input {
  if (typeof text !== "string") {
    throw new TypeError(
      `Cannot parse ${what}: expected a string, received ${typeof text}`,
    );
  }
  if (text.length > MAX_VALUE_LENGTH) throw tooLongError(text, what);
  const clean = cleanText(text);
  let start = 0;
  let end = clean.text.length;
  for (;;) {
    while (start < end && /\s/.test(clean.text[start] as string)) start++;
    while (end > start && /\s/.test(clean.text[end - 1] as string)) end--;
    const open = clean.text[start];
    const close = clean.text[end - 1];
    if (end - start < 2 || open === undefined || !isQuotePair(open, close)) {
      break;
    }
    start++;
    end--;
  }

  if (start === end) {
    const hidden = hasInvisible(text) ? " apart from invisible characters" : "";
    throw new InvalidFingerprintError(
      `Invalid ${what}: the input is empty${hidden}. Paste the ${what} as the server prints it, such as "SHA256 Fingerprint=55:68:4B:…".`,
      { input: text },
    );
  }
  return {
    original: text,
    text: clean.text.slice(start, end),
    offsets: clean.offsets.slice(start, end),
    what,
  };
}

function isQuotePair(open: string, close: string | undefined): boolean {
  const pairs: Record<string, string> = {
    '"': '"',
    "'": "'",
    "`": "`",
    "\u201C": "\u201D",
    "\u2018": "\u2019",
  };
  return pairs[open] === close;
}

// Words made only of hex digits, such as "AD BE EF", read as hex instead.
function isLetterWords(text: string): boolean {
  return LETTER_WORDS.test(text) && /[g-z]/i.test(text);
}

// Rejects long input without reading past its start, so that megabytes cost
// no more than a few kilobytes. A certificate is the usual long paste, and
// gets the same advice as a short one.
function tooLongError(text: string, what: string): InvalidFingerprintError {
  const kind = certificateKind(stripInvisible(text.slice(0, 200)).trim()) ??
    (text.includes("-----BEGIN ") ? "PEM text" : undefined);
  const reason = kind === undefined
    ? `the input has ${text.length} characters, more than the ${MAX_VALUE_LENGTH} that any fingerprint form fits in. Paste only the fingerprint.`
    : certificateAdvice(kind);
  return new InvalidFingerprintError(
    `Invalid ${what} ${quoteForMessage(text)}: ${reason}`,
    { input: text },
  );
}

function rejectCertificate(input: Input): void {
  const kind = certificateKind(input.text);
  if (kind !== undefined) throw invalid(input, certificateAdvice(kind));
}

function certificateKind(text: string): string | undefined {
  if (/-----BEGIN [A-Z ]+-----/.test(text)) return "PEM text";
  if (/^MII[A-Za-z0-9+/]{60}/.test(text)) return "base64 of a certificate";
  return undefined;
}

function certificateAdvice(kind: string): string {
  return `this is ${kind}, but a fingerprint is expected. To read the fingerprint of a certificate file, run \`certpin fingerprint FILE\`.`;
}

// Returns the part of `value` a named group matched, trimmed, keeping the
// map back to positions in the original input.
function sub(value: Value, match: RegExpExecArray, group: string): Value {
  const range = match.indices?.groups?.[group];
  if (range === undefined) return { ...value, text: "", offsets: [] };
  let [start, end] = range;
  while (start < end && /\s/.test(value.text[start] as string)) start++;
  while (end > start && /\s/.test(value.text[end - 1] as string)) end--;
  return {
    text: value.text.slice(start, end),
    offsets: value.offsets.slice(start, end),
    what: value.what,
  };
}

function readAlgorithm(
  input: Input,
  match: RegExpExecArray,
): HashAlgorithm | undefined {
  const label = match.groups?.["algorithm"];
  if (label === undefined) return undefined;
  const name = label.toUpperCase().replace(/^SHA-?/, "SHA-");
  if (name === "MD5") throw md5Error(input);
  if (name in DIGEST_LENGTHS) return name as HashAlgorithm;
  throw invalid(
    input,
    `the algorithm ${
      quoteForMessage(label)
    } is not supported. Expected SHA-1, SHA-256, SHA-384 or SHA-512; get the SHA-256 fingerprint with ${SHA256_COMMAND}.`,
  );
}

function parsePublicKeyPin(
  input: Input,
  match: RegExpExecArray,
): Fingerprint {
  const algorithm = readAlgorithm(input, match);
  const value = withoutCurlSlash(sub(input, match, "value"));
  const bytes = decodeBase64Value(input.original, value);
  if (algorithm !== "SHA-256") {
    const found = bytes.length === DIGEST_LENGTHS["SHA-256"]
      ? ", the length of a SHA-256 pin"
      : "";
    throw invalid(
      input,
      `the label says ${algorithm}, but public-key pins are SHA-256 of the SubjectPublicKeyInfo (the value has ${bytes.length} bytes${found}). Write the pin as sha256//BASE64.`,
    );
  }
  if (bytes.length !== DIGEST_LENGTHS["SHA-256"]) {
    throw invalid(
      input,
      `the value has ${bytes.length} bytes, but a public-key pin has the length of a SHA-256 hash, 32 bytes (44 base64 characters). Check that the whole pin was copied.`,
    );
  }
  return new Fingerprint("public-key", "SHA-256", bytes);
}

// curl writes `sha256//BASE64`, but base64 may itself start with "/". A
// SHA-256 in base64 has 43 characters before its padding, so a longer value
// after one slash carries curl's second slash.
function withoutCurlSlash(value: Value): Value {
  const body = value.text.replace(/=+$/, "");
  if (!value.text.startsWith("/") || body.length <= 43) return value;
  return {
    ...value,
    text: value.text.slice(1),
    offsets: value.offsets.slice(1),
  };
}

function parseDigest(
  input: Input,
  value: Value,
  algorithm: HashAlgorithm | undefined,
): Fingerprint {
  const hexShaped = HEX_SHAPED.test(value.text);
  const base64Shaped = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value.text);
  // OpenSSH-style `SHA256:BASE64`: a labeled value that is not all hex.
  const bytes = algorithm !== undefined && !hexShaped && base64Shaped
    ? decodeBase64Value(input.original, value)
    : decodeHexValue(input.original, value, base64Shaped);

  if (algorithm !== undefined) {
    if (bytes.length !== DIGEST_LENGTHS[algorithm]) {
      throw invalid(
        input,
        `the label says ${algorithm} (${
          DIGEST_LENGTHS[algorithm]
        } bytes), but the value has ${bytes.length} bytes${
          lengthHint(bytes.length)
        }. Remove or correct the label, and check that the whole fingerprint was copied.`,
      );
    }
    return new Fingerprint("certificate", algorithm, bytes);
  }

  const inferred = algorithmOfLength(bytes.length);
  if (inferred !== undefined) {
    return new Fingerprint("certificate", inferred, bytes);
  }
  if (bytes.length === 16) throw md5Error(input);
  throw invalid(
    input,
    `the value has ${bytes.length} bytes, but valid lengths are 20 bytes (SHA-1), 32 (SHA-256), 48 (SHA-384) and 64 (SHA-512). Check that the whole fingerprint was copied.`,
  );
}

function decodeWordsPin(input: Input, value: Value): Fingerprint {
  const count = value.text.split(/\s+/).filter((word) => word !== "").length;
  if (count !== WORDS_PIN_WORDS) {
    throw invalid(
      input,
      `found ${count} word${
        count === 1 ? "" : "s"
      }, but twelve RFC 1751 English words are expected (they encode the first 128 bits of the SHA-1 fingerprint). Check that no word was lost while copying.`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = wordsToBytes(value.text);
  } catch (error) {
    if (!(error instanceof InvalidFingerprintError)) throw error;
    const position = error.position === undefined
      ? undefined
      : value.offsets[error.position];
    throw new InvalidFingerprintError(error.message, {
      input: input.original,
      ...(position === undefined ? {} : { position }),
    });
  }
  return new Fingerprint("certificate", "SHA-1", bytes, { words: true });
}

function algorithmOfLength(length: number): HashAlgorithm | undefined {
  for (const [name, digestLength] of Object.entries(DIGEST_LENGTHS)) {
    if (digestLength === length) return name as HashAlgorithm;
  }
  return undefined;
}

function lengthHint(length: number): string {
  const algorithm = algorithmOfLength(length);
  if (algorithm !== undefined) return `, the length of ${algorithm}`;
  return length === 16 ? ", the length of MD5" : "";
}

function md5Error(input: Input): InvalidFingerprintError {
  return invalid(
    input,
    `this is an MD5 fingerprint (16 bytes), and MD5 is too weak to pin because certificates with the same MD5 can be forged. Get the SHA-256 fingerprint with ${SHA256_COMMAND}.`,
  );
}

function invalid(input: Input, reason: string): InvalidFingerprintError {
  return new InvalidFingerprintError(
    `Invalid ${input.what} ${quoteForMessage(input.original)}: ${reason}`,
    { input: input.original },
  );
}
