// Finding the fingerprints in a pasted list: curl-style ";" lists, one per
// line, the JSON of Check Point's `api fingerprint -f json`, and its text
// output with headings. Each item is parsed by the caller.
import { InvalidFingerprintError } from "./errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import type { HashAlgorithm } from "./types.ts";
import { looksLikeWordList } from "./words.ts";
import { cleanText, quoteForMessage } from "./_text.ts";

/** One fingerprint found in a list, and where it was. */
export interface ListItem {
  /** The fingerprint text, as it was in the input. */
  text: string;
  /** Its location for messages: `line 3` or `element 1, "fingerprint-sha1"`. */
  where: string;
  /** The algorithm a JSON key names, which the value must have. */
  algorithm?: HashAlgorithm;
}

// Keys of `api fingerprint -f json` objects and the algorithm each holds.
const JSON_KEYS: Readonly<Record<string, HashAlgorithm>> = {
  "fingerprint-sha1": "SHA-1",
  "fingerprint-sha256": "SHA-256",
};

// Signs that a line is meant as a fingerprint, so that a broken one raises
// instead of being skipped as a heading or a sentence. The signs are a run
// of hex bytes, a known label with a value, a long base64 run, or a pin form.
const FINGERPRINT_SIGNS: readonly RegExp[] = [
  /[0-9a-f]{2}(?:[:\- ][0-9a-f]{2}){3,}/i,
  /[0-9a-f]{16,}/i,
  /^(?:sha-?\d+|md5|pin-sha\d*|words)\s*[:=/]/i,
  /^(?:sha-?\d+|md5)\s+\S/i,
  /(?:fingerprint|thumbprint)\s*[:=]\s*\S/i,
  /^using\s+english\s+words\s*:\s*\S/i,
  /[A-Za-z0-9+/]{27,}={0,2}/,
];

// Directives of a Public-Key-Pins header, which sit between the pins.
const HPKP_DIRECTIVE =
  /^(?:max-age\s*=.*|includeSubDomains|report-uri\s*=.*)$/i;

/**
 * Splits a pasted list into fingerprint items.
 *
 * @throws {InvalidFingerprintError} When the input is empty, or is JSON that
 * cannot be read or has no fingerprint keys.
 */
export function listItems(text: string): ListItem[] {
  const clean = cleanText(text).text.trim();
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

function textItems(text: string): ListItem[] {
  const items: ListItem[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, index) => {
    const clean = cleanText(line).text.trim();
    if (!isFingerprintLine(clean)) return;
    const where = `line ${index + 1}`;
    const body = line.replace(/^\s*Public-Key-Pins(?:-Report-Only)?\s*:/i, "");
    for (const segment of body.split(";")) {
      const segmentText = cleanText(segment).text.trim();
      if (segmentText === "" || HPKP_DIRECTIVE.test(segmentText)) continue;
      items.push({ text: segment, where });
    }
  });
  return items;
}

// Empty lines, comments, headings such as "Fingerprint:" and sentences
// without any sign of a fingerprint carry none.
function isFingerprintLine(line: string): boolean {
  if (line === "" || line.startsWith("#")) return false;
  if (/^[^:=]{1,60}:$/.test(line)) return false;
  return FINGERPRINT_SIGNS.some((sign) => sign.test(line)) ||
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
    if (seen.has(pin.text)) continue;
    seen.add(pin.text);
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

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}
