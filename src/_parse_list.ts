// Finding the fingerprints in a pasted list: curl-style ";" lists, one per
// line, the JSON of Check Point's `api fingerprint -f json`, and its text
// output with headings. Each item is parsed by the caller.
import { Buffer } from "node:buffer";
import { InvalidFingerprintError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type { HashAlgorithm } from "./types.ts";
import { looksLikeWordList } from "./words.ts";
import { quoteForMessage, stripInvisible } from "./_text.ts";

/** One fingerprint found in a list, and where it was. */
export interface ListItem {
  /** The fingerprint text, as it was in the input. */
  text: string;
  /** Its location for messages: `line 3` or `element 1, "fingerprint-sha1"`. */
  where: string;
  /** The algorithm a JSON key names, which the value must have. */
  algorithm?: HashAlgorithm;
  /**
   * True when the line reads as a heading or an OpenSSL field, so the list
   * skips it when it does not parse.
   */
  skippable?: boolean;
  /** The line the item came from, cleaned, for {@linkcode hintFor}. */
  line?: string;
}

// Keys of `api fingerprint -f json` objects and the algorithm each holds.
const JSON_KEYS: Readonly<Record<string, HashAlgorithm>> = {
  "fingerprint-sha1": "SHA-1",
  "fingerprint-sha256": "SHA-256",
};

/**
 * The maximum length of a line in a text list, in UTF-16 code units. A
 * labeled SHA-512 fingerprint with separators has 210, and a Public-Key-Pins
 * header with a dozen pins about 750, so a longer line is not a fingerprint
 * list. The limit also keeps the work per line small.
 */
export const MAX_LINE_LENGTH = 4096;

// Directives of a Public-Key-Pins header, which sit between the pins.
const HPKP_DIRECTIVE =
  /^(?:max-age\s*=.*|includeSubDomains|report-uri\s*=.*)$/i;

const HPKP_HEADER = /^\s*Public-Key-Pins(?:-Report-Only)?\s*:/i;

// Lines that `openssl x509 -noout` prints beside a fingerprint.
const OPENSSL_FIELD = /^(?:subject|issuer|serial|notBefore|notAfter)\s*=/i;

// Labels that start a fingerprint line, for the hint on a line that fails.
const FINGERPRINT_LABEL =
  /^(?:sha|md5|pin-|words|using english words|fingerprint|thumbprint)/i;

/**
 * Splits a pasted list into fingerprint items.
 *
 * @throws {InvalidFingerprintError} When the input is empty, or is JSON that
 * cannot be read or has no fingerprint keys.
 */
export function listItems(text: string): ListItem[] {
  const clean = stripInvisible(text).trim();
  if (clean === "") {
    throw new InvalidFingerprintError(
      'Invalid fingerprint list: the input is empty. Paste one fingerprint per line, a ";"-separated list, or the output of Check Point\'s `api fingerprint`.',
      { input: text },
    );
  }
  return clean.startsWith("[") || clean.startsWith("{")
    ? jsonItems(text, clean)
    : textItems(text);
}

function jsonItems(text: string, clean: string): ListItem[] {
  let data: unknown;
  try {
    data = JSON.parse(clean);
  } catch (error) {
    throw new InvalidFingerprintError(
      `Invalid fingerprint list: the input starts like JSON but cannot be read (${
        error instanceof Error ? error.message : String(error)
      }). Paste the whole output of \`api fingerprint -f json\`.`,
      { input: text },
    );
  }

  const elements = Array.isArray(data) ? data : [data];
  return elements.flatMap((element, index) => {
    const where = `element ${index + 1}`;
    if (typeof element === "string") return [{ text: element, where }];
    if (typeof element !== "object" || element === null) {
      throw jsonError(text, `${where} is ${JSON.stringify(element)}`);
    }
    const items: ListItem[] = [];
    for (const [key, algorithm] of Object.entries(JSON_KEYS)) {
      const value = (element as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const keyWhere = `${where}, "${key}"`;
      if (typeof value !== "string") {
        throw jsonError(text, `${keyWhere} is not a string`);
      }
      items.push({ text: value, where: keyWhere, algorithm });
    }
    if (items.length === 0) {
      throw jsonError(
        text,
        `${where} has neither "fingerprint-sha1" nor "fingerprint-sha256"`,
      );
    }
    return items;
  });
}

function jsonError(text: string, reason: string): InvalidFingerprintError {
  return new InvalidFingerprintError(
    `Invalid fingerprint list: ${reason}. Expected the output of \`api fingerprint -f json\`: an array of objects with "fingerprint-sha1" and/or "fingerprint-sha256", or an array of fingerprint strings.`,
    { input: text },
  );
}

// Turns every line that is not blank or a comment into items. The caller
// raises on an item that does not parse unless it is marked skippable.
function textItems(text: string): ListItem[] {
  const items: ListItem[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const where = `line ${index + 1}`;
    if (line.length > MAX_LINE_LENGTH) {
      throw new InvalidFingerprintError(
        `Invalid fingerprint list: ${where} ${
          quoteForMessage(line)
        } has ${line.length} characters, more than the ${MAX_LINE_LENGTH} that any fingerprint form fits in. Put one fingerprint on each line.`,
        { input: line },
      );
    }
    const clean = stripInvisible(line).trim();
    if (clean === "" || clean.startsWith("#")) continue;

    const skippable = isHeading(clean) || OPENSSL_FIELD.test(clean);
    if (!clean.includes(";")) {
      items.push({ text: line, where, skippable, line: clean });
      continue;
    }
    for (const segment of line.replace(HPKP_HEADER, "").split(";")) {
      const segmentText = stripInvisible(segment).trim();
      if (segmentText === "" || HPKP_DIRECTIVE.test(segmentText)) continue;
      items.push({ text: segment, where, skippable, line: clean });
    }
  }
  return items;
}

/**
 * Returns a sentence for the error on an item that does not parse: when its
 * line does not read as an attempt at a fingerprint, it advises a comment.
 * Otherwise it returns "".
 */
export function hintFor(item: ListItem): string {
  if (item.line === undefined || looksLikeFingerprint(item.line)) return "";
  return `If ${item.where} is not a fingerprint, delete it or start it with "#".`;
}

// Returns true for a heading such as "Fingerprint:", which is at most five
// words ending in a colon. It also needs at least as many letters outside
// A-F as hex digits, so that a broken fingerprint ending in ":" is no heading.
function isHeading(line: string): boolean {
  const words = line.slice(0, -1);
  if (!line.endsWith(":") || words.length > 60 || /[:=]/.test(words)) {
    return false;
  }
  const letters = words.replace(/[^g-z]/gi, "").length;
  const hexDigits = words.replace(/[^0-9a-f]/gi, "").length;
  return words.split(/\s+/).length <= 5 && letters >= hexDigits;
}

// Returns true when a line starts with a known label, has more hex digits
// than other letters, or reads as twelve words.
function looksLikeFingerprint(line: string): boolean {
  const hexDigits = line.replace(/[^0-9a-f]/gi, "").length;
  const letters = line.replace(/[^g-z]/gi, "").length;
  return FINGERPRINT_LABEL.test(line) || hexDigits > letters ||
    looksLikeWordList(line);
}

/**
 * Drops repeated pins and words pins that only repeat the start of a SHA-1
 * fingerprint in the same list, keeping the first of each in input order.
 *
 * @throws {InvalidFingerprintError} When the list has SHA-1 fingerprints and
 * English words that match none of them: Check Point prints both for the
 * same certificate, so one of them was copied wrong.
 */
export function removeRepeatedPins(
  text: string,
  pins: readonly Fingerprint[],
): Fingerprint[] {
  const sha1 = pins.filter((pin) =>
    pin.kind === "certificate" && pin.algorithm === "SHA-1" && !pin.words
  );
  const seen = new Set<string>();
  const kept: Fingerprint[] = [];
  for (const pin of pins) {
    const key = pinKey(pin);
    if (seen.has(key)) continue;
    seen.add(key);
    if (pin.words && sha1.length > 0) {
      if (sha1.some((full) => startsWith(full.bytes, pin.bytes))) continue;
      throw new InvalidFingerprintError(
        `Invalid fingerprint list: the English words ${
          quoteForMessage(pin.text.slice("words:".length))
        } do not match the SHA-1 fingerprint ${
          quoteForMessage(sha1[0]?.text ?? "")
        } in the same input, so one of them was copied wrong. Copy the output of \`api fingerprint\` again.`,
        { input: text },
      );
    }
    kept.push(pin);
  }
  return kept;
}

// A key that is equal for equal pins. Building the canonical text instead
// would take most of the time of parsing a long list.
function pinKey(pin: Fingerprint): string {
  const bytes = Buffer.from(
    pin.bytes.buffer,
    pin.bytes.byteOffset,
    pin.bytes.length,
  );
  return `${pin.kind} ${pin.algorithm} ${pin.words} ${
    bytes.toString("latin1")
  }`;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}
